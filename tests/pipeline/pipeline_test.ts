/**
 * The pipeline library in-process (real tcpdump on loopback, the built-in
 * meter), where tests need to reach inside: a slowed-down converter so that
 * unconverted pcaps pile up, and a simulated free-disk figure.
 */
import assert from "node:assert/strict";
import { mergeConfig, type PartialConfig } from "../../src/config/pipeline_config.ts";
import { BuiltinConverter } from "../../src/convert/builtin.ts";
import type { Converter } from "../../src/convert/converter.ts";
import { type PipelineOptions, startPipeline } from "../../src/pipeline/pipeline.ts";
import { captureFiles, sleep, startTrafficServer, until } from "../e2e/pipeline_traffic.ts";
import { ignoreWithout } from "../requirements.ts";

/** Deno 2.9 checks for leaks only when asked: a watcher, timer, tcpdump or log file left open fails. */
const LEAK_CHECKS = { sanitizeOps: true, sanitizeResources: true } as const;

/** The built-in meter, `delayMs` slower per file (so a backlog builds up). */
function slowBuiltin(delayMs: () => number): Converter {
  const inner = new BuiltinConverter();
  return {
    name: "builtin",
    outputExtension: inner.outputExtension,
    async convert(job) {
      await sleep(delayMs());
      return await inner.convert(job);
    },
  };
}

async function start(data: string, port: number, extra: PartialConfig, options: PipelineOptions) {
  const config = mergeConfig("builtin", {
    interface: "lo",
    filter: `tcp port ${port}`,
    rotateSeconds: 1,
    stabilitySeconds: 0.3,
    retryDelaySeconds: 0.1,
    dirs: { data },
    ...extra,
  });
  return await startPipeline(config, { console: false, rescanMs: 500, ...options });
}

Deno.test({
  name: "retention deletes converted pcaps, never one still waiting for conversion",
  ignore: ignoreWithout("root", "tcpdump"),
  ...LEAK_CHECKS,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_retention_" });
    const traffic = startTrafficServer();
    const p = await start(data, traffic.port, {
      workers: 1,
      retentionMinutes: { pcaps: 0.005, csv: 30, reports: 30 }, // pcaps: 0.3 s
    }, {
      deps: { createConverter: () => slowBuiltin(() => 1500) },
      retentionIntervalMs: 200,
    });
    try {
      const seen = new Set<string>();
      const deleted: string[] = [];
      let oldUnconverted = 0;
      const sending = traffic.send(50, 120);
      const deadline = Date.now() + 7000;
      while (Date.now() < deadline) {
        const pcaps = new Set(await captureFiles(`${data}/pcaps`));
        const csvs = new Set(await captureFiles(`${data}/csv`, "csv"));
        for (const name of seen) {
          if (pcaps.has(name) || deleted.includes(name)) continue;
          deleted.push(name);
          assert.ok(csvs.has(name.replace(/\.pcap$/, ".csv")), `${name} was deleted before it was converted`);
        }
        for (const name of pcaps) {
          seen.add(name);
          const mtime = (await Deno.stat(`${data}/pcaps/${name}`).catch(() => undefined))?.mtime;
          const age = mtime ? Date.now() - mtime.getTime() : 0;
          if (age > 1000 && !csvs.has(name.replace(/\.pcap$/, ".csv"))) oldUnconverted++;
        }
        await sleep(100);
      }
      await sending;
      assert.ok(deleted.length >= 2, `retention deleted converted pcaps (${deleted.length})`);
      assert.ok(oldUnconverted > 0, "there were pcaps past their retention still waiting for conversion");
      const summary = await p.stop();
      assert.equal(summary.failed, 0);
      assert.equal(summary.converted, summary.captured);
      // Whatever is left in pcaps/ is converted now, and each deleted pcap kept its CSV.
      const csvs = new Set(await captureFiles(`${data}/csv`, "csv"));
      for (const name of seen) assert.ok(csvs.has(name.replace(/\.pcap$/, ".csv")), name);
      const log = await Deno.readTextFile(summary.logFile!);
      assert.match(log, /retention|deleted/i);
    } finally {
      await p.stop();
      await traffic.close();
      await Deno.remove(data, { recursive: true });
    }
  },
});

Deno.test({
  name: "a full disk pauses capture (after deleting converted pcaps) and capture resumes when space returns",
  ignore: ignoreWithout("root", "tcpdump"),
  ...LEAK_CHECKS,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_disk_" });
    const traffic = startTrafficServer();
    const GiB = 1024 ** 3;
    let free = 10 * GiB;
    const p = await start(data, traffic.port, { minFreeDiskMb: 100, diskCheckSeconds: 0.2 }, {
      deps: { freeBytes: () => Promise.resolve(free) },
    });
    try {
      await traffic.send(20, 100);
      assert.ok(await until(async () => (await p.status()).converted >= 1, 5000), "something converted");
      const before = await captureFiles(`${data}/csv`, "csv");

      free = 10 * 1024 * 1024; // 10 MB: below half of the 100 MB minimum
      assert.ok(await until(async () => (await p.status()).capture === "paused", 3000), "capture paused");
      const paused = await captureFiles(`${data}/pcaps`);
      await traffic.send(15, 100);
      // (The last file is converted and then deleted for room too, so the list may shrink.)
      for (const name of await captureFiles(`${data}/pcaps`)) {
        assert.ok(paused.includes(name), `${name} was written while capture was paused`);
      }
      // The converted pcaps made room first (their CSVs stay).
      for (const csv of before) {
        assert.ok(!paused.includes(csv.replace(/\.csv$/, ".pcap")), `${csv}'s pcap deleted to make room`);
      }
      assert.equal((await p.status()).freeBytes, free);

      free = 10 * GiB;
      assert.ok(await until(async () => (await p.status()).capture === "running", 3000), "capture resumed");
      await sleep(500);
      await traffic.send(20, 100);
      assert.ok(
        await until(async () => (await captureFiles(`${data}/pcaps`)).some((n) => !paused.includes(n)), 3000),
        "new pcaps after resuming",
      );
      const summary = await p.stop();
      assert.equal(summary.failed, 0);
      const log = await Deno.readTextFile(summary.logFile!);
      assert.match(log, /WARNING low disk space: 10 MB free/);
      assert.match(log, /paus/i);
      assert.match(log, /resum/i);
      // Every pcap still there has its CSV: the file being written when capture paused was converted.
      const csvs = new Set(await captureFiles(`${data}/csv`, "csv"));
      for (const name of await captureFiles(`${data}/pcaps`)) {
        assert.ok(csvs.has(name.replace(/\.pcap$/, ".csv")));
      }
    } finally {
      await p.stop();
      await traffic.close();
      await Deno.remove(data, { recursive: true });
    }
  },
});
