/**
 * The external meters read what tcpdump wrote: with a snaplen below the
 * packets' size they count the captured bytes, so their length columns are
 * capped (the builtin meter takes whole-packet lengths, see
 * `--snaplen-lengths`). The pipeline says so at start, naming the columns.
 */
import type { ConverterName } from "../convert/converter.ts";

/** The largest frame a snaplen of this size leaves whole (Ethernet, jumbo frames included). */
export const WHOLE_PACKET_SNAPLEN = 65535;

/**
 * Columns of each external meter that count captured bytes (cicflowmeter
 * counts scapy's frame and payload lengths; nexusflowmeter its packet sizes).
 */
export const TRUNCATION_COLUMNS: Record<Exclude<ConverterName, "builtin">, readonly string[]> = {
  cicflowmeter: [
    "flow_byts_s",
    "totlen_fwd_pkts",
    "totlen_bwd_pkts",
    "fwd_pkt_len_*",
    "bwd_pkt_len_*",
    "pkt_len_*",
    "pkt_size_avg",
    "fwd_seg_size_avg",
    "bwd_seg_size_avg",
    "fwd_act_data_pkts",
    "fwd_byts_b_avg",
    "bwd_byts_b_avg",
    "subflow_fwd_byts",
    "subflow_bwd_byts",
  ],
  nexusflowmeter: [
    "total_bytes",
    "forward_bytes",
    "backward_bytes",
    "total_payload_bytes",
    "forward_payload_bytes",
    "backward_payload_bytes",
    "bytes_per_second",
    "min_packet_size",
    "max_packet_size",
    "avg_packet_size",
  ],
};

/**
 * The start-up warning for `meter` capturing at `snaplen`, or null when the
 * meter sees whole packets (or is the builtin one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { snaplenWarning } from "./snaplen_warning.ts";
 * assert.deepEqual(snaplenWarning("cicflowmeter", 128)?.startsWith("snaplen 128: cicflowmeter sees packets cut"), true);
 * assert.deepEqual(snaplenWarning("builtin", 128), null);
 * ```
 */
export function snaplenWarning(meter: ConverterName, snaplen: number): string | null {
  if (meter === "builtin" || snaplen >= WHOLE_PACKET_SNAPLEN) return null;
  return `snaplen ${snaplen}: ${meter} sees packets cut to ${snaplen} bytes and counts only those, ` +
    `so these columns are capped: ${TRUNCATION_COLUMNS[meter].join(", ")}. ` +
    `Use -s ${WHOLE_PACKET_SNAPLEN} for whole packets, or the builtin meter (whole-packet lengths at any snaplen)`;
}
