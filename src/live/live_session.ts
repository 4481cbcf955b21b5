/**
 * A live flow session: `tcpdump -w -` on an interface → the streaming reader
 * → the flow meter → a flow writer that appends rows as flows end. The meter
 * stays driven by packet time; this module owns the wall clock and moves the
 * meter's clock forward on a timer (`advanceTo`), so a quiet interface still
 * expires idle flows and closes finished ones. Stopping (the signal, the
 * packet limit, or tcpdump ending) flushes every open flow and closes the
 * file.
 */
import { type CaptureEnd, captureForSession, droppedByKernel, endedBy } from "./session_capture.ts";
import type { TcpdumpCounts } from "../capture/tcpdump_counts.ts";
import { FlowMeter } from "../flow/meter.ts";
import type { FlowRecord } from "../flow/flow_record.ts";
import { openFlowWriter } from "../output/flow_writer.ts";
import { openParquetParts } from "../output/parquet_parts.ts";
import type { ReadStats } from "../pcap/reader.ts";
import { type FlowTableOptions, layoutFrom, meterOptionsFrom } from "../convert/flow_table_options.ts";
import type { RowSink } from "../sink/row_sink.ts";

export interface LiveSessionOptions extends FlowTableOptions {
  /** Interface to capture on. */
  iface: string;
  /** Flow file appended to as flows end (header written when new), or "-" for standard output. */
  output: string;
  /** BPF filter. */
  filter?: string;
  /** Stop after this many packets (0 or undefined: no limit). */
  maxPackets?: number;
  /** Bytes captured per packet (default 65535). */
  snaplen?: number;
  /** Mode of a created output file (default 0600). */
  fileMode?: number;
  /** Parquet: publish a part file this often (seconds, default 60); see `openParquetParts`. */
  parquetRotateSec?: number;
  /** Stops the capture; open flows are flushed and the file closed. */
  signal?: AbortSignal;
  /** Called once when tcpdump is capturing (its pcap header has arrived). */
  onListening?: () => void;
  /** Called every `tickMs` with the counters. */
  onProgress?: (progress: LiveProgress) => void;
  /** Wall-clock tick: progress and moving the meter's clock (default 1000 ms). */
  tickMs?: number;
  /**
   * The meter's clock is moved to the wall clock minus this much (default
   * CLOCK_LAG_MS), so packets still in tcpdump's kernel block or the pipe are
   * not older than the clock.
   */
  clockLagMs?: number;
  /** Wall clock in ms (tests). */
  now?: () => number;
  /** Kernel capture buffer in KiB (tcpdump -B; default 16384, see CAPTURE_BUFFER_KIB). */
  bufferKiB?: number;
  /** tcpdump to run and arguments before its own (tests: `ip netns exec NS tcpdump`). */
  tcpdumpCommand?: string;
  tcpdumpPrefixArgs?: string[];
  /** Also streams every row written (`--sink`); the caller closes it. */
  rowSink?: RowSink;
}

/**
 * tcpdump hands packets over at most about 1 s after they arrived (its
 * buffer timeout, see tcpdump_stream.ts), plus a margin for the pipe.
 */
export const CLOCK_LAG_MS = 1200;

/** Counters while capturing. */
export interface LiveProgress {
  elapsedMs: number;
  /** Records read from tcpdump. */
  packets: number;
  activeFlows: number;
  /** Rows written so far. */
  completedFlows: number;
  /** Packets per second over the last tick. */
  packetsPerSec: number;
  /** tcpdump's own counters, as it last printed them (null before the first). */
  tcpdump: TcpdumpCounts | null;
}

/** Why the capture ended. */
export type LiveStopReason = "stopped" | "packet-limit" | CaptureEnd;

export interface LiveResult {
  iface: string;
  output: string;
  /** Records read from tcpdump (total packets). */
  packets: number;
  /** Packets that went into flows (valid flow packets). */
  packetsUsed: number;
  /** Flows open when the capture ended (flushed into the output then). */
  activeFlows: number;
  /** Rows written, the flushed ones included. */
  completedFlows: number;
  /** Flows written before the stop (ended or timed out while capturing). */
  flowsBeforeStop: number;
  /** Packets not used by reason (reader skips and meter ignores), only reasons that occurred. */
  skipped: Record<string, number>;
  /** cic2017: one-packet flows not written. */
  singlePacketFlowsDropped: number;
  /** From tcpdump's final counts, when it printed them. */
  droppedByKernel: number | null;
  /** tcpdump's final received / captured / dropped counts, when it printed them. */
  tcpdumpCounts: TcpdumpCounts | null;
  elapsedMs: number;
  stopReason: LiveStopReason;
  tcpdumpExitCode: number;
  /** tcpdump's last stderr line (its error when it exited by itself). */
  tcpdumpMessage: string;
}

