/**
 * The `engelen` profile's per-flow rules where the Engelen et al. fork
 * (GintsEngelen/CICFlowMeter 4dd5319: FlowGenerator.addPacket,
 * BasicFlow.firstPacket/addPacket) differs from `corrected`. Pure arithmetic
 * on a flow slot; nothing allocated.
 */
import { TcpFlag } from "../pcap/packet.ts";
import type { FlowPacket } from "./flow_packet.ts";
import {
  BWD_WIN_SET,
  E_TCP_STATE,
  FIN_BWD,
  FIN_FWD,
  FWD_PKTS,
  INIT_WIN_BWD,
  INIT_WIN_FWD,
  MIN_SEG_FWD,
  READY,
} from "./flow_slab.ts";

const FIRST_FIN = 1;
const SECOND_FIN = 2;

/**
 * Corrects what `addToFlow` wrote to the fork's values: the forward window
 * is the first packet's when it is forward, else 0; the backward window is
 * the first backward packet's, replaced while it is 0; the forward minimum
 * header starts at 0 when the first packet was backward; FINs are counted
 * per direction from the first packet on.
 */
export function engelenAfterAdd(
  c: Float64Array,
  b: number,
  p: FlowPacket,
  fwd: boolean,
  first: boolean,
): void {
  if (first) {
    c[b + INIT_WIN_FWD] = fwd ? p.window : 0;
    c[b + INIT_WIN_BWD] = fwd ? 0 : p.window;
    c[b + BWD_WIN_SET] = 1; // the corrected first-backward rule must not write
  } else if (fwd) {
    if (c[b + FWD_PKTS] === 1) c[b + MIN_SEG_FWD] = 0; // Math.min(header, 0) in the fork
  } else if (c[b + INIT_WIN_BWD] === 0) {
    c[b + INIT_WIN_BWD] = p.window;
  }
  if (p.flags & TcpFlag.FIN) c[b + (fwd ? FIN_FWD : FIN_BWD)] = 1;
}

/**
 * The fork's TCP state after a later packet was added (FIN, else RST, else
 * ACK): a first FIN; a FIN once both sides have sent one; then an ACK, or
 * any RST, makes the flow ready for termination. Returns the READY value to
 * set (`readyFin` or `readyRst`) or 0.
 */
export function engelenTcpStep(
  c: Float64Array,
  b: number,
  flags: number,
  readyFin: number,
  readyRst: number,
): number {
  if (c[b + READY] !== 0) return 0;
  const state = c[b + E_TCP_STATE];
  if (flags & TcpFlag.FIN) {
    if (state === 0) c[b + E_TCP_STATE] = FIRST_FIN;
    else if (state === FIRST_FIN && c[b + FIN_FWD] === 1 && c[b + FIN_BWD] === 1) {
      c[b + E_TCP_STATE] = SECOND_FIN;
    }
    return 0;
  }
  if (flags & TcpFlag.RST) return readyRst;
  if ((flags & TcpFlag.ACK) && state === SECOND_FIN) return readyFin;
  return 0;
}
