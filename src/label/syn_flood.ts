/**
 * SYN-flood rule: a source with at least `threshold` TCP flows in the window
 * that carried a SYN (`flagPackets.syn`, the real per-packet count, not the
 * cic2017 `synFlagCount` column) and never got an answer (no backward
 * packets) is an
 * attacker; every flow from it is Attack. Sources that receive on a port they
 * also serve from are not excluded here: half-open counting already ignores
 * answered connections.
 */
import { type Attacker, labelBySource, type LabelFlow, type LabelRule, type WindowLabels } from "./rule.ts";

export interface SynFloodOptions {
  /** Minimum half-open TCP flows from one source (default 100). */
  threshold?: number;
}

export const DEFAULT_SYN_THRESHOLD = 100;

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SynFloodRule } from "./syn_flood.ts";
 * // 140 half-open connections (SYN, no reply) from one source.
 * const flows = Array.from({ length: 140 }, (_, i) => ({
 *   srcIp: "10.0.0.6", dstIp: "10.0.0.1", srcPort: 40000 + i, dstPort: 80, protocol: 6, totalBwdPackets: 0,
 *   flagPackets: { fin: 0, syn: 1, rst: 0, psh: 0, ack: 0, urg: 0, cwr: 0, ece: 0 },
 * }));
 * assert.deepEqual(new SynFloodRule({ threshold: 100 }).label(flows).attackers, [{ ip: "10.0.0.6", connections: 140 }]);
 * ```
 */
export class SynFloodRule implements LabelRule {
  readonly name = "syn-flood";
  readonly threshold: number;

  constructor(options: SynFloodOptions = {}) {
    this.threshold = options.threshold ?? DEFAULT_SYN_THRESHOLD;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) {
      throw new RangeError(`SYN-flood threshold must be a positive integer, got ${options.threshold}`);
    }
  }

  label(flows: readonly LabelFlow[]): WindowLabels {
    const counts = new Map<string, number>();
    for (const f of flows) {
      if (f.protocol !== 6 || (f.flagPackets?.syn ?? 0) === 0 || (f.totalBwdPackets ?? 0) > 0) continue;
      counts.set(f.srcIp, (counts.get(f.srcIp) ?? 0) + 1);
    }
    const attackers: Attacker[] = [];
    for (const [ip, connections] of counts) {
      if (connections >= this.threshold) attackers.push({ ip, connections });
    }
    return labelBySource(flows, attackers);
  }
}
