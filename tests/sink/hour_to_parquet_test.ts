/**
 * The CSV → Parquet step of `collect --format parquet` on its own: column
 * types from the header's layout, text that fits no type refused with its
 * place named and no file left, closed hours told from open ones.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildLayout } from "../../src/output/columns.ts";
import { csvHeader } from "../../src/output/csv_writer.ts";
import {
  convertClosedHours,
  convertCsvToParquet,
  csvColumns,
  csvRecords,
  splitCsv,
} from "../../src/sink/hour_to_parquet.ts";
import { hourFileName } from "../../src/sink/hour_files.ts";
import { readParquetWithDuckDb } from "../output/duckdb_reader.ts";
import { recordingLog } from "./stream_reader.ts";

Deno.test("CSV cells split per RFC 4180: quoted commas, quotes and line breaks, CRLF, no final newline", () => {
  assert.deepEqual(splitCsv('a,"b,c"\r\n"say ""hi""","x\ny"\n1,'), [["a", "b,c"], ['say "hi"', "x\ny"], [
    "1",
    "",
  ]]);
});

Deno.test("CSV records read chunk by chunk equal the whole text split at once, quoted line breaks included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "big.csv");
    const lines = ["a,b,c"];
    for (let i = 0; i < 20_000; i++) {
      lines.push(
        i % 97 === 5
          ? `${i},"x, ""y""\nz${"w".repeat(i % 300)}",${i * 0.5}`
          : `${i},10.0.0.${i % 250},${i * 0.5}`,
      );
    }
    const text = lines.join("\n") + "\n";
    await Deno.writeTextFile(path, text);
    const read: string[][] = [];
    let chunks = 0;
    for await (const records of csvRecords(path)) {
      read.push(...records);
      chunks++;
    }
    assert.ok(chunks > 2, `only ${chunks} chunks: the test must cross chunk boundaries`);
    assert.deepEqual(read, splitCsv(text));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a header is typed by its layout: repeated names, --fields subsets, unknown names as text", () => {
  const cic = buildLayout("cic2017");
  const names = splitCsv(csvHeader(cic))[0];
  const typed = csvColumns(names);
  assert.deepEqual(typed.map((c) => c.kind), cic.columns.map((c) => c.kind));
  assert.deepEqual(typed.map((c) => c.timestamp === true), cic.columns.map((c) => c.timestamp === true));
  assert.deepEqual(
    csvColumns([" Source Port", "Flow Bytes/s", " Timestamp", "Site"]),
    [
      { name: " Source Port", kind: "int" },
      { name: "Flow Bytes/s", kind: "float" },
      { name: " Timestamp", kind: "string", timestamp: true },
      { name: "Site", kind: "string" },
    ],
  );
  assert.deepEqual(csvColumns(["src_port", "flow_byts_s"]).map((c) => c.kind), ["int", "float"]);
});

Deno.test("a cell that fits no type is refused naming file, row and column, and no Parquet file appears", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = join(dir, "flows_20261202_08.csv");
    await Deno.writeTextFile(csv, " Source Port,Flow Bytes/s\n80,1.5\n443,fast\n");
    await assert.rejects(
      convertCsvToParquet(csv, join(dir, "flows_20261202_08.parquet")),
      /flows_20261202_08\.csv: row 2, column "Flow Bytes\/s": "fast" is not a number/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["flows_20261202_08.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a cic2017-format Timestamp (no AM/PM) stays text; NaN, Infinity and -1 stay numbers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = join(dir, "flows.csv");
    await Deno.writeTextFile(
      csv,
      " Timestamp,Flow Bytes/s\n07/07/2017 06:30:00,NaN\n07/07/2017 06:31:00,-Infinity\n07/07/2017 06:32:00,-1\n",
    );
    assert.equal(await convertCsvToParquet(csv, join(dir, "flows.parquet")), 3);
    const pq = await readParquetWithDuckDb(join(dir, "flows.parquet"));
    assert.deepEqual(pq.types, ["VARCHAR", "DOUBLE"]);
    assert.deepEqual(pq.rows, [["07/07/2017 06:30:00", NaN], ["07/07/2017 06:31:00", -Infinity], [
      "07/07/2017 06:32:00",
      -1,
    ]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("closed hours: past their end, or followed by a later file of the same sensor and kind", async () => {
  const out = await Deno.makeTempDir();
  try {
    const h = (n: number) => Date.UTC(2026, 11, 2, n);
    const header = " Source Port,Flow Bytes/s\n";
    await Deno.mkdir(join(out, "alpha"));
    await Deno.mkdir(join(out, "beta"));
    for (
      const [sensor, kind, hour] of [["alpha", "flows", 8], ["alpha", "flows", 9], ["alpha", "windows", 8], [
        "beta",
        "flows",
        8,
      ]] as const
    ) {
      await Deno.writeTextFile(join(out, sensor, hourFileName(kind, h(hour))), `${header}80,1.5\n`);
    }
    const log = recordingLog();
    // 08:30: alpha's flows of 08 are closed by its 09 file; nothing else is.
    assert.equal(await convertClosedHours(out, h(8) + 1_800_000, log), 1);
    assert.ok(await Deno.stat(join(out, "alpha", "flows_20261202_08.parquet")));
    // 09:00: every hour-8 file is closed; alpha's flows of 08 is up to date.
    assert.equal(await convertClosedHours(out, h(9), log), 2);
    assert.equal(await convertClosedHours(out, h(9), log), 0);
    // Appending to a converted hour makes its Parquet stale: rebuilt.
    await new Promise((r) => setTimeout(r, 20));
    await Deno.writeTextFile(join(out, "beta", "flows_20261202_08.csv"), "443,2.5\n", { append: true });
    assert.equal(await convertClosedHours(out, h(9), log), 1);
    assert.equal(
      (await readParquetWithDuckDb(join(out, "beta", "flows_20261202_08.parquet"))).rows.length,
      2,
    );
    assert.equal(
      await Deno.stat(join(out, "alpha", "flows_20261202_09.parquet")).catch(() => "absent"),
      "absent",
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
