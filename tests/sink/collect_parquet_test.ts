/**
 * `collect --format parquet` against a real nats-server: the hourly CSV is
 * written as with csv, and each closed hour gets a Parquet file that DuckDB
 * reads back equal to it (names, types, every value); the current hour
 * stays CSV until the (injected) clock passes its end; a closed hour a crash
 * left without its Parquet file is converted at the next start, and a late
 * row of a closed hour rebuilds its Parquet file; the command itself runs
 * under the fleet permission set.
 */
import { ignoreWithout } from "../requirements.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withNats } from "./nats_cluster.ts";
import { collectUntil, createStream, recordingLog } from "./stream_reader.ts";
import { openRowSink, type RowSink } from "../../src/sink/row_sink.ts";
import { sinkConfigFrom } from "../../src/sink/sink_config.ts";
import { hourFileName } from "../../src/sink/hour_files.ts";
import { buildLayout, type Layout } from "../../src/output/columns.ts";
import { openFlowWriter } from "../../src/output/flow_writer.ts";
import { assertParquetEqualsCsv, readParquetWithDuckDb } from "../output/duckdb_reader.ts";
import { SAMPLE_TIMESTAMP_US, sampleRecord } from "../output/sample_record.ts";
import { startCli } from "../live/cli_process.ts";

const HOUR = 3_600_000;

/** A flow CSV of `rows` varied flows in `layout` (NaN, ±Infinity, −1, big integers), its mtime set to `timeMs`. */
async function flowCsv(path: string, layout: Layout, rows: number, timeMs: number): Promise<string> {
  const w = await openFlowWriter({ path, layout });
  for (let i = 0; i < rows; i++) {
    w.write(sampleRecord({
      srcPort: 40_000 + i,
      timestampUs: SAMPLE_TIMESTAMP_US + i * 1_000_003,
      flowDuration: i === 3 ? 2 ** 50 + 1 : 1000 + i,
      flowBytesPerSec: i % 4 === 1 ? NaN : i % 4 === 2 ? Infinity : 0.1 * i + 1 / 3,
      flowPacketsPerSec: i % 5 === 0 ? -1 : -Infinity,
      fwdPktLenMean: i / 7,
    }));
  }
  await w.close();
  await Deno.utime(path, timeMs / 1000, timeMs / 1000);
  return path;
}

async function withSink(
  url: string,
  dir: string,
  sensor: string,
  fn: (sink: RowSink) => Promise<void>,
  spoolName = `spool-${sensor}`,
) {
  const spoolDir = join(dir, spoolName);
  const config = sinkConfigFrom({ sink: url, sensor, spoolDir }, { spoolDir, hostName: () => "h" })!;
  const sink = await openRowSink(config, recordingLog());
  await fn(sink);
  await sink.close();
}

