/**
 * Parquet for `live`: a Parquet file is readable only once its footer is
 * written, so a growing file would be unreadable after a crash. Instead the
 * rows go to a series of part files: `-o flows.parquet` writes
 * `flows_YYYYmmdd_HHMMSS.parquet` (local time of the part's first row), each
 * under a hidden temporary name until it is closed and renamed into place
 * at the next rotation (every `rotateMs`, wall clock) or at the stop (a
 * name already taken gets `_1`, `_2`, …). A
 * crash loses at most the rows of the open part and never leaves a file
 * that cannot be read under a final name. A period without rows makes no
 * file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FlowRecord } from "../flow/flow_record.ts";
 * import { FlowMeter } from "../flow/meter.ts";
 * import { readCaptureFile } from "../pcap/reader.ts";
 * const records: FlowRecord[] = [];
 * const meter = new FlowMeter({ profile: "cic2017" }, (r) => records.push(r));
 * await readCaptureFile(new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname, meter.addPacket);
 * meter.flush();
 * import { buildLayout } from "./columns.ts";
 * import { openParquetParts } from "./parquet_parts.ts";
 * const dir = await Deno.makeTempDir();
 * const w = openParquetParts({ path: `${dir}/flows.parquet`, layout: buildLayout("cic2017"), rotateMs: 60_000 });
 * w.write(records[0]); // flows_YYYYmmdd_HHMMSS.parquet appears at the next rotation or close()
 * await w.close();
 * const names = await Array.fromAsync(Deno.readDir(dir), (e) => e.name);
 * assert.equal(names.length, 1);
 * assert.match(names[0], /^flows_\d{8}_\d{6}\.parquet$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
import { unusedPath } from "../system/unused_path.ts";
import type { FlowRecord } from "../flow/flow_record.ts";
import type { ByteSink } from "./byte_sink.ts";
import { openAtomicFile, writeAll } from "../system/atomic_write.ts";
import type { Layout } from "./columns.ts";
import type { FlowWriter } from "./flow_writer_types.ts";
import { ParquetFlowWriter, type ParquetWriterOptions } from "./parquet_writer.ts";

/** Where and how often to publish parts. */
export interface ParquetPartsOptions extends ParquetWriterOptions {
  /** Base name: `dir/flows.parquet` makes `dir/flows_YYYYmmdd_HHMMSS.parquet` parts. */
  path: string;
  layout: Layout;
  /** Publish the open part this often (ms of wall clock). */
  rotateMs: number;
  /** Mode of the part files; default 0o600. */
  fileMode?: number;
  /** Wall clock in ms (tests). */
  now?: () => number;
  /** Called with each published part's path. */
  onPart?: (path: string) => void;
}

/**
 * Name of the part whose first row came at `startMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { partPath } from "./parquet_parts.ts";
 * assert.deepEqual(partPath("out/flows.parquet", new Date(2026, 11, 2, 10, 15, 0).getTime()), "out/flows_20261202_101500.parquet");
 * ```
 */
export function partPath(base: string, startMs: number): string {
  const slash = base.lastIndexOf("/");
  const stem = base.slice(slash + 1).replace(/\.parquet$/i, "");
  const d = new Date(startMs);
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_` +
    `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  return `${base.slice(0, slash + 1)}${stem}_${stamp}.parquet`;
}

/**
 * Opens the part writer (nothing is created until the first row).
 * Throws for a rotation period under one second.
 */
export function openParquetParts(options: ParquetPartsOptions): ParquetPartsWriter {
  if (!(options.rotateMs >= 1000)) {
    throw new RangeError(`Parquet rotation must be ≥ 1 s, got ${options.rotateMs / 1000} s`);
  }
  return new ParquetPartsWriter(options);
}

/** FlowWriter publishing one Parquet file per rotation period. */
export class ParquetPartsWriter implements FlowWriter {
  #options: ParquetPartsOptions;
  #now: () => number;
  #part: ParquetFlowWriter | undefined;
  #partStarted = 0;
  #lastName = "";
  #closing: Promise<void> = Promise.resolve();
  #error: unknown = undefined;
  #closed = false;
  #timer: ReturnType<typeof setInterval>;
  #rows = 0;
  #bytes = 0;
  #published: string[] = [];

  constructor(options: ParquetPartsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    // Quiet interfaces still get their part published on time.
    this.#timer = setInterval(() => this.#rotateIfDue(), Math.min(options.rotateMs, 1000));
    Deno.unrefTimer(this.#timer);
  }

  /** Paths of the parts published so far. */
  get published(): readonly string[] {
    return this.#published;
  }

  get rows(): number {
    return this.#rows;
  }

  get bytes(): number {
    return this.#bytes + (this.#part?.bytes ?? 0);
  }

  get backlogged(): boolean {
    return this.#part?.backlogged ?? false;
  }

  write(r: FlowRecord): void {
    if (this.#closed) throw new Error(`${this.#options.path}: write after close`);
    if (this.#error !== undefined) throw this.#failure();
    this.#rotateIfDue();
    if (this.#part === undefined) this.#startPart();
    this.#part!.write(r);
    this.#rows++;
  }

  async ready(): Promise<void> {
    await this.#part?.ready();
    if (this.#error !== undefined) throw this.#failure();
  }

  /** Publishes the open part now. */
  async flush(): Promise<void> {
    this.#finishPart();
    await this.#closing;
    if (this.#error !== undefined) throw this.#failure();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#finishPart();
    await this.#closing;
    if (this.#error !== undefined) throw this.#failure();
  }

  async abort(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    const part = this.#part;
    this.#part = undefined;
    await this.#closing;
    await part?.abort();
  }

  #rotateIfDue(): void {
    if (this.#part !== undefined && this.#now() - this.#partStarted >= this.#options.rotateMs) {
      this.#finishPart();
    }
  }

  #startPart(): void {
    this.#partStarted = this.#now();
    // Never replace a part of this or an earlier run that started in the same second.
    const path = unusedPath(partPath(this.#options.path, this.#partStarted), (p) => p === this.#lastName);
    this.#lastName = path;
    this.#part = new ParquetFlowWriter(lazyAtomicSink(path, this.#options.fileMode), this.#options.layout, {
      compression: this.#options.compression,
      rowGroupRows: this.#options.rowGroupRows,
    });
  }

  /** Closes the open part (footer, fsync, rename) in the background, in order. */
  #finishPart(): void {
    const part = this.#part;
    if (part === undefined) return;
    this.#part = undefined;
    const path = this.#lastName;
    this.#closing = this.#closing.then(async () => {
      try {
        await part.close();
        this.#bytes += part.bytes;
        this.#published.push(path);
        this.#options.onPart?.(path);
      } catch (err) {
        this.#error ??= err;
      }
    });
  }

  #failure(): Error {
    const err = this.#error;
    return err instanceof Error ? err : new Error(`${this.#options.path}: ${String(err)}`);
  }
}

/** An atomic file sink whose temporary file is created at the first write (so opening is synchronous). */
function lazyAtomicSink(path: string, mode?: number): ByteSink {
  let opened: ReturnType<typeof openAtomicFile> | undefined;
  const open = () => (opened ??= openAtomicFile(path, { mode }));
  return {
    name: path,
    needsHeader: true,
    write: async (bytes) => writeAll((await open()).file, bytes),
    close: async () => (await open()).commit(),
    abort: async () => {
      if (opened) await (await opened.catch(() => undefined))?.abort();
    },
  };
}
