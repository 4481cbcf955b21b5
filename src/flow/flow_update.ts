/**
 * Per-packet flow updates (spec §3.7–§3.10, §4.2): what one packet adds to a
 * flow slot. Pure arithmetic on the slab; nothing allocated.
 */
import {
  ACC_ACTIVE,
  ACC_ALL_LEN,
  ACC_BWD_IAT,
  ACC_BWD_LEN,
  ACC_FLOW_IAT,
  ACC_FWD_IAT,
  ACC_FWD_LEN,
  ACC_IDLE,
  accAdd,
  ACT_DATA_FWD,
  ACT_END,
  ACT_START,
  B_BYTES,
  B_CAND_BYTES,
  B_CAND_COUNT,
  B_CAND_START,
  B_COUNT,
  B_HAS_CAND,
  B_LAST_DATA,
  B_PKTS,
  BULK_BWD,
  BULK_DUR_BWD,
  BULK_DUR_FWD,
  BULK_FWD,
  BWD_BYTES,
  BWD_HDR,
  BWD_LAST,
  BWD_PKTS,
  BWD_PSH,
  BWD_URG,
  BWD_WIN_SET,
  FIRST_FLAGS,
  FWD_BYTES,
  FWD_HDR,
  FWD_LAST,
  FWD_PKTS,
  FWD_PSH,
  FWD_URG,
  ICMP_CODE,
  ICMP_TYPE,
  INIT_WIN_BWD,
  INIT_WIN_FWD,
  MIN_SEG_FWD,
  N_ACK,
  N_CWR,
  N_ECE,
  N_FIN,
  N_PSH,
  N_RST,
  N_SYN,
  N_URG,
  SUBFLOW_GAPS,
  T_FIRST,
  T_LAST,
} from "./flow_slab.ts";
import type { FlowPacket } from "./flow_packet.ts";
import { SUBFLOW_GAP_US } from "./profile.ts";
import { TcpFlag } from "../pcap/packet.ts";

/** Sets the times and "no value" defaults of a fresh flow whose first packet is `p`. */
export function startFlow(c: Float64Array, b: number, p: FlowPacket): void {
  c[b + T_FIRST] = p.t;
  c[b + T_LAST] = p.t;
  c[b + ACT_START] = p.t;
  c[b + ACT_END] = p.t;
  c[b + INIT_WIN_FWD] = -1;
  c[b + INIT_WIN_BWD] = -1;
  c[b + FIRST_FLAGS] = p.flags;
  c[b + ICMP_TYPE] = p.icmpType;
  c[b + ICMP_CODE] = p.icmpCode;
  c[b + BULK_FWD + B_LAST_DATA] = -Infinity;
  c[b + BULK_BWD + B_LAST_DATA] = -Infinity;
}

/**
 * Active/Idle bookkeeping before a later packet at `t` (spec §3.7): a gap
 * longer than the activity timeout closes the active period and records
 * the idle gap.
 */
export function updateActiveIdle(c: Float64Array, b: number, t: number, activityTimeoutUs: number): void {
  const gap = t - c[b + ACT_END];
  if (gap > activityTimeoutUs) {
    const active = c[b + ACT_END] - c[b + ACT_START];
    if (active > 0) accAdd(c, b + ACC_ACTIVE, active);
    accAdd(c, b + ACC_IDLE, gap);
    c[b + ACT_START] = t;
    c[b + ACT_END] = t;
  } else {
    c[b + ACT_END] = t;
  }
}

/**
 * Adds packet `p` to the flow in direction `fwd`. `first` marks the flow's
 * first packet; `legacy` selects the cic2017 quirks (Q5, Q8, Q10, Q11).
 */
