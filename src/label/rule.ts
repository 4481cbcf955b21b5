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
  /** Count of packets with SYN set in the flow (optional; used by the SYN-flood rule). */
  synFlagCount?: number;
  /** Count of packets with ACK set in the flow (optional). */
  ackFlagCount?: number;
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

/** Labels every flow whose source is in `attackers` as Attack, others Benign. */
export function labelBySource(flows: readonly LabelFlow[], attackers: Attacker[]): WindowLabels {
  const bad = new Set(attackers.map((a) => a.ip));
  return {
    labels: flows.map((f) => bad.has(f.srcIp) ? ATTACK : BENIGN),
    attackers: attackers.sort((a, b) => b.connections - a.connections || (a.ip < b.ip ? -1 : 1)),
  };
}
