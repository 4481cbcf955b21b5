/**
 * CSV rows (RFC 4180): header line of the layout's exact names, then one
 * line per flow, "\n" line ends, strings quoted only when they hold a comma,
 * a double quote or a line break. pandas reads it with the dataset's header.
 */
import type { FlowRecord } from "../flow/flow_record.ts";
import type { Layout } from "./columns.ts";
import type { FlowWriter, FlowWriterOptions, RowEncoder } from "./flow_writer.ts";
import { openFlowWriter } from "./flow_writer.ts";
import { csvString, formatNumber } from "./format_value.ts";

/**
 * The header line of `layout`, with its "\n".
 *
 * @example
 * csvHeader(buildLayout("cic2017")).startsWith("Flow ID, Source IP, Source Port,") // true
 */
export function csvHeader(layout: Layout): string {
  return layout.columns.map((c) => csvString(c.name)).join(",") + "\n";
}

/**
 * Encoder of CSV lines for `layout`.
 *
 * @example
 * const enc = csvEncoder(buildLayout("cicflowmeter4"));
 * enc.header + enc.row(record) // "Flow ID,Src IP,...\n10.0.0.9-...,NeedManualLabel\n"
 */
export function csvEncoder(layout: Layout): RowEncoder {
  const values = layout.columns.map((c) => c.value);
  // 0: string, 1: integer kind, 2: float kind
  const kinds = layout.columns.map((c) => (c.kind === "string" ? 0 : c.kind === "int" ? 1 : 2));
  const floatStyle = layout.floatStyle;
  const n = values.length;
  return {
    header: csvHeader(layout),
    row(r: FlowRecord): string {
      let line = "";
      for (let i = 0; i < n; i++) {
        const v = values[i](r);
        const cell = typeof v === "number"
          ? formatNumber(v, kinds[i] === 2 ? floatStyle : "plain")
          : csvString(v);
        line += i === 0 ? cell : "," + cell;
      }
      return line + "\n";
    },
  };
}

/**
 * Opens a CSV flow writer (see `openFlowWriter` for destinations).
 *
 * @example
 * const w = await createCsvWriter({ path: "flows.csv", layout: buildLayout("cic2017") });
 */
export function createCsvWriter(options: Omit<FlowWriterOptions, "format">): Promise<FlowWriter> {
  return openFlowWriter({ ...options, format: "csv" });
}
