/**
 * Windowed capture for DDoS detection: `tcpdump -w -` → the streaming reader
 * → a WindowLoop over the flow meter. At every window end the window's flows
 * are labeled by a rule (HTTP flood, SYN flood, …) and written, label column
 * included, to `DIR/live_capture_YYYYmmdd_HHMMSS.csv` atomically (a watcher
 * on DIR never sees a half file), then `DIR/latest_capture.csv` is pointed at
 * it, as the Live Capture Tool does for the detector reading only that link.
 * A window without flows writes no file. Stopping saves the current window.
 */
import { unusedPath } from "../system/unused_path.ts";
import { join } from "node:path";
import { FlowMeter } from "../flow/meter.ts";
import type { FlowRecord } from "../flow/flow_record.ts";
import { ATTACK, type Attacker, type LabelRule } from "../label/rule.ts";
import type { Layout } from "../output/columns.ts";
import { openFlowWriter } from "../output/flow_writer.ts";
import { canMakeSymlinks, pointLatestLink } from "../output/latest_link.ts";
import { type FlowTableOptions, layoutFrom, meterOptionsFrom } from "../convert/flow_table_options.ts";
import type { RowSink } from "../sink/row_sink.ts";
import { type CaptureEnd, captureForSession, droppedByKernel, endedBy } from "./session_capture.ts";
import { WindowLoop, type WindowReport } from "./window_loop.ts";
import type { TcpdumpCounts } from "../capture/tcpdump_counts.ts";
import type { ReadStats } from "../pcap/reader.ts";

/** Flow options as in `convert`, except the defaults: profile `corrected`, `ipv6` false. */
export interface WindowsSessionOptions extends FlowTableOptions {
  iface: string;
  /** Directory the window files go to (must exist). */
  outputDir: string;
  /** Window length in seconds. */
  windowSec: number;
  /** Decides each flow's label per window. */
  rule: LabelRule;
  /** BPF filter. */
  filter?: string;
  snaplen?: number;
  /** Mode of the window files (default 0600). */
  fileMode?: number;
  /** Point `DIR/latest_capture.<ext>` at each new window file (default true). */
  latestLink?: boolean;
  /** Also write a header-only file for a window without flows (default false). */
  emptyWindows?: boolean;
  /** Stops the capture; the current window is saved. */
  signal?: AbortSignal;
  /** Called once when tcpdump is capturing; the first window starts then. */
  onListening?: () => void;
  /** Called after each window file is written. */
  onWindow?: (summary: WindowSummary) => void;
  /** Wall clock in ms (tests). */
  now?: () => number;
  /** Kernel capture buffer in KiB (tcpdump -B; default 16384, see CAPTURE_BUFFER_KIB). */
  bufferKiB?: number;
  /** tcpdump to run and arguments before its own (tests: `ip netns exec NS tcpdump`). */
  tcpdumpCommand?: string;
  tcpdumpPrefixArgs?: string[];
  /** Also streams each saved window's rows and its label summary (`--sink`); the caller closes it. */
  rowSink?: RowSink;
}

/** One saved window. */
export interface WindowSummary {
  index: number;
  /** Path of the file written; null for a window without flows (no file unless `emptyWindows`). */
  file: string | null;
  startMs: number;
  endMs: number;
  /** Packets captured in the window. */
  packets: number;
  /** Rows written. */
  flows: number;
  /** Rows labeled Attack. */
  attackFlows: number;
  /** Sources the rule judged attackers, most connections first. */
  attackers: Attacker[];
  rule: string;
  /** Since the start: tcpdump's counters as it last printed them, and the packets we read. */
  capture?: CaptureCounts;
}

/** tcpdump's own counters next to ours, since the capture started. */
export interface CaptureCounts {
  tcpdump: TcpdumpCounts | null;
  packetsRead: number;
}