/** 15 flows of sensor alpha, written 5 hours ago, streamed; where collect puts them. */
async function closedHourStreamed(url: string, dir: string) {
  const layout = buildLayout("cicflowmeter4");
  const hourMs = Date.now() - 5 * HOUR;
  const first = await flowCsv(join(dir, "capture_1.csv"), layout, 15, hourMs);
  await withSink(url, dir, "alpha", (sink) => sink.publishFile(first, "flows"));
  const out = join(dir, "central");
  return { layout, hourMs, first, out, csv: join(out, "alpha", hourFileName("flows", hourMs)) };
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
const dataLines = async (path: string) => (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "");
const lineCount = (path: string) => dataLines(path).then((l) => l.length, () => 0);
const parquetOf = (csv: string) => csv.replace(/\.csv$/, ".parquet");

Deno.test({
  name:
    "collect --format parquet: a Parquet file per closed hour, equal to its CSV in DuckDB; the current hour waits",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url);
      const t0 = Date.now();
      const cic = buildLayout("cic2017");
      const ddos = buildLayout("ddos2019");
      const old = await flowCsv(join(dir, "capture_old.csv"), cic, 30, t0 - 3 * HOUR);
      const current = await flowCsv(join(dir, "capture_now.csv"), cic, 12, t0);
      const beta = await flowCsv(join(dir, "capture_beta.csv"), ddos, 20, t0 - 2 * HOUR);
      await withSink(nats.url, dir, "alpha", async (sink) => {
        await sink.publishFile(old, "flows");
        await sink.publishFile(current, "flows");
      });
      await withSink(nats.url, dir, "beta", async (sink) => {
        await sink.publishFile(beta, "flows");
        sink.publishWindowSummary({
          file: "live_capture_20261202_081500.csv",
          startMs: t0 - 2 * HOUR - 10_123,
          endMs: t0 - 2 * HOUR,
          packets: 500,
          flows: 20,
          attackFlows: 3,
          rule: "http-flood",
          attackers: [{ ip: "10.0.0.9", connections: 60 }, { ip: "10.0.0.7", connections: 41 }],
        });
      });

      const out = join(dir, "central");
      const oldCsv = join(out, "alpha", hourFileName("flows", t0 - 3 * HOUR));
      const nowCsv = join(out, "alpha", hourFileName("flows", t0));
      const betaCsv = join(out, "beta", hourFileName("flows", t0 - 2 * HOUR));
      const summaryCsv = join(out, "beta", hourFileName("window-summary", t0 - 2 * HOUR));
      let clock = t0;
      let currentHourWaited = false;
      const stats = await collectUntil(nats.url, out, async () => {
        const closed = await exists(parquetOf(oldCsv)) && await exists(parquetOf(betaCsv)) &&
          await exists(parquetOf(summaryCsv)) && await lineCount(nowCsv) === 13;
        if (!closed) return false;
        if (!currentHourWaited) {
          // All rows are in, the closed hours converted: the current hour is still CSV only.
          assert.equal(await exists(parquetOf(nowCsv)), false, "the current hour must not be converted yet");
          currentHourWaited = true;
          clock = t0 + 2 * HOUR;
          return false;
        }
        return await exists(parquetOf(nowCsv));
      }, { format: "parquet", now: () => clock, convertEveryMs: 100 });
      assert.ok(stats.parquetFiles >= 4, stats.log.join("\n"));

      // The collected CSV is the local file, row for row; the Parquet file is the CSV, value for value.
      for (
        const [csv, local, layout] of [[oldCsv, old, cic], [nowCsv, current, cic], [
          betaCsv,
          beta,
          ddos,
        ]] as const
      ) {
        const text = await Deno.readTextFile(csv);
        assert.equal(text, await Deno.readTextFile(local));
        await assertParquetEqualsCsv(parquetOf(csv), text, layout);
        assert.equal((await Deno.stat(parquetOf(csv))).mode! & 0o777, 0o600);
      }
      const summary = await readParquetWithDuckDb(parquetOf(summaryCsv));
      assert.deepEqual(summary.names, [
        "window_file",
        "start",
        "end",
        "duration_s",
        "packets",
        "flows",
        "attack_flows",
        "rule",
        "attackers",
      ]);
      assert.deepEqual(summary.types, [
        "VARCHAR",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP WITH TIME ZONE",
        "DOUBLE",
        "BIGINT",
        "BIGINT",
        "BIGINT",
        "VARCHAR",
        "VARCHAR",
      ]);
      assert.deepEqual(summary.rows, [[
        "live_capture_20261202_081500.csv",
        BigInt(t0 - 2 * HOUR - 10_123) * 1000n,
        BigInt(t0 - 2 * HOUR) * 1000n,
        10.123,
        500n,
        20n,
        3n,
        "http-flood",
        "10.0.0.9:60;10.0.0.7:41",
      ]]);
    });
  },
});

