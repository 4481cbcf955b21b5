/**
 * The sensor's durable spool: every row to stream is appended here first
 * (append-only segment files, fsynced in small batches), and the publisher
 * reads it back in order and moves a cursor past what JetStream has
 * acknowledged. So an outage, a slow cluster or a restart loses nothing:
 * whatever is past the cursor is published (again) when the cluster takes it,
 * and JetStream's de-duplication drops rows it already has.
 *
 * Positions are byte offsets in one endless log; segment files are named by
 * their first offset (`spool-0000000000000000.log`) and deleted once the
 * cursor has passed them. The spool is bounded: when unacknowledged bytes
 * would pass `maxBytes`, new rows are not spooled (they stay in the local
 * files) and one clear log line says so.
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { syncDir, writeAll, writeFileAtomic } from "../system/atomic_write.ts";
import type { SinkMessage } from "./message.ts";

/** Where and how big. */
export interface SpoolOptions {
  dir: string;
  /** Unacknowledged bytes at most (default 256 MiB). */
  maxBytes?: number;
  /** Segment file size before a new one is started (default 8 MiB). */
  segmentBytes?: number;
  /** Offered rows are written and fsynced at least this often (default 100 ms). */
  syncIntervalMs?: number;
  log: Logger;
  /** Mode of the spool files (default 0600) and of a created directory (default 0700). */
  fileMode?: number;
  dirMode?: number;
}

/** One spooled message and the offset just after it. */
export interface SpoolRecord {
  msg: SinkMessage;
  end: number;
}

const SEGMENT = /^spool-(\d{16})\.log$/;
const CURSOR_FILE = "cursor";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function segmentName(start: number): string {
  return `spool-${String(start).padStart(16, "0")}.log`;
}

/** Default bound of a spool: 256 MiB. */
export const DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;

/** An open spool; see the module comment. */
export class Spool {
  readonly dir: string;
  #log: Logger;
  #maxBytes: number;
  #segmentBytes: number;
  #syncIntervalMs: number;
  #fileMode: number;
  /** First offsets of the segment files, ascending. */
  #segments: number[];
  #file: Deno.FsFile | undefined;
  #end: number;
  #cursor: number;
  #savedCursor: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  #flushing: Promise<void> = Promise.resolve();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #waiters: (() => void)[] = [];
  #cursorTimer: ReturnType<typeof setInterval>;
  #full = false;
  #dropped = 0;
  #error: unknown;
  #closed = false;

