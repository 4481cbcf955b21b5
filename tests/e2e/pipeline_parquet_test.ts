/**
 * The capture pipeline with the built-in meter writing CSV and Parquet side
 * by side (real tcpdump on loopback, root only): every capture gets both
 * files and DuckDB reads each Parquet file equal to its CSV.
 */
import assert from "node:assert/strict";
import { mergeConfig } from "../../src/config/pipeline_config.ts";
import { layoutFrom } from "../../src/convert/flow_table_options.ts";
import { startPipeline } from "../../src/pipeline/pipeline.ts";
import { assertParquetEqualsCsv, readParquetWithDuckDb } from "../output/duckdb_reader.ts";
import { captureFiles, captureSkipReason, startTrafficServer, until } from "./pipeline_traffic.ts";

Deno.test({
  name: "builtin --format csv+parquet: each capture gets NAME.csv and NAME.parquet, equal by DuckDB",
  ignore: captureSkipReason !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_parquet_" });
    const traffic = startTrafficServer();
    const config = mergeConfig("builtin", {
      interface: "lo",
      filter: `tcp port ${traffic.port}`,
      rotateSeconds: 1,
      stabilitySeconds: 0.3,
      dirs: { data },
      builtin: { format: "csv+parquet", profile: "corrected" },
    });
    const p = await startPipeline(config, { console: false, rescanMs: 500 });
    try {
      await traffic.send(20, 100);
      assert.ok(await until(async () => (await p.status()).converted >= 1, 8000), "something converted");
      const summary = await p.stop();
      assert.equal(summary.failed, 0);
      const csvs = await captureFiles(`${data}/csv`, "csv");
      const parquets = await captureFiles(`${data}/csv`, "parquet");
      assert.ok(csvs.length >= 1);
      assert.deepEqual(parquets, csvs.map((n) => n.replace(/\.csv$/, ".parquet")));
      let rows = 0;
      for (const csv of csvs) {
        const text = await Deno.readTextFile(`${data}/csv/${csv}`);
        rows += text.trim().split("\n").length - 1;
        const parquet = `${data}/csv/${csv.replace(/\.csv$/, ".parquet")}`;
        if (text.trim().split("\n").length > 1) await assertParquetEqualsCsv(parquet, text, layoutFrom({}));
        else assert.equal((await readParquetWithDuckDb(parquet)).rows.length, 0, `${parquet}: no flows`);
      }
      assert.ok(rows >= 10, `flows in the CSVs: ${rows}`);
    } finally {
      await p.stop();
      await traffic.close();
      await Deno.remove(data, { recursive: true });
    }
  },
});
