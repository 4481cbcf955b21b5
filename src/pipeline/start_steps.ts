/**
 * The pipeline's start-up, one function per step. Each step that starts
 * something registers its release on the caller's `AsyncDisposableStack` at
 * once, so a failure in a later step releases it (the stack runs releases in
 * reverse order), and so does the running pipeline's stop. Releases never
 * throw: a throwing release would bury the start-up error that caused it.
 */
import type { PipelineConfig } from "../config/pipeline_config.ts";
import type { Converter, ConvertOutcome } from "../convert/converter.ts";
import { checkMeter, isIdentified } from "../convert/meter_check.ts";
import { describeMeter } from "../convert/meter_cli.ts";
import { RepeatedErrorWatch } from "../convert/repeated_errors.ts";
import { RotatingCapture } from "../capture/tcpdump_rotate.ts";
import { type ClosableLogger, createLogger, type Logger } from "../log.ts";
import { baseName, pathExists } from "../paths.ts";
import type { RowSink } from "../sink/row_sink.ts";
import { findParentDeathHelper } from "../system/parent_death.ts";
import { ConversionQueue } from "./conversion_queue.ts";
import { DiskMonitor, type FreeSpaceFn } from "./disk_monitor.ts";
import { type RetentionTimer, startRetention } from "./retention.ts";
import { CaptureWatcher } from "./watcher.ts";

/** Something periodic that the stop ends first, so that nothing new starts during shutdown. */
export interface PeriodicTask {
  /** Stops the timer; resolves once a run in progress has finished. */
  stop(): Promise<void>;
}

/** The log file (console too unless `toConsole` is false); closed last, after everything else. */
export function openLog(
  stack: AsyncDisposableStack,
  cfg: PipelineConfig,
  toConsole: boolean,
): ClosableLogger {
  const log = createLogger({
    level: cfg.logLevel,
    logDir: cfg.dirs.log,
    console: toConsole,
    fileMode: cfg.fileMode,
    dirMode: cfg.dirMode,
  });
  stack.defer(() => log.close());
  return log;
}

/** The flow meter, checked on a test capture when it can say who it is (nothing to release). */
export async function prepareMeter(meter: Converter, cfg: PipelineConfig, log: Logger): Promise<Converter> {
  if (isIdentified(meter)) {
    if (cfg.meterCheck) {
      const check = await checkMeter(meter, cfg.dirs.data);
      log.info(
        `meter check passed: ${describeMeter(check.identity)} run as \`${check.identity.program} ` +
          `${check.identity.invocation}\` found ${check.flows ?? "its"} flows in the test capture`,
      );
    } else log.warn(`meter check skipped (--no-meter-check); ${meter.name} is tried on the first capture`);
  }
  return new RepeatedErrorWatch(meter, log);
}

/** An open row sink and its close, which runs once however often it is asked for. */
export interface OpenSink {
  sink: RowSink;
  /** Closes the sink (the first call's `drainMs` counts; later calls share its outcome). */
  close(drainMs?: number): Promise<void>;
}

/** The row sink (`--sink`), when there is one; released without waiting for the stream. */
export async function openSink(
  stack: AsyncDisposableStack,
  open: ((log: Logger) => Promise<RowSink>) | undefined,
  log: Logger,
): Promise<OpenSink | undefined> {
  const sink = await open?.(log);
  if (!sink) return undefined;
  let closing: Promise<void> | undefined;
  const close = (drainMs?: number) => closing ??= sink.close(drainMs);
  stack.defer(() => close(0).catch((err) => log.warn(`closing the stream: ${(err as Error).message}`)));
  return { sink, close };
}

/** The conversion queue; released by aborting what still runs (a graceful stop drains it first). */
export function startQueue(
  stack: AsyncDisposableStack,
  cfg: PipelineConfig,
  converter: Converter,
  log: Logger,
  onConverted: (pcap: string, output: string, outcome: ConvertOutcome) => void,
): ConversionQueue {
  const queue = new ConversionQueue({
    converter,
    workers: cfg.workers,
    retries: cfg.retries,
    retryDelayMs: cfg.retryDelaySeconds * 1000,
    timeoutMs: cfg.timeoutSeconds * 1000,
    flowTableDir: cfg.dirs.csv,
    reportsDir: cfg.dirs.reports,
    failedDir: cfg.dirs.failed,
    log,
    fileMode: cfg.fileMode,
    dirMode: cfg.dirMode,
    onConverted,
  });
  stack.defer(() => queue.abort());
  return queue;
}

