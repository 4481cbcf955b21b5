/**
 * The capture pipeline, wired: config → validation → directories (0700) →
 * log → conversion queue + converter → watcher → tcpdump → retention
 * (every 30 s) → disk monitor → status line (every minute).
 *
 * `startPipeline` takes the steps in that order (start_steps.ts), each
 * registering its release at once: a failure half-way releases what was
 * started, in reverse order, and the error reaches the caller. The running
 * pipeline owns those releases; its `stop` (shutdown.ts) runs them after a
 * graceful stop.
 */
import { snaplenWarning } from "./snaplen_warning.ts";
import type { PipelineConfig } from "../config/pipeline_config.ts";
import { defaultValidationDeps, validateConfig, type ValidationDeps } from "../config/validate.ts";
import type { Converter } from "../convert/converter.ts";
import { BuiltinConverter } from "../convert/builtin.ts";
import { CicflowmeterConverter } from "../convert/cicflowmeter.ts";
import { NexusflowmeterConverter } from "../convert/nexusflowmeter.ts";
import type { ClosableLogger, Logger } from "../log.ts";
import type { RowSink } from "../sink/row_sink.ts";
import { VERSION } from "../version.ts";
import { freeBytes } from "./disk_monitor.ts";
import { removeTempLeftovers } from "./retention.ts";
import { type PipelineSummary, shutDown } from "./shutdown.ts";
import {
  openLog,
  openSink,
  prepareMeter,
  startCapture,
  startDiskMonitor,
  startQueue,
  startRetentionTimer,
  startStatusTimer,
  startWatcher,
} from "./start_steps.ts";
import { formatStatus, type PipelineStatus } from "./status.ts";

export type { PipelineSummary } from "./shutdown.ts";

/** What the pipeline uses from outside, replaceable in tests. */
export interface PipelineDeps {
  validation: ValidationDeps;
  /** The flow meter for the config (programs: where validation found tcpdump and the meter). */
  createConverter(config: PipelineConfig, programs: Record<string, string>): Converter | Promise<Converter>;
  /** Free bytes on the file system holding `path` (throws when it cannot be read). */
  freeBytes(path: string): Promise<number>;
}

export interface PipelineOptions {
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
  /** Called as each start-up step begins (tests: a throw here is a failure of that step). */
  beforeStep?: (step: StartStep) => void | Promise<void>;
}

/** The start-up steps in order; each starts one thing (or checks one), released in reverse order. */
export const START_STEPS = [
  "log",
  "leftovers",
  "meter",
  "sink",
  "queue",
  "watcher",
  "capture",
  "retention",
  "disk monitor",
  "status timer",
] as const;
export type StartStep = typeof START_STEPS[number];

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
 * anything has started) when the config cannot work; any later failure
 * stops what was started before it is thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSocket } from "node:dgram";
 * import { mergeConfig } from "../config/pipeline_config.ts";
 * import { startPipeline } from "./pipeline.ts";
 * // Capturing needs root (or tcpdump's capabilities): without, the example does nothing.
 * if (Deno.uid() === 0) {
 *   const data = await Deno.makeTempDir();
 *   const config = mergeConfig("builtin", { interface: "lo", filter: "udp dst port 40994", dirs: { data } });
 *   const p = await startPipeline(config);
 *   const socket = createSocket("udp4");
 *   // tcpdump may still be starting: a datagram every 100 ms for two seconds.
 *   for (let i = 0; i < 20; i++) {
 *     socket.send("ping", 40994, "127.0.0.1");
 *     await new Promise((r) => setTimeout(r, 100));
 *   }
 *   socket.close();
 *   // The stop converts the capture being written, then waits for the conversions.
 *   const summary = await p.stop();
 *   assert.equal(summary.failed, 0);
 *   assert.equal(summary.converted, 1);
 *   const [csv] = await Array.fromAsync(Deno.readDir(`${data}/csv`));
 *   assert.match(await Deno.readTextFile(`${data}/csv/${csv.name}`), /127\.0\.0\.1-127\.0\.0\.1-\d+-40994-17/);
 *   await Deno.remove(data, { recursive: true });
 * }
 * ```
 */
export async function startPipeline(
  config: PipelineConfig,
  options: PipelineOptions = {},
): Promise<RunningPipeline> {
  const deps = { ...defaultDeps(), ...options.deps };
  const { config: cfg, warnings, programs } = await validateConfig(config, deps.validation);
  const dirs = cfg.dirs;
  await using stack = new AsyncDisposableStack();
  let step: StartStep = START_STEPS[0];
  const begin = async (next: StartStep) => {
    step = next;
    await options.beforeStep?.(next);
  };

  await begin("log");
  const log = openLog(stack, cfg, options.console ?? true);
  try {
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

    await begin("leftovers");
    // Half-written outputs of a crashed run (nothing converts yet, so all temp names are stale).
    await removeTempLeftovers([...new Set([dirs.csv, dirs.reports, dirs.pcaps, dirs.failed])], log);
    await begin("meter");
    const converter = await prepareMeter(await deps.createConverter(cfg, programs), cfg, log);
    await begin("sink");
    const sink = await openSink(stack, options.openSink, log);
    await begin("queue");
    let packetsRead = 0;
    const meterPackets = () => cfg.meter === "builtin" ? packetsRead : null;
    const queue = startQueue(stack, cfg, converter, log, (_pcap, csv, outcome) => {
      packetsRead += outcome.packets ?? 0;
      void sink?.sink.publishFile(csv, "flows");
    });
    // CSVs finished by a run that died before it spooled them.
    void sink?.sink.catchUp(dirs.csv, "flows", /^capture_\d{8}_\d{6}\.csv$/);
    await begin("watcher");
    const watcher = await startWatcher(stack, cfg, queue, options.rescanMs, log);
    await begin("capture");
    const capture = await startCapture(stack, cfg, programs.tcpdump, watcher, log);
    await begin("retention");
    const retention = startRetentionTimer(stack, cfg, queue, options.retentionIntervalMs, log);
    await begin("disk monitor");
    const disk = startDiskMonitor(stack, cfg, { queue, watcher, capture }, deps.freeBytes, log);

    await begin("status timer");
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
      stream: sink?.sink.stats(),
    });
    const logStatus = async () => log.info(formatStatus(await status()));
    const statusTimer = startStatusTimer(stack, options.statusIntervalMs ?? 60_000, logStatus, log);

    // Started: from here on the running pipeline owns the releases.
    const parts = {
      cfg,
      log,
      periodic: [statusTimer, retention, disk],
      capture,
      watcher,
      queue,
      sink,
      packetsRead: meterPackets,
      resources: stack.move(),
    };
    let stopping: Promise<PipelineSummary> | undefined;
    return {
      config: cfg,
      log,
      get tcpdumpPid() {
        return capture.pid;
      },
      status,
      logStatus,
      stop: (force) => stopping ??= shutDown(parts, force),
    };
  } catch (err) {
    // Logged while the log is still open; leaving the function releases the steps before `step`.
    log.error(`could not start (${step}): ${(err as Error).message}`);
    throw err;
  }
}
