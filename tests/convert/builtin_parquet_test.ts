/**
 * The pipeline's `builtin` meter writing Parquet: only Parquet, or CSV and
 * Parquet side by side, chosen by `--format` / `[builtin] format`; DuckDB
 * reads each Parquet file equal to the CSV of the same capture.
 */
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/config_file.ts";
import { mergeConfig } from "../../src/config/pipeline_config.ts";
import { converterFor } from "../../src/pipeline/pipeline.ts";
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { layoutFrom } from "../../src/convert/flow_table_options.ts";
import { assertParquetEqualsCsv } from "../output/duckdb_reader.ts";
import { writeFlowMix } from "../output/flow_mix.ts";

const signal = new AbortController().signal;

async function withMix(fn: (dir: string, out: string, input: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "builtin_parquet_" });
  try {
    await Deno.mkdir(`${dir}/csv`);
    await fn(dir, `${dir}/csv`, await writeFlowMix(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const listDir = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test('[builtin] format = "csv+parquet" writes NAME.csv and NAME.parquet, equal by DuckDB', async () => {
  await withMix(async (dir, out, input) => {
    const file = parseConfigText('[builtin]\nformat = "csv+parquet"\ncolumns = "ddos2019"\n', "p.toml");
    const config = mergeConfig("builtin", file);
    assert.equal(config.builtin.format, "csv+parquet");
    const converter = converterFor(config, {});
    assert.equal(converter.outputExtension, ".csv");
    const outcome = await converter.convert({
      input,
      output: `${out}/capture_20261123_101500.csv`,
      reportsDir: dir,
      signal,
      fileMode: 0o640,
    });
    assert.deepEqual(listDir(out), ["capture_20261123_101500.csv", "capture_20261123_101500.parquet"]);
    assert.equal((await Deno.stat(`${out}/capture_20261123_101500.parquet`)).mode! & 0o777, 0o640);
    const csv = await Deno.readTextFile(`${out}/capture_20261123_101500.csv`);
    assert.equal(csv.trim().split("\n").length - 1, outcome.flows);
    await assertParquetEqualsCsv(
      `${out}/capture_20261123_101500.parquet`,
      csv,
      layoutFrom({ columns: "ddos2019" }),
    );
  });
});

Deno.test("--format parquet makes the pipeline write only NAME.parquet", async () => {
  await withMix(async (dir, out, input) => {
    const converter = converterFor(mergeConfig("builtin", { builtin: { format: "parquet" } }), {});
    assert.equal(converter.outputExtension, ".parquet");
    await converter.convert({ input, output: `${out}/capture_1.parquet`, reportsDir: dir, signal });
    assert.deepEqual(listDir(out), ["capture_1.parquet"]);
    await convertCaptureFile(input, `${dir}/same.csv`);
    await assertParquetEqualsCsv(
      `${out}/capture_1.parquet`,
      await Deno.readTextFile(`${dir}/same.csv`),
      layoutFrom({}),
    );
  });
});

Deno.test("a failed side-by-side conversion leaves neither file nor a temporary file", async () => {
  await withMix(async (dir, out) => {
    await Deno.writeTextFile(`${dir}/capture_bad.pcap`, "Flow ID,Src IP\n");
    const converter = converterFor(mergeConfig("builtin", { builtin: { format: "csv+parquet" } }), {});
    await assert.rejects(
      converter.convert({
        input: `${dir}/capture_bad.pcap`,
        output: `${out}/capture_bad.csv`,
        reportsDir: dir,
        signal,
      }),
      /capture_bad\.pcap/,
    );
    assert.deepEqual(listDir(out), []);
  });
});

Deno.test("an unknown [builtin] format is an error naming the key and the choices", () => {
  assert.throws(
    () => parseConfigText('[builtin]\nformat = "orc"\n', "p.toml"),
    /builtin\.format. must be one of csv, ndjson, parquet, csv\+parquet/,
  );
});
