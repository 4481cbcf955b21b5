/**
 * The measurement behind the choice of Parquet library (docs/parquet/README.md):
 * 1 000 000 synthetic rows shaped like the cic2017 layout (85 columns: 5
 * strings, a timestamp, integers and doubles), written in row groups of
 * 65 536 rows with zstd, by one library per run.
 *
 *   deno run -A --no-lock docs/parquet/compare_libraries.ts hyparquet-writer
 *   deno run -A --no-lock docs/parquet/compare_libraries.ts parquet-wasm
 *
 * Prints rows/s of the writing alone (generating the rows is timed apart),
 * the peak resident memory of the process and the file size.
 */
import zlib from "node:zlib";
import { buildLayout } from "../../src/output/columns.ts";

const ROWS = 1_000_000;
const GROUP = 65_536;
const library = Deno.args[0] ?? "hyparquet-writer";
const out = await Deno.makeTempFile({ suffix: ".parquet" });

type Kind = "int" | "float" | "string" | "timestamp";
const columns = buildLayout("cic2017").columns.map((c, i) => ({
  name: i === 61 ? `${c.name}.1` : c.name,
  kind: (c.timestamp ? "timestamp" : c.kind) as Kind,
}));

let seed = 1;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

/** Rows [start, start + n) as one array per column. */
function makeGroup(start: number, n: number): (string[] | Float64Array)[] {
  return columns.map((c, j) => {
    if (c.kind === "string") {
      return Array.from(
        { length: n },
        (_, i) =>
          j === 84
            ? "BENIGN"
            : `10.0.${(start + i) % 256}.${(i * 7) % 256}` + (j === 0 ? `-192.168.1.${i % 200}-6` : ""),
      );
    }
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = c.kind === "timestamp"
        ? 1_499_452_200_123_456 + (start + i) * 1000
        : c.kind === "int"
        ? Math.floor(rand() * 1000)
        : j % 3 === 0
        ? Math.floor(rand() * 1500)
        : rand() * 1e6 / 7;
    }
    return a;
  });
}

const bigints = (a: Float64Array) => BigInt64Array.from(a, (x) => BigInt(x));
let generateMs = 0;
function group(start: number): (string[] | Float64Array)[] {
  const t = performance.now();
  const g = makeGroup(start, Math.min(GROUP, ROWS - start));
  generateMs += performance.now() - t;
  return g;
}

const started = performance.now();
const file = await Deno.open(out, { write: true, truncate: true });
const writeAll = (bytes: Uint8Array) => {
  for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
};
if (library === "hyparquet-writer") {
  const { ByteWriter, ParquetWriter } = await import("hyparquet-writer");
  const schema = [
    { name: "schema", num_children: columns.length },
    ...columns.map((c) =>
      c.kind === "string"
        ? { name: c.name, type: "BYTE_ARRAY" as const, converted_type: "UTF8" as const }
        : c.kind === "float"
        ? { name: c.name, type: "DOUBLE" as const }
        : c.kind === "int"
        ? { name: c.name, type: "INT64" as const }
        : {
          name: c.name,
          type: "INT64" as const,
          logical_type: { type: "TIMESTAMP" as const, isAdjustedToUTC: true, unit: "MICROS" as const },
        }
    ),
  ];
  const bytes = new ByteWriter();
  const flush = () => {
    writeAll(new Uint8Array(bytes.buffer, 0, bytes.index));
    bytes.index = 0;
  };
  Object.assign(bytes, { flush, finish: flush });
  const writer = new ParquetWriter({
    writer: bytes,
    schema,
    codec: "ZSTD",
    compressors: { ZSTD: (b: Uint8Array) => zlib.zstdCompressSync(b) },
  });
  for (let start = 0; start < ROWS; start += GROUP) {
    const data = group(start);
    writer.write({
      columnData: columns.map((c, j) => ({
        name: c.name,
        data: c.kind === "int" || c.kind === "timestamp" ? bigints(data[j] as Float64Array) : data[j],
      })),
      rowGroupSize: GROUP,
    });
  }
  writer.finish();
} else if (library === "parquet-wasm") {
  // Not dependencies of the program: pinned here, outside the lock file (run with --no-lock).
  // deno-lint-ignore no-import-prefix
  const arrow = await import("npm:apache-arrow@21.2.0");
  // deno-lint-ignore no-import-prefix
  const wasm = await import("npm:parquet-wasm@0.8.0");
  const props = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.ZSTD)
    .setMaxRowGroupSize(GROUP).build();
  let start = 0;
  const batches = new ReadableStream({
    pull(controller) {
      if (start >= ROWS) return controller.close();
      const data = group(start);
      const vectors = Object.fromEntries(columns.map((c, j) => {
        const d = data[j];
        const v = c.kind === "string"
          ? arrow.vectorFromArray(d as string[], new arrow.Utf8())
          : c.kind === "float"
          ? arrow.makeVector(d as Float64Array)
          : c.kind === "int"
          ? arrow.makeVector(bigints(d as Float64Array))
          : arrow.makeData({
            type: new arrow.TimestampMicrosecond("UTC"),
            length: d.length,
            data: bigints(d as Float64Array),
          });
        return [c.name, v instanceof arrow.Vector ? v : arrow.makeVector(v)];
      }));
      const ipc = arrow.tableToIPC(new arrow.Table(vectors), "stream");
      for (const batch of wasm.Table.fromIPCStream(ipc).recordBatches()) controller.enqueue(batch);
      start += GROUP;
    },
  });
  for await (const bytes of await wasm.transformParquetStream(batches, props)) writeAll(bytes);
} else {
  throw new Error(`unknown library "${library}" (hyparquet-writer or parquet-wasm)`);
}
file.close();
const seconds = (performance.now() - started - generateMs) / 1000;
const peakKb = Number(Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+)/)?.[1]);
console.log(
  `${library}: ${ROWS} rows in ${seconds.toFixed(1)} s of writing: ${Math.round(ROWS / seconds)} rows/s, ` +
    `peak RSS ${Math.round(peakKb / 1024)} MB, ${
      (Deno.statSync(out).size / 1e6).toFixed(1)
    } MB file (${out})`,
);
