/**
 * Faults while the pipeline runs as a real subprocess: tcpdump killed,
 * the pipeline itself killed with SIGKILL in the middle of conversions.
 */
import assert from "node:assert/strict";
import {
  captureFiles,
  childPids,
  fakeMetersEnv,
  loopbackPipelineArgs,
  parseCsv,
  sleep,
  spawnPipeline,
  startTrafficServer,
  until,
} from "./pipeline_traffic.ts";
import { ignoreWithout } from "../requirements.ts";

Deno.test({
  name: "tcpdump killed mid-run is restarted and capture goes on",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_fault_tcpdump_" });
    const traffic = startTrafficServer();
    const p = spawnPipeline(
      loopbackPipelineArgs("builtin", traffic.port, data, 1, "--stability-delay", "0.5"),
    );
    try {
      assert.ok(await until(() => p.output().includes("tcpdump: listening on lo"), 15_000), p.output());
      await traffic.send(10, 100);
      const [tcpdump] = await childPids(p.child.pid, "tcpdump");
      assert.ok(tcpdump, "tcpdump runs as a child of the pipeline");
      Deno.kill(tcpdump, "SIGKILL");
      assert.ok(
        await until(
          () => /ERROR tcpdump on lo died \(killed by SIGKILL\); restarting in 1 s/.test(p.output()),
          5000,
        ),
        p.output(),
      );
      assert.ok(
        await until(
          async () => (await childPids(p.child.pid, "tcpdump")).some((pid) => pid !== tcpdump),
          5000,
        ),
        "a new tcpdump",
      );
      const before = await captureFiles(`${data}/pcaps`);
      await traffic.send(20, 100);
      assert.ok(
        await until(async () => (await captureFiles(`${data}/pcaps`)).length > before.length, 3000),
        "new pcaps after the restart",
      );
      p.child.kill("SIGTERM");
      const status = await p.exit(30_000);
      assert.equal(status.code, 0, p.output());
      const pcaps = await captureFiles(`${data}/pcaps`);
      assert.deepEqual(
        await captureFiles(`${data}/csv`, "csv"),
        pcaps.map((n) => n.replace(/\.pcap$/, ".csv")),
        "the file tcpdump was writing when killed is converted too",
      );
    } finally {
      await p.exit(1000);
      await traffic.close();
      await Deno.remove(data, { recursive: true });
    }
  },
});

/** Processes whose command line mentions `text` (to find tcpdump writing into a data dir). */
async function processesMentioning(text: string): Promise<number[]> {
  const out: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmdline = await Deno.readTextFile(`/proc/${e.name}/cmdline`);
      if (cmdline.includes(text)) out.push(Number(e.name));
    } catch { /* gone */ }
  }
  return out;
}

Deno.test({
  name:
    "pipeline killed with SIGKILL mid-conversion: after a restart every pcap has exactly one complete CSV",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_fault_kill9_" });
    const traffic = startTrafficServer();
    const env = fakeMetersEnv();
    const args = loopbackPipelineArgs(
      "cicflowmeter",
      traffic.port,
      data,
      1,
      "--workers",
      "1",
      "--stability-delay",
      "0.5",
    );
    // First run: a slow meter (1 s per file), so conversions are running and queued when it is killed.
    const first = spawnPipeline(args, { ...env, FAKE_METER_MODE: "slow" });
    let second: ReturnType<typeof spawnPipeline> | undefined;
    try {
      assert.ok(
        await until(() => first.output().includes("tcpdump: listening on lo"), 15_000),
        first.output(),
      );
      // Traffic goes on while the pipeline is killed (tcpdump rotates only when packets arrive).
      const sending = traffic.send(60, 100);
      assert.ok(
        await until(
          async () =>
            (await captureFiles(`${data}/pcaps`)).length >= 4 &&
            (await childPids(first.child.pid, "cicflowmeter")).length > 0,
          8000,
        ),
        "a conversion is running with more pcaps waiting",
      );
      first.child.kill("SIGKILL");
      await sending;
      await first.exit(5000);
      // tcpdump runs under setpriv --pdeathsig: it stops with the pipeline instead of writing on.
      assert.ok(
        await until(async () => (await processesMentioning(`${data}/pcaps`)).length === 0, 5000),
        "no tcpdump left writing into the data dir",
      );
      await sleep(1500); // the orphaned stand-in meter finishes its 1 s in its private temp dir
      const leftover = await captureFiles(`${data}/pcaps`);
      const convertedBefore = await captureFiles(`${data}/csv`, "csv");
      assert.ok(
        leftover.length > convertedBefore.length,
        `some pcaps were not converted yet (${leftover.length} pcaps, ${convertedBefore.length} CSVs)`,
      );

      // Second run: the left-over pcaps are converted once each.
      second = spawnPipeline(args, env);
      const want = leftover.map((n) => n.replace(/\.pcap$/, ".csv"));
      assert.ok(
        await until(async () => {
          const csvs = new Set(await captureFiles(`${data}/csv`, "csv"));
          return want.every((n) => csvs.has(n));
        }, 20_000),
        second.output(),
      );
      second.child.kill("SIGTERM");
      assert.equal((await second.exit(30_000)).code, 0, second.output());

      const pcaps = await captureFiles(`${data}/pcaps`);
      const csvs = await captureFiles(`${data}/csv`, "csv");
      assert.deepEqual(csvs, pcaps.map((n) => n.replace(/\.pcap$/, ".csv")), "exactly one CSV per pcap");
      for (const csv of csvs) {
        const text = await Deno.readTextFile(`${data}/csv/${csv}`);
        const { header, rows } = parseCsv(text);
        assert.equal(header[0], "src_ip", csv);
        assert.ok(text.endsWith("\r\n"), `${csv} is complete`);
        for (const row of rows) assert.equal(row.length, header.length, `${csv}: no half row`);
      }
      const hidden = [...Deno.readDirSync(`${data}/csv`)].filter((e) => e.name.startsWith("."));
      assert.deepEqual(hidden, [], "no temporary output left");
      assert.match(
        second.output(),
        new RegExp(`converted → ${want.at(-1)!.replace(".", "\\.")}`),
        "the pcaps left by the killed run were converted by the new one",
      );
    } finally {
      await first.exit(1000);
      await second?.exit(1000);
      await traffic.close();
      await Deno.remove(data, { recursive: true });
    }
  },
});

