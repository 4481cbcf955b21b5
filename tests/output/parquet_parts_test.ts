/**
 * `live --format parquet`: rows go to part files published by rename at each
 * rotation; until then only a hidden temporary file exists, so a crash never
 * leaves a final name that DuckDB cannot read.
 */
import assert from "node:assert/strict";
import { buildLayout } from "../../src/output/columns.ts";
import { isAtomicTempName } from "../../src/system/atomic_write.ts";
import { openParquetParts, partPath } from "../../src/output/parquet_parts.ts";
import { meterRows } from "../flow/flow_harness.ts";
import { readParquetWithDuckDb } from "./duckdb_reader.ts";
import { flowMixPackets } from "./flow_mix.ts";

const layout = buildLayout("cic2017");
const records = meterRows(flowMixPackets(30));
const listDir = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
const START = new Date(2026, 11, 2, 10, 15, 0).getTime();

Deno.test("part names carry the local time of their first row", () => {
  assert.equal(partPath("out/flows.parquet", START), "out/flows_20261202_101500.parquet");
  assert.equal(partPath("flows", START + 61_000), "flows_20261202_101601.parquet");
});

Deno.test("each rotation publishes a complete part; the open part is only a hidden temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let now = START;
    const published: string[] = [];
    const w = openParquetParts({
      path: `${dir}/flows.parquet`,
      layout,
      rotateMs: 60_000,
      rowGroupRows: 2,
      now: () => now,
      onPart: (p) => published.push(p),
    });
    for (const r of records.slice(0, 5)) w.write(r);
    now += 60_000;
    for (const r of records.slice(5, 8)) w.write(r); // rotation: part 1 closes in the background
    await w.ready();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const mid = listDir(dir);
    assert.deepEqual(mid.filter((n) => !n.startsWith(".")), ["flows_20261202_101500.parquet"]);
    const hidden = mid.filter((n) => n.startsWith("."));
    assert.equal(hidden.length, 1, "the open part's first row group is in its temporary file");
    assert.ok(isAtomicTempName(hidden[0]), hidden[0]);
    const first = await readParquetWithDuckDb(`${dir}/flows_20261202_101500.parquet`);
    assert.equal(first.rows.length, 5);
    assert.equal(first.rowGroups, 3);

    // A crash now: the open part never appears; the published one stays readable.
    await w.abort();
    assert.deepEqual(listDir(dir), ["flows_20261202_101500.parquet"]);
    assert.deepEqual(published, [`${dir}/flows_20261202_101500.parquet`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("close publishes the last part; a period without rows makes no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let now = START;
    const w = openParquetParts({ path: `${dir}/flows.parquet`, layout, rotateMs: 10_000, now: () => now });
    w.write(records[0]);
    now += 30_000; // two periods pass without rows
    w.write(records[1]);
    w.write(records[2]);
    await w.close();
    assert.equal(w.rows, 3);
    assert.deepEqual(listDir(dir), ["flows_20261202_101500.parquet", "flows_20261202_101530.parquet"]);
    const first = await readParquetWithDuckDb(`${dir}/flows_20261202_101500.parquet`);
    const second = await readParquetWithDuckDb(`${dir}/flows_20261202_101530.parquet`);
    assert.deepEqual(first.rows.map((r) => r[0]), [records[0].flowId]);
    assert.deepEqual(second.rows.map((r) => r[0]), [records[1].flowId, records[2].flowId]);
    assert.deepEqual(second.names, first.names);
    assert.equal(first.names.length, 85);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a rotation under one second is refused", () => {
  assert.throws(() => openParquetParts({ path: "x.parquet", layout, rotateMs: 500 }), /≥ 1 s/);
});

Deno.test("a part never replaces a file of an earlier run started in the same second", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (let run = 0; run < 2; run++) {
      const w = openParquetParts({
        path: `${dir}/flows.parquet`,
        layout,
        rotateMs: 10_000,
        now: () => START,
      });
      w.write(records[run]);
      await w.close();
    }
    assert.deepEqual(listDir(dir), ["flows_20261202_101500.parquet", "flows_20261202_101500_1.parquet"]);
    for (const [run, name] of listDir(dir).entries()) {
      const part = await readParquetWithDuckDb(`${dir}/${name}`);
      assert.deepEqual(part.rows.map((r) => r[0]), [records[run].flowId]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
