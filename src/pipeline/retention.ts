/**
 * Retention: deletes pcaps, flow files and reports older than their
 * retention (by modification time) — but never a pcap that has not been
 * converted yet. Also the start-up sweep of temporary outputs a crash left.
 */
import { baseName } from "../paths.ts";
import type { Logger } from "../log.ts";
import { isAtomicTempName } from "../system/atomic_write.ts";

/** Settings of one retention pass. */
export interface RetentionOptions {
  pcapDir: string;
  /** Flow tables of any format (the data dir's csv/ folder). */
  flowTableDir: string;
  reportsDir: string;
  /** Pcaps that failed for good, with their `.reason` files; kept as long as pcaps. */
  failedDir?: string;
  /** Age limits in ms; 0, a negative number or Infinity keeps that kind forever. */
  retentionMs: { pcaps: number; csv: number; reports: number };
  /** The current time in ms since the epoch (default: now). */
  now?: number;
  /** True once `pcap` has its output; unconverted pcaps are never deleted. */
  isConverted: (pcap: string) => boolean | Promise<boolean>;
  log: Logger;
}

/** What a retention pass did. */
export interface RetentionResult {
  /** Paths deleted. */
  deleted: string[];
  /** Pcaps past their retention kept because they are not converted yet. */
  keptUnconverted: string[];
}

/**
 * One retention pass over the pcap, csv, reports (and failed) directories.
 * Temporary files (atomic-write and meter temp names) are never touched here.
 * Missing directories are skipped; a file that cannot be deleted is logged and
 * skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryLogger } from "../log.ts";
 * import { runRetention } from "./retention.ts";
 * const data = await Deno.makeTempDir();
 * const [pcapDir, flowTableDir, reportsDir] = [`${data}/pcaps`, `${data}/csv`, `${data}/reports`];
 * for (const dir of [pcapDir, flowTableDir, reportsDir]) await Deno.mkdir(dir);
 * await Deno.writeTextFile(`${pcapDir}/capture_20261123_094500.pcap`, ""); // converted
 * await Deno.writeTextFile(`${pcapDir}/capture_20261123_095000.pcap`, ""); // not yet
 * const r = await runRetention({ pcapDir, flowTableDir, reportsDir, log: memoryLogger(),
 *   retentionMs: { pcaps: 30 * 60_000, csv: 30 * 60_000, reports: 30 * 60_000 },
 *   now: Date.now() + 60 * 60_000, // an hour from now: both pcaps are past 30 min
 *   isConverted: (pcap) => pcap.endsWith("094500.pcap") });
 * assert.deepEqual(r.deleted, [`${pcapDir}/capture_20261123_094500.pcap`]);
 * assert.deepEqual(r.keptUnconverted, [`${pcapDir}/capture_20261123_095000.pcap`]);
 * await Deno.remove(data, { recursive: true });
 * ```
 */
export async function runRetention(options: RetentionOptions): Promise<RetentionResult> {
  const now = options.now ?? Date.now();
  const result: RetentionResult = { deleted: [], keptUnconverted: [] };
  const { log, retentionMs } = options;

  const expired = async (dir: string, limitMs: number, ours: RegExp) => {
    if (!(limitMs > 0) || limitMs === Infinity) return [];
    return (await listFiles(dir, log, ours)).filter((f) => now - f.mtimeMs > limitMs);
  };
  const remove = async (path: string, ageMs: number, what: string) => {
    try {
      await Deno.remove(path);
      result.deleted.push(path);
      log.info(`retention: deleted ${what} ${baseName(path)} (${Math.round(ageMs / 60_000)} min old)`);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        log.warn(`retention: cannot delete ${path}: ${(err as Error).message}`);
      }
    }
  };

  for (const f of await expired(options.pcapDir, retentionMs.pcaps, OUR_PCAP)) {
    if (await options.isConverted(f.path)) {
      await remove(f.path, now - f.mtimeMs, "pcap");
    } else {
      result.keptUnconverted.push(f.path);
      log.debug(`retention: kept ${baseName(f.path)} past its retention: not converted yet`);
    }
  }
  for (const f of await expired(options.flowTableDir, retentionMs.csv, OUR_FLOW_FILE)) {
    await remove(f.path, now - f.mtimeMs, "flow file");
  }
  for (const f of await expired(options.reportsDir, retentionMs.reports, OUR_REPORT)) {
    await remove(f.path, now - f.mtimeMs, "report");
  }
  if (options.failedDir !== undefined && retentionMs.pcaps > 0 && retentionMs.pcaps !== Infinity) {
    // A failed pcap and its reason go together, timed by the reason (written when it failed).
    const files = await listFiles(options.failedDir, log, OUR_FAILED);
    const reasons = new Map(files.filter((f) => f.path.endsWith(".reason")).map((f) => [f.path, f]));
    for (const f of files) {
      const reason = f.path.endsWith(".reason") ? f : reasons.get(`${f.path}.reason`) ?? f;
      if (now - reason.mtimeMs > retentionMs.pcaps) await remove(f.path, now - reason.mtimeMs, "failed file");
    }
  }
  return result;
}

