/**
 * Flow writers: FlowRecords in, file bytes out. `write()` is synchronous: it
 * builds the row as a string and encodes it into a large reused buffer; full
 * buffers are written to the destination by a chain of async writes. Memory
 * stays bounded when the caller awaits `ready()` (cheap: resolves at once
 * unless more than `highWaterMark` bytes wait to be written).
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
 * import { openFlowWriter } from "./flow_writer.ts";
 * const dir = await Deno.makeTempDir();
 * const writer = await openFlowWriter({ path: `${dir}/flows.csv`, layout: buildLayout("cic2017") });
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
 * assert.equal(writer.rows, 2);
 * assert.equal((await Deno.readTextFile(`${dir}/flows.csv`)).trimEnd().split("\n").length, 3);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
import { openAppendSink, openAtomicSink, stdoutSink } from "./byte_sink.ts";
import { BufferedFlowWriter } from "./buffered_flow_writer.ts";
import { csvEncoder } from "./csv_writer.ts";
import type { FlowWriter, FlowWriterOptions } from "./flow_writer_types.ts";
import { ndjsonEncoder } from "./ndjson_writer.ts";

export {
  DEFAULT_ROW_GROUP_ROWS,
  formatExtension,
  OUTPUT_FORMATS,
  PARQUET_COMPRESSIONS,
} from "./flow_writer_types.ts";
export type {
  FlowWriter,
  FlowWriterOptions,
  OutputFormat,
  ParquetCompression,
  RowEncoder,
} from "./flow_writer_types.ts";

/**
 * Opens a writer for `options.path` in the chosen format and layout.
 * Errors name the file.
 */
export async function openFlowWriter(options: FlowWriterOptions): Promise<FlowWriter> {
  const format = options.format ?? "csv";
  // Loaded only for Parquet: hyparquet-writer and node:zlib add ~50 ms to every start-up (issue 15).
  if (format === "parquet") return (await import("./parquet_writer.ts")).openParquetWriter(options);
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
