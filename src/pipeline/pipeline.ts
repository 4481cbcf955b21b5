/**
 * The capture pipeline, wired: config → validation → directories (0700) →
 * logger → conversion queue + converter → watcher → tcpdump → retention
 * (every 30 s) → disk monitor → status line (every minute).
 *
 * `startPipeline` returns a handle (status, stop, force); `runPipeline`
 * runs until `signal` aborts, then shuts down gracefully: stop tcpdump, wait
 * for its last file to be stable, convert it, drain the queue (bounded),
 * report failures. `forceSignal` (a second Ctrl+C) cuts every wait short:
 * conversions are aborted, nothing is left half-written under a final name,
 * and unconverted pcaps stay for the next start.
 */
import { snaplenWarning } from "./snaplen_warning.ts";
import { formatTcpdumpCounts, type TcpdumpCounts } from "../capture/tcpdump_counts.ts";
import { baseName, pathExists } from "../paths.ts";
import { findParentDeathHelper } from "../system/parent_death.ts";
import { RotatingCapture } from "../capture/tcpdump_rotate.ts";
import type { PipelineConfig } from "../config/pipeline_config.ts";
import { defaultValidationDeps, validateConfig, type ValidationDeps } from "../config/validate.ts";
import type { Converter } from "../convert/converter.ts";
import { BuiltinConverter } from "../convert/builtin.ts";
import { CicflowmeterConverter } from "../convert/cicflowmeter.ts";
import { NexusflowmeterConverter } from "../convert/nexusflowmeter.ts";
import { checkMeter, isIdentified } from "../convert/meter_check.ts";
import { describeMeter } from "../convert/meter_cli.ts";
import { RepeatedErrorWatch } from "../convert/repeated_errors.ts";
import { type ClosableLogger, createLogger, type Logger } from "../log.ts";
import type { RowSink } from "../sink/row_sink.ts";
import { VERSION } from "../version.ts";
import { ConversionQueue } from "./conversion_queue.ts";
import { DiskMonitor, freeBytes } from "./disk_monitor.ts";
import { removeTempLeftovers, startRetention } from "./retention.ts";
import { type FailedCapture, listFailedCaptures } from "./shutdown.ts";
import { unlessForced } from "../system/stop_signals.ts";
import { formatStatus, type PipelineStatus } from "./status.ts";
import { CaptureWatcher } from "./watcher.ts";

/** What the pipeline uses from outside, replaceable in tests. */
export interface PipelineDeps {
  validation: ValidationDeps;
  /** The flow meter for the config (programs: where validation found tcpdump and the meter). */
  createConverter(config: PipelineConfig, programs: Record<string, string>): Converter | Promise<Converter>;
  /** Free bytes on the file system holding `path` (throws when it cannot be read). */
  freeBytes(path: string): Promise<number>;
}

export interface PipelineOptions {
  /** Graceful stop (first Ctrl+C / SIGTERM). */
  signal?: AbortSignal;
  /** Immediate stop (second Ctrl+C). */
  forceSignal?: AbortSignal;
  deps?: Partial<PipelineDeps>;
  /** Log to the console too (default true); the log file is always written. */
  console?: boolean;
  /** Status line period (default 60 s). */
  statusIntervalMs?: number;
  /** Watcher safety-net re-scan period (default 5 s). */
  rescanMs?: number;
  /** Retention pass period (default 30 s; tests shorten it). */
  retentionIntervalMs?: number;
  /** Opens where converted rows are streamed besides csv/ (`--sink`), logging to the pipeline's log. */
  openSink?: (log: Logger) => Promise<RowSink>;
}

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

/** A started pipeline. */
export interface RunningPipeline {
  readonly config: PipelineConfig;
  readonly log: ClosableLogger;
  /** The running tcpdump's pid (tests). */
  readonly tcpdumpPid: number | undefined;
  status(): Promise<PipelineStatus>;
  /** Writes the status line to the log (the minute timer and SIGUSR1). */
  logStatus(): Promise<void>;
  /** Graceful shutdown; a second call returns the same promise. `force` cuts it short. */
  stop(force?: AbortSignal): Promise<PipelineSummary>;
}

function defaultDeps(): PipelineDeps {
  return {
    validation: defaultValidationDeps(),
    createConverter: converterFor,
    freeBytes: (path) => freeBytes(path),
  };
}