/** Why the link cannot be kept under a path-scoped permission set (the `binary` build). */
export const LINK_PERMISSION_MESSAGE = "cannot keep the latest_capture link: Deno makes symlinks only with " +
  "unrestricted read and write permissions, and this build may write only in its data directory; " +
  "use --no-latest-link, or run from source (deno task cli) or the compile:wide binary";

export interface WindowsResult {
  /** Window files written (windows without flows write none unless `emptyWindows`). */
  windows: number;
  packets: number;
  flows: number;
  attackFlows: number;
  stopReason: "stopped" | CaptureEnd;
  tcpdumpExitCode: number;
  /** tcpdump's last stderr line (its error when it exited by itself). */
  tcpdumpMessage: string;
  droppedByKernel: number | null;
  /** tcpdump's final counters and the packets read. */
  capture: CaptureCounts;
}

/**
 * The layout with a `label` column at the end when it has none (the python
 * layout): the rule's verdict is the point of a window file. A `fields`
 * selection is left as the user chose it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLayout } from "../output/columns.ts";
 * import { withLabelColumn } from "./windows_session.ts";
 * assert.deepEqual(withLabelColumn(buildLayout("python")).columns.at(-1)?.name, "label");
 * ```
 */
export function withLabelColumn(layout: Layout, fields?: readonly string[]): Layout {
  if (fields?.length || layout.columns.some((c) => c.name.trim().toLowerCase() === "label")) return layout;
  return {
    ...layout,
    columns: [...layout.columns, { name: "label", kind: "string", value: (r) => r.label }],
  };
}

/**
 * Captures on `options.iface` in windows until stopped. Throws
 * TcpdumpStartError when tcpdump cannot start (no window is written then),
 * or the first write error naming the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSocket } from "node:dgram";
 * import { HttpFloodRule } from "../label/http_flood.ts";
 * import { runWindowsSession, type WindowSummary } from "./windows_session.ts";
 * // Capturing needs root (or tcpdump's capabilities): without, the example does nothing.
 * if (Deno.uid() === 0) {
 *   const outputDir = await Deno.makeTempDir();
 *   const stop = new AbortController();
 *   const windows: WindowSummary[] = [];
 *   // Once tcpdump listens: five datagrams of one flow, then stop (the open window is written at the stop).
 *   const sendFiveThenStop = async () => {
 *     const socket = createSocket("udp4");
 *     for (let i = 0; i < 5; i++) await new Promise((sent) => socket.send("ping", 40993, "127.0.0.1", sent));
 *     socket.close();
 *     stop.abort();
 *   };
 *   const r = await runWindowsSession({
 *     iface: "lo",
 *     outputDir,
 *     windowSec: 10,
 *     filter: "udp dst port 40993",
 *     rule: new HttpFloodRule(),
 *     signal: stop.signal,
 *     onListening: () => void sendFiveThenStop(),
 *     onWindow: (w) => windows.push(w),
 *   });
 *   assert.equal(r.packets, 5);
 *   assert.equal(r.flows, 1);
 *   assert.equal(r.attackFlows, 0);
 *   assert.equal(windows.length, 1);
 *   assert.match(await Deno.readTextFile(windows[0].file!), /,Benign\n$/);
 * }
 * ```
 */