export function addToFlow(
  c: Float64Array,
  b: number,
  p: FlowPacket,
  fwd: boolean,
  first: boolean,
  legacy: boolean,
): void {
  const t = p.t;
  const pl = p.payload;
  if (!first) {
    const gap = t - c[b + T_LAST];
    accAdd(c, b + ACC_FLOW_IAT, gap);
    if (gap > SUBFLOW_GAP_US) c[b + SUBFLOW_GAPS]++;
    c[b + T_LAST] = t;
  }
  accAdd(c, b + ACC_ALL_LEN, pl);
  if (first && legacy) accAdd(c, b + ACC_ALL_LEN, pl); // Q8: the first packet counted twice

  const flags = p.flags;
  if (flags !== 0) countFlags(c, b, flags, fwd);

  if (fwd) {
    const n = ++c[b + FWD_PKTS];
    c[b + FWD_BYTES] += pl;
    c[b + FWD_HDR] += p.hdr;
    accAdd(c, b + ACC_FWD_LEN, pl);
    if (n > 1) accAdd(c, b + ACC_FWD_IAT, t - c[b + FWD_LAST]);
    c[b + FWD_LAST] = t;
    if (n === 1 || p.hdr < c[b + MIN_SEG_FWD]) c[b + MIN_SEG_FWD] = p.hdr;
    if (pl >= 1 && !(first && legacy)) c[b + ACT_DATA_FWD]++; // Q10
    if (legacy ? first : (p.isTcp && c[b + INIT_WIN_FWD] < 0)) c[b + INIT_WIN_FWD] = p.window;
  } else {
    const n = ++c[b + BWD_PKTS];
    c[b + BWD_BYTES] += pl;
    c[b + BWD_HDR] += p.hdr;
    accAdd(c, b + ACC_BWD_LEN, pl);
    if (n > 1) accAdd(c, b + ACC_BWD_IAT, t - c[b + BWD_LAST]);
    c[b + BWD_LAST] = t;
    if (legacy) {
      c[b + INIT_WIN_BWD] = p.window; // Q11: the last backward window
    } else if (p.isTcp && c[b + BWD_WIN_SET] === 0) {
      c[b + INIT_WIN_BWD] = p.window;
      c[b + BWD_WIN_SET] = 1;
    }
  }
  if (!legacy) {
    updateBulk(
      c,
      b,
      t,
      pl,
      fwd ? BULK_FWD : BULK_BWD,
      fwd ? BULK_BWD : BULK_FWD,
      fwd ? BULK_DUR_FWD : BULK_DUR_BWD,
    );
  }
}

function countFlags(c: Float64Array, b: number, flags: number, fwd: boolean): void {
  if (flags & TcpFlag.FIN) c[b + N_FIN]++;
  if (flags & TcpFlag.SYN) c[b + N_SYN]++;
  if (flags & TcpFlag.RST) c[b + N_RST]++;
  if (flags & TcpFlag.PSH) {
    c[b + N_PSH]++;
    c[b + (fwd ? FWD_PSH : BWD_PSH)]++;
  }
  if (flags & TcpFlag.ACK) c[b + N_ACK]++;
  if (flags & TcpFlag.URG) {
    c[b + N_URG]++;
    c[b + (fwd ? FWD_URG : BWD_URG)]++;
  }
  if (flags & TcpFlag.ECE) c[b + N_ECE]++;
  if (flags & TcpFlag.CWR) c[b + N_CWR]++;
}

/** Bulk state machine for one direction (spec §3.9; `d` this direction's block, `o` the other's). */
function updateBulk(
  c: Float64Array,
  b: number,
  t: number,
  pl: number,
  d: number,
  o: number,
  dur: number,
): void {
  const bd = b + d;
  if (c[bd + B_HAS_CAND] === 1 && c[b + o + B_LAST_DATA] > c[bd + B_CAND_START]) c[bd + B_HAS_CAND] = 0;
  if (pl <= 0) return;
  if (c[bd + B_HAS_CAND] === 0 || t - c[bd + B_LAST_DATA] > SUBFLOW_GAP_US) {
    c[bd + B_HAS_CAND] = 1;
    c[bd + B_CAND_START] = t;
    c[bd + B_CAND_COUNT] = 1;
    c[bd + B_CAND_BYTES] = pl;
  } else {
    const count = ++c[bd + B_CAND_COUNT];
    c[bd + B_CAND_BYTES] += pl;
    if (count === 4) {
      c[bd + B_COUNT]++;
      c[bd + B_PKTS] += 4;
      c[bd + B_BYTES] += c[bd + B_CAND_BYTES];
      c[b + dur] += t - c[bd + B_CAND_START];
    } else if (count > 4) {
      c[bd + B_PKTS]++;
      c[bd + B_BYTES] += pl;
      c[b + dur] += t - c[bd + B_LAST_DATA];
    }
  }
  c[bd + B_LAST_DATA] = t;
}

/** Packets in the flow. */
export function packetCount(c: Float64Array, b: number): number {
  return c[b + FWD_PKTS] + c[b + BWD_PKTS];
}
