/**
 * Flow writers: FlowRecords in, file bytes out. `write()` is synchronous: it
 * builds the row as a string and encodes it into a large reused buffer; full
 * buffers are written to the destination by a chain of async writes. Memory
 * stays bounded when the caller awaits `ready()` (cheap: resolves at once
 * unless more than `highWaterMark` bytes wait to be written).
 *
 * @example
 * const writer = await openFlowWriter({ path: "flows.csv", layout: buildLayout("cic2017") });
 * try {
 *   for (const r of records) {
 *     writer.write(r);
 *     if (writer.backlogged) await writer.ready();
 *   }
 *   await writer.close(); // fsync + rename: flows.csv appears now
 * } catch (err) {
 *   await writer.abort(); // no flows.csv, no temp file
 *   throw err;
 * }
 */
import type { FlowRecord } from "../flow/flow_record.ts";
import { type ByteSink, openAppendSink, openAtomicSink, stdoutSink } from "./byte_sink.ts";
import type { Layout } from "./columns.ts";
import { csvEncoder } from "./csv_writer.ts";
import { ndjsonEncoder } from "./ndjson_writer.ts";
import { openParquetWriter, type ParquetCompression } from "./parquet_writer.ts";

/** Turns records into text lines for one file format. */
export interface RowEncoder {
  /** First line including its "\n", or null when the format has none. */
  readonly header: string | null;
  /** One record as a line including its "\n". */
  row(r: FlowRecord): string;
  /**
   * Optional fast path: writes the same bytes as `row(r)` into `buf` from
   * `start` and returns the end, or -1 when they may not fit (nothing
   * meaningful was written then).
   */
  encodeInto?(r: FlowRecord, buf: Uint8Array, start: number): number;
}

/** A sink for finished flows. */
export interface FlowWriter {
  /** Queues one row; throws if the writer is closed or an earlier write failed. */
  write(r: FlowRecord): void;
  /** True when more than the high-water mark waits to be written; await `ready()` then. */
  readonly backlogged: boolean;
  /** Resolves when queued bytes are under the high-water mark; rejects with an earlier write error. */
  ready(): Promise<void>;
  /** Writes everything queued so far to the destination. */
  flush(): Promise<void>;
  /** Writes the rest and finishes the destination (atomic file: fsync, then rename to its name). */
  close(): Promise<void>;
  /** Stops without finishing (atomic file: the temp file is removed, the final name never appears). */
  abort(): Promise<void>;
  /** Rows written so far (header not counted). */
  readonly rows: number;
  /** Bytes handed to the writer so far, header included. */
  readonly bytes: number;
}

/** File formats. */
export const OUTPUT_FORMATS = ["csv", "ndjson", "parquet"] as const;
/** A file format's name. */
export type OutputFormat = typeof OUTPUT_FORMATS[number];

/** Where and how to write flows. */
export interface FlowWriterOptions {
  /** Output file, or "-" for standard output. */
  path: string;
  layout: Layout;
  /** Default "csv". */
  format?: OutputFormat;
  /** Live mode: append to `path` as flows end instead of writing it atomically. */
  append?: boolean;
  /** Mode of a created file; default 0o600. */
  fileMode?: number;
  /** Write buffered rows at least this often (ms); default 1000 for append and stdout, off otherwise. */
  flushIntervalMs?: number;
  /** Write buffered rows after this many rows; default 1000 for append, off otherwise. */
  flushRows?: number;
  /** Size of each encode buffer; default 1 MiB. */
  bufferSize?: number;
  /** Queued bytes above which `backlogged` is true; default 4 MiB. */
  highWaterMark?: number;
  /** Parquet: compression codec, default zstd. */
  compression?: ParquetCompression;
  /** Parquet: rows per row group (the rows held in memory), default 65 536. */
  rowGroupRows?: number;
}

/**
 * The usual file extension of a format, with its dot.
 *
 * @example
 * formatExtension("parquet") // ".parquet"
 */
export function formatExtension(format: OutputFormat = "csv"): string {
  return `.${format}`;
}

/**
 * Opens a writer for `options.path` in the chosen format and layout.
 * Errors name the file.
 */
export async function openFlowWriter(options: FlowWriterOptions): Promise<FlowWriter> {
  const format = options.format ?? "csv";
  if (format === "parquet") return openParquetWriter(options);
  const encoder = format === "csv" ? csvEncoder(options.layout) : ndjsonEncoder(options.layout);
  const live = options.append === true;
  const toStdout = options.path === "-";
  const sink = toStdout
    ? stdoutSink()
    : live
    ? await openAppendSink(options.path, encoder.header, options.fileMode)
    : await openAtomicSink(options.path, options.fileMode);
  return new BufferedFlowWriter(sink, encoder, {
    flushIntervalMs: options.flushIntervalMs ?? (live || toStdout ? 1000 : undefined),
    flushRows: options.flushRows ?? (live ? 1000 : undefined),
    bufferSize: options.bufferSize,
    highWaterMark: options.highWaterMark,
  });
}

