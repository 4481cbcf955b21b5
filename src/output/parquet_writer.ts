/**
 * Parquet flow files (hyparquet-writer, pure JavaScript; zstd from Deno's
 * built-in `node:zlib`, so nothing is loaded from disk at run time and
 * `deno compile` embeds it all). Column types follow the layout: `int`
 * columns INT64 (but the averaged ones, e.g. bulk rates, DOUBLE: fractional
 * in `corrected`), `float` columns DOUBLE (NaN, ±Infinity and −1 kept as
 * values), strings UTF8, the Timestamp column a TIMESTAMP (µs, UTC) of the
 * flow's first packet. Names are the layout's, leading spaces included; a
 * repeated name gets pandas' `.1` suffix (cic2017's second
 * ` Fwd Header Length` is ` Fwd Header Length.1`), the name pandas gives it
 * when reading the CSV.
 *
 * Memory is bounded: rows are buffered column-wise up to `rowGroupRows`
 * (default 65 536), then encoded as one row group and handed to the sink;
 * `close()` writes the last (partial) row group and the footer. The
 * file is only readable once closed, so files are written atomically
 * (temporary name, then rename) or to stdout; there is no append mode.
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
 * import { openParquetWriter } from "./parquet_writer.ts";
 * const dir = await Deno.makeTempDir();
 * const w = await openParquetWriter({ path: `${dir}/flows.parquet`, layout: buildLayout("cic2017") });
 * w.write(records[0]);
 * await assert.rejects(Deno.stat(`${dir}/flows.parquet`)); // not readable yet: no footer
 * await w.close(); // flows.parquet appears now
 * const bytes = await Deno.readFile(`${dir}/flows.parquet`);
 * assert.equal(new TextDecoder().decode(bytes.subarray(-4)), "PAR1");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
import zlib from "node:zlib";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { FlowRecord } from "../flow/flow_record.ts";
import { type ByteSink, openAtomicSink, stdoutSink } from "./byte_sink.ts";
import type { Column, Layout } from "./columns.ts";
import type { FlowWriter, FlowWriterOptions, ParquetCompression } from "./flow_writer_types.ts";

import { WriteChain } from "./write_chain.ts";
import { DEFAULT_ROW_GROUP_ROWS } from "./flow_writer_types.ts";

export {
  DEFAULT_ROW_GROUP_ROWS,
  PARQUET_COMPRESSIONS,
  type ParquetCompression,
} from "./flow_writer_types.ts";

/** One element of a Parquet schema as hyparquet-writer takes it. */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]["schema"][number];

/**
 * Column names as written to Parquet: the layout's exact names, a repeated
 * name suffixed `.1`, `.2`, … as pandas does when reading the CSV.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLayout } from "./columns.ts";
 * import { parquetColumnNames } from "./parquet_writer.ts";
 * assert.deepEqual(parquetColumnNames(buildLayout("cic2017"))[61], " Fwd Header Length.1");
 * ```
 */
export function parquetColumnNames(layout: Pick<Layout, "columns">): string[] {
  const seen = new Map<string, number>();
  return layout.columns.map((c) => {
    const n = seen.get(c.name) ?? 0;
    seen.set(c.name, n + 1);
    return n === 0 ? c.name : `${c.name}.${n}`;
  });
}

/**
 * The Parquet schema of `layout`: root, then one required leaf per column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLayout } from "./columns.ts";
 * import { parquetSchema } from "./parquet_writer.ts";
 * assert.deepEqual(parquetSchema(buildLayout("cic2017"))[3], { name: " Source Port", type: "INT64", repetition_type: "REQUIRED" });
 * ```
 */
