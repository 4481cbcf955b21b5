/**
 * The feature column catalogue (spec §4.1): for each FlowRecord field, its
 * kind and its header text in every naming family. Layouts
 * (`columns.ts`) pick names and order from here.
 *
 * Kinds follow Java's types (spec §3.12), confirmed on CIC-DDoS2019 rows:
 * `int` columns print as integers there (`2`, `-1`, `40`), `float` columns as
 * doubles (`458.0`, `0.0`).
 */
import type { FlowRecord } from "../flow/flow_record.ts";

/** How a column's value is written. */
export type ColumnKind = "int" | "float" | "string";

/**
 * `int` columns (Java's long) that are averages or rates: whole numbers in
 * `cic2017` (J3's bulk values are 0, one subflow), fractional in `corrected`
 * (bulk averages and rates, subflows over 1 + gaps). Typed outputs (Parquet)
 * store them as doubles so every profile fits one schema.
 */
export const AVERAGED_INT_FIELDS: ReadonlySet<keyof FlowRecord> = new Set<keyof FlowRecord>([
  "fwdAvgBytesPerBulk",
  "fwdAvgPacketsPerBulk",
  "fwdAvgBulkRate",
  "bwdAvgBytesPerBulk",
  "bwdAvgPacketsPerBulk",
  "bwdAvgBulkRate",
  "subflowFwdPackets",
  "subflowFwdBytes",
  "subflowBwdPackets",
  "subflowBwdBytes",
]);

/** One row of the catalogue. */
export interface CatalogueEntry {
  /** Position in CIC-IDS2017 (1–85; 62 is the duplicate of 41 and not listed). */
  position: number;
  /** The FlowRecord field holding the value. */
  field: keyof FlowRecord;
  /** Reads `field` (a plain property access: keyed `r[field]` lookups are several times slower per row). */
  get: (r: FlowRecord) => number | string;
  kind: ColumnKind;
  /** CIC-IDS2017 exact header text, leading space included. */
  cic2017: string;
  /** J3-Ex / CSE-CIC-IDS2018 / J4 short names. */
  cicids2018: string;
  /** CICFlowMeter JM (2020+) names. */
  cicflowmeter4: string;
  /** hieulw/cicflowmeter snake_case key; "" where P has no such column. */
  python: string;
}

type Row = [
  number,
  keyof FlowRecord,
  (r: FlowRecord) => number | string,
  ColumnKind,
  string,
  string,
  string,
  string,
];

