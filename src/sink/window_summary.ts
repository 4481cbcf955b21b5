/**
 * A window's label summary as one CSV row, streamed beside the window's flows
 * (kind `window-summary`), so a central reader sees each window's verdict
 * without reading its flows.
 */

/** What a summary holds (a subset of the windows session's WindowSummary). */
export interface WindowSummaryRow {
  file: string;
  startMs: number;
  endMs: number;
  packets: number;
  flows: number;
  attackFlows: number;
  rule: string;
  attackers: { ip: string; connections: number }[];
}

/** The header line of window summaries. */
export const WINDOW_SUMMARY_HEADER =
  "window_file,start,end,duration_s,packets,flows,attack_flows,rule,attackers";

/**
 * One summary as a CSV line (no newline); attackers are `ip:connections`
 * joined by `;`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { windowSummaryLine } from "./window_summary.ts";
 * const line = windowSummaryLine({ file: "live_capture_20261202_081500.csv", startMs: 0, endMs: 10_000, packets: 5,
 *   flows: 2, attackFlows: 1, rule: "http-flood", attackers: [{ ip: "10.0.0.9", connections: 60 }] });
 * assert.equal(line,
 *   "live_capture_20261202_081500.csv,1970-01-01T00:00:00.000Z,1970-01-01T00:00:10.000Z,10,5,2,1,http-flood,10.0.0.9:60");
 * ```
 */
export function windowSummaryLine(w: WindowSummaryRow): string {
  return [
    w.file,
    new Date(w.startMs).toISOString(),
    new Date(w.endMs).toISOString(),
    String((w.endMs - w.startMs) / 1000),
    String(w.packets),
    String(w.flows),
    String(w.attackFlows),
    w.rule,
    w.attackers.map((a) => `${a.ip}:${a.connections}`).join(";"),
  ].join(",");
}
