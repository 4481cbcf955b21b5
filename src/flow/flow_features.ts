/**
 * Turns a flow slot into a FlowRecord: every column formula of spec §4.2,
 * per profile. Runs once per emitted flow.
 */
import {
  accStd,
  ACTIVITY,
  BULK,
  BULK_CELL,
  BULK_TIME,
  type BulkBlock,
  bulkGet,
  type Cell,
  COUNT,
  FLAG,
  type FlowBase,
  flowBase,
  get,
  IAT,
  ICMP,
  KEY,
  LENGTH,
  STAT_CELL,
  statGet,
  STRIDE,
  TIME,
  WINDOW,
} from "./flow_slab.ts";
import type { FlagCounts, FlowEndReason, FlowRecord } from "./flow_record.ts";
import { type MeterSettings, resolveSettings } from "./profile.ts";
import { canonicalFirst, ipText } from "./ip_text.ts";
import { TcpFlag } from "../pcap/packet.ts";

/** Builds the row of the flow in slot base `b`. */
export function buildRecord(
  c: Float64Array,
  b: FlowBase,
  s: MeterSettings,
  endReason: FlowEndReason,
): FlowRecord {
  const legacy = s.legacy;
  const ver = get(c, b, KEY.ver);
  const src = [get(c, b, KEY.s0), get(c, b, KEY.s1), get(c, b, KEY.s2), get(c, b, KEY.s3)];
  const dst = [get(c, b, KEY.d0), get(c, b, KEY.d1), get(c, b, KEY.d2), get(c, b, KEY.d3)];
  const srcIp = ipText(ver, src[0], src[1], src[2], src[3]);
  const dstIp = ipText(ver, dst[0], dst[1], dst[2], dst[3]);
  const srcPort = get(c, b, KEY.sport), dstPort = get(c, b, KEY.dport), protocol = get(c, b, KEY.proto);

  const fwd = get(c, b, COUNT.fwdPackets), bwd = get(c, b, COUNT.bwdPackets), n = fwd + bwd;
  const fwdBytes = get(c, b, COUNT.fwdBytes), bwdBytes = get(c, b, COUNT.bwdBytes);
  const duration = get(c, b, TIME.last) - get(c, b, TIME.first);
  const seconds = duration / 1e6;
  // A statistic's cells are read as they are: they stay 0 until its first value (a slot starts
  // zeroed), which is what a statistic without values shows. (Plain reads, no helper per cell:
  // V8 inlines only so many calls into one function, and a call that is not inlined boxes its result.)
  const { min, max, mean, sum } = STAT_CELL;

  const flags: FlagCounts = {
    fin: get(c, b, FLAG.fin),
    syn: get(c, b, FLAG.syn),
    rst: get(c, b, FLAG.rst),
    psh: get(c, b, FLAG.psh),
    ack: get(c, b, FLAG.ack),
    urg: get(c, b, FLAG.urg),
    cwr: get(c, b, FLAG.cwr),
    ece: get(c, b, FLAG.ece),
  };
  // cic2017 (Q3, Q4): the first packet's flags, in Java 8 HashMap order under the header names.
  const first = get(c, b, FLAG.first);
  const bit = (f: number) => (first & f) !== 0 ? 1 : 0;
  const flagColumns = legacy
    ? [
      bit(TcpFlag.RST),
      bit(TcpFlag.PSH),
      bit(TcpFlag.ECE),
      bit(TcpFlag.SYN),
      bit(TcpFlag.ACK),
      bit(TcpFlag.FIN),
      bit(TcpFlag.URG),
      bit(TcpFlag.CWR),
    ]
    : [flags.fin, flags.syn, flags.rst, flags.psh, flags.ack, flags.urg, flags.cwr, flags.ece];

  const zeroDuration = legacy ? null : -1; // Q20: NaN/Infinity in cic2017, −1 corrected
  const perSecond = (x: number) => duration === 0 && zeroDuration !== null ? zeroDuration : x / seconds;
  // Q7: cic2017 one subflow (or none); engelen divides by the gap count (0 without gaps, E 381bc30);
  // corrected by 1 + gaps.
  const subflows = legacy
    ? legacySubflowCount(get(c, b, TIME.first))
    : s.engelen
    ? get(c, b, COUNT.subflowGaps)
    : 1 + get(c, b, COUNT.subflowGaps);
  const allLenSum = statGet(c, b, LENGTH.all, sum);
  const bulk = (d: BulkBlock, dur: Cell<"bulkTime">) => {
    const count = bulkGet(c, b, d, BULK_CELL.count), bytes = bulkGet(c, b, d, BULK_CELL.bytes);
    const time = get(c, b, dur);
    return [
      count > 0 ? bytes / count : 0,
      count > 0 ? bulkGet(c, b, d, BULK_CELL.packets) / count : 0,
      time > 0 ? bytes / (time / 1e6) : 0,
    ];
  };
  const [fwdBulkBytes, fwdBulkPkts, fwdBulkRate] = bulk(BULK.fwd, BULK_TIME.fwd);
  const [bwdBulkBytes, bwdBulkPkts, bwdBulkRate] = bulk(BULK.bwd, BULK_TIME.bwd);

  return {
    flowId: flowId(legacy, ver, src, dst, srcIp, dstIp, srcPort, dstPort, protocol),
    srcIp,
    srcPort,
    dstIp,
    dstPort,
    protocol,
    timestampUs: get(c, b, TIME.first),
    flowDuration: duration,
    totalFwdPackets: fwd,
    totalBwdPackets: bwd,
    totalLengthFwd: fwdBytes,
    totalLengthBwd: bwdBytes,
    fwdPktLenMax: statGet(c, b, LENGTH.fwd, max),
    fwdPktLenMin: statGet(c, b, LENGTH.fwd, min),
    fwdPktLenMean: statGet(c, b, LENGTH.fwd, mean),
    fwdPktLenStd: accStd(c, b, LENGTH.fwd),
    bwdPktLenMax: statGet(c, b, LENGTH.bwd, max),
    bwdPktLenMin: statGet(c, b, LENGTH.bwd, min),
    bwdPktLenMean: statGet(c, b, LENGTH.bwd, mean),
    bwdPktLenStd: accStd(c, b, LENGTH.bwd),
    flowBytesPerSec: perSecond(fwdBytes + bwdBytes),
    flowPacketsPerSec: perSecond(n),
    flowIatMean: statGet(c, b, IAT.flow, mean),
    flowIatStd: accStd(c, b, IAT.flow),
    flowIatMax: statGet(c, b, IAT.flow, max),
    flowIatMin: statGet(c, b, IAT.flow, min),
    fwdIatTotal: statGet(c, b, IAT.fwd, sum),
    fwdIatMean: statGet(c, b, IAT.fwd, mean),
    fwdIatStd: accStd(c, b, IAT.fwd),
    fwdIatMax: statGet(c, b, IAT.fwd, max),
    fwdIatMin: statGet(c, b, IAT.fwd, min),
    bwdIatTotal: statGet(c, b, IAT.bwd, sum),
    bwdIatMean: statGet(c, b, IAT.bwd, mean),
    bwdIatStd: accStd(c, b, IAT.bwd),
    bwdIatMax: statGet(c, b, IAT.bwd, max),
    bwdIatMin: statGet(c, b, IAT.bwd, min),
    // Q5: cic2017 takes PSH/URG from the (always forward) first packet only.
    fwdPshFlags: legacy ? bit(TcpFlag.PSH) : get(c, b, FLAG.fwdPsh),
    bwdPshFlags: legacy ? 0 : get(c, b, FLAG.bwdPsh),
    fwdUrgFlags: legacy ? bit(TcpFlag.URG) : get(c, b, FLAG.fwdUrg),
    bwdUrgFlags: legacy ? 0 : get(c, b, FLAG.bwdUrg),
    fwdHeaderLength: get(c, b, COUNT.fwdHeaderBytes),
    bwdHeaderLength: get(c, b, COUNT.bwdHeaderBytes),
    fwdPacketsPerSec: duration > 0 ? fwd / seconds : 0,
    bwdPacketsPerSec: duration > 0 ? bwd / seconds : 0,
    pktLenMin: statGet(c, b, LENGTH.all, min),
    pktLenMax: statGet(c, b, LENGTH.all, max),
    pktLenMean: statGet(c, b, LENGTH.all, mean),
    pktLenStd: accStd(c, b, LENGTH.all),
    pktLenVar: accStd(c, b, LENGTH.all) ** 2,
    finFlagCount: flagColumns[0],
    synFlagCount: flagColumns[1],
    rstFlagCount: flagColumns[2],
    pshFlagCount: flagColumns[3],
    ackFlagCount: flagColumns[4],
    urgFlagCount: flagColumns[5],
    cwrFlagCount: flagColumns[6],
    eceFlagCount: flagColumns[7],
    downUpRatio: fwd > 0 ? (legacy ? Math.floor(bwd / fwd) : bwd / fwd) : 0, // Q9
    avgPacketSize: n > 0 ? (legacy ? allLenSum : fwdBytes + bwdBytes) / n : 0, // Q8
    avgFwdSegmentSize: fwd > 0 ? fwdBytes / fwd : 0,
    avgBwdSegmentSize: bwd > 0 ? bwdBytes / bwd : 0,
    fwdAvgBytesPerBulk: fwdBulkBytes,
    fwdAvgPacketsPerBulk: fwdBulkPkts,
    fwdAvgBulkRate: fwdBulkRate,
    bwdAvgBytesPerBulk: bwdBulkBytes,
    bwdAvgPacketsPerBulk: bwdBulkPkts,
    bwdAvgBulkRate: bwdBulkRate,
    subflowFwdPackets: subflows === 0 ? 0 : fwd / subflows,
    subflowFwdBytes: subflows === 0 ? 0 : fwdBytes / subflows,
    subflowBwdPackets: subflows === 0 ? 0 : bwd / subflows,
    subflowBwdBytes: subflows === 0 ? 0 : bwdBytes / subflows,
    initWinBytesFwd: get(c, b, WINDOW.initWinFwd),
    initWinBytesBwd: get(c, b, WINDOW.initWinBwd),
    actDataPktFwd: get(c, b, COUNT.fwdDataPackets),
    minSegSizeFwd: fwd > 0 ? get(c, b, WINDOW.minFwdHeader) : 0,
    activeMean: statGet(c, b, ACTIVITY.active, mean),
    activeStd: accStd(c, b, ACTIVITY.active),
    activeMax: statGet(c, b, ACTIVITY.active, max),
    activeMin: statGet(c, b, ACTIVITY.active, min),
    idleMean: statGet(c, b, ACTIVITY.idle, mean),
    idleStd: accStd(c, b, ACTIVITY.idle),
    idleMax: statGet(c, b, ACTIVITY.idle, max),
    idleMin: statGet(c, b, ACTIVITY.idle, min),
    label: s.label,
    ipVersion: ver,
    flagPackets: flags,
    icmpType: get(c, b, ICMP.type),
    icmpCode: get(c, b, ICMP.code),
    endReason,
  };
}

