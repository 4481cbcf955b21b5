/**
 * The disk monitor: watches free space on the data directory's file system
 * (every 60 s by default) and keeps the capture from filling it.
 *
 * - free < threshold: warn.
 * - free < threshold / 2: delete the oldest already-converted pcaps, one by
 *   one, until free ≥ threshold / 2 (each deletion is logged); if still below,
 *   pause the capture.
 * - paused and free ≥ threshold again: resume the capture. (Resuming only at
 *   the full threshold, not at half, keeps it from flapping.)
 */
import { baseName } from "../paths.ts";
import { statfs } from "node:fs/promises";
import type { Logger } from "../log.ts";
import { isAtomicTempName } from "../system/atomic_write.ts";

/** Bytes free for an unprivileged writer on the file system holding `path`. */
export type FreeSpaceFn = (path: string) => Promise<number>;

/**
 * Free bytes on the file system of `path` (statfs `bavail × bsize`). Needs
 * `--allow-sys=statfs` and read access to `path`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { freeBytes } from "./disk_monitor.ts";
 * assert.ok(await freeBytes(".") > 0); // e.g. 52613349376
 * ```
 */
export async function freeBytes(path: string): Promise<number> {
  try {
    const s = await statfs(path);
    return Number(s.bavail) * Number(s.bsize);
  } catch (err) {
    const hint = err instanceof Deno.errors.NotCapable ? " (the disk monitor needs --allow-sys=statfs)" : "";
    throw new Error(`${path}: cannot read free disk space: ${(err as Error).message}${hint}`, { cause: err });
  }
}

/** Settings of a DiskMonitor. */
export interface DiskMonitorOptions {
  /** Measured for free space (the data directory). */
  dataDir: string;
  /** Where converted pcaps may be deleted from when space is short. */
  pcapDir: string;
  /** Warning threshold in MB (MiB); half of it is the critical level. */
  minFreeMb: number;
  /** Check interval for `start()` (default 60 s). */
  intervalMs?: number;
  /** Free-space source (tests inject one); default `freeBytes`. */
  freeSpace?: FreeSpaceFn;
  /** True once `pcap` has its output; only those are deleted. */
  isConverted: (pcap: string) => boolean | Promise<boolean>;
  pauseCapture: () => void | Promise<void>;
  resumeCapture: () => void | Promise<void>;
  log: Logger;
}

/** Outcome of one check. */
export interface DiskCheck {
  /** Free bytes after any deletions. */
  freeBytes: number;
  level: "ok" | "low" | "critical";
  /** Pcaps deleted to make room. */
  deleted: string[];
  /** Capture is paused after this check. */
  paused: boolean;
}

const MB = 1024 * 1024;

/**
 * Checks free space now (`check()`) or periodically (`start()` / `stop()`).
 *
 * @example Critically low space pauses the capture
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryLogger } from "../log.ts";
 * import { DiskMonitor } from "./disk_monitor.ts";
 * const data = await Deno.makeTempDir();
 * let paused = false;
 * const monitor = new DiskMonitor({ dataDir: data, pcapDir: data, minFreeMb: 1000,
 *   freeSpace: () => Promise.resolve(100 * 1024 * 1024), // 100 MiB: under half of 1000 MiB
 *   isConverted: () => false, pauseCapture: () => { paused = true; }, resumeCapture: () => { paused = false; },
 *   log: memoryLogger() });
 * const check = await monitor.check(); // start() runs this every intervalMs
 * assert.equal(check.level, "critical");
 * assert.equal(paused, true);
 * await Deno.remove(data, { recursive: true });
 * ```
 */
export class DiskMonitor {
  readonly #options: DiskMonitorOptions;
  #paused = false;
  #lastFree: number | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<DiskCheck> | undefined;

  constructor(options: DiskMonitorOptions) {
    if (!(options.minFreeMb >= 0)) {
      throw new Error(`minimum free disk must be 0 MB or more, got ${options.minFreeMb}`);
    }
    this.#options = options;
  }

  /** True while this monitor has the capture paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Free bytes at the last check (undefined before the first). */
  get lastFreeBytes(): number | undefined {
    return this.#lastFree;
  }

  /** Checks every `intervalMs`, starting now. Errors are logged. */
  start(): void {
    if (this.#timer !== undefined) return;
    const tick = () =>
      void this.check().catch((err) => this.#options.log.error(`disk monitor: ${err.message}`));
    tick();
    this.#timer = setInterval(tick, this.#options.intervalMs ?? 60_000);
  }

  /** Stops the periodic checks; resolves once a check in progress has finished. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {}); // its error is logged by the periodic check
  }

  /** One check (concurrent calls share the one in progress). */
  check(): Promise<DiskCheck> {
    this.#running ??= this.#check().finally(() => this.#running = undefined);
    return this.#running;
  }

  async #check(): Promise<DiskCheck> {
    const { log, minFreeMb } = this.#options;
    const measure = this.#options.freeSpace ?? freeBytes;
    const threshold = minFreeMb * MB;
    const critical = threshold / 2;
    let free = await measure(this.#options.dataDir);
    const deleted: string[] = [];

    if (free < threshold) {
      log.warn(`low disk space: ${mb(free)} MB free on ${this.#options.dataDir} (minimum ${minFreeMb} MB)`);
    }
    if (free < critical) {
      for (const pcap of await this.#convertedOldestFirst()) {
        try {
          await Deno.remove(pcap);
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) {
            log.warn(`cannot delete ${pcap}: ${(err as Error).message}`);
          }
          continue;
        }
        deleted.push(pcap);
        free = await measure(this.#options.dataDir);
        log.warn(`disk space critical: deleted converted ${baseName(pcap)} early (now ${mb(free)} MB free)`);
        if (free >= critical) break;
      }
      if (free < critical && !this.#paused) {
        this.#paused = true;
        log.error(
          `disk space critical: ${mb(free)} MB free (< ${
            mb(critical)
          } MB) and no converted pcap left to delete; ` +
            `pausing capture until ${minFreeMb} MB are free`,
        );
        await this.#options.pauseCapture();
      }
    } else if (this.#paused && free >= threshold) {
      this.#paused = false;
      log.info(`disk space back to ${mb(free)} MB free; resuming capture`);
      await this.#options.resumeCapture();
    }
    this.#lastFree = free;
    return {
      freeBytes: free,
      level: free < critical ? "critical" : free < threshold ? "low" : "ok",
      deleted,
      paused: this.#paused,
    };
  }

  /** Converted pcaps in `pcapDir`, oldest (mtime, then name) first. */
  async #convertedOldestFirst(): Promise<string[]> {
    const found: { path: string; mtime: number }[] = [];
    try {
      for await (const entry of Deno.readDir(this.#options.pcapDir)) {
        if (!entry.isFile || isAtomicTempName(entry.name)) continue;
        const path = `${this.#options.pcapDir}/${entry.name}`;
        try {
          const info = await Deno.stat(path);
          if (await this.#options.isConverted(path)) found.push({ path, mtime: info.mtime?.getTime() ?? 0 });
        } catch {
          // deleted meanwhile
        }
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return found.sort((a, b) => a.mtime - b.mtime || (a.path < b.path ? -1 : 1)).map((f) => f.path);
  }
}

/** Megabytes for a log line: whole from 10 MB, below with two decimals ("0.29", not "0"). */
function mb(bytes: number): string {
  return bytes >= 10 * MB ? String(Math.floor(bytes / MB)) : (Math.floor(bytes / MB * 100) / 100).toFixed(2);
}
