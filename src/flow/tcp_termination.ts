/**
 * TCP termination (spec §3.4): each flow's FIN/RST progress is one named
 * state, kept in the slab's `tcp.state` cell and moved by `updateTcpState`
 * alone. `nextTcpState` is the whole state machine, a pure function, so a
 * reader finds every way a connection becomes ready to close in one place.
 *
 * A flow that is ready (ReadyFin, ReadyRst) stays so until the meter ends it:
 * at the next SYN, after the termination grace period (corrected), on
 * timeout or at the end of input. cic2017 does not use this state: its first
 * FIN ends the flow at once (Q13).
 *
 * @example A FIN from each side, then an ACK
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextTcpState, TcpRules, TcpState } from "./tcp_termination.ts";
 * const FIN = 0x01, ACK = 0x10;
 * let s: TcpState = TcpState.Open;
 * s = nextTcpState(s, FIN | ACK, true, TcpRules.Corrected);
 * s = nextTcpState(s, FIN | ACK, false, TcpRules.Corrected);
 * assert.equal(s, TcpState.FinBoth);
 * assert.equal(nextTcpState(s, ACK, true, TcpRules.Corrected), TcpState.ReadyFin);
 * ```
 */
import { TcpFlag } from "../pcap/packet.ts";
import type { FlowEndReason } from "./flow_record.ts";
import { type FlowBase, get, TCP } from "./flow_slab.ts";

// The states are bit sets: the sides that sent a FIN (1 forward, 2 backward), the engelen fork's
// own FIN count (4 first FIN, 8 second FIN), and ready to close (16 after FINs, 32 after an RST).
const FIN_FWD = 1;
const FIN_BWD = 2;
const FIN_BOTH = 3;
const FIRST_FIN = 4;
const SECOND_FIN = 8;

/** A flow's TCP termination state. */
export const TcpState = {
  /** No FIN or RST yet (a fresh slot is zeroed: every flow starts here). */
  Open: 0,
  /** A FIN from the forward side only. */
  FinFwd: FIN_FWD,
  /** A FIN from the backward side only. */
  FinBwd: FIN_BWD,
  /** A FIN from both sides; corrected: the next ACK makes the flow ready. */
  FinBoth: FIN_BOTH,
  /** engelen: the fork counted a first FIN; the forward side has sent one. */
  FirstFinFwd: FIRST_FIN | FIN_FWD,
  /** engelen: the fork counted a first FIN; the backward side has sent one. */
  FirstFinBwd: FIRST_FIN | FIN_BWD,
  /** engelen: the fork counted a first FIN; both sides have sent one. */
  FirstFinBoth: FIRST_FIN | FIN_BOTH,
  /** engelen: a FIN after the first, with both sides' FINs seen; the next ACK makes the flow ready. */
  SecondFin: SECOND_FIN | FIN_BOTH,
  /** Ready to close: the FIN exchange and a final ACK. */
  ReadyFin: 16,
  /** Ready to close: an RST. */
  ReadyRst: 32,
} as const;
export type TcpState = typeof TcpState[keyof typeof TcpState];

/** Which rules move the state for a packet. */
export const TcpRules = {
  /** corrected, every packet of a TCP flow: RST, else FINs from both sides then an ACK. */
  Corrected: 0,
  /** engelen, a flow's first packet: a FIN is noted per side, nothing else counts. */
  EngelenFirst: 1,
  /** engelen, a later packet: the fork's FIN, else RST, else ACK steps (GintsEngelen 4dd5319). */
  Engelen: 2,
} as const;
export type TcpRules = typeof TcpRules[keyof typeof TcpRules];

/** The state after a packet with TCP `flags` from the forward (`fwd`) or backward side. */
export function nextTcpState(state: TcpState, flags: number, fwd: boolean, rules: TcpRules): TcpState {
  if (state >= TcpState.ReadyFin) return state; // ready: nothing moves it until the flow ends
  const fin = (flags & TcpFlag.FIN) !== 0;
  const seen = (fin ? state | (fwd ? FIN_FWD : FIN_BWD) : state) as TcpState;
  if (rules === TcpRules.Corrected) {
    if (flags & TcpFlag.RST) return TcpState.ReadyRst;
    // The ACK counts only when both FINs came before it (E: a FIN+ACK from the second side does not).
    if ((flags & TcpFlag.ACK) && state === TcpState.FinBoth) return TcpState.ReadyFin;
    return seen;
  }
  if (rules === TcpRules.EngelenFirst) return seen;
  // The fork tests FIN first: any FIN is its first FIN; a FIN after that, once both sides have
  // sent one (this packet included), its second.
  if (fin) {
    if (state < FIRST_FIN) return (seen | FIRST_FIN) as TcpState;
    if (state < SECOND_FIN && (seen & FIN_BOTH) === FIN_BOTH) return TcpState.SecondFin;
    return seen;
  }
  if (flags & TcpFlag.RST) return TcpState.ReadyRst;
  if ((flags & TcpFlag.ACK) && state === TcpState.SecondFin) return TcpState.ReadyFin;
  return state;
}

/**
 * False when no rule set can move `state` for a packet with TCP `flags`: a
 * flow with no FIN or RST yet changes only at a FIN or an RST. The meter
 * tests this per packet before the full step, which most packets (mid-
 * connection data and ACKs) then skip: about 5% of a `corrected` conversion.
 */
export function mayChangeTcpState(state: TcpState, flags: number): boolean {
  return state !== TcpState.Open || (flags & (TcpFlag.FIN | TcpFlag.RST)) !== 0;
}

/** The TCP termination state of the flow at `b`. */
export function tcpState(c: Float64Array, b: FlowBase): TcpState {
  return get(c, b, TCP.state) as TcpState;
}

/**
 * Moves the flow's state for one packet: the only writer of `tcp.state`.
 * Returns true when the flow has just become ready to close.
 */
export function updateTcpState(
  c: Float64Array,
  b: FlowBase,
  flags: number,
  fwd: boolean,
  rules: TcpRules,
): boolean {
  const state = tcpState(c, b);
  const next = nextTcpState(state, flags, fwd, rules);
  if (next === state) return false;
  c[b + TCP.state] = next;
  return next >= TcpState.ReadyFin;
}

/** The flow saw its FIN exchange and final ACK, or an RST. */
export function isReadyToClose(state: TcpState): boolean {
  return state >= TcpState.ReadyFin;
}

/** Why a flow in `state` ends when the meter closes it: "fin", "rst", or "end" when it was not ready. */
export function closeReason(state: TcpState): FlowEndReason {
  return state === TcpState.ReadyRst ? "rst" : state === TcpState.ReadyFin ? "fin" : "end";
}
