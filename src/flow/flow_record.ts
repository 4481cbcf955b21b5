/**
 * One finished flow as the engine hands it to writers and labeling rules: the
 * values of every CICFlowMeter feature column (spec §4), already shaped by
 * the profile (`cic2017` or `corrected`). Layouts (`src/output/columns.ts`)
 * only choose names and order; they never recompute a value.
 *
 * Field order follows the column catalogue (spec §4.1, column numbers in the
 * comments). Times are integer microseconds, lengths are bytes.
 */

/** Which semantics filled the record (spec §0). */
export type ProfileName = "cic2017" | "corrected" | "engelen";

export interface FlowRecord {
  /** 1: canonical key (cic2017) or directional key (corrected). */
  flowId: string;
  /** 2–5: the forward endpoint (the first packet's sender, spec §3.2). */
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  /** 6: IP protocol number; 0 for non-TCP/UDP IPv4 in cic2017 (Q22). */
  protocol: number;
  /** 7: the first packet's time, integer µs since the epoch (UTC). Writers format it. */
  timestampUs: number;
  /** 8 */
  flowDuration: number;
  /** 9, 10 */
  totalFwdPackets: number;
  totalBwdPackets: number;
  /** 11, 12: payload bytes. */
  totalLengthFwd: number;
  totalLengthBwd: number;
  /** 13–16 */
  fwdPktLenMax: number;
  fwdPktLenMin: number;
  fwdPktLenMean: number;
  fwdPktLenStd: number;
  /** 17–20 */
  bwdPktLenMax: number;
  bwdPktLenMin: number;
  bwdPktLenMean: number;
  bwdPktLenStd: number;
  /** 21, 22: may be NaN / Infinity in cic2017 (Q20). */
  flowBytesPerSec: number;
  flowPacketsPerSec: number;
  /** 23–26 */
  flowIatMean: number;
  flowIatStd: number;
  flowIatMax: number;
  flowIatMin: number;
  /** 27–31 */
  fwdIatTotal: number;
  fwdIatMean: number;
  fwdIatStd: number;
  fwdIatMax: number;
  fwdIatMin: number;
  /** 32–36 */
  bwdIatTotal: number;
  bwdIatMean: number;
  bwdIatStd: number;
  bwdIatMax: number;
  bwdIatMin: number;
  /** 37–40 */
  fwdPshFlags: number;
  bwdPshFlags: number;
  fwdUrgFlags: number;
  bwdUrgFlags: number;
  /** 41, 42 (62 is a copy of 41). */
  fwdHeaderLength: number;
  bwdHeaderLength: number;
  /** 43, 44 */
  fwdPacketsPerSec: number;
  bwdPacketsPerSec: number;
  /** 45–49 */
  pktLenMin: number;
  pktLenMax: number;
  pktLenMean: number;
  pktLenStd: number;
  pktLenVar: number;
  /**
   * 50–57: the values written under each flag column header, in header order.
   * In cic2017 these are the first packet's flags permuted (Q3); use
   * `flagPackets` for what the flow really carried.
   */
  finFlagCount: number;
  synFlagCount: number;
  rstFlagCount: number;
  pshFlagCount: number;
  ackFlagCount: number;
  urgFlagCount: number;
  cwrFlagCount: number;
  eceFlagCount: number;
  /** 58–61 */
  downUpRatio: number;
  avgPacketSize: number;
  avgFwdSegmentSize: number;
  avgBwdSegmentSize: number;
  /** 63–68 */
  fwdAvgBytesPerBulk: number;
  fwdAvgPacketsPerBulk: number;
  fwdAvgBulkRate: number;
  bwdAvgBytesPerBulk: number;
  bwdAvgPacketsPerBulk: number;
  bwdAvgBulkRate: number;
  /** 69–72 */
  subflowFwdPackets: number;
  subflowFwdBytes: number;
  subflowBwdPackets: number;
  subflowBwdBytes: number;
  /** 73–76: −1 means "no value" (layouts that use 0 for it map −1 to 0). */
  initWinBytesFwd: number;
  initWinBytesBwd: number;
  actDataPktFwd: number;
  minSegSizeFwd: number;
  /** 77–80 */
  activeMean: number;
  activeStd: number;
  activeMax: number;
  activeMin: number;
  /** 81–84 */
  idleMean: number;
  idleStd: number;
  idleMax: number;
  idleMin: number;
  /** 85: the constant from `--label`, or a window rule's verdict. */
  label: string;

  // Not dataset columns: facts for rules, the `ddos2019` Inbound column and diagnostics.
  /** 4 or 6. */
  ipVersion: number;
  /** Packets in the flow carrying each TCP flag, whatever the profile (for rules). */
  flagPackets: FlagCounts;
  /** ICMP type and code of the first ICMP packet (−1 when not ICMP). */
  icmpType: number;
  icmpCode: number;
  /** Why the flow was emitted. */
  endReason: FlowEndReason;
}

export interface FlagCounts {
  fin: number;
  syn: number;
  rst: number;
  psh: number;
  ack: number;
  urg: number;
  cwr: number;
  ece: number;
}

/**
 * fin: ended by a FIN (cic2017) or the FIN/RST state machine (corrected);
 * timeout: the flow timeout split it; idle: corrected's 1 s after termination;
 * end: still open at end of input or flushed (live Ctrl+C, window end).
 */
export type FlowEndReason = "fin" | "rst" | "timeout" | "idle" | "end";