/** Kills the `sleep` processes a hanging stand-in meter left, found by a tag in their environment. */
async function killTagged(tag: string): Promise<void> {
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const environ = await Deno.readTextFile(`/proc/${e.name}/environ`);
      if (environ.split("\0").includes(`PIPELINE_TEST_TAG=${tag}`)) Deno.kill(Number(e.name), "SIGKILL");
    } catch { /* gone */ }
  }
}

Deno.test({
  name: "a second Ctrl+C exits at once: conversions aborted, no output under a final name, pcaps kept",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_fault_force_" });
    const traffic = startTrafficServer();
    const tag = crypto.randomUUID();
    const p = spawnPipeline(
      // The hanging test hook would hang the meter check too.
      loopbackPipelineArgs(
        "cicflowmeter",
        traffic.port,
        data,
        1,
        "--stability-delay",
        "0.3",
        "--no-meter-check",
      ),
      fakeMetersEnv({ FAKE_METER_MODE: "hang", PIPELINE_TEST_TAG: tag }),
    );
    try {
      assert.ok(await until(() => p.output().includes("tcpdump: listening on lo"), 15_000), p.output());
      // tcpdump -G rotates only when a packet comes after the interval, so traffic goes on (bounded:
      // 150 requests, 15 s at most) until two captures are complete and their conversions hang.
      let sending = true;
      const sent = (async () => {
        for (let i = 0; i < 150 && sending; i++) await traffic.send(1, 100);
      })();
      try {
        assert.ok(
          await until(async () => (await childPids(p.child.pid, "cicflowmeter")).length >= 2, 15_000),
          "two conversions hang",
        );
      } finally {
        sending = false;
        await sent;
      }
      p.child.kill("SIGINT");
      assert.ok(await until(() => p.output().includes("shutting down"), 5000), p.output());
      await sleep(500);
      p.child.kill("SIGINT");
      const status = await p.exit(20_000);
      assert.equal(status.code, 1, p.output());
      assert.match(
        p.output(),
        /stopping at once: \d+ conversions aborted; their pcaps are converted at the next start/,
      );
      // Only a capture without packets (the meter is not run for it) may have its CSV.
      for (const csv of await captureFiles(`${data}/csv`, "csv")) {
        const pcap = await Deno.stat(`${data}/pcaps/${csv.replace(/\.csv$/, ".pcap")}`);
        assert.equal(pcap.size, 24, `${csv} comes from an aborted conversion`);
      }
      const hidden = [...Deno.readDirSync(`${data}/csv`)].filter((e) => e.name.startsWith("."));
      assert.deepEqual(hidden, [], "no temporary output left behind");
      assert.ok((await captureFiles(`${data}/pcaps`)).length >= 2, "the unconverted pcaps are kept");
    } finally {
      await p.exit(1000);
      await killTagged(tag);
      await traffic.close();
      await Deno.remove(data, { recursive: true });
    }
  },
});

Deno.test({
  name: "Ctrl+C during start-up stops the pipeline cleanly once it has started (exit 0, tcpdump gone)",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_fault_early_" });
    const traffic = startTrafficServer();
    const p = spawnPipeline(loopbackPipelineArgs("cicflowmeter", traffic.port, data, 1), fakeMetersEnv());
    try {
      // "starting:" is logged before the meter check (the stand-in reads a test capture with tcpdump),
      // tcpdump's start and the watcher.
      assert.ok(await until(() => p.output().includes("starting: cicflowmeter"), 15_000), p.output());
      p.child.kill("SIGINT");
      const status = await p.exit(30_000);
      assert.equal(status.code, 0, p.output());
      assert.match(p.output(), /stopped: /);
      assert.deepEqual(await childPids(p.child.pid, "tcpdump"), [], "no tcpdump left");
    } finally {
      await p.exit(1000);
      await traffic.close();
      await Deno.remove(data, { recursive: true });
    }
  },
});