/** A running retention timer. */
export interface RetentionTimer {
  /** Runs a pass now (or waits for the one in progress). */
  runNow(): Promise<RetentionResult>;
  /** Stops the timer; resolves once a pass in progress has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `runRetention` every `intervalMs` (default 30 s) with the current
 * time; passes never overlap. Errors are logged, never thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryLogger } from "../log.ts";
 * import { startRetention } from "./retention.ts";
 * const data = await Deno.makeTempDir(); // empty: nothing to delete
 * const timer = startRetention({ pcapDir: data, flowTableDir: data, reportsDir: data, log: memoryLogger(),
 *   retentionMs: { pcaps: 60_000, csv: 60_000, reports: 60_000 }, isConverted: () => true });
 * assert.deepEqual(await timer.runNow(), { deleted: [], keptUnconverted: [] });
 * await timer.stop(); // at shutdown
 * await Deno.remove(data, { recursive: true });
 * ```
 */
export function startRetention(
  options: Omit<RetentionOptions, "now"> & { intervalMs?: number },
): RetentionTimer {
  let running: Promise<RetentionResult> | undefined;
  const runNow = () => {
    running ??= runRetention({ ...options, now: Date.now() })
      .catch((err) => {
        options.log.error(`retention: ${(err as Error).message}`);
        return { deleted: [], keptUnconverted: [] };
      })
      .finally(() => running = undefined);
    return running;
  };
  const id = setInterval(runNow, options.intervalMs ?? 30_000);
  return {
    runNow,
    stop: async () => {
      clearInterval(id);
      await running;
    },
  };
}

/**
 * Removes temporary outputs left by a crash (`.NAME.tmp-PID-RAND` files and
 * meter temp directories) from `dirs`. Only safe before any conversion runs.
 * Returns the paths removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryLogger } from "../log.ts";
 * import { removeTempLeftovers } from "./retention.ts";
 * const csv = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${csv}/.capture_1.csv.tmp-4242-k3j9x0`, "half a file");
 * await Deno.writeTextFile(`${csv}/capture_0.csv`, "a,b\n");
 * assert.deepEqual(await removeTempLeftovers([csv], memoryLogger()), [`${csv}/.capture_1.csv.tmp-4242-k3j9x0`]);
 * assert.deepEqual(await Array.fromAsync(Deno.readDir(csv), (e) => e.name), ["capture_0.csv"]);
 * await Deno.remove(csv, { recursive: true });
 * ```
 */
export async function removeTempLeftovers(dirs: string[], log: Logger): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of dirs) {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!isAtomicTempName(entry.name)) continue;
      const path = `${dir}/${entry.name}`;
      try {
        await Deno.remove(path, { recursive: true });
        removed.push(path);
        log.info(`removed ${path} (temporary output left by an interrupted run)`);
      } catch (err) {
        log.warn(`cannot remove ${path}: ${(err as Error).message}`);
      }
    }
  }
  return removed;
}

interface FileInfo {
  path: string;
  mtimeMs: number;
}

/*
 * Retention deletes only what the pipeline wrote: a directory pointed at a
 * shared place keeps everybody else's files.
 */
const STAMP = "capture_\\d{8}_\\d{6}";
const OUR_PCAP = new RegExp(`^${STAMP}\\.pcap$`);
const OUR_FLOW_FILE = new RegExp(`^${STAMP}\\.(csv|ndjson|json|xlsx|parquet)$`);
const OUR_REPORT = new RegExp(`^${STAMP}[._]`);
const OUR_FAILED = new RegExp(`^${STAMP}\\.pcap(\\.reason)?$`);

/** Regular files of `dir` named `ours` that are not temporary, with their mtimes; [] if `dir` is missing. */
async function listFiles(dir: string, log: Logger, ours: RegExp): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || isAtomicTempName(entry.name) || !ours.test(entry.name)) continue;
      const path = `${dir}/${entry.name}`;
      try {
        const info = await Deno.stat(path);
        out.push({ path, mtimeMs: info.mtime?.getTime() ?? Date.now() });
      } catch {
        // deleted meanwhile
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      log.warn(`retention: cannot list ${dir}: ${(err as Error).message}`);
    }
  }
  return out;
}