/**
 * Captures on `options.iface` until stopped, writing flows as they end.
 * Throws TcpdumpStartError when tcpdump cannot start (nothing is written
 * then but the header of a new file), or the writer's error naming the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSocket } from "node:dgram";
 * import { join } from "node:path";
 * import { runLiveSession } from "./live_session.ts";
 * // Capturing needs root (or tcpdump's capabilities): without, the example does nothing.
 * if (Deno.uid() === 0) {
 *   const output = join(await Deno.makeTempDir(), "flows.csv");
 *   const stop = new AbortController();
 *   // Once tcpdump listens: five datagrams of one flow, then stop (open flows are written at the stop).
 *   const sendFiveThenStop = async () => {
 *     const socket = createSocket("udp4");
 *     for (let i = 0; i < 5; i++) await new Promise((sent) => socket.send("ping", 40992, "127.0.0.1", sent));
 *     socket.close();
 *     stop.abort();
 *   };
 *   const r = await runLiveSession({
 *     iface: "lo",
 *     output,
 *     filter: "udp dst port 40992",
 *     signal: stop.signal,
 *     onListening: () => void sendFiveThenStop(),
 *   });
 *   assert.equal(r.packets, 5);
 *   assert.equal(r.completedFlows, 1);
 *   const [header, row] = (await Deno.readTextFile(output)).trim().split("\n");
 *   assert.match(header, /^Flow ID, Source IP, Source Port, Destination IP, Destination Port, Protocol,/);
 *   assert.match(row, /^127\.0\.0\.1-127\.0\.0\.1-\d+-40992-17,/);
 * }
 * ```
 */
export async function runLiveSession(options: LiveSessionOptions): Promise<LiveResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const layout = layoutFrom(options);
  // Parquet cannot be appended to: a series of closed part files instead.
  const writer = options.format === "parquet" && options.output !== "-"
    ? openParquetParts({
      path: options.output,
      layout,
      rotateMs: (options.parquetRotateSec ?? 60) * 1000,
      fileMode: options.fileMode,
      compression: options.compression,
      rowGroupRows: options.rowGroupRows,
    })
    : await openFlowWriter({
      path: options.output,
      layout,
      format: options.format,
      append: options.output !== "-",
      fileMode: options.fileMode,
      compression: options.compression,
      rowGroupRows: options.rowGroupRows,
    });
  const streamRow = options.rowSink?.rowStream(
    options.output === "-" ? "stdout" : options.output.slice(options.output.lastIndexOf("/") + 1),
    layout,
    "flows",
  );
  const stop = new AbortController();
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
    stop.abort();
  };
  const onFlow = (flow: FlowRecord) => {
    if (failure !== undefined) return;
    try {
      writer.write(flow);
      streamRow?.(flow);
    } catch (err) {
      fail(err);
    }
  };
  const meter = new FlowMeter(meterOptionsFrom(options), onFlow);
  const onStop = () => stop.abort();
  options.signal?.addEventListener("abort", onStop, { once: true });
  if (options.signal?.aborted) stop.abort();

  let readStats: ReadStats | undefined;
  let tcpdumpCounts: TcpdumpCounts | null = null;
  let lastTick = { at: started, packets: 0 };
  const lagMs = options.clockLagMs ?? CLOCK_LAG_MS;
  const tick = () => {
    const t = now();
    meter.advanceTo((t - lagMs) * 1000);
    const packets = readStats?.packets ?? 0;
    const dt = t - lastTick.at;
    options.onProgress?.({
      elapsedMs: t - started,
      packets,
      activeFlows: meter.activeFlows,
      completedFlows: writer.rows,
      packetsPerSec: dt > 0 ? Math.round((packets - lastTick.packets) * 1000 / dt) : 0,
      tcpdump: tcpdumpCounts,
    });
    lastTick = { at: t, packets };
  };
  const timer = setInterval(tick, options.tickMs ?? 1000);

  let capture;
  try {
    const withCounts = { ...options, onTcpdumpCounts: (c: TcpdumpCounts) => tcpdumpCounts = c };
    capture = await captureForSession(withCounts, stop.signal, meter.addPacket, (stats) => {
      readStats = stats;
      options.onListening?.();
    });
  } catch (err) {
    clearInterval(timer);
    options.signal?.removeEventListener("abort", onStop);
    await writer.close().catch(() => {});
    throw err;
  }
  clearInterval(timer);
  options.signal?.removeEventListener("abort", onStop);

  const flowsBeforeStop = writer.rows;
  const activeFlows = meter.activeFlows;
  if (failure === undefined) meter.flush();
  try {
    await writer.close();
  } catch (err) {
    failure ??= err;
  }
  if (failure !== undefined) throw failure;

  const { stats, stderr, exitCode } = capture;
  const m = meter.stats;
  const skipped: Record<string, number> = {};
  for (const [reason, n] of [...Object.entries(stats.skipped), ...Object.entries(m.ignored)]) {
    if (n > 0) skipped[reason] = n;
  }
  const limit = options.maxPackets ?? 0;
  const ended = endedBy(capture);
  return {
    iface: options.iface,
    output: options.output,
    packets: stats.packets,
    packetsUsed: m.packetsUsed,
    activeFlows,
    completedFlows: writer.rows,
    flowsBeforeStop,
    skipped,
    singlePacketFlowsDropped: m.singlePacketFlowsDropped,
    droppedByKernel: droppedByKernel(stderr),
    tcpdumpCounts: capture.counts,
    elapsedMs: now() - started,
    stopReason: stop.signal.aborted
      ? "stopped"
      : limit > 0 && stats.packets >= limit
      ? "packet-limit"
      : ended.reason,
    tcpdumpExitCode: exitCode,
    tcpdumpMessage: ended.message,
  };
}
