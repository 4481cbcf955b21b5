/**
 * The pipeline's status line (every minute and on SIGUSR1): files captured,
 * converted, failed, queue depth, free disk.
 */
import type { CaptureState } from "../capture/tcpdump_rotate.ts";
import { formatTcpdumpCounts, type TcpdumpCounts } from "../capture/tcpdump_counts.ts";

export interface PipelineStatus {
  /** Completed capture files handed to the queue this run (left-overs included). */
  captured: number;
  /** The file tcpdump is writing, if known. */
  current?: string;
  converted: number;
  failed: number;
  retries: number;
  /** Waiting in the queue. */
  queued: number;
  /** Being converted now. */
  running: number;
  /** Free bytes on the data directory's file system; undefined when unknown. */
  freeBytes?: number;
  capture: CaptureState;
  tcpdumpRestarts: number;
  /** tcpdump's own counters this run (restarts summed); null before it printed any. */
  tcpdump?: TcpdumpCounts | null;
  /** Packets in the pcaps converted this run (builtin meter); null: an external meter, which does not say. */
  packetsRead?: number | null;
  /** Streaming (`--sink`): rows acknowledged by the stream, bytes waiting in the spool, connected. */
  stream?: { published: number; backlogBytes: number; connected: boolean };
}

/**
 * One line for the log.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatStatus } from "./status.ts";
 * const line = formatStatus({ captured: 12, converted: 10, failed: 1, retries: 2, queued: 1, running: 1,
 *   freeBytes: 13_200_000_000, capture: "running", tcpdumpRestarts: 0 });
 * assert.equal(line,
 *   "status: 12 captured, 10 converted, 1 failed (2 retries), queue 1 + 1 running, free disk 12.3 GiB, tcpdump running");
 * ```
 */
export function formatStatus(s: PipelineStatus): string {
  const parts = [
    `${s.captured} captured`,
    `${s.converted} converted`,
    `${s.failed} failed${s.retries > 0 ? ` (${s.retries} retries)` : ""}`,
    `queue ${s.queued} + ${s.running} running`,
    `free disk ${s.freeBytes === undefined ? "unknown" : formatBytes(s.freeBytes)}`,
    `tcpdump ${s.capture}${s.tcpdumpRestarts > 0 ? ` (${s.tcpdumpRestarts} restarts)` : ""}`,
  ];
  if (s.tcpdump !== undefined) parts.push(formatTcpdumpCounts(s.tcpdump, s.packetsRead ?? null));
  if (s.stream) {
    parts.push(
      `stream ${
        s.stream.connected ? "connected" : "not connected"
      }: ${s.stream.published} rows acknowledged, ` +
        `${formatBytes(s.stream.backlogBytes)} spooled`,
    );
  }
  return `status: ${parts.join(", ")}`;
}

/** `12.3 GiB`, `512 MiB`, `900 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