/** The watcher of the pcap directory, handing completed captures to `queue`. */
export async function startWatcher(
  stack: AsyncDisposableStack,
  cfg: PipelineConfig,
  queue: ConversionQueue,
  rescanMs: number | undefined,
  log: Logger,
): Promise<CaptureWatcher> {
  const watcher = new CaptureWatcher({
    dir: cfg.dirs.pcaps,
    stabilityMs: cfg.stabilitySeconds * 1000,
    rescanMs,
    isDone: (pcap) => isConverted(queue, pcap),
    onComplete: (pcap) => {
      // tcpdump creates captures with its umask (often 0644); a finished one is ours to protect.
      Deno.chmod(pcap, cfg.fileMode).catch((err) =>
        log.warn(`cannot chmod ${cfg.fileMode.toString(8)} ${baseName(pcap)}: ${err.message}`)
      );
      if (!queue.enqueue(pcap)) log.debug(`${baseName(pcap)} is already queued`);
    },
    log,
  });
  // Registered before start(): a start that throws half-way is closed too.
  stack.defer(() => watcher.close());
  await watcher.start();
  return watcher;
}

/** True once `pcap` has its flow table. */
export async function isConverted(queue: ConversionQueue, pcap: string): Promise<boolean> {
  return await pathExists(queue.flowTablePathFor(pcap));
}

/** The supervised rotating tcpdump; released by stopping it (SIGTERM, then SIGKILL). */
export async function startCapture(
  stack: AsyncDisposableStack,
  cfg: PipelineConfig,
  tcpdump: string | undefined,
  watcher: CaptureWatcher,
  log: Logger,
): Promise<RotatingCapture> {
  const setpriv = await findParentDeathHelper();
  if (!setpriv) {
    log.warn("setpriv not usable: tcpdump could outlive this process if it is killed with SIGKILL");
  }
  const capture = new RotatingCapture({
    iface: cfg.interface,
    snaplen: cfg.snaplen,
    rotateSeconds: cfg.rotateSeconds,
    pcapDir: cfg.dirs.pcaps,
    filter: cfg.filter,
    log,
    tcpdump,
    parentDeathSignal: setpriv,
    // Whatever tcpdump was writing is complete once stable.
    onExit: () => void watcher.settle(),
  });
  stack.defer(() => capture.stop());
  capture.start();
  return capture;
}

/** The retention pass every `intervalMs` (default 30 s). */
export function startRetentionTimer(
  stack: AsyncDisposableStack,
  cfg: PipelineConfig,
  queue: ConversionQueue,
  intervalMs: number | undefined,
  log: Logger,
): RetentionTimer {
  const retention = startRetention({
    pcapDir: cfg.dirs.pcaps,
    flowTableDir: cfg.dirs.csv,
    reportsDir: cfg.dirs.reports,
    failedDir: cfg.dirs.failed,
    retentionMs: {
      pcaps: cfg.retentionMinutes.pcaps * 60_000,
      csv: cfg.retentionMinutes.csv * 60_000,
      reports: cfg.retentionMinutes.reports * 60_000,
    },
    isConverted: (pcap) => isConverted(queue, pcap),
    log,
    intervalMs,
  });
  stack.defer(() => retention.stop());
  return retention;
}

/** The free-disk monitor, pausing `capture` when the disk is critically full. */
export function startDiskMonitor(
  stack: AsyncDisposableStack,
  cfg: PipelineConfig,
  parts: { queue: ConversionQueue; watcher: CaptureWatcher; capture: RotatingCapture },
  freeSpace: FreeSpaceFn,
  log: Logger,
): DiskMonitor {
  const { queue, watcher, capture } = parts;
  const disk = new DiskMonitor({
    dataDir: cfg.dirs.data,
    pcapDir: cfg.dirs.pcaps,
    minFreeMb: cfg.minFreeDiskMb,
    intervalMs: cfg.diskCheckSeconds * 1000,
    isConverted: (pcap) => isConverted(queue, pcap),
    freeSpace,
    log,
    pauseCapture: async () => {
      await capture.pause();
      await watcher.settle();
    },
    resumeCapture: () => capture.resume(),
  });
  stack.defer(() => disk.stop());
  disk.start();
  return disk;
}

/** The status line every `intervalMs`; a line still being gathered when the next is due is not doubled. */
export function startStatusTimer(
  stack: AsyncDisposableStack,
  intervalMs: number,
  logStatus: () => Promise<void>,
  log: Logger,
): PeriodicTask {
  let line: Promise<void> | undefined;
  const id = setInterval(() => {
    line ??= logStatus()
      .catch((err) => log.warn(`status line: ${(err as Error).message}`))
      .finally(() => line = undefined);
  }, intervalMs);
  const task = {
    async stop() {
      clearInterval(id);
      await line;
    },
  };
  stack.defer(() => task.stop());
  return task;
}
