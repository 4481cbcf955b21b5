/**
 * Window labeling rules: given every flow seen in one capture window, decide
 * a label per flow. A rule sees only the minimal flow shape below, which the
 * flow engine's FlowRecord satisfies.
 */

/** The fields a labeling rule needs from a finished flow. */
export interface LabelFlow {
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** IP protocol number (6 TCP, 17 UDP). */
  protocol: number;
  /**
   * Packets of the flow carrying each TCP flag, whatever the profile
   * (FlowRecord.flagPackets). Not the `synFlagCount` column: in the cic2017
   * profile that holds the first packet's flags permuted. Optional: flows
   * without it count as carrying a SYN where a rule asks.
   */
  flagPackets?: { syn: number };
  /** Packets in the backward direction (optional). */
  totalBwdPackets?: number;
}

/** One source judged an attacker, with the evidence. */
export interface Attacker {
  ip: string;
  /** Distinct flows (connections) that made it an attacker. */
  connections: number;
}

/** The result of labeling one window. */
export interface WindowLabels {
  /** One label per input flow, same order. */
  labels: string[];
  attackers: Attacker[];
}

/** A labeling rule applied to a whole window of flows. */
export interface LabelRule {
  readonly name: string;
  label(flows: readonly LabelFlow[]): WindowLabels;
}

export const ATTACK = "Attack";
export const BENIGN = "Benign";

/**
 * True when a flow is a connection of its own: any UDP/ICMP flow, and a TCP
 * flow that carries a SYN. In the cic2017 profile a connection is split at
 * its first FIN and the tail (FIN/ACK after it) is a second flow without a
 * SYN; a flow split by the timeout or a window end continues without one too.
 * Flows that do not say (no `flagPackets`) count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNewConnection } from "./rule.ts";
 * assert.deepEqual(isNewConnection({ srcIp: "10.0.0.2", dstIp: "10.0.0.1", srcPort: 40000, dstPort: 80, protocol: 6, flagPackets: { syn: 0 } }), false);
 * ```
 */
export function isNewConnection(f: LabelFlow): boolean {
  return f.protocol !== 6 || f.flagPackets === undefined || f.flagPackets.syn > 0;
}

/** Labels every flow whose source is in `attackers` as Attack, others Benign. */
export function labelBySource(flows: readonly LabelFlow[], attackers: Attacker[]): WindowLabels {
  const bad = new Set(attackers.map((a) => a.ip));
  return {
    labels: flows.map((f) => bad.has(f.srcIp) ? ATTACK : BENIGN),
    attackers: attackers.sort((a, b) => b.connections - a.connections || (a.ip < b.ip ? -1 : 1)),
  };
}
