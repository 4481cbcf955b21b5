/**
 * HTTP-flood rule (after the Live Traffic Capture Tool seed, with its
 * self-blocking bug fixed): an IP that sends from a web port is a server; a
 * non-server source with at least `threshold` distinct flows to web ports in
 * the window is an attacker; every flow from an attacker is Attack.
 * Connections are flows that start one (`isNewConnection`: a TCP flow with a
 * SYN), so the second flow the cic2017 profile makes of a connection's FIN
 * tail is not counted twice.
 */
import {
  type Attacker,
  isNewConnection,
  labelBySource,
  type LabelFlow,
  type LabelRule,
  type WindowLabels,
} from "./rule.ts";

export interface HttpFloodOptions {
  /** Ports that identify web servers (default 80, 443, 8080). */
  webPorts?: number[];
  /** Minimum distinct flows to web ports from one source (default 50). */
  threshold?: number;
}

export const DEFAULT_WEB_PORTS: readonly number[] = [80, 443, 8080];
export const DEFAULT_FLOOD_THRESHOLD = 50;

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpFloodRule } from "./http_flood.ts";
 * const tcp = { dstIp: "10.0.0.1", dstPort: 80, protocol: 6 };
 * const flood = Array.from({ length: 60 }, (_, i) => ({ ...tcp, srcIp: "10.0.0.9", srcPort: 40000 + i }));
 * const visitor = { ...tcp, srcIp: "10.0.0.7", srcPort: 50000 };
 * const result = new HttpFloodRule({ threshold: 50 }).label([...flood, visitor]);
 * assert.deepEqual(result.attackers, [{ ip: "10.0.0.9", connections: 60 }]);
 * assert.deepEqual([result.labels[0], result.labels[60]], ["Attack", "Benign"]);
 * ```
 */
export class HttpFloodRule implements LabelRule {
  readonly name = "http-flood";
  readonly webPorts: ReadonlySet<number>;
  readonly threshold: number;

  constructor(options: HttpFloodOptions = {}) {
    this.webPorts = new Set(options.webPorts ?? DEFAULT_WEB_PORTS);
    this.threshold = options.threshold ?? DEFAULT_FLOOD_THRESHOLD;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) {
      throw new RangeError(`flood threshold must be a positive integer, got ${options.threshold}`);
    }
  }

  label(flows: readonly LabelFlow[]): WindowLabels {
    const servers = new Set<string>();
    for (const f of flows) {
      // A flow's source is the side that sent first; a server answering
      // shows up as the destination, but a flow started from a web port also counts.
      if (this.webPorts.has(f.srcPort)) servers.add(f.srcIp);
      if (this.webPorts.has(f.dstPort) && (f.totalBwdPackets ?? 1) > 0) servers.add(f.dstIp);
    }
    const counts = new Map<string, number>();
    for (const f of flows) {
      if (!this.webPorts.has(f.dstPort) || servers.has(f.srcIp) || !isNewConnection(f)) continue;
      counts.set(f.srcIp, (counts.get(f.srcIp) ?? 0) + 1);
    }
    const attackers: Attacker[] = [];
    for (const [ip, connections] of counts) {
      if (connections >= this.threshold) attackers.push({ ip, connections });
    }
    return labelBySource(flows, attackers);
  }
}