export function parquetSchema(layout: Pick<Layout, "columns">): SchemaElement[] {
  const names = parquetColumnNames(layout);
  const leaves = layout.columns.map((c, i): SchemaElement => {
    const name = names[i];
    if (c.timestamp) {
      return {
        name,
        type: "INT64",
        repetition_type: "REQUIRED",
        converted_type: "TIMESTAMP_MICROS",
        logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" },
      };
    }
    if (c.kind === "int" && !c.averaged) return { name, type: "INT64", repetition_type: "REQUIRED" };
    if (c.kind === "float" || c.averaged) return { name, type: "DOUBLE", repetition_type: "REQUIRED" };
    return { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" };
  });
  return [{ name: "schema", num_children: leaves.length }, ...leaves];
}

/** Options only Parquet writers take. */
export interface ParquetWriterOptions {
  /** Default zstd. */
  compression?: ParquetCompression;
  /** Rows buffered before a row group is encoded; default 65 536. */
  rowGroupRows?: number;
}

/**
 * Opens a Parquet flow writer on `options.path` (atomic file) or stdout ("-").
 * Throws for `append` (a Parquet file cannot grow after its footer).
 */
export async function openParquetWriter(
  options: FlowWriterOptions & ParquetWriterOptions,
): Promise<FlowWriter> {
  if (options.append) {
    throw new Error(`${options.path}: Parquet files cannot be appended to; write a new file per period`);
  }
  const sink = options.path === "-" ? stdoutSink() : await openAtomicSink(options.path, options.fileMode);
  return new ParquetFlowWriter(sink, options.layout, options);
}

const MIB = 1 << 20;
const INITIAL_ROWS = 1024;

/** A column's rows of the current row group. */
type ColumnBuffer = { kind: "number"; values: Float64Array } | { kind: "string"; values: string[] };

/** FlowWriter producing one Parquet file on a ByteSink. */
export class ParquetFlowWriter implements FlowWriter {
  #sink: ByteSink;
  #columns: readonly Column[];
  #names: string[];
  #schema: SchemaElement[];
  #buffers: ColumnBuffer[];
  #groupRows: number;
  #capacity: number;
  #used = 0;
  #bytesOut: ByteWriter;
  #parquet: ParquetWriter;
  #writes: WriteChain;
  #closed = false;
  #rows = 0;
  #bytes = 0;

  constructor(
    sink: ByteSink,
    layout: Pick<Layout, "columns">,
    options: ParquetWriterOptions & { highWaterMark?: number } = {},
  ) {
    this.#sink = sink;
    this.#columns = layout.columns;
    this.#names = parquetColumnNames(layout);
    this.#schema = parquetSchema(layout);
    this.#groupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
    if (!Number.isInteger(this.#groupRows) || this.#groupRows < 1) {
      throw new Error(`row group size must be a whole number ≥ 1, got ${this.#groupRows}`);
    }
    this.#writes = new WriteChain(sink, "Parquet", options.highWaterMark ?? 4 * MIB);
    // Buffers start small and double up to the row group size, so a small file costs little memory.
    this.#capacity = Math.min(this.#groupRows, INITIAL_ROWS);
    this.#buffers = this.#columns.map((c): ColumnBuffer =>
      c.kind === "string" && !c.timestamp
        ? { kind: "string", values: [] }
        : { kind: "number", values: new Float64Array(this.#capacity) }
    );
    this.#bytesOut = new ByteWriter(MIB);
    // Each finished row group leaves the encoder at once: its bytes are queued
    // for the sink and the encode buffer starts over (offsets keep counting).
    const out = this.#bytesOut as ByteWriter & { flush?: () => void };
    out.flush = () => this.#handOff();
    out.finish = () => this.#handOff();
    this.#parquet = new ParquetWriter({
      writer: out,
      schema: this.#schema,
      codec: options.compression === "snappy" ? "SNAPPY" : "ZSTD",
      compressors: { ZSTD: (bytes: Uint8Array) => zlib.zstdCompressSync(bytes) },
      createdBy: "pcap-pipeline (hyparquet-writer)",
    });
  }

  get rows(): number {
    return this.#rows;
  }

  /** Bytes of Parquet handed to the sink so far. */
  get bytes(): number {
    return this.#bytes;
  }

  get backlogged(): boolean {
    return this.#writes.backlogged;
  }

  write(r: FlowRecord): void {
    const at = this.#rowStart();
    const columns = this.#columns;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i];
      const buffer = this.#buffers[i];
      if (buffer.kind === "string") buffer.values[at] = String(c.value(r));
      else buffer.values[at] = c.timestamp ? r.timestampUs : (c.value(r) as number);
    }
    this.#rowEnd();
  }

  /**
   * Writes one row given as its cells in column order: a number for `int`
   * and `float` columns (the Timestamp column: µs since the epoch), text for
   * string columns. For rows that exist only as values (collect's CSV
   * hours); `value` of the layout's columns is not called.
   */
  writeValues(cells: ArrayLike<number | string>): void {
    const at = this.#rowStart();
    for (let i = 0; i < this.#buffers.length; i++) {
      const buffer = this.#buffers[i];
      if (buffer.kind === "string") buffer.values[at] = String(cells[i]);
      else buffer.values[at] = cells[i] as number;
    }
    this.#rowEnd();
  }

  /** Checks the writer is usable and returns the buffer index of the next row. */
  #rowStart(): number {
    if (this.#closed) throw new Error(`${this.#sink.name}: write after close`);
    this.#writes.check();
    if (this.#used === this.#capacity) this.#grow();
    return this.#used;
  }

  #rowEnd(): void {
    this.#used++;
    this.#rows++;
    if (this.#used === this.#groupRows) this.#writeGroup();
  }

  ready(): Promise<void> {
    return this.#writes.ready();
  }

  /** Ends the current row group early and writes it out. */
  flush(): Promise<void> {
    this.#writeGroup();
    return this.#writes.settle();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#writeGroup();
      this.#parquet.finish();
    } catch (err) {
      this.#writes.fail(err);
    }
    await this.#writes.close();
  }

  async abort(): Promise<void> {
    this.#closed = true;
    this.#used = 0;
    await this.#writes.abort();
  }

  /** Doubles the number buffers (up to the row group size). */
  #grow(): void {
    this.#capacity = Math.min(this.#groupRows, this.#capacity * 2);
    for (const buffer of this.#buffers) {
      if (buffer.kind === "number") {
        const bigger = new Float64Array(this.#capacity);
        bigger.set(buffer.values);
        buffer.values = bigger;
      }
    }
  }

  /** Encodes the buffered rows as one row group (nothing when none are buffered). */
  #writeGroup(): void {
    const n = this.#used;
    if (n === 0 || this.#writes.failed) return;
    this.#used = 0;
    const columnData = this.#buffers.map((buffer, i) => {
      const name = this.#names[i];
      if (buffer.kind === "string") {
        const data = buffer.values.slice(0, n);
        buffer.values.length = 0;
        return { name, data };
      }
      if (this.#schema[i + 1].type === "DOUBLE") return { name, data: buffer.values.slice(0, n) };
      return { name, data: toInt64(buffer.values, n, name) };
    });
    this.#parquet.write({ columnData, rowGroupSize: n });
  }

  /** Queues the encoded bytes for the sink and empties the encode buffer. */
  #handOff(): void {
    const out = this.#bytesOut as ByteWriter & { index: number };
    if (out.index === 0) return;
    const bytes = new Uint8Array(out.buffer, 0, out.index).slice();
    out.index = 0;
    this.#bytes += bytes.length;
    this.#writes.enqueue(bytes);
  }
}

/** The first `n` values as INT64; a value that is not a whole number is a bug named by its column. */
function toInt64(values: Float64Array, n: number, column: string): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isSafeInteger(v)) throw new Error(`column "${column}": ${v} is not a whole number`);
    out[i] = BigInt(v);
  }
  return out;
}