// deno-fmt-ignore
const ROWS: Row[] = [
  [1, "flowId", (r) => r.flowId, "string", "Flow ID", "Flow ID", "Flow ID", ""],
  [2, "srcIp", (r) => r.srcIp, "string", " Source IP", "Src IP", "Src IP", "src_ip"],
  [3, "srcPort", (r) => r.srcPort, "int", " Source Port", "Src Port", "Src Port", "src_port"],
  [4, "dstIp", (r) => r.dstIp, "string", " Destination IP", "Dst IP", "Dst IP", "dst_ip"],
  [5, "dstPort", (r) => r.dstPort, "int", " Destination Port", "Dst Port", "Dst Port", "dst_port"],
  [6, "protocol", (r) => r.protocol, "int", " Protocol", "Protocol", "Protocol", "protocol"],
  [7, "timestampUs", (r) => r.timestampUs, "string", " Timestamp", "Timestamp", "Timestamp", "timestamp"],
  [8, "flowDuration", (r) => r.flowDuration, "int", " Flow Duration", "Flow Duration", "Flow Duration", "flow_duration"],
  [9, "totalFwdPackets", (r) => r.totalFwdPackets, "int", " Total Fwd Packets", "Tot Fwd Pkts", "Total Fwd Packet", "tot_fwd_pkts"],
  [10, "totalBwdPackets", (r) => r.totalBwdPackets, "int", " Total Backward Packets", "Tot Bwd Pkts", "Total Bwd packets", "tot_bwd_pkts"],
  [11, "totalLengthFwd", (r) => r.totalLengthFwd, "float", "Total Length of Fwd Packets", "TotLen Fwd Pkts", "Total Length of Fwd Packet", "totlen_fwd_pkts"],
  [12, "totalLengthBwd", (r) => r.totalLengthBwd, "float", " Total Length of Bwd Packets", "TotLen Bwd Pkts", "Total Length of Bwd Packet", "totlen_bwd_pkts"],
  [13, "fwdPktLenMax", (r) => r.fwdPktLenMax, "float", " Fwd Packet Length Max", "Fwd Pkt Len Max", "Fwd Packet Length Max", "fwd_pkt_len_max"],
  [14, "fwdPktLenMin", (r) => r.fwdPktLenMin, "float", " Fwd Packet Length Min", "Fwd Pkt Len Min", "Fwd Packet Length Min", "fwd_pkt_len_min"],
  [15, "fwdPktLenMean", (r) => r.fwdPktLenMean, "float", " Fwd Packet Length Mean", "Fwd Pkt Len Mean", "Fwd Packet Length Mean", "fwd_pkt_len_mean"],
  [16, "fwdPktLenStd", (r) => r.fwdPktLenStd, "float", " Fwd Packet Length Std", "Fwd Pkt Len Std", "Fwd Packet Length Std", "fwd_pkt_len_std"],
  [17, "bwdPktLenMax", (r) => r.bwdPktLenMax, "float", "Bwd Packet Length Max", "Bwd Pkt Len Max", "Bwd Packet Length Max", "bwd_pkt_len_max"],
  [18, "bwdPktLenMin", (r) => r.bwdPktLenMin, "float", " Bwd Packet Length Min", "Bwd Pkt Len Min", "Bwd Packet Length Min", "bwd_pkt_len_min"],
  [19, "bwdPktLenMean", (r) => r.bwdPktLenMean, "float", " Bwd Packet Length Mean", "Bwd Pkt Len Mean", "Bwd Packet Length Mean", "bwd_pkt_len_mean"],
  [20, "bwdPktLenStd", (r) => r.bwdPktLenStd, "float", " Bwd Packet Length Std", "Bwd Pkt Len Std", "Bwd Packet Length Std", "bwd_pkt_len_std"],
  [21, "flowBytesPerSec", (r) => r.flowBytesPerSec, "float", "Flow Bytes/s", "Flow Byts/s", "Flow Bytes/s", "flow_byts_s"],
  [22, "flowPacketsPerSec", (r) => r.flowPacketsPerSec, "float", " Flow Packets/s", "Flow Pkts/s", "Flow Packets/s", "flow_pkts_s"],
  [23, "flowIatMean", (r) => r.flowIatMean, "float", " Flow IAT Mean", "Flow IAT Mean", "Flow IAT Mean", "flow_iat_mean"],
  [24, "flowIatStd", (r) => r.flowIatStd, "float", " Flow IAT Std", "Flow IAT Std", "Flow IAT Std", "flow_iat_std"],
  [25, "flowIatMax", (r) => r.flowIatMax, "float", " Flow IAT Max", "Flow IAT Max", "Flow IAT Max", "flow_iat_max"],
  [26, "flowIatMin", (r) => r.flowIatMin, "float", " Flow IAT Min", "Flow IAT Min", "Flow IAT Min", "flow_iat_min"],
  [27, "fwdIatTotal", (r) => r.fwdIatTotal, "float", "Fwd IAT Total", "Fwd IAT Tot", "Fwd IAT Total", "fwd_iat_tot"],
  [28, "fwdIatMean", (r) => r.fwdIatMean, "float", " Fwd IAT Mean", "Fwd IAT Mean", "Fwd IAT Mean", "fwd_iat_mean"],
  [29, "fwdIatStd", (r) => r.fwdIatStd, "float", " Fwd IAT Std", "Fwd IAT Std", "Fwd IAT Std", "fwd_iat_std"],
  [30, "fwdIatMax", (r) => r.fwdIatMax, "float", " Fwd IAT Max", "Fwd IAT Max", "Fwd IAT Max", "fwd_iat_max"],
  [31, "fwdIatMin", (r) => r.fwdIatMin, "float", " Fwd IAT Min", "Fwd IAT Min", "Fwd IAT Min", "fwd_iat_min"],
  [32, "bwdIatTotal", (r) => r.bwdIatTotal, "float", "Bwd IAT Total", "Bwd IAT Tot", "Bwd IAT Total", "bwd_iat_tot"],
  [33, "bwdIatMean", (r) => r.bwdIatMean, "float", " Bwd IAT Mean", "Bwd IAT Mean", "Bwd IAT Mean", "bwd_iat_mean"],
  [34, "bwdIatStd", (r) => r.bwdIatStd, "float", " Bwd IAT Std", "Bwd IAT Std", "Bwd IAT Std", "bwd_iat_std"],
  [35, "bwdIatMax", (r) => r.bwdIatMax, "float", " Bwd IAT Max", "Bwd IAT Max", "Bwd IAT Max", "bwd_iat_max"],
  [36, "bwdIatMin", (r) => r.bwdIatMin, "float", " Bwd IAT Min", "Bwd IAT Min", "Bwd IAT Min", "bwd_iat_min"],
  [37, "fwdPshFlags", (r) => r.fwdPshFlags, "int", "Fwd PSH Flags", "Fwd PSH Flags", "Fwd PSH Flags", "fwd_psh_flags"],
  [38, "bwdPshFlags", (r) => r.bwdPshFlags, "int", " Bwd PSH Flags", "Bwd PSH Flags", "Bwd PSH Flags", "bwd_psh_flags"],
  [39, "fwdUrgFlags", (r) => r.fwdUrgFlags, "int", " Fwd URG Flags", "Fwd URG Flags", "Fwd URG Flags", "fwd_urg_flags"],
  [40, "bwdUrgFlags", (r) => r.bwdUrgFlags, "int", " Bwd URG Flags", "Bwd URG Flags", "Bwd URG Flags", "bwd_urg_flags"],
  [41, "fwdHeaderLength", (r) => r.fwdHeaderLength, "int", " Fwd Header Length", "Fwd Header Len", "Fwd Header Length", "fwd_header_len"],
  [42, "bwdHeaderLength", (r) => r.bwdHeaderLength, "int", " Bwd Header Length", "Bwd Header Len", "Bwd Header Length", "bwd_header_len"],
  [43, "fwdPacketsPerSec", (r) => r.fwdPacketsPerSec, "float", "Fwd Packets/s", "Fwd Pkts/s", "Fwd Packets/s", "fwd_pkts_s"],
  [44, "bwdPacketsPerSec", (r) => r.bwdPacketsPerSec, "float", " Bwd Packets/s", "Bwd Pkts/s", "Bwd Packets/s", "bwd_pkts_s"],
  [45, "pktLenMin", (r) => r.pktLenMin, "float", " Min Packet Length", "Pkt Len Min", "Packet Length Min", "pkt_len_min"],
  [46, "pktLenMax", (r) => r.pktLenMax, "float", " Max Packet Length", "Pkt Len Max", "Packet Length Max", "pkt_len_max"],
  [47, "pktLenMean", (r) => r.pktLenMean, "float", " Packet Length Mean", "Pkt Len Mean", "Packet Length Mean", "pkt_len_mean"],
  [48, "pktLenStd", (r) => r.pktLenStd, "float", " Packet Length Std", "Pkt Len Std", "Packet Length Std", "pkt_len_std"],
  [49, "pktLenVar", (r) => r.pktLenVar, "float", " Packet Length Variance", "Pkt Len Var", "Packet Length Variance", "pkt_len_var"],
  [50, "finFlagCount", (r) => r.finFlagCount, "int", "FIN Flag Count", "FIN Flag Cnt", "FIN Flag Count", "fin_flag_cnt"],
  [51, "synFlagCount", (r) => r.synFlagCount, "int", " SYN Flag Count", "SYN Flag Cnt", "SYN Flag Count", "syn_flag_cnt"],
  [52, "rstFlagCount", (r) => r.rstFlagCount, "int", " RST Flag Count", "RST Flag Cnt", "RST Flag Count", "rst_flag_cnt"],
  [53, "pshFlagCount", (r) => r.pshFlagCount, "int", " PSH Flag Count", "PSH Flag Cnt", "PSH Flag Count", "psh_flag_cnt"],
  [54, "ackFlagCount", (r) => r.ackFlagCount, "int", " ACK Flag Count", "ACK Flag Cnt", "ACK Flag Count", "ack_flag_cnt"],
  [55, "urgFlagCount", (r) => r.urgFlagCount, "int", " URG Flag Count", "URG Flag Cnt", "URG Flag Count", "urg_flag_cnt"],
  [56, "cwrFlagCount", (r) => r.cwrFlagCount, "int", " CWE Flag Count", "CWE Flag Count", "CWR Flag Count", "cwr_flag_count"],
  [57, "eceFlagCount", (r) => r.eceFlagCount, "int", " ECE Flag Count", "ECE Flag Cnt", "ECE Flag Count", "ece_flag_cnt"],
  [58, "downUpRatio", (r) => r.downUpRatio, "float", " Down/Up Ratio", "Down/Up Ratio", "Down/Up Ratio", "down_up_ratio"],
  [59, "avgPacketSize", (r) => r.avgPacketSize, "float", " Average Packet Size", "Pkt Size Avg", "Average Packet Size", "pkt_size_avg"],
  [60, "avgFwdSegmentSize", (r) => r.avgFwdSegmentSize, "float", " Avg Fwd Segment Size", "Fwd Seg Size Avg", "Fwd Segment Size Avg", "fwd_seg_size_avg"],
  [61, "avgBwdSegmentSize", (r) => r.avgBwdSegmentSize, "float", " Avg Bwd Segment Size", "Bwd Seg Size Avg", "Bwd Segment Size Avg", "bwd_seg_size_avg"],
  [63, "fwdAvgBytesPerBulk", (r) => r.fwdAvgBytesPerBulk, "int", "Fwd Avg Bytes/Bulk", "Fwd Byts/b Avg", "Fwd Bytes/Bulk Avg", "fwd_byts_b_avg"],
  [64, "fwdAvgPacketsPerBulk", (r) => r.fwdAvgPacketsPerBulk, "int", " Fwd Avg Packets/Bulk", "Fwd Pkts/b Avg", "Fwd Packet/Bulk Avg", "fwd_pkts_b_avg"],
  [65, "fwdAvgBulkRate", (r) => r.fwdAvgBulkRate, "int", " Fwd Avg Bulk Rate", "Fwd Blk Rate Avg", "Fwd Bulk Rate Avg", "fwd_blk_rate_avg"],
  [66, "bwdAvgBytesPerBulk", (r) => r.bwdAvgBytesPerBulk, "int", " Bwd Avg Bytes/Bulk", "Bwd Byts/b Avg", "Bwd Bytes/Bulk Avg", "bwd_byts_b_avg"],
  [67, "bwdAvgPacketsPerBulk", (r) => r.bwdAvgPacketsPerBulk, "int", " Bwd Avg Packets/Bulk", "Bwd Pkts/b Avg", "Bwd Packet/Bulk Avg", "bwd_pkts_b_avg"],
  [68, "bwdAvgBulkRate", (r) => r.bwdAvgBulkRate, "int", "Bwd Avg Bulk Rate", "Bwd Blk Rate Avg", "Bwd Bulk Rate Avg", "bwd_blk_rate_avg"],
  [69, "subflowFwdPackets", (r) => r.subflowFwdPackets, "int", "Subflow Fwd Packets", "Subflow Fwd Pkts", "Subflow Fwd Packets", "subflow_fwd_pkts"],
  [70, "subflowFwdBytes", (r) => r.subflowFwdBytes, "int", " Subflow Fwd Bytes", "Subflow Fwd Byts", "Subflow Fwd Bytes", "subflow_fwd_byts"],
  [71, "subflowBwdPackets", (r) => r.subflowBwdPackets, "int", " Subflow Bwd Packets", "Subflow Bwd Pkts", "Subflow Bwd Packets", "subflow_bwd_pkts"],
  [72, "subflowBwdBytes", (r) => r.subflowBwdBytes, "int", " Subflow Bwd Bytes", "Subflow Bwd Byts", "Subflow Bwd Bytes", "subflow_bwd_byts"],
  [73, "initWinBytesFwd", (r) => r.initWinBytesFwd, "int", "Init_Win_bytes_forward", "Init Fwd Win Byts", "FWD Init Win Bytes", "init_fwd_win_byts"],
  [74, "initWinBytesBwd", (r) => r.initWinBytesBwd, "int", " Init_Win_bytes_backward", "Init Bwd Win Byts", "Bwd Init Win Bytes", "init_bwd_win_byts"],
  [75, "actDataPktFwd", (r) => r.actDataPktFwd, "int", " act_data_pkt_fwd", "Fwd Act Data Pkts", "Fwd Act Data Pkts", "fwd_act_data_pkts"],
  [76, "minSegSizeFwd", (r) => r.minSegSizeFwd, "int", " min_seg_size_forward", "Fwd Seg Size Min", "Fwd Seg Size Min", "fwd_seg_size_min"],
  [77, "activeMean", (r) => r.activeMean, "float", "Active Mean", "Active Mean", "Active Mean", "active_mean"],
  [78, "activeStd", (r) => r.activeStd, "float", " Active Std", "Active Std", "Active Std", "active_std"],
  [79, "activeMax", (r) => r.activeMax, "float", " Active Max", "Active Max", "Active Max", "active_max"],
  [80, "activeMin", (r) => r.activeMin, "float", " Active Min", "Active Min", "Active Min", "active_min"],
  [81, "idleMean", (r) => r.idleMean, "float", "Idle Mean", "Idle Mean", "Idle Mean", "idle_mean"],
  [82, "idleStd", (r) => r.idleStd, "float", " Idle Std", "Idle Std", "Idle Std", "idle_std"],
  [83, "idleMax", (r) => r.idleMax, "float", " Idle Max", "Idle Max", "Idle Max", "idle_max"],
  [84, "idleMin", (r) => r.idleMin, "float", " Idle Min", "Idle Min", "Idle Min", "idle_min"],
  [85, "label", (r) => r.label, "string", " Label", "Label", "Label", ""],
];

