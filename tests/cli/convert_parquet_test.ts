/**
 * `convert --format parquet` as a user runs it (the real CLI, the project's
 * permission set, so the Parquet library and zstd load under it): DuckDB
 * reads the file equal to the CSV of the same conversion.
 */
import assert from "node:assert/strict";
import { runCli } from "./run_cli.ts";
import { assertParquetEqualsCsv } from "../output/duckdb_reader.ts";
import { writeFlowMix } from "../output/flow_mix.ts";
import { layoutFrom } from "../../src/convert/flow_table_options.ts";

Deno.test("convert --format parquet writes NAME.parquet (zstd) that DuckDB reads equal to the CSV", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const input = await writeFlowMix(dir);
    const args = ["--columns", "cicids2018", "--profile", "corrected"];
    const csv = await runCli(["convert", input, "-o", `${dir}/out/`, ...args]);
    assert.equal(csv.code, 0, csv.stderr);
    const pq = await runCli(["convert", input, "-o", `${dir}/out/`, "--format", "parquet", ...args]);
    assert.equal(pq.code, 0, pq.stderr);
    assert.match(pq.stdout, /flow-mix\.pcap\.parquet: \d+ packets/);
    await assertParquetEqualsCsv(
      `${dir}/out/flow-mix.pcap.parquet`,
      await Deno.readTextFile(`${dir}/out/flow-mix.pcap.csv`),
      layoutFrom({ columns: "cicids2018" }),
    );
    const bad = await runCli(["convert", input, "--format", "parquet", "--compression", "lz4"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--compression/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
