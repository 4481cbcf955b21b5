/**
 * The pipeline's graceful stop: stop tcpdump, wait for its last file to be
 * stable, convert it, drain the queue (bounded), report failures (the
 * permanently failed captures in `failed/`, each with its reason), then
 * release everything start-up acquired, in reverse order (the log last).
 * `force` (a second Ctrl+C) cuts every wait short: conversions are aborted,
 * nothing is left half-written under a final name, and unconverted pcaps stay
 * for the next start.
 */
import { formatTcpdumpCounts, type TcpdumpCounts } from "../capture/tcpdump_counts.ts";
import type { RotatingCapture } from "../capture/tcpdump_rotate.ts";
import type { PipelineConfig } from "../config/pipeline_config.ts";
import type { ClosableLogger } from "../log.ts";
import { unlessForced } from "../system/stop_signals.ts";
import type { ConversionQueue } from "./conversion_queue.ts";
import type { OpenSink, PeriodicTask } from "./start_steps.ts";
import type { CaptureWatcher } from "./watcher.ts";

/** What a run did, returned when it has stopped. */
export interface PipelineSummary {
  captured: number;
  converted: number;
  failed: number;
  /** Permanent failures of this run (pcap moved to failed/). */
  failures: { pcap: string; reason: string }[];
  /** Everything in failed/ at the end, this run's and earlier ones'. */
  failedFiles: FailedCapture[];
  /** Conversions not finished at the end (their pcaps stay for the next start). */
  unfinished: number;
  /** A second Ctrl+C cut the shutdown short. */
  forced: boolean;
  tcpdumpRestarts: number;
  /** tcpdump's final counters (restarts summed), when it printed them. */
  tcpdump: TcpdumpCounts | null;
  /** Packets in the pcaps converted this run (the builtin meter counts them; null for external meters). */
  packetsRead: number | null;
  logFile?: string;
}

/** The parts of a running pipeline that its stop works through. */
export interface RunningParts {
  cfg: PipelineConfig;
  log: ClosableLogger;
  /** Status line, retention, disk monitor: stopped first. */
  periodic: PeriodicTask[];
  capture: RotatingCapture;
  watcher: CaptureWatcher;
  queue: ConversionQueue;
  sink: OpenSink | undefined;
  packetsRead(): number | null;
  /** The release of everything start-up acquired (the parts above among them), in reverse order. */
  resources: AsyncDisposableStack;
}

/** Stops the pipeline gracefully (see the module comment); resolves with the run's summary. */
export async function shutDown(parts: RunningParts, force?: AbortSignal): Promise<PipelineSummary> {
  const { cfg, log, capture, watcher, queue } = parts;
  try {
    await Promise.all(parts.periodic.map((task) => task.stop()));
    log.info("shutting down: stopping tcpdump");
    let forced = false;
    const cut = async <T>(p: Promise<T>): Promise<T | undefined> => {
      const v = await unlessForced(p, force);
      if (force?.aborted) forced = true;
      return v;
    };
    await cut(capture.stop(force?.aborted ? 500 : undefined));
    if (force?.aborted) await capture.stop(500);
    if (!forced) {
      await cut(watcher.settle());
      const settled = await cut(watcher.waitSettled(cfg.stabilitySeconds * 1000 + 10_000));
      if (settled === false) {
        log.warn("the last capture file did not become stable; it is left for the next start");
      }
    }
    await watcher.close();
    let unfinished = 0;
    if (!forced) {
      const pending = queue.depth + queue.running;
      if (pending > 0) {
        log.info(`waiting up to ${cfg.shutdownTimeoutSeconds} s for ${pending} conversions`);
      }
      const drained = await cut(queue.drain(cfg.shutdownTimeoutSeconds * 1000));
      if (drained === false) unfinished = queue.depth + queue.running;
    }
    if (forced) {
      unfinished = queue.depth + queue.running;
      log.warn(
        `stopping at once: ${unfinished} conversions aborted; their pcaps are converted at the next start`,
      );
    } else if (unfinished > 0) {
      log.warn(
        `${unfinished} conversions not finished in time; their pcaps are converted at the next start`,
      );
    }
    if (forced || unfinished > 0) await queue.abort();
    await parts.sink?.close(forced ? 0 : undefined);
    const failedFiles = await listFailedCaptures(cfg.dirs.failed);
    for (const f of failedFiles) log.warn(`failed: ${cfg.dirs.failed}/${f.file}: ${f.reason}`);
    const summary: PipelineSummary = {
      captured: watcher.completed,
      converted: queue.stats.converted,
      failed: queue.stats.failed,
      failures: queue.failures,
      failedFiles,
      unfinished,
      forced,
      tcpdumpRestarts: capture.restarts,
      tcpdump: capture.counts,
      packetsRead: parts.packetsRead(),
      logFile: log.filePath,
    };
    log.info(
      `stopped: ${summary.captured} captured, ${summary.converted} converted, ${summary.failed} failed` +
        `${unfinished > 0 ? `, ${unfinished} left for the next start` : ""}; ` +
        formatTcpdumpCounts(summary.tcpdump, summary.packetsRead),
    );
    return summary;
  } finally {
    // Whatever the steps above did not end (all of it, if one threw), and the log file last.
    await parts.resources.disposeAsync();
  }
}

/** A pcap moved to failed/ and why. */
export interface FailedCapture {
  file: string;
  reason: string;
}

/**
 * The captures in `failedDir`, oldest first, each with the first line of its
 * reason file (`NAME.pcap.reason` or `NAME.reason`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listFailedCaptures } from "./shutdown.ts";
 * const failed = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${failed}/capture_20261123_101500.pcap`, "");
 * await Deno.writeTextFile(`${failed}/capture_20261123_101500.pcap.reason`, "cicflowmeter exited with code 1\nstderr: …\n");
 * assert.deepEqual(await listFailedCaptures(failed), [
 *   { file: "capture_20261123_101500.pcap", reason: "cicflowmeter exited with code 1" },
 * ]);
 * await Deno.remove(failed, { recursive: true });
 * ```
 */
export async function listFailedCaptures(failedDir: string): Promise<FailedCapture[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(failedDir)) {
      if (e.isFile && /\.pcap$/.test(e.name) && !e.name.startsWith(".")) names.push(e.name);
    }
  } catch {
    return [];
  }
  const out: FailedCapture[] = [];
  for (const file of names.sort()) {
    let reason = "no reason recorded";
    for (const candidate of [`${file}.reason`, `${file.replace(/\.pcap$/, "")}.reason`]) {
      try {
        reason = (await Deno.readTextFile(`${failedDir}/${candidate}`)).trim().split("\n")[0] || reason;
        break;
      } catch { /* try the other name */ }
    }
    out.push({ file, reason });
  }
  return out;
}
