/**
 * NDJSON rows: one JSON object per flow. Keys are the layout's column names
 * trimmed of surrounding spaces; a repeated name gets pandas' `.1` suffix
 * (cic2017's second ` Fwd Header Length` is `Fwd Header Length.1`), so the
 * keys equal the column names pandas gives the CSV after `.str.strip()`.
 * Numbers are JSON numbers; NaN, Infinity and -Infinity are strings.
 */
import type { FlowRecord } from "../flow/flow_record.ts";
import { columnKeys, type Layout } from "./columns.ts";
import type { RowEncoder } from "./flow_writer_types.ts";
import { jsonNumber } from "./format_value.ts";

/**
 * Encoder of NDJSON lines for `layout` (no header).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FlowRecord } from "../flow/flow_record.ts";
 * import { buildLayout, selectColumns } from "./columns.ts";
 * import { ndjsonEncoder } from "./ndjson_writer.ts";
 * // Only the two fields these columns read; a real record has them all.
 * const r = { srcIp: "192.168.10.5", flowBytesPerSec: NaN } as FlowRecord;
 * const encoder = ndjsonEncoder(selectColumns(buildLayout("cic2017"), ["Source IP", "Flow Bytes/s"]));
 * assert.equal(encoder.row(r), '{"Source IP":"192.168.10.5","Flow Bytes/s":"NaN"}\n');
 * ```
 */
export function ndjsonEncoder(layout: Layout): RowEncoder {
  const values = layout.columns.map((c) => c.value);
  const prefixes = columnKeys(layout).map((k, i) => (i === 0 ? "{" : ",") + JSON.stringify(k) + ":");
  const n = values.length;
  return {
    header: null,
    row(r: FlowRecord): string {
      let line = "";
      for (let i = 0; i < n; i++) {
        const v = values[i](r);
        line += prefixes[i] + (typeof v === "number" ? jsonNumber(v) : JSON.stringify(v));
      }
      return (n === 0 ? "{" : line) + "}\n";
    },
  };
}
