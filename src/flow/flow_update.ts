/**
 * Per-packet flow updates (spec §3.7–§3.10, §4.2): what one packet adds to a
 * flow slot. Pure arithmetic on the slab; nothing allocated.
 */
import {
  accAdd,
  ACTIVITY,
  add,
  BULK,
  BULK_CELL,
  BULK_TIME,
  bulkAdd,
  type BulkBlock,
  bulkGet,
  bulkIncrement,
  bulkSet,
  type Cell,
  COUNT,
  FLAG,
  type FlowBase,
  get,
  IAT,
  ICMP,
  increment,
  LENGTH,
  set,
  TIME,
  WINDOW,
} from "./flow_slab.ts";
import type { FlowPacket } from "./flow_packet.ts";
import { SUBFLOW_GAP_US } from "./profile.ts";
import { TcpFlag } from "../pcap/packet.ts";

/** Sets the times and "no value" defaults of a fresh flow whose first packet is `p`. */
export function startFlow(c: Float64Array, b: FlowBase, p: FlowPacket): void {
  set(c, b, TIME.first, p.t);
  set(c, b, TIME.last, p.t);
  set(c, b, TIME.activeStart, p.t);
  set(c, b, TIME.activeEnd, p.t);
  set(c, b, WINDOW.initWinFwd, -1);
  set(c, b, WINDOW.initWinBwd, -1);
  set(c, b, FLAG.first, p.flags);
  set(c, b, ICMP.type, p.icmpType);
  set(c, b, ICMP.code, p.icmpCode);
  bulkSet(c, b, BULK.fwd, BULK_CELL.lastData, -Infinity);
  bulkSet(c, b, BULK.bwd, BULK_CELL.lastData, -Infinity);
}

/**
 * Active/Idle bookkeeping before a later packet `p` (spec §3.7): a gap
 * longer than the activity timeout closes the active period and records
 * the idle gap. (The packet, not its time, is passed: a time is a double
 * that a call the optimizer does not inline would box on every packet.)
 */
export function updateActiveIdle(
  c: Float64Array,
  b: FlowBase,
  p: FlowPacket,
  activityTimeoutUs: number,
): void {
  const t = p.t;
  const gap = t - get(c, b, TIME.activeEnd);
  if (gap > activityTimeoutUs) {
    const active = get(c, b, TIME.activeEnd) - get(c, b, TIME.activeStart);
    if (active > 0) accAdd(c, b, ACTIVITY.active, active);
    accAdd(c, b, ACTIVITY.idle, gap);
    set(c, b, TIME.activeStart, t);
    set(c, b, TIME.activeEnd, t);
  } else {
    set(c, b, TIME.activeEnd, t);
  }
}

/**
 * Adds packet `p` to the flow in direction `fwd`. `first` marks the flow's
 * first packet; `legacy` selects the cic2017 quirks (Q5, Q8, Q10, Q11).
 */
export function addToFlow(
  c: Float64Array,
  b: FlowBase,
  p: FlowPacket,
  fwd: boolean,
  first: boolean,
  legacy: boolean,
): void {
  const t = p.t;
  const pl = p.payload;
  if (!first) {
    const gap = t - get(c, b, TIME.last);
    accAdd(c, b, IAT.flow, gap);
    if (gap > SUBFLOW_GAP_US) increment(c, b, COUNT.subflowGaps);
    set(c, b, TIME.last, t);
  }
  accAdd(c, b, LENGTH.all, pl);
  if (first && legacy) accAdd(c, b, LENGTH.all, pl); // Q8: the first packet counted twice

  const flags = p.flags;
  if (flags !== 0) countFlags(c, b, flags, fwd);

  if (fwd) {
    const n = increment(c, b, COUNT.fwdPackets);
    add(c, b, COUNT.fwdBytes, pl);
    add(c, b, COUNT.fwdHeaderBytes, p.hdr);
    accAdd(c, b, LENGTH.fwd, pl);
    if (n > 1) accAdd(c, b, IAT.fwd, t - get(c, b, TIME.fwdLast));
    set(c, b, TIME.fwdLast, t);
    if (n === 1 || p.hdr < get(c, b, WINDOW.minFwdHeader)) set(c, b, WINDOW.minFwdHeader, p.hdr);
    if (pl >= 1 && !(first && legacy)) increment(c, b, COUNT.fwdDataPackets); // Q10
    if (legacy ? first : (p.isTcp && get(c, b, WINDOW.initWinFwd) < 0)) {
      set(c, b, WINDOW.initWinFwd, p.window);
    }
  } else {
    const n = increment(c, b, COUNT.bwdPackets);
    add(c, b, COUNT.bwdBytes, pl);
    add(c, b, COUNT.bwdHeaderBytes, p.hdr);
    accAdd(c, b, LENGTH.bwd, pl);
    if (n > 1) accAdd(c, b, IAT.bwd, t - get(c, b, TIME.bwdLast));
    set(c, b, TIME.bwdLast, t);
    if (legacy) {
      set(c, b, WINDOW.initWinBwd, p.window); // Q11: the last backward window
    } else if (p.isTcp && get(c, b, WINDOW.bwdWinSet) === 0) {
      set(c, b, WINDOW.initWinBwd, p.window);
      set(c, b, WINDOW.bwdWinSet, 1);
    }
  }
  if (!legacy) {
    updateBulk(
      c,
      b,
      t,
      pl,
      fwd ? BULK.fwd : BULK.bwd,
      fwd ? BULK.bwd : BULK.fwd,
      fwd ? BULK_TIME.fwd : BULK_TIME.bwd,
    );
  }
}

