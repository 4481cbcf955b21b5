import assert from "node:assert/strict";
import { memoryLogger } from "../../src/log.ts";
import { removeTempLeftovers, runRetention, startRetention } from "../../src/pipeline/retention.ts";
import { listDir } from "../convert/fake_meters.ts";

const MIN = 60_000;
const NOW = Date.parse("2026-11-23T10:30:00Z");

async function withData(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "retention_test_" });
  for (const d of ["pcaps", "csv", "reports", "failed"]) await Deno.mkdir(`${root}/${d}`);
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Creates `path` with its mtime `ageMin` minutes before NOW. */
async function file(path: string, ageMin: number, text = "x"): Promise<string> {
  await Deno.writeTextFile(path, text);
  const t = new Date(NOW - ageMin * MIN);
  await Deno.utime(path, t, t);
  return path;
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test("retention deletes old converted pcaps, old CSVs and reports, and never an unconverted pcap", async () => {
  await withData(async (root) => {
    await file(`${root}/pcaps/capture_20261101_100000.pcap`, 45);
    await file(`${root}/csv/capture_20261101_100000.csv`, 44);
    await file(`${root}/pcaps/capture_20261101_100100.pcap`, 50);
    await file(`${root}/pcaps/capture_20261123_100000.pcap`, 5);
    await file(`${root}/csv/capture_20261123_100000.csv`, 4);
    await file(`${root}/reports/capture_20261101_100000_flow_report.txt`, 40);
    await file(`${root}/reports/fresh_report.txt`, 1);
    // Not ours: old, but never deleted (a data directory may be a shared place).
    await file(`${root}/csv/analysis_notes.csv`, 500);
    await file(`${root}/pcaps/someone_elses.pcap`, 500);
    const log = memoryLogger();
    const r = await runRetention({
      pcapDir: `${root}/pcaps`,
      flowTableDir: `${root}/csv`,
      reportsDir: `${root}/reports`,
      retentionMs: { pcaps: 30 * MIN, csv: 30 * MIN, reports: 30 * MIN },
      now: NOW,
      isConverted: (pcap) => exists(pcap.replace("/pcaps/", "/csv/").replace(/\.pcap$/, ".csv")),
      log,
    });
    assert.deepEqual(r.deleted.map((p) => p.slice(root.length)).sort(), [
      "/csv/capture_20261101_100000.csv",
      "/pcaps/capture_20261101_100000.pcap",
      "/reports/capture_20261101_100000_flow_report.txt",
    ]);
    assert.deepEqual(r.keptUnconverted, [`${root}/pcaps/capture_20261101_100100.pcap`]);
    assert.deepEqual(await listDir(`${root}/pcaps`), [
      "capture_20261101_100100.pcap",
      "capture_20261123_100000.pcap",
      "someone_elses.pcap",
    ]);
    assert.deepEqual(await listDir(`${root}/csv`), ["analysis_notes.csv", "capture_20261123_100000.csv"]);
    assert.deepEqual(await listDir(`${root}/reports`), ["fresh_report.txt"]);
    assert.ok(
      log.lines.includes("INFO retention: deleted pcap capture_20261101_100000.pcap (45 min old)"),
      log.lines.join("\n"),
    );
  });
});

Deno.test("each kind has its own retention; 0 keeps that kind forever", async () => {
  await withData(async (root) => {
    await file(`${root}/pcaps/capture_20261101_110000.pcap`, 20);
    await file(`${root}/csv/capture_20261101_110000.csv`, 20);
    await file(`${root}/reports/capture_20261101_110000_flow_report.txt`, 20);
    const r = await runRetention({
      pcapDir: `${root}/pcaps`,
      flowTableDir: `${root}/csv`,
      reportsDir: `${root}/reports`,
      retentionMs: { pcaps: 10 * MIN, csv: 0, reports: 60 * MIN },
      now: NOW,
      isConverted: () => true,
      log: memoryLogger(),
    });
    assert.deepEqual(r.deleted, [`${root}/pcaps/capture_20261101_110000.pcap`]);
    assert.deepEqual(await listDir(`${root}/csv`), ["capture_20261101_110000.csv"]);
  });
});

Deno.test("retention leaves temporary outputs alone; the start-up sweep removes them", async () => {
  await withData(async (root) => {
    await file(`${root}/csv/.capture_20261101_110000.csv.tmp-123-abc9z`, 90);
    await Deno.mkdir(`${root}/csv/.capture_20261101_110100.csv.tmp-123-k3j9x0`);
    await file(`${root}/csv/.capture_20261101_110100.csv.tmp-123-k3j9x0/capture_20261101_110100.csv`, 90);
    await file(`${root}/csv/capture_20261101_110200.csv`, 1);
    const r = await runRetention({
      pcapDir: `${root}/pcaps`,
      flowTableDir: `${root}/csv`,
      reportsDir: `${root}/reports`,
      retentionMs: { pcaps: MIN, csv: MIN, reports: MIN },
      now: NOW,
      isConverted: () => true,
      log: memoryLogger(),
    });
    assert.deepEqual(r.deleted, []);
    const removed = await removeTempLeftovers([`${root}/csv`, `${root}/missing`], memoryLogger());
    assert.equal(removed.length, 2);
    assert.deepEqual(await listDir(`${root}/csv`), ["capture_20261101_110200.csv"]);
  });
});

Deno.test("failed pcaps and their reasons expire together, timed by the reason file", async () => {
  await withData(async (root) => {
    // The pcap keeps its capture mtime when moved; the reason is written at failure time.
    await file(`${root}/failed/capture_20261101_120000.pcap`, 120);
    await file(`${root}/failed/capture_20261101_120000.pcap.reason`, 45);
    await file(`${root}/failed/capture_20261101_120100.pcap`, 120);
    await file(`${root}/failed/capture_20261101_120100.pcap.reason`, 5);
    const r = await runRetention({
      pcapDir: `${root}/pcaps`,
      flowTableDir: `${root}/csv`,
      reportsDir: `${root}/reports`,
      failedDir: `${root}/failed`,
      retentionMs: { pcaps: 30 * MIN, csv: 30 * MIN, reports: 30 * MIN },
      now: NOW,
      isConverted: () => false,
      log: memoryLogger(),
    });
    assert.equal(r.deleted.length, 2);
    assert.deepEqual(await listDir(`${root}/failed`), [
      "capture_20261101_120100.pcap",
      "capture_20261101_120100.pcap.reason",
    ]);
  });
});

Deno.test("the retention timer runs passes with the current time until stopped", async () => {
  await withData(async (root) => {
    const old = new Date(Date.now() - 10 * MIN);
    await Deno.writeTextFile(`${root}/csv/capture_20261101_110000.csv`, "x");
    await Deno.utime(`${root}/csv/capture_20261101_110000.csv`, old, old);
    const timer = startRetention({
      pcapDir: `${root}/pcaps`,
      flowTableDir: `${root}/csv`,
      reportsDir: `${root}/reports`,
      retentionMs: { pcaps: MIN, csv: MIN, reports: MIN },
      isConverted: () => true,
      log: memoryLogger(),
      intervalMs: 20,
    });
    try {
      const end = Date.now() + 5000;
      while (await exists(`${root}/csv/capture_20261101_110000.csv`) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(await exists(`${root}/csv/capture_20261101_110000.csv`), false);
      // The pass that deleted it may still be finishing, and runNow joins a pass under way: wait
      // for that one first, then a pass of its own finds nothing left.
      await timer.runNow();
      assert.deepEqual((await timer.runNow()).deleted, []);
    } finally {
      await timer.stop();
    }
  });
});

Deno.test("retention expires the builtin meter's Parquet files like its CSVs", async () => {
  await withData(async (root) => {
    await file(`${root}/csv/capture_20261101_100000.csv`, 44);
    await file(`${root}/csv/capture_20261101_100000.parquet`, 44);
    await file(`${root}/csv/capture_20261123_100000.parquet`, 4);
    await file(`${root}/csv/notes.parquet`, 500);
    const r = await runRetention({
      pcapDir: `${root}/pcaps`,
      flowTableDir: `${root}/csv`,
      reportsDir: `${root}/reports`,
      retentionMs: { pcaps: 30 * MIN, csv: 30 * MIN, reports: 30 * MIN },
      now: NOW,
      isConverted: () => Promise.resolve(true),
      log: memoryLogger(),
    });
    assert.deepEqual(r.deleted.map((p) => p.slice(root.length)).sort(), [
      "/csv/capture_20261101_100000.csv",
      "/csv/capture_20261101_100000.parquet",
    ]);
    assert.deepEqual(await listDir(`${root}/csv`), ["capture_20261123_100000.parquet", "notes.parquet"]);
  });
});

Deno.test({
  name: "stopping the retention timer waits for the pass in progress",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    await withData(async (root) => {
      let slowChecks = 0;
      await Deno.writeTextFile(`${root}/pcaps/capture_20261101_110000.pcap`, "");
      await Deno.utime(`${root}/pcaps/capture_20261101_110000.pcap`, 0, 0); // long past its retention
      const timer = startRetention({
        pcapDir: `${root}/pcaps`,
        flowTableDir: `${root}/csv`,
        reportsDir: `${root}/reports`,
        retentionMs: { pcaps: MIN, csv: MIN, reports: MIN },
        isConverted: async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          slowChecks++;
          return true;
        },
        log: memoryLogger(),
      });
      void timer.runNow();
      await timer.stop();
      assert.equal(slowChecks, 1, "the pass in progress finished before stop() resolved");
    });
  },
});
