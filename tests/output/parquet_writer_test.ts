/**
 * Parquet flow files, read back by DuckDB (not by our code): every layout and
 * both profiles equal the CSV of the same conversion; compression and row
 * groups as asked; a failed conversion leaves no file.
 */
import assert from "node:assert/strict";
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { layoutFrom } from "../../src/convert/flow_table_options.ts";
import { LAYOUT_NAMES } from "../../src/output/columns.ts";
import { assertParquetEqualsCsv, readParquetWithDuckDb } from "./duckdb_reader.ts";
import { writeFlowMix } from "./flow_mix.ts";
import { pcapOf } from "../flow/flow_harness.ts";
import { ownCapture } from "../captures/own_captures.ts";
import { parquetColumnNames } from "../../src/output/parquet_writer.ts";

for (const profile of ["cic2017", "corrected", "engelen"] as const) {
  Deno.test(`DuckDB reads the Parquet of every layout equal to its CSV (${profile} profile)`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const input = await writeFlowMix(dir);
      for (const columns of LAYOUT_NAMES) {
        const options = { profile, columns, label: 'web, "flood"' };
        const csv = await convertCaptureFile(input, `${dir}/${columns}.csv`, options);
        const pq = await convertCaptureFile(input, `${dir}/${columns}.parquet`, {
          ...options,
          format: "parquet",
        });
        assert.equal(pq.flows, csv.flows);
        await assertParquetEqualsCsv(
          `${dir}/${columns}.parquet`,
          await Deno.readTextFile(`${dir}/${columns}.csv`),
          layoutFrom(options),
        );
      }
      // The conventions for a zero duration are values, not nulls.
      const read = await readParquetWithDuckDb(`${dir}/cic2017.parquet`);
      const rate = read.names.indexOf(" Flow Packets/s");
      const rates = read.rows.map((row) => row[rate] as number);
      const byteRates = read.rows.map((row) => row[read.names.indexOf("Flow Bytes/s")] as number);
      if (profile === "cic2017") {
        assert.ok(rates.some((x) => x === Infinity), "no Infinity rate in the mix");
        assert.ok(byteRates.some((x) => Number.isNaN(x)), "no NaN rate in the mix");
      } else if (profile === "corrected") assert.ok(rates.some((x) => x === -1), "no -1 rate in the mix");
      assert.equal((await Deno.stat(`${dir}/cic2017.parquet`)).mode! & 0o777, 0o600);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("Parquet is zstd by default, snappy on request, in row groups of the size asked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const input = await writeFlowMix(dir);
    const zstd = await convertCaptureFile(input, `${dir}/z.parquet`, { format: "parquet" });
    const snappy = await convertCaptureFile(input, `${dir}/s.parquet`, {
      format: "parquet",
      compression: "snappy",
      rowGroupRows: 7,
    });
    const z = await readParquetWithDuckDb(`${dir}/z.parquet`);
    const s = await readParquetWithDuckDb(`${dir}/s.parquet`);
    assert.deepEqual(z.codecs, ["ZSTD"]);
    assert.equal(z.rowGroups, 1);
    assert.deepEqual(s.codecs, ["SNAPPY"]);
    assert.equal(s.rowGroups, Math.ceil(snappy.flows / 7));
    assert.equal(s.rows.length, zstd.flows);
    assert.deepEqual(s.rows, z.rows);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a capture that fails to convert leaves no Parquet file and no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/notes.pcap`, "Flow ID,Src IP\n");
    await assert.rejects(
      convertCaptureFile(`${dir}/notes.pcap`, `${dir}/out.parquet`, { format: "parquet" }),
    );
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["notes.pcap"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a capture without flows gives a Parquet file with the layout's columns and no rows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/empty.pcap`, pcapOf([]));
    await convertCaptureFile(`${dir}/empty.pcap`, `${dir}/empty.parquet`, { format: "parquet" });
    const read = await readParquetWithDuckDb(`${dir}/empty.parquet`);
    assert.equal(read.rows.length, 0);
    assert.deepEqual(read.names, parquetColumnNames(layoutFrom({})));
    assert.equal(read.types[1], "VARCHAR");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bulk averages and rates, whole numbers in cic2017 but fractional in corrected, are DOUBLE columns", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const options = { profile: "corrected" as const, columns: "cic2017" as const };
    await convertCaptureFile(ownCapture("tcp-bulk.pcap"), `${dir}/bulk.csv`, options);
    await convertCaptureFile(ownCapture("tcp-bulk.pcap"), `${dir}/bulk.parquet`, {
      ...options,
      format: "parquet",
    });
    await assertParquetEqualsCsv(
      `${dir}/bulk.parquet`,
      await Deno.readTextFile(`${dir}/bulk.csv`),
      layoutFrom(options),
    );
    const read = await readParquetWithDuckDb(`${dir}/bulk.parquet`);
    for (const name of [" Fwd Avg Bulk Rate", "Bwd Avg Bulk Rate", " Subflow Fwd Bytes"]) {
      assert.equal(read.types[read.names.indexOf(name)], "DOUBLE", name);
    }
    const rates = read.rows.flatMap((row) =>
      [" Fwd Avg Bulk Rate", "Bwd Avg Bulk Rate"].map((n) => row[read.names.indexOf(n)] as number)
    );
    assert.ok(rates.some((x) => !Number.isInteger(x)), `a fractional bulk rate: ${rates}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