function countFlags(c: Float64Array, b: FlowBase, flags: number, fwd: boolean): void {
  if (flags & TcpFlag.FIN) increment(c, b, FLAG.fin);
  if (flags & TcpFlag.SYN) increment(c, b, FLAG.syn);
  if (flags & TcpFlag.RST) increment(c, b, FLAG.rst);
  if (flags & TcpFlag.PSH) {
    increment(c, b, FLAG.psh);
    increment(c, b, fwd ? FLAG.fwdPsh : FLAG.bwdPsh);
  }
  if (flags & TcpFlag.ACK) increment(c, b, FLAG.ack);
  if (flags & TcpFlag.URG) {
    increment(c, b, FLAG.urg);
    increment(c, b, fwd ? FLAG.fwdUrg : FLAG.bwdUrg);
  }
  if (flags & TcpFlag.ECE) increment(c, b, FLAG.ece);
  if (flags & TcpFlag.CWR) increment(c, b, FLAG.cwr);
}

/**
 * Bulk state machine for one direction (spec §3.9): `d` is this direction's
 * block, `o` the other direction's, `dur` this direction's bulk duration.
 */
function updateBulk(
  c: Float64Array,
  b: FlowBase,
  t: number,
  pl: number,
  d: BulkBlock,
  o: BulkBlock,
  dur: Cell<"bulkTime">,
): void {
  const { hasCandidate, candidateStart, candidateCount, candidateBytes, lastData } = BULK_CELL;
  if (
    bulkGet(c, b, d, hasCandidate) === 1 && bulkGet(c, b, o, lastData) > bulkGet(c, b, d, candidateStart)
  ) bulkSet(c, b, d, hasCandidate, 0);
  if (pl <= 0) return;
  if (bulkGet(c, b, d, hasCandidate) === 0 || t - bulkGet(c, b, d, lastData) > SUBFLOW_GAP_US) {
    bulkSet(c, b, d, hasCandidate, 1);
    bulkSet(c, b, d, candidateStart, t);
    bulkSet(c, b, d, candidateCount, 1);
    bulkSet(c, b, d, candidateBytes, pl);
  } else {
    const count = bulkIncrement(c, b, d, candidateCount);
    bulkAdd(c, b, d, candidateBytes, pl);
    if (count === 4) {
      bulkIncrement(c, b, d, BULK_CELL.count);
      bulkAdd(c, b, d, BULK_CELL.packets, 4);
      bulkAdd(c, b, d, BULK_CELL.bytes, bulkGet(c, b, d, candidateBytes));
      add(c, b, dur, t - bulkGet(c, b, d, candidateStart));
    } else if (count > 4) {
      bulkIncrement(c, b, d, BULK_CELL.packets);
      bulkAdd(c, b, d, BULK_CELL.bytes, pl);
      add(c, b, dur, t - bulkGet(c, b, d, lastData));
    }
  }
  bulkSet(c, b, d, lastData, t);
}

/** Packets in the flow. */
export function packetCount(c: Float64Array, b: FlowBase): number {
  return get(c, b, COUNT.fwdPackets) + get(c, b, COUNT.bwdPackets);
}