/**
 * Flow ID (spec §3.1, §4.2 column 1): cic2017's canonical key, or the
 * directional key of the forward endpoint.
 */
function flowId(
  legacy: boolean,
  ver: number,
  src: number[],
  dst: number[],
  srcIp: string,
  dstIp: string,
  srcPort: number,
  dstPort: number,
  protocol: number,
): string {
  if (!legacy || canonicalFirst(src, dst, ver)) return `${srcIp}-${dstIp}-${srcPort}-${dstPort}-${protocol}`;
  return `${dstIp}-${srcIp}-${dstPort}-${srcPort}-${protocol}`;
}

/**
 * Q7, J3 `detectUpdateSubflows`: the gap test runs for the first packet only and,
 * through a precedence slip, reads `t − t/10⁶ > 1.0` (t in µs), so the flow has one
 * subflow, or none (all four subflow values 0) when it starts at t ≤ 1 µs.
 */
function legacySubflowCount(firstUs: number): number {
  return firstUs - firstUs / 1_000_000 > 1.0 ? 1 : 0;
}

/**
 * One record built at load time and then given a non-number in every number
 * field, so V8 stores those fields of every later record as tagged values
 * (its most general field form) from the start:
 * - A whole number is then kept as a small integer in the field itself; a
 *   double field would box each of the ~80 numbers of every record in its
 *   own heap object (a flood of one-packet flows: mostly whole numbers,
 *   25% fewer young-generation collections per record).
 * - Without a seed, the first records give some fields small-integer form,
 *   and each later fraction in such a field makes a new hidden class: 5 to 7
 *   classes in the first ~150 flows of a capture, after which every column
 *   read by the writers is a megamorphic lookup (issue 15). A tagged field
 *   takes any value, so all records keep one hidden class.
 * Rows are unaffected: the seed record is thrown away.
 */
function seedRecordShape(): void {
  const cells = new Float64Array(STRIDE);
  for (let i = 0; i < STRIDE; i++) cells[i] = i + 1.25; // distinct, fractional, time.last > time.first
  const seed = buildRecord(cells, flowBase(0), resolveSettings({ profile: "corrected" }), "end");
  const fields = seed as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (typeof fields[key] === "number") fields[key] = "any";
}
seedRecordShape();