  private constructor(options: SpoolOptions, segments: number[], end: number, cursor: number) {
    this.dir = options.dir;
    this.#log = options.log;
    this.#maxBytes = options.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    this.#segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
    this.#syncIntervalMs = options.syncIntervalMs ?? 100;
    this.#fileMode = options.fileMode ?? 0o600;
    this.#segments = segments;
    this.#end = end;
    this.#cursor = cursor;
    this.#savedCursor = cursor;
    this.#cursorTimer = setInterval(() => void this.#saveCursor(), 500);
    Deno.unrefTimer(this.#cursorTimer);
  }

  /**
   * Opens (or creates) the spool in `options.dir`. A last line cut short by
   * a crash is removed; the cursor file says where publishing resumes.
   */
  static async open(options: SpoolOptions): Promise<Spool> {
    try {
      await Deno.mkdir(options.dir, { recursive: true, mode: options.dirMode ?? 0o700 });
    } catch (err) {
      throw new Error(`${options.dir}: cannot create the spool directory: ${(err as Error).message}`);
    }
    const segments: number[] = [];
    for await (const e of Deno.readDir(options.dir)) {
      const m = e.isFile ? SEGMENT.exec(e.name) : null;
      if (m) segments.push(Number(m[1]));
    }
    segments.sort((a, b) => a - b);
    let cursor = 0;
    try {
      cursor = Number((await Deno.readTextFile(join(options.dir, CURSOR_FILE))).trim()) || 0;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    let end = cursor;
    if (segments.length > 0) {
      const last = segments[segments.length - 1];
      const path = join(options.dir, segmentName(last));
      const bytes = await Deno.readFile(path);
      const complete = bytes.lastIndexOf(10) + 1;
      if (complete < bytes.length) {
        await Deno.truncate(path, complete);
        options.log.warn(`spool: removed ${bytes.length - complete} bytes of a row cut short in ${path}`);
      }
      end = last + complete;
      // Segments wholly behind the cursor were acknowledged before a crash.
      if (cursor < segments[0]) cursor = segments[0];
    } else {
      cursor = end = Math.max(cursor, 0);
    }
    return new Spool(options, segments, end, Math.min(cursor, end));
  }

  /** Offset just after the last durable row. */
  get end(): number {
    return this.#end;
  }

  /** Offset of the first row not yet acknowledged by the stream. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Bytes spooled and not acknowledged, including rows not yet on disk. */
  get backlogBytes(): number {
    return this.#end - this.#cursor + this.#pendingBytes;
  }

  /** Rows refused because the spool was full, since it was opened. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Queues one message; it is on disk within `syncIntervalMs`. Never waits:
   * returns false (and logs once per episode) when the spool is full.
   */
  offer(msg: SinkMessage): boolean {
    if (this.#closed) throw new Error(`spool ${this.dir}: closed`);
    const line = JSON.stringify(msg) + "\n";
    // UTF-8 length: rows are ASCII in practice; the bound need not be exact to the byte.
    const size = line.length;
    if (this.backlogBytes + size > this.#maxBytes) {
      this.#dropped++;
      if (!this.#full) {
        this.#full = true;
        this.#log.error(
          `spool full (${Math.round(this.#maxBytes / 1048576)} MiB in ${this.dir}): ` +
            `rows are not streamed until the cluster takes the spooled ones; they stay in the local files`,
        );
      }
      return false;
    }
    if (this.#full) {
      this.#full = false;
      this.#log.warn(`spool has room again; ${this.#dropped} rows were not streamed while it was full`);
    }
    this.#pending.push(line);
    this.#pendingBytes += size;
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      void this.sync().catch(() => {});
    }, this.#syncIntervalMs);
    return true;
  }

  /** Writes and fsyncs every queued row; rejects with a write error (which also fails later calls). */
  sync(): Promise<void> {
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    this.#flushing = this.#flushing.then(() => this.#writePending());
    return this.#flushing;
  }

  async #writePending(): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    try {
      const file = await this.#currentFile();
      const bytes = encoder.encode(lines.join(""));
      await writeAll(file, bytes);
      await file.syncData();
      this.#end += bytes.length;
    } catch (err) {
      this.#error = new Error(`spool ${this.dir}: cannot write: ${(err as Error).message}`);
      this.#log.error((this.#error as Error).message);
      throw this.#error;
    }
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** The segment to append to; starts a new one past `segmentBytes`. */
  async #currentFile(): Promise<Deno.FsFile> {
    const last = this.#segments.at(-1);
    if (this.#file && last !== undefined && this.#end - last < this.#segmentBytes) return this.#file;
    if (!this.#file && last !== undefined && this.#end - last < this.#segmentBytes) {
      this.#file = await Deno.open(join(this.dir, segmentName(last)), { append: true });
      return this.#file;
    }
    this.#file?.close();
    const path = join(this.dir, segmentName(this.#end));
    this.#file = await Deno.open(path, { create: true, append: true, mode: this.#fileMode });
    this.#segments.push(this.#end);
    await syncDir(this.dir);
    return this.#file;
  }

  /** Resolves when rows past `offset` are durable, or when `signal` aborts. */
  waitForData(offset: number, signal?: AbortSignal): Promise<void> {
    if (this.#end > offset || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      this.#waiters.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * Reads durable records from `from` (a record boundary), about `maxBytes`
   * of them (at least one when there is one).
   */
  async read(from: number, maxBytes = 256 * 1024): Promise<SpoolRecord[]> {
    if (from >= this.#end) return [];
    const index = this.#segmentIndex(from);
    const start = this.#segments[index];
    const segmentEnd = this.#segments[index + 1] ?? this.#end;
    const file = await Deno.open(join(this.dir, segmentName(start)), { read: true });
    try {
      await file.seek(from - start, Deno.SeekMode.Start);
      let want = Math.min(maxBytes, segmentEnd - from);
      for (;;) {
        const buf = new Uint8Array(want);
        let got = 0;
        while (got < want) {
          const n = await file.read(buf.subarray(got));
          if (n === null) break;
          got += n;
        }
        const complete = buf.subarray(0, got).lastIndexOf(10) + 1;
        if (complete === 0) {
          if (want >= segmentEnd - from) throw new Error(`spool ${this.dir}: no complete row at ${from}`);
          want = Math.min(want * 2, segmentEnd - from);
          await file.seek(from - start, Deno.SeekMode.Start);
          continue;
        }
        return parseRecords(buf.subarray(0, complete), from);
      }
    } finally {
      file.close();
    }
  }

  #segmentIndex(offset: number): number {
    let i = this.#segments.length - 1;
    while (i > 0 && this.#segments[i] > offset) i--;
    return i;
  }

  /** Moves the cursor to `offset` (everything before it is in the stream); frees passed segments. */
  ack(offset: number): void {
    if (offset <= this.#cursor) return;
    this.#cursor = Math.min(offset, this.#end);
    while (this.#segments.length > 1 && this.#segments[1] <= this.#cursor) {
      const gone = this.#segments.shift()!;
      Deno.remove(join(this.dir, segmentName(gone))).catch((err) =>
        this.#log.warn(`spool: cannot delete ${segmentName(gone)}: ${err.message}`)
      );
    }
  }

  async #saveCursor(): Promise<void> {
    const cursor = this.#cursor;
    if (cursor === this.#savedCursor) return;
    try {
      await writeFileAtomic(join(this.dir, CURSOR_FILE), `${cursor}\n`, { mode: this.#fileMode });
      this.#savedCursor = cursor;
    } catch (err) {
      this.#log.warn(`spool: cannot save the cursor: ${(err as Error).message}`);
    }
  }

  /** Writes queued rows, saves the cursor, closes the files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.sync().catch(() => {});
    this.#closed = true;
    clearInterval(this.#cursorTimer);
    await this.#saveCursor();
    this.#file?.close();
    this.#file = undefined;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

function parseRecords(bytes: Uint8Array, from: number): SpoolRecord[] {
  const records: SpoolRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    const nl = bytes.indexOf(10, at);
    const line = decoder.decode(bytes.subarray(at, nl));
    at = nl + 1;
    records.push({ msg: JSON.parse(line) as SinkMessage, end: from + at });
  }
  return records;
}
