/**
 * The `engelen` profile's per-flow rules where the Engelen et al. fork
 * (GintsEngelen/CICFlowMeter 4dd5319: FlowGenerator.addPacket,
 * BasicFlow.firstPacket/addPacket) differs from `corrected`. Pure arithmetic
 * on a flow slot; nothing allocated. The fork's TCP state is in
 * tcp_termination.ts (TcpRules.Engelen).
 */
import type { FlowPacket } from "./flow_packet.ts";
import { COUNT, type FlowBase, get, set, WINDOW } from "./flow_slab.ts";

/**
 * Corrects what `addToFlow` wrote to the fork's values: the forward window
 * is the first packet's when it is forward, else 0; the backward window is
 * the first backward packet's, replaced while it is 0; the forward minimum
 * header starts at 0 when the first packet was backward.
 */
export function engelenAfterAdd(
  c: Float64Array,
  b: FlowBase,
  p: FlowPacket,
  fwd: boolean,
  first: boolean,
): void {
  if (first) {
    set(c, b, WINDOW.initWinFwd, fwd ? p.window : 0);
    set(c, b, WINDOW.initWinBwd, fwd ? 0 : p.window);
    set(c, b, WINDOW.bwdWinSet, 1); // the corrected first-backward rule must not write
  } else if (fwd) {
    if (get(c, b, COUNT.fwdPackets) === 1) set(c, b, WINDOW.minFwdHeader, 0); // Math.min(header, 0) in the fork
  } else if (get(c, b, WINDOW.initWinBwd) === 0) {
    set(c, b, WINDOW.initWinBwd, p.window);
  }
}
