/**
 * Turns a flow slot into a FlowRecord: every column formula of spec §4.2,
 * per profile. Runs once per emitted flow.
 */
import {
  A_MAX,
  A_MEAN,
  A_MIN,
  A_N,
  A_SUM,
  ACC_ACTIVE,
  ACC_ALL_LEN,
  ACC_BWD_IAT,
  ACC_BWD_LEN,
  ACC_FLOW_IAT,
  ACC_FWD_IAT,
  ACC_FWD_LEN,
  ACC_IDLE,
  accStd,
  ACT_DATA_FWD,
  B_BYTES,
  B_COUNT,
  B_PKTS,
  BULK_BWD,
  BULK_DUR_BWD,
  BULK_DUR_FWD,
  BULK_FWD,
  BWD_BYTES,
  BWD_HDR,
  BWD_PKTS,
  BWD_PSH,
  BWD_URG,
  D0,
  D1,
  D2,
  D3,
  DPORT,
  FIRST_FLAGS,
  FWD_BYTES,
  FWD_HDR,
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
  PROTO,
  S0,
  S1,
  S2,
  S3,
  SPORT,
  STRIDE,
  SUBFLOW_GAPS,
  T_FIRST,
  T_LAST,
  VER,
} from "./flow_slab.ts";
import type { FlagCounts, FlowEndReason, FlowRecord } from "./flow_record.ts";
import { type MeterSettings, resolveSettings } from "./profile.ts";
import { canonicalFirst, ipText } from "./ip_text.ts";
import { TcpFlag } from "../pcap/packet.ts";