Deno.test({
  name:
    "collect --format parquet converts a closed hour a crash left as CSV only, and rebuilds it for a late row",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url);
      const { layout, hourMs, out, csv } = await closedHourStreamed(nats.url, dir);

      // What a crash between the CSV and its Parquet file leaves: the closed hour's CSV alone.
      await collectUntil(nats.url, out, async () => await lineCount(csv) === 16);
      assert.equal(await exists(parquetOf(csv)), false);

      // The next start converts it before any message arrives.
      let stats = await collectUntil(nats.url, out, () => exists(parquetOf(csv)), { format: "parquet" });
      assert.equal(stats.rows, 0);
      assert.ok(
        stats.log.some((l) => l.includes(`${hourFileName("flows", hourMs).replace(".csv", ".parquet")}`)),
      );
      await assertParquetEqualsCsv(parquetOf(csv), await Deno.readTextFile(csv), layout);

      // A late row of that hour (a sensor's spool replayed after an outage) is appended and the file rebuilt.
      const late = await flowCsv(join(dir, "capture_2.csv"), layout, 4, hourMs);
      await withSink(nats.url, dir, "alpha", (sink) => sink.publishFile(late, "flows"));
      stats = await collectUntil(nats.url, out, async () => {
        const pq = await readParquetWithDuckDb(parquetOf(csv)).catch(() => undefined);
        return pq?.rows.length === 19;
      }, { format: "parquet", convertEveryMs: 100 });
      assert.equal(stats.rows, 4);
      const text = await Deno.readTextFile(csv);
      assert.deepEqual(text.split("\n").filter((l) => l !== "").slice(16), (await dataLines(late)).slice(1));
      await assertParquetEqualsCsv(parquetOf(csv), text, layout);
    });
  },
});

Deno.test({
  name:
    "collect --format parquet: a late row of an hour whose CSV was deleted goes to a part file; the Parquet keeps its rows",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url, { duplicateWindowSec: 1 });
      const { layout, hourMs, first, out, csv } = await closedHourStreamed(nats.url, dir);
      await collectUntil(nats.url, out, () => exists(parquetOf(csv)), { format: "parquet" });
      const firstCsv = await Deno.readTextFile(csv);
      // The README allows it: the closed hour's CSV removed once its Parquet file is there.
      await Deno.remove(csv);

      const late = await flowCsv(join(dir, "capture_2.csv"), layout, 4, hourMs);
      await withSink(nats.url, dir, "alpha", (sink) => sink.publishFile(late, "flows"));
      // The first rows again, past the stream's de-duplication window: the hour's sidecar still knows them.
      await new Promise((r) => setTimeout(r, 1500));
      await withSink(nats.url, dir, "alpha", (sink) => sink.publishFile(first, "flows"), "spool-again");
      const part = csv.replace(/\.csv$/, ".2.csv");
      const stats = await collectUntil(nats.url, out, () => exists(parquetOf(part)), {
        format: "parquet",
        convertEveryMs: 100,
      });
      assert.equal(stats.rows, 4);
      assert.equal(stats.duplicates, 15);
      assert.equal(await exists(csv), false, "the deleted CSV is not written again");
      assert.equal(await Deno.readTextFile(part), await Deno.readTextFile(late));
      await assertParquetEqualsCsv(parquetOf(csv), firstCsv, layout);
      await assertParquetEqualsCsv(parquetOf(part), await Deno.readTextFile(part), layout);
    });
  },
});

Deno.test({
  name:
    "the collect command with --format parquet under the fleet permission set writes a closed hour's Parquet file",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url);
      const layout = buildLayout("cic2017");
      const hourMs = Date.now() - 2 * HOUR;
      const local = await flowCsv(join(dir, "capture_1.csv"), layout, 25, hourMs);
      await withSink(nats.url, dir, "alpha", (sink) => sink.publishFile(local, "flows"));
      const out = join(dir, "central");
      const collect = startCli(
        ["collect", "--sink", nats.url, "-o", out, "--format", "parquet"],
        [],
        "fleet",
      );
      try {
        await collect.waitFor(/flows_\d{8}_\d\d\.parquet written \(25 rows of the closed hour\)/, 20_000);
      } finally {
        collect.signal("SIGINT");
        assert.equal(await collect.exit(10_000), 0, collect.stderr);
      }
      const csv = join(out, "alpha", hourFileName("flows", hourMs));
      assert.equal(await Deno.readTextFile(csv), await Deno.readTextFile(local));
      await assertParquetEqualsCsv(parquetOf(csv), await Deno.readTextFile(csv), layout);
    });
  },
});