/** The catalogue in CIC-IDS2017 order (84 entries: column 62 is a copy of 41). */
export const CATALOGUE: readonly CatalogueEntry[] = ROWS.map((
  [position, field, get, kind, cic2017, cicids2018, cicflowmeter4, python],
) => ({ position, field, get, kind, cic2017, cicids2018, cicflowmeter4, python }));

/** Catalogue entry by position (1–85). */
export function catalogueAt(position: number): CatalogueEntry {
  const entry = CATALOGUE.find((e) => e.position === position);
  if (!entry) throw new Error(`no catalogue column at position ${position}`);
  return entry;
}

/**
 * hieulw/cicflowmeter's column order (spec §6): 82 snake_case keys, no Flow
 * ID, no Label, no duplicate.
 */
// deno-fmt-ignore
export const PYTHON_ORDER: readonly string[] = [
  "src_ip", "dst_ip", "src_port", "dst_port", "protocol", "timestamp", "flow_duration", "flow_byts_s",
  "flow_pkts_s", "fwd_pkts_s", "bwd_pkts_s", "tot_fwd_pkts", "tot_bwd_pkts", "totlen_fwd_pkts",
  "totlen_bwd_pkts", "fwd_pkt_len_max", "fwd_pkt_len_min", "fwd_pkt_len_mean", "fwd_pkt_len_std",
  "bwd_pkt_len_max", "bwd_pkt_len_min", "bwd_pkt_len_mean", "bwd_pkt_len_std", "pkt_len_max", "pkt_len_min",
  "pkt_len_mean", "pkt_len_std", "pkt_len_var", "fwd_header_len", "bwd_header_len", "fwd_seg_size_min",
  "fwd_act_data_pkts", "flow_iat_mean", "flow_iat_max", "flow_iat_min", "flow_iat_std", "fwd_iat_tot",
  "fwd_iat_max", "fwd_iat_min", "fwd_iat_mean", "fwd_iat_std", "bwd_iat_tot", "bwd_iat_max", "bwd_iat_min",
  "bwd_iat_mean", "bwd_iat_std", "fwd_psh_flags", "bwd_psh_flags", "fwd_urg_flags", "bwd_urg_flags",
  "fin_flag_cnt", "syn_flag_cnt", "rst_flag_cnt", "psh_flag_cnt", "ack_flag_cnt", "urg_flag_cnt",
  "ece_flag_cnt", "down_up_ratio", "pkt_size_avg", "init_fwd_win_byts", "init_bwd_win_byts", "active_max",
  "active_min", "active_mean", "active_std", "idle_max", "idle_min", "idle_mean", "idle_std",
  "fwd_byts_b_avg", "fwd_pkts_b_avg", "bwd_byts_b_avg", "bwd_pkts_b_avg", "fwd_blk_rate_avg",
  "bwd_blk_rate_avg", "fwd_seg_size_avg", "bwd_seg_size_avg", "cwr_flag_count", "subflow_fwd_pkts",
  "subflow_bwd_pkts", "subflow_fwd_byts", "subflow_bwd_byts",
];
