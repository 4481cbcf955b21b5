/**
 * The conversion queue: completed pcaps in, flow files out, with N workers,
 * a timeout per conversion, retries with a delay, and permanent failures moved
 * aside to `failed/NAME.pcap` with a `NAME.pcap.reason` file.
 *
 * A pcap is converted at most once per queue: enqueueing it again while it is
 * waiting, running, done or failed is refused. A pcap whose output already
 * exists (converted by an earlier run) is not converted again.
 */
import { baseName, dirName, pathExists } from "../paths.ts";
import { type Converter, ConvertError, type ConvertOutcome } from "../convert/converter.ts";
import { formatLogTime, type Logger } from "../log.ts";
import { DEFAULT_DIR_MODE, writeFileAtomic } from "../system/atomic_write.ts";
import { CONVERSION_NICENESS } from "../system/low_priority.ts";

/** Settings of a ConversionQueue. */
export interface QueueOptions {
  converter: Converter;
  /** Conversions running at once (default in the config: 2). */
  workers: number;
  /** Attempts after the first failure (default 3). */
  retries: number;
  /** Wait before each retry (default 5 s). */
  retryDelayMs: number;
  /** One conversion is killed after this long (default 300 s). */
  timeoutMs: number;
  /** Where flow tables go (the data dir's csv/ folder), whatever their format: .csv, .ndjson, .json, .xlsx, .parquet. */
  flowTableDir: string;
  reportsDir: string;
  failedDir: string;
  log: Logger;
  /** Mode of outputs and `.reason` files (default 0o600). */
  fileMode?: number;
  /** Mode of the failed directory when created (default 0o700). */
  dirMode?: number;
  /** CPU niceness of every conversion (default CONVERSION_NICENESS: tcpdump goes first). */
  niceness?: number;
  /** Called once a pcap's output is in place. */
  onConverted?: (pcap: string, csv: string, outcome: ConvertOutcome) => void;
  /** Called once a pcap has failed for good (after it was moved to `failedDir`). */
  onFailed?: (pcap: string, reason: string) => void;
}

/** A pcap that failed for good, for the shutdown report. */
export interface QueueFailure {
  pcap: string;
  reason: string;
}

type PcapState = "queued" | "running" | "done" | "failed";

/** How long `abort()` waits for a conversion that does not stop. */
const ABORT_WAIT_MS = 15_000;

/**
 * Converts enqueued pcaps with `options.converter`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BuiltinConverter } from "../convert/builtin.ts";
 * import { memoryLogger } from "../log.ts";
 * import { ConversionQueue } from "./conversion_queue.ts";
 * const data = await Deno.makeTempDir();
 * for (const dir of ["pcaps", "csv", "reports", "failed"]) await Deno.mkdir(`${data}/${dir}`);
 * await Deno.copyFile(new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname,
 *   `${data}/pcaps/capture_20261123_101500.pcap`);
 * const queue = new ConversionQueue({ converter: new BuiltinConverter(), workers: 2, retries: 3, retryDelayMs: 5000,
 *   timeoutMs: 300_000, flowTableDir: `${data}/csv`, reportsDir: `${data}/reports`, failedDir: `${data}/failed`,
 *   log: memoryLogger() });
 * queue.enqueue(`${data}/pcaps/capture_20261123_101500.pcap`);
 * assert.equal(await queue.drain(60_000), true);
 * assert.deepEqual(queue.stats, { converted: 1, failed: 0, retries: 0 });
 * await Deno.stat(`${data}/csv/capture_20261123_101500.csv`); // there
 * await Deno.remove(data, { recursive: true });
 * ```
 */
export class ConversionQueue {
  readonly #options: QueueOptions;
  readonly #states = new Map<string, PcapState>();
  readonly #waiting: string[] = [];
  readonly #active = new Set<string>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #idleWaiters = new Set<() => void>();
  readonly #shutdown = new AbortController();
  readonly #stats = { converted: 0, failed: 0, retries: 0 };
  readonly #failures: QueueFailure[] = [];

  constructor(options: QueueOptions) {
    if (!(options.workers >= 1)) throw new Error(`workers must be at least 1, got ${options.workers}`);
    if (!(options.retries >= 0)) throw new Error(`retries must be 0 or more, got ${options.retries}`);
    this.#options = options;
  }