/** Builds the row of the flow in slot base `b`. */
export function buildRecord(
  c: Float64Array,
  b: number,
  s: MeterSettings,
  endReason: FlowEndReason,
): FlowRecord {
  const legacy = s.legacy;
  const ver = c[b + VER];
  const src = [c[b + S0], c[b + S1], c[b + S2], c[b + S3]];
  const dst = [c[b + D0], c[b + D1], c[b + D2], c[b + D3]];
  const srcIp = ipText(ver, src[0], src[1], src[2], src[3]);
  const dstIp = ipText(ver, dst[0], dst[1], dst[2], dst[3]);
  const srcPort = c[b + SPORT], dstPort = c[b + DPORT], protocol = c[b + PROTO];

  const fwd = c[b + FWD_PKTS], bwd = c[b + BWD_PKTS], n = fwd + bwd;
  const fwdBytes = c[b + FWD_BYTES], bwdBytes = c[b + BWD_BYTES];
  const duration = c[b + T_LAST] - c[b + T_FIRST];
  const seconds = duration / 1e6;
  const stat = (base: number, cell: number) => c[b + base + A_N] > 0 ? c[b + base + cell] : 0;
  const std = (base: number) => accStd(c, b + base);

  const flags: FlagCounts = {
    fin: c[b + N_FIN],
    syn: c[b + N_SYN],
    rst: c[b + N_RST],
    psh: c[b + N_PSH],
    ack: c[b + N_ACK],
    urg: c[b + N_URG],
    cwr: c[b + N_CWR],
    ece: c[b + N_ECE],
  };
  // cic2017 (Q3, Q4): the first packet's flags, in Java 8 HashMap order under the header names.
  const first = c[b + FIRST_FLAGS];
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
    ? legacySubflowCount(c[b + T_FIRST])
    : s.engelen
    ? c[b + SUBFLOW_GAPS]
    : 1 + c[b + SUBFLOW_GAPS];
  const allLenSum = c[b + ACC_ALL_LEN + A_SUM];
  const bulk = (d: number, dur: number) => {
    const count = c[b + d + B_COUNT], bytes = c[b + d + B_BYTES], time = c[b + dur];
    return [
      count > 0 ? bytes / count : 0,
      count > 0 ? c[b + d + B_PKTS] / count : 0,
      time > 0 ? bytes / (time / 1e6) : 0,
    ];
  };
  const [fwdBulkBytes, fwdBulkPkts, fwdBulkRate] = bulk(BULK_FWD, BULK_DUR_FWD);
  const [bwdBulkBytes, bwdBulkPkts, bwdBulkRate] = bulk(BULK_BWD, BULK_DUR_BWD);

  return {
    flowId: flowId(legacy, ver, src, dst, srcIp, dstIp, srcPort, dstPort, protocol),
    srcIp,
    srcPort,
    dstIp,
    dstPort,
    protocol,
    timestampUs: c[b + T_FIRST],
    flowDuration: duration,
    totalFwdPackets: fwd,
    totalBwdPackets: bwd,
    totalLengthFwd: fwdBytes,
    totalLengthBwd: bwdBytes,
    fwdPktLenMax: stat(ACC_FWD_LEN, A_MAX),
    fwdPktLenMin: stat(ACC_FWD_LEN, A_MIN),
    fwdPktLenMean: stat(ACC_FWD_LEN, A_MEAN),
    fwdPktLenStd: std(ACC_FWD_LEN),
    bwdPktLenMax: stat(ACC_BWD_LEN, A_MAX),
    bwdPktLenMin: stat(ACC_BWD_LEN, A_MIN),
    bwdPktLenMean: stat(ACC_BWD_LEN, A_MEAN),
    bwdPktLenStd: std(ACC_BWD_LEN),
    flowBytesPerSec: perSecond(fwdBytes + bwdBytes),
    flowPacketsPerSec: perSecond(n),
    flowIatMean: stat(ACC_FLOW_IAT, A_MEAN),
    flowIatStd: std(ACC_FLOW_IAT),
    flowIatMax: stat(ACC_FLOW_IAT, A_MAX),
    flowIatMin: stat(ACC_FLOW_IAT, A_MIN),
    fwdIatTotal: stat(ACC_FWD_IAT, A_SUM),
    fwdIatMean: stat(ACC_FWD_IAT, A_MEAN),
    fwdIatStd: std(ACC_FWD_IAT),
    fwdIatMax: stat(ACC_FWD_IAT, A_MAX),
    fwdIatMin: stat(ACC_FWD_IAT, A_MIN),
    bwdIatTotal: stat(ACC_BWD_IAT, A_SUM),
    bwdIatMean: stat(ACC_BWD_IAT, A_MEAN),
    bwdIatStd: std(ACC_BWD_IAT),
    bwdIatMax: stat(ACC_BWD_IAT, A_MAX),
    bwdIatMin: stat(ACC_BWD_IAT, A_MIN),
    // Q5: cic2017 takes PSH/URG from the (always forward) first packet only.
    fwdPshFlags: legacy ? bit(TcpFlag.PSH) : c[b + FWD_PSH],
    bwdPshFlags: legacy ? 0 : c[b + BWD_PSH],
    fwdUrgFlags: legacy ? bit(TcpFlag.URG) : c[b + FWD_URG],
    bwdUrgFlags: legacy ? 0 : c[b + BWD_URG],
    fwdHeaderLength: c[b + FWD_HDR],
    bwdHeaderLength: c[b + BWD_HDR],
    fwdPacketsPerSec: duration > 0 ? fwd / seconds : 0,
    bwdPacketsPerSec: duration > 0 ? bwd / seconds : 0,
    pktLenMin: stat(ACC_ALL_LEN, A_MIN),
    pktLenMax: stat(ACC_ALL_LEN, A_MAX),
    pktLenMean: stat(ACC_ALL_LEN, A_MEAN),
    pktLenStd: std(ACC_ALL_LEN),
    pktLenVar: std(ACC_ALL_LEN) ** 2,
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
    initWinBytesFwd: c[b + INIT_WIN_FWD],
    initWinBytesBwd: c[b + INIT_WIN_BWD],
    actDataPktFwd: c[b + ACT_DATA_FWD],
    minSegSizeFwd: fwd > 0 ? c[b + MIN_SEG_FWD] : 0,
    activeMean: stat(ACC_ACTIVE, A_MEAN),
    activeStd: std(ACC_ACTIVE),
    activeMax: stat(ACC_ACTIVE, A_MAX),
    activeMin: stat(ACC_ACTIVE, A_MIN),
    idleMean: stat(ACC_IDLE, A_MEAN),
    idleStd: std(ACC_IDLE),
    idleMax: stat(ACC_IDLE, A_MAX),
    idleMin: stat(ACC_IDLE, A_MIN),
    label: s.label,
    ipVersion: ver,
    flagPackets: flags,
    icmpType: c[b + ICMP_TYPE],
    icmpCode: c[b + ICMP_CODE],
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
 * One record built at load time from a slot of fractional values, so every
 * number field of the records starts with a double representation in V8.
 * Otherwise the first records give some fields small-integer form, and each
 * later fraction in such a field makes a new hidden class: 5 to 7 classes in
 * the first ~150 flows of a capture, after which every column read by the
 * writers is a megamorphic lookup (issue 15). Rows are unaffected: the
 * record is thrown away.
 */
function seedRecordShape(): void {
  const cells = new Float64Array(STRIDE);
  for (let i = 0; i < STRIDE; i++) cells[i] = i + 1.25; // distinct, fractional, T_LAST > T_FIRST
  buildRecord(cells, 0, resolveSettings({ profile: "corrected" }), "end");
}
seedRecordShape();