/** Tuning of `BufferedFlowWriter`. */
export interface BufferOptions {
  flushIntervalMs?: number;
  flushRows?: number;
  bufferSize?: number;
  highWaterMark?: number;
}

const MIB = 1 << 20;
const MAX_POOLED_BUFFERS = 4;

/** The FlowWriter over any ByteSink and RowEncoder. */
export class BufferedFlowWriter implements FlowWriter {
  #sink: ByteSink;
  #encoder: RowEncoder;
  #textEncoder = new TextEncoder();
  #bufferSize: number;
  #highWaterMark: number;
  #flushIntervalMs: number | undefined;
  #flushRows: number | undefined;
  #buffer: Uint8Array;
  #used = 0;
  #pool: Uint8Array[] = [];
  #pending = 0;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown = undefined;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #rowsSinceFlush = 0;
  #rows = 0;
  #bytes = 0;

  constructor(sink: ByteSink, encoder: RowEncoder, options: BufferOptions = {}) {
    this.#sink = sink;
    this.#encoder = encoder;
    this.#bufferSize = options.bufferSize ?? MIB;
    this.#highWaterMark = options.highWaterMark ?? 4 * MIB;
    this.#flushIntervalMs = options.flushIntervalMs;
    this.#flushRows = options.flushRows;
    this.#buffer = new Uint8Array(this.#bufferSize);
    if (sink.needsHeader && encoder.header !== null) this.#append(encoder.header);
  }

  get rows(): number {
    return this.#rows;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get backlogged(): boolean {
    return this.#pending > this.#highWaterMark;
  }

  write(r: FlowRecord): void {
    if (this.#closed) throw new Error(`${this.#sink.name}: write after close`);
    if (this.#error !== undefined) throw this.#failure();
    this.#appendRow(r);
    this.#rows++;
    this.#rowsSinceFlush++;
    if (this.#flushRows !== undefined && this.#rowsSinceFlush >= this.#flushRows) {
      this.#handOff();
    } else if (this.#flushIntervalMs !== undefined && this.#timer === undefined) {
      const timer = setTimeout(() => {
        this.#timer = undefined;
        this.#handOff();
      }, this.#flushIntervalMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  async ready(): Promise<void> {
    if (this.#pending > this.#highWaterMark) await this.#chain;
    if (this.#error !== undefined) throw this.#failure();
  }

  async flush(): Promise<void> {
    this.#handOff();
    await this.#chain;
    if (this.#error !== undefined) throw this.#failure();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handOff();
    await this.#chain;
    if (this.#error !== undefined) {
      await this.#sink.abort();
      throw this.#failure();
    }
    await this.#sink.close();
  }

  async abort(): Promise<void> {
    this.#closed = true;
    this.#stopTimer();
    this.#used = 0;
    await this.#chain;
    await this.#sink.abort();
  }

  /** Encodes one record, directly into the buffer when the encoder can. */
  #appendRow(r: FlowRecord): void {
    const encoder = this.#encoder;
    if (encoder.encodeInto) {
      let end = encoder.encodeInto(r, this.#buffer, this.#used);
      if (end < 0 && this.#used > 0) {
        this.#handOff();
        end = encoder.encodeInto(r, this.#buffer, 0);
      }
      if (end >= 0) {
        this.#bytes += end - this.#used;
        this.#used = end;
        return;
      }
    }
    this.#append(encoder.row(r));
  }

  /** Encodes `text` into the current buffer, handing full buffers to the sink. */
  #append(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const worst = text.length * 3;
    if (worst > this.#bufferSize - this.#used) {
      this.#handOff();
      if (worst > this.#bufferSize) {
        const bytes = this.#textEncoder.encode(text);
        this.#bytes += bytes.length;
        this.#enqueue(bytes, undefined);
        return;
      }
    }
    const { written } = this.#textEncoder.encodeInto(text, this.#buffer.subarray(this.#used));
    this.#used += written;
    this.#bytes += written;
  }

  /** Queues the current buffer's bytes for writing and switches to a free buffer. */
  #handOff(): void {
    this.#stopTimer();
    this.#rowsSinceFlush = 0;
    if (this.#used === 0) return;
    const full = this.#buffer;
    this.#enqueue(full.subarray(0, this.#used), full);
    this.#buffer = this.#pool.pop() ?? new Uint8Array(this.#bufferSize);
    this.#used = 0;
  }

  #enqueue(bytes: Uint8Array, recycle: Uint8Array | undefined): void {
    this.#pending += bytes.length;
    this.#chain = this.#chain.then(async () => {
      try {
        if (this.#error === undefined) await this.#sink.write(bytes);
      } catch (err) {
        this.#error = err;
      } finally {
        this.#pending -= bytes.length;
        if (recycle && this.#pool.length < MAX_POOLED_BUFFERS) this.#pool.push(recycle);
      }
    });
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #failure(): Error {
    const err = this.#error;
    const message = err instanceof Error ? err.message : String(err);
    return new Error(`${this.#sink.name}: writing flows failed: ${message}`, { cause: err });
  }
}