  /**
   * Queues `pcap` for conversion. False when it is already queued, running,
   * done or failed, or when the queue has been aborted.
   */
  enqueue(pcap: string): boolean {
    if (this.#shutdown.signal.aborted || this.#states.has(pcap)) return false;
    this.#states.set(pcap, "queued");
    this.#waiting.push(pcap);
    this.#pump();
    return true;
  }

  /** Pcaps waiting for a worker. */
  get depth(): number {
    return this.#waiting.length;
  }

  /** Pcaps being converted (including those waiting to be retried). */
  get running(): number {
    return this.#active.size;
  }

  /** Counts so far: conversions done, pcaps failed for good, retries made. */
  get stats(): { converted: number; failed: number; retries: number } {
    return { ...this.#stats };
  }

  /** Pcaps that failed for good, in order. */
  get failures(): QueueFailure[] {
    return this.#failures.map((f) => ({ ...f }));
  }

  /**
   * The output path for `pcap`: the flow-table directory, the pcap's name
   * without its extension, the converter's extension (.csv, .ndjson, .json,
   * .xlsx or .parquet).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BuiltinConverter } from "../convert/builtin.ts";
   * import { silentLogger } from "../log.ts";
   * import { ConversionQueue } from "./conversion_queue.ts";
   * const queue = new ConversionQueue({ converter: new BuiltinConverter(), workers: 1, retries: 0, retryDelayMs: 0,
   *   timeoutMs: 1000, flowTableDir: "data/csv", reportsDir: "data/reports", failedDir: "data/failed",
   *   log: silentLogger });
   * assert.equal(queue.flowTablePathFor("data/pcaps/capture_20261123_101500.pcap"),
   *   "data/csv/capture_20261123_101500.csv");
   * ```
   */
  flowTablePathFor(pcap: string): string {
    const name = baseName(pcap);
    const dot = name.lastIndexOf(".");
    const stem = dot > 0 ? name.slice(0, dot) : name;
    return `${this.#options.flowTableDir}/${stem}${this.#options.converter.outputExtension ?? ".csv"}`;
  }

  /** Resolves true once nothing waits or runs; false if that has not happened within `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.#idle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = () => {
        if (!this.#idle()) return;
        clearTimeout(timer);
        this.#idleWaiters.delete(waiter);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#idleWaiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.#idleWaiters.add(waiter);
    });
  }

  /**
   * Stops now: running conversions are aborted (they leave no output under
   * the final name), waiting pcaps stay on disk unconverted, nothing more is
   * accepted. Resolves when the running conversions have stopped.
   */
  async abort(): Promise<void> {
    if (!this.#shutdown.signal.aborted) {
      const left = this.#waiting.splice(0);
      for (const pcap of left) this.#states.delete(pcap);
      if (left.length > 0 || this.#active.size > 0) {
        this.#options.log.info(
          `conversion queue stopping: ${this.#active.size} running aborted, ${left.length} waiting left on disk`,
        );
      }
      this.#shutdown.abort();
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settled = await Promise.race([
      Promise.allSettled([...this.#tasks]).then(() => true),
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ABORT_WAIT_MS)),
    ]);
    clearTimeout(timer);
    if (!settled) {
      this.#options.log.warn(`conversion queue: a conversion did not stop within ${ABORT_WAIT_MS / 1000} s`);
    }
    this.#notifyIdle();
  }

  #idle(): boolean {
    return this.#waiting.length === 0 && this.#active.size === 0;
  }

  #notifyIdle(): void {
    for (const waiter of [...this.#idleWaiters]) waiter();
  }

  #pump(): void {
    while (
      !this.#shutdown.signal.aborted && this.#active.size < this.#options.workers && this.#waiting.length > 0
    ) {
      const pcap = this.#waiting.shift()!;
      this.#active.add(pcap);
      this.#states.set(pcap, "running");
      const task = this.#process(pcap).catch((err) => {
        this.#options.log.error(`${baseName(pcap)}: conversion queue error: ${messageOf(err)}`);
      }).finally(() => {
        this.#active.delete(pcap);
        this.#tasks.delete(task);
        this.#pump();
        this.#notifyIdle();
      });
      this.#tasks.add(task);
    }
  }

  async #process(pcap: string): Promise<void> {
    const { converter, log, retries, timeoutMs } = this.#options;
    const name = baseName(pcap);
    const output = this.flowTablePathFor(pcap);
    if (await pathExists(output)) {
      this.#states.set(pcap, "done");
      log.info(`${name} already converted (${baseName(output)} exists), skipped`);
      return;
    }
    for (let attempt = 1;; attempt++) {
      const attemptAbort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attemptAbort.abort(new Error(`timed out after ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const onShutdown = () => attemptAbort.abort(new Error("shutdown"));
      this.#shutdown.signal.addEventListener("abort", onShutdown, { once: true });
      log.debug(`${name} converting with ${converter.name} (attempt ${attempt}/${retries + 1})`);
      let error: ConvertError;
      try {
        const outcome = await converter.convert({
          input: pcap,
          output,
          reportsDir: this.#options.reportsDir,
          signal: attemptAbort.signal,
          fileMode: this.#options.fileMode,
          dirMode: this.#options.dirMode,
          niceness: this.#options.niceness ?? CONVERSION_NICENESS,
        });
        this.#stats.converted++;
        this.#states.set(pcap, "done");
        log.info(
          `${name} converted → ${baseName(output)} (${outcome.flows} flows, ${
            (outcome.elapsedMs / 1000).toFixed(1)
          } s)`,
        );
        if (outcome.detail) log.debug(`${name}: ${outcome.detail}`);
        if (outcome.warning) log.warn(`${name}: ${outcome.warning}`);
        this.#callback(() => this.#options.onConverted?.(pcap, output, outcome));
        return;
      } catch (err) {
        error = err instanceof ConvertError ? err : new ConvertError(`${name}: ${messageOf(err)}`);
      } finally {
        clearTimeout(timer);
        this.#shutdown.signal.removeEventListener("abort", onShutdown);
      }

      if (this.#shutdown.signal.aborted) {
        this.#states.delete(pcap);
        log.info(`${name} conversion stopped by shutdown; the pcap stays in ${dirName(pcap)}`);
        return;
      }
      const reason = timedOut
        ? `${converter.name} timed out after ${timeoutMs / 1000} s (killed)`
        : error.message;
      if (error.permanent || attempt > retries) {
        await this.#fail(pcap, reason, error.detail, attempt);
        return;
      }
      this.#stats.retries++;
      log.warn(
        `${name} conversion failed (attempt ${attempt}/${retries + 1}): ${reason}` +
          `${error.detail ? ` — ${lastLine(error.detail)}` : ""}; retrying in ${
            this.#options.retryDelayMs / 1000
          } s`,
      );
      await this.#sleep(this.#options.retryDelayMs);
      if (this.#shutdown.signal.aborted) {
        this.#states.delete(pcap);
        log.info(`${name} retry cancelled by shutdown; the pcap stays in ${dirName(pcap)}`);
        return;
      }
    }
  }

  /** Moves `pcap` to the failed directory with a `.reason` file, records the failure. */
  async #fail(pcap: string, reason: string, detail: string, attempts: number): Promise<void> {
    const { failedDir, log, converter } = this.#options;
    const name = baseName(pcap);
    this.#states.set(pcap, "failed");
    this.#stats.failed++;
    this.#failures.push({ pcap, reason });
    const target = `${failedDir}/${name}`;
    let moved = "moved to " + failedDir;
    try {
      await Deno.mkdir(failedDir, { recursive: true, mode: this.#options.dirMode ?? DEFAULT_DIR_MODE });
      await moveFile(pcap, target);
    } catch (err) {
      moved = `could not be moved to ${failedDir}: ${messageOf(err)}`;
    }
    const now = new Date();
    const text = [
      `pcap: ${name} (from ${dirName(pcap)})`,
      `converter: ${converter.name}`,
      `reason: ${reason}`,
      `attempts: ${attempts}`,
      `failed at: ${formatLogTime(now)} (${now.toISOString()})`,
      ...(detail ? ["", "meter output (last 4 KiB of stderr and of stdout):", detail] : []),
      "",
    ].join("\n");
    try {
      await writeFileAtomic(`${target}.reason`, text, { mode: this.#options.fileMode });
    } catch (err) {
      log.error(`${name}: cannot write ${target}.reason: ${messageOf(err)}`);
    }
    log.error(`${name} failed after ${attempts} attempt(s): ${reason}; ${moved}`);
    this.#callback(() => this.#options.onFailed?.(pcap, reason));
  }

  #callback(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#options.log.error(`conversion queue callback failed: ${messageOf(err)}`);
    }
  }

  /** Waits `ms`, or less when the queue is aborted. */
  #sleep(ms: number): Promise<void> {
    const signal = this.#shutdown.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** Renames `from` to `to`; across file systems, copies then removes. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
    return;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new Error(`${from} no longer exists`);
    // EXDEV (another file system) and similar: fall back to copy + remove.
  }
  const temp = `${to}.partial`;
  await Deno.copyFile(from, temp);
  await Deno.rename(temp, to);
  await Deno.remove(from);
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1].slice(0, 200);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
