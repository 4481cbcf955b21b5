/**
 * What every flow writer shares: the FlowWriter interface, its options, the
 * row encoder of text formats, and the format names. The writers of each
 * format import these; `openFlowWriter` (flow_writer.ts) imports the writers.
 */
import type { FlowRecord } from "../flow/flow_record.ts";
import type { Layout } from "./columns.ts";

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

/** Compression codecs of Parquet files. */
export const PARQUET_COMPRESSIONS = ["zstd", "snappy"] as const;
/** A Parquet compression codec's name. */
export type ParquetCompression = typeof PARQUET_COMPRESSIONS[number];
/** Parquet rows per row group unless the caller picks another size. */
export const DEFAULT_ROW_GROUP_ROWS = 65_536;

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
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatExtension } from "./flow_writer_types.ts";
 * assert.deepEqual(formatExtension("parquet"), ".parquet");
 * ```
 */
export function formatExtension(format: OutputFormat = "csv"): string {
  return `.${format}`;
}