export async function runWindowsSession(options: WindowsSessionOptions): Promise<WindowsResult> {
  if (!(options.windowSec > 0)) throw new RangeError(`window length must be > 0 s, got ${options.windowSec}`);
  const latestLink = options.latestLink ?? true;
  if (latestLink && !canMakeSymlinks()) throw new Error(LINK_PERMISSION_MESSAGE);
  const layout = withLabelColumn(layoutFrom(options, "ddos2019"), options.fields);
  // Defaults for detection, as the `windows` command: one row per connection, IPv4 as the Live Capture Tool.
  const meterOptions = meterOptionsFrom({
    ...options,
    profile: options.profile ?? "corrected",
    ipv6: options.ipv6 ?? false,
  });
  const format = options.format ?? "csv";
  const totals = { windows: 0, packets: 0, flows: 0, attackFlows: 0 };
  const stop = new AbortController();
  let failure: unknown;
  let tcpdumpCounts: TcpdumpCounts | null = null;
  let readStats: ReadStats | undefined;

  const writeWindow = async (report: WindowReport<FlowRecord>) => {
    const named = format === "csv" ? report.fileName : report.fileName.replace(/\.csv$/, `.${format}`);
    // A window's name comes from the clock, which repeats (set back, daylight saving time ending).
    const file = unusedPath(join(options.outputDir, named));
    const name = file.slice(file.lastIndexOf("/") + 1);
    const summary = {
      index: report.index,
      startMs: report.startMs,
      endMs: report.endMs,
      packets: report.packets,
      attackers: report.attackers,
      rule: options.rule.name,
      capture: { tcpdump: tcpdumpCounts, packetsRead: readStats?.packets ?? 0 },
    };
    if (report.flows.length === 0 && !options.emptyWindows) {
      // A header-only file would make the detector report a stale or empty window as a fresh one.
      totals.packets += report.packets;
      // No file, so nothing to stream either: a summary's id names its window file.
      options.onWindow?.({ ...summary, file: null, flows: 0, attackFlows: 0 });
      return;
    }
    try {
      const writer = await openFlowWriter({
        path: file,
        layout,
        format,
        fileMode: options.fileMode,
        compression: options.compression,
        rowGroupRows: options.rowGroupRows,
      });
      try {
        let attackFlows = 0;
        for (const [i, flow] of report.flows.entries()) {
          flow.label = report.labels[i];
          if (flow.label === ATTACK) attackFlows++;
          writer.write(flow);
          if (writer.backlogged) await writer.ready();
        }
        await writer.close();
        // Only now, with the file complete under its final name, may the link name it.
        if (latestLink) await pointLatestLink(options.outputDir, name);
        await options.rowSink?.publishFile(file, "windows");
        totals.windows++;
        totals.packets += report.packets;
        totals.flows += report.flows.length;
        totals.attackFlows += attackFlows;
        const done = { ...summary, file, flows: report.flows.length, attackFlows };
        options.rowSink?.publishWindowSummary(done);
        options.onWindow?.(done);
      } catch (err) {
        await writer.abort().catch(() => {});
        throw err;
      }
    } catch (err) {
      // Stop capturing at the first failed window: later ones would fail the same way.
      failure ??= err;
      stop.abort();
      throw err;
    }
  };

  const loop = new WindowLoop<FlowRecord>({
    windowMs: options.windowSec * 1000,
    rule: options.rule,
    createMeter: (onFlow) => new FlowMeter(meterOptions, onFlow),
    writeWindow,
    now: options.now,
  });
  const onStop = () => stop.abort();
  options.signal?.addEventListener("abort", onStop, { once: true });
  if (options.signal?.aborted) stop.abort();

  let started = false;
  let capture;
  try {
    const withCounts = { ...options, onTcpdumpCounts: (c: TcpdumpCounts) => tcpdumpCounts = c };
    capture = await captureForSession(withCounts, stop.signal, loop.onPacket, (stats) => {
      readStats = stats;
      started = true;
      loop.start();
      options.onListening?.();
    });
  } finally {
    options.signal?.removeEventListener("abort", onStop);
    // The current window is saved even when the capture failed midway; stop() rejects with a write error.
    if (started) await loop.stop().catch((err) => void (failure ??= err));
  }
  if (failure !== undefined) throw failure;
  const ended = endedBy(capture);
  return {
    ...totals,
    stopReason: stop.signal.aborted ? "stopped" : ended.reason,
    tcpdumpExitCode: capture.exitCode,
    tcpdumpMessage: ended.message,
    droppedByKernel: droppedByKernel(capture.stderr),
    capture: { tcpdump: capture.counts, packetsRead: capture.stats.packets },
  };
}