/** The Converter for the configured flow meter, with its options from the config. */
export function converterFor(config: PipelineConfig, programs: Record<string, string>): Converter {
  switch (config.meter) {
    case "cicflowmeter":
      return new CicflowmeterConverter({ ...config.cicflowmeter, executable: programs.cicflowmeter });
    case "nexusflowmeter":
      return new NexusflowmeterConverter({ ...config.nexusflowmeter, executable: programs.nexusflowmeter });
    case "builtin":
      return new BuiltinConverter(config.builtin);
  }
}

/**
 * Validates `config`, then starts everything. Throws ConfigError (before
 * anything has started) when the config cannot work.
 *
 * @example
 * const p = await startPipeline(config);
 * // … later
 * const summary = await p.stop();
 */
export async function startPipeline(
  config: PipelineConfig,
  options: PipelineOptions = {},
): Promise<RunningPipeline> {
  const deps = { ...defaultDeps(), ...options.deps };
  const { config: cfg, warnings, programs } = await validateConfig(config, deps.validation);
  const dirs = cfg.dirs;
  const log = createLogger({
    level: cfg.logLevel,
    logDir: dirs.log,
    console: options.console ?? true,
    fileMode: cfg.fileMode,
    dirMode: cfg.dirMode,
  });
  log.info(
    `pcap-pipeline ${VERSION} starting: ${cfg.meter} on ${cfg.interface}` +
      `${
        cfg.filter ? ` (filter ${JSON.stringify(cfg.filter)})` : ""
      }, new pcap every ${cfg.rotateSeconds} s, ` +
      `${cfg.workers} workers, data in ${dirs.data}, log ${log.filePath}`,
  );
  for (const w of warnings) log.warn(w);
  const truncation = snaplenWarning(cfg.meter, cfg.snaplen);
  if (truncation) log.warn(truncation);

  let sink: RowSink | undefined;
  try {
    // Half-written outputs of a crashed run (nothing converts yet, so all temp names are stale).
    await removeTempLeftovers([...new Set([dirs.csv, dirs.reports, dirs.pcaps, dirs.failed])], log);
    const meter = await deps.createConverter(cfg, programs);
    if (isIdentified(meter)) {
      if (cfg.meterCheck) {
        const check = await checkMeter(meter, dirs.data);
        log.info(
          `meter check passed: ${describeMeter(check.identity)} run as \`${check.identity.program} ` +
            `${check.identity.invocation}\` found ${check.flows ?? "its"} flows in the test capture`,
        );
      } else log.warn(`meter check skipped (--no-meter-check); ${meter.name} is tried on the first capture`);
    }
    const converter = new RepeatedErrorWatch(meter, log);
    sink = await options.openSink?.(log);
    let failedThisRun = 0;
    let packetsRead = 0;
    const meterPackets = () => cfg.meter === "builtin" ? packetsRead : null;
    const queue = new ConversionQueue({
      converter,
      workers: cfg.workers,
      retries: cfg.retries,
      retryDelayMs: cfg.retryDelaySeconds * 1000,
      timeoutMs: cfg.timeoutSeconds * 1000,
      flowTableDir: dirs.csv,
      reportsDir: dirs.reports,
      failedDir: dirs.failed,
      log,
      fileMode: cfg.fileMode,
      dirMode: cfg.dirMode,
      onFailed: () => failedThisRun++,
      onConverted: (_pcap, csv, outcome) => {
        packetsRead += outcome.packets ?? 0;
        void sink?.publishFile(csv, "flows");
      },
    });
    // CSVs finished by a run that died before it spooled them.
    void sink?.catchUp(dirs.csv, "flows", /^capture_\d{8}_\d{6}\.csv$/);
    const isConverted = async (pcap: string) => await pathExists(queue.flowTablePathFor(pcap));
    const watcher = new CaptureWatcher({
      dir: dirs.pcaps,
      stabilityMs: cfg.stabilitySeconds * 1000,
      rescanMs: options.rescanMs,
      isDone: isConverted,
      onComplete: (pcap) => {
        // tcpdump creates captures with its umask (often 0644); a finished one is ours to protect.
        Deno.chmod(pcap, cfg.fileMode).catch((err) =>
          log.warn(`cannot chmod ${cfg.fileMode.toString(8)} ${baseName(pcap)}: ${err.message}`)
        );
        if (!queue.enqueue(pcap)) log.debug(`${baseName(pcap)} is already queued`);
      },
      log,
    });
    await watcher.start();

    const setpriv = await findParentDeathHelper();
    if (!setpriv) {
      log.warn("setpriv not usable: tcpdump could outlive this process if it is killed with SIGKILL");
    }
    const capture = new RotatingCapture({
      iface: cfg.interface,
      snaplen: cfg.snaplen,
      rotateSeconds: cfg.rotateSeconds,
      pcapDir: dirs.pcaps,
      filter: cfg.filter,
      log,
      tcpdump: programs.tcpdump,
      parentDeathSignal: setpriv,
      // Whatever tcpdump was writing is complete once stable.
      onExit: () => void watcher.settle(),
    });
    capture.start();

    const retention = startRetention({
      pcapDir: dirs.pcaps,
      flowTableDir: dirs.csv,
      reportsDir: dirs.reports,
      failedDir: dirs.failed,
      retentionMs: {
        pcaps: cfg.retentionMinutes.pcaps * 60_000,
        csv: cfg.retentionMinutes.csv * 60_000,
        reports: cfg.retentionMinutes.reports * 60_000,
      },
      isConverted,
      log,
      intervalMs: options.retentionIntervalMs,
    });
    const disk = new DiskMonitor({
      dataDir: dirs.data,
      pcapDir: dirs.pcaps,
      minFreeMb: cfg.minFreeDiskMb,
      intervalMs: cfg.diskCheckSeconds * 1000,
      isConverted,
      freeSpace: deps.freeBytes,
      log,
      pauseCapture: async () => {
        await capture.pause();
        await watcher.settle();
      },
      resumeCapture: () => capture.resume(),
    });
    disk.start();

    const status = async (): Promise<PipelineStatus> => ({
      captured: watcher.completed,
      current: watcher.current,
      converted: queue.stats.converted,
      failed: queue.stats.failed,
      retries: queue.stats.retries,
      queued: queue.depth,
      running: queue.running,
      freeBytes: await deps.freeBytes(dirs.data).catch(() => undefined),
      capture: capture.state,
      tcpdumpRestarts: capture.restarts,
      tcpdump: await capture.refreshCounts(),
      packetsRead: meterPackets(),
      stream: sink?.stats(),
    });
    const logStatus = async () => log.info(formatStatus(await status()));
    const statusTimer = setInterval(() => void logStatus(), options.statusIntervalMs ?? 60_000);

    let stopping: Promise<PipelineSummary> | undefined;
    const stop = (force?: AbortSignal): Promise<PipelineSummary> => {
      stopping ??= (async () => {
        clearInterval(statusTimer);
        retention.stop();
        disk.stop();
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
        await sink?.close(forced ? 0 : undefined);
        const failedFiles = await listFailedCaptures(dirs.failed);
        for (const f of failedFiles) log.warn(`failed: ${dirs.failed}/${f.file}: ${f.reason}`);
        const summary: PipelineSummary = {
          captured: watcher.completed,
          converted: queue.stats.converted,
          failed: failedThisRun,
          failures: [...queue.failures],
          failedFiles,
          unfinished,
          forced,
          tcpdumpRestarts: capture.restarts,
          tcpdump: capture.counts,
          packetsRead: meterPackets(),
          logFile: log.filePath,
        };
        log.info(
          `stopped: ${summary.captured} captured, ${summary.converted} converted, ${summary.failed} failed` +
            `${unfinished > 0 ? `, ${unfinished} left for the next start` : ""}; ` +
            formatTcpdumpCounts(summary.tcpdump, summary.packetsRead),
        );
        log.close();
        return summary;
      })();
      return stopping;
    };
    return {
      config: cfg,
      log,
      get tcpdumpPid() {
        return capture.pid;
      },
      status,
      logStatus,
      stop,
    };
  } catch (err) {
    log.error(`could not start: ${(err as Error).message}`);
    await sink?.close(0);
    log.close();
    throw err;
  }
}

/**
 * Runs the pipeline until `options.signal` aborts, then shuts down (see the
 * module comment). Resolves with the summary.
 */
export async function runPipeline(
  config: PipelineConfig,
  options: PipelineOptions = {},
): Promise<PipelineSummary> {
  const running = await startPipeline(config, options);
  if (!options.signal?.aborted) {
    await new Promise<void>((resolve) =>
      options.signal?.addEventListener("abort", () => resolve(), { once: true })
    );
  }
  return await running.stop(options.forceSignal);
}
