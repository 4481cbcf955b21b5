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

// The offsets of the cells a packet touches, read from the schema once: the packet loop then
// loads no property of a group object per cell (a few % of the meter's time otherwise).
const {
  first: firstTime,
  last: lastTime,
  fwdLast: fwdLastTime,
  bwdLast: bwdLastTime,
  activeStart,
  activeEnd,
} = TIME;
const {
  fwdPackets,
  bwdPackets,
  fwdBytes,
  bwdBytes,
  fwdHeaderBytes,
  bwdHeaderBytes,
  fwdDataPackets,
  subflowGaps,
} = COUNT;
const { minFwdHeader, initWinFwd, initWinBwd, bwdWinSet } = WINDOW;
const { fin, syn, rst, psh, ack, urg, cwr, ece, fwdPsh, bwdPsh, fwdUrg, bwdUrg, first: firstFlags } = FLAG;
const { fwd: fwdLength, bwd: bwdLength, all: allLength } = LENGTH;
const { flow: flowIat, fwd: fwdIat, bwd: bwdIat } = IAT;
const { active: activePeriod, idle: idlePeriod } = ACTIVITY;
const { fwd: fwdBulk, bwd: bwdBulk } = BULK;
const { fwd: fwdBulkTime, bwd: bwdBulkTime } = BULK_TIME;
const {
  hasCandidate,
  candidateStart,
  candidateCount,
  candidateBytes,
  lastData,
  count: bulkCount,
  packets: bulkPackets,
  bytes: bulkBytes,
} = BULK_CELL;

/** Sets the times and "no value" defaults of a fresh flow whose first packet is `p`. */
export function startFlow(c: Float64Array, b: FlowBase, p: FlowPacket): void {
  set(c, b, firstTime, p.t);
  set(c, b, lastTime, p.t);
  set(c, b, activeStart, p.t);
  set(c, b, activeEnd, p.t);
  set(c, b, initWinFwd, -1);
  set(c, b, initWinBwd, -1);
  set(c, b, firstFlags, p.flags);
  set(c, b, ICMP.type, p.icmpType);
  set(c, b, ICMP.code, p.icmpCode);
  bulkSet(c, b, fwdBulk, lastData, -Infinity);
  bulkSet(c, b, bwdBulk, lastData, -Infinity);
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
  const gap = t - get(c, b, activeEnd);
  if (gap > activityTimeoutUs) {
    const active = get(c, b, activeEnd) - get(c, b, activeStart);
    if (active > 0) accAdd(c, b, activePeriod, active);
    accAdd(c, b, idlePeriod, gap);
    set(c, b, activeStart, t);
    set(c, b, activeEnd, t);
  } else {
    set(c, b, activeEnd, t);
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
    const gap = t - get(c, b, lastTime);
    accAdd(c, b, flowIat, gap);
    if (gap > SUBFLOW_GAP_US) increment(c, b, subflowGaps);
    set(c, b, lastTime, t);
  }
  accAdd(c, b, allLength, pl);
  if (first && legacy) accAdd(c, b, allLength, pl); // Q8: the first packet counted twice

  const flags = p.flags;
  if (flags !== 0) countFlags(c, b, flags, fwd);

  // The same counters in either direction, by offset (one call site each: V8's inlining budget
  // then covers more of them); what only one direction has follows.
  const n = increment(c, b, fwd ? fwdPackets : bwdPackets);
  add(c, b, fwd ? fwdBytes : bwdBytes, pl);
  add(c, b, fwd ? fwdHeaderBytes : bwdHeaderBytes, p.hdr);
  accAdd(c, b, fwd ? fwdLength : bwdLength, pl);
  const directionLast = fwd ? fwdLastTime : bwdLastTime;
  if (n > 1) accAdd(c, b, fwd ? fwdIat : bwdIat, t - get(c, b, directionLast));
  set(c, b, directionLast, t);
  if (fwd) {
    if (n === 1 || p.hdr < get(c, b, minFwdHeader)) set(c, b, minFwdHeader, p.hdr);
    if (pl >= 1 && !(first && legacy)) increment(c, b, fwdDataPackets); // Q10
    if (legacy ? first : (p.isTcp && get(c, b, initWinFwd) < 0)) set(c, b, initWinFwd, p.window);
  } else if (legacy) {
    set(c, b, initWinBwd, p.window); // Q11: the last backward window
  } else if (p.isTcp && get(c, b, bwdWinSet) === 0) {
    set(c, b, initWinBwd, p.window);
    set(c, b, bwdWinSet, 1);
  }
  if (!legacy) {
    updateBulk(c, b, p, fwd ? fwdBulk : bwdBulk, fwd ? bwdBulk : fwdBulk, fwd ? fwdBulkTime : bwdBulkTime);
  }
}

function countFlags(c: Float64Array, b: FlowBase, flags: number, fwd: boolean): void {
  if (flags & TcpFlag.FIN) increment(c, b, fin);
  if (flags & TcpFlag.SYN) increment(c, b, syn);
  if (flags & TcpFlag.RST) increment(c, b, rst);
  if (flags & TcpFlag.PSH) {
    increment(c, b, psh);
    increment(c, b, fwd ? fwdPsh : bwdPsh);
  }
  if (flags & TcpFlag.ACK) increment(c, b, ack);
  if (flags & TcpFlag.URG) {
    increment(c, b, urg);
    increment(c, b, fwd ? fwdUrg : bwdUrg);
  }
  if (flags & TcpFlag.ECE) increment(c, b, ece);
  if (flags & TcpFlag.CWR) increment(c, b, cwr);
}

/**
 * Bulk state machine for one direction (spec §3.9): `d` is this direction's
 * block, `o` the other direction's, `dur` this direction's bulk duration.
 * (It takes the packet, not its time: V8 does not inline it, and a time
 * passed to a call is a double boxed on every packet.)
 */
function updateBulk(
  c: Float64Array,
  b: FlowBase,
  p: FlowPacket,
  d: BulkBlock,
  o: BulkBlock,
  dur: Cell<"bulkTime">,
): void {
  const t = p.t;
  const pl = p.payload;
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
      bulkIncrement(c, b, d, bulkCount);
      bulkAdd(c, b, d, bulkPackets, 4);
      bulkAdd(c, b, d, bulkBytes, bulkGet(c, b, d, candidateBytes));
      add(c, b, dur, t - bulkGet(c, b, d, candidateStart));
    } else if (count > 4) {
      bulkIncrement(c, b, d, bulkPackets);
      bulkAdd(c, b, d, bulkBytes, pl);
      add(c, b, dur, t - bulkGet(c, b, d, lastData));
    }
  }
  bulkSet(c, b, d, lastData, t);
}

/** Packets in the flow. */
export function packetCount(c: Float64Array, b: FlowBase): number {
  return get(c, b, fwdPackets) + get(c, b, bwdPackets);
}
