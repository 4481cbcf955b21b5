/**
 * Start-up that cleans up after itself: a failure at any start-up step
 * releases everything started before it (tcpdump stopped, watcher closed,
 * timers cleared, log file closed) and the error reaches the caller. Deno's
 * leak checks (sanitizers) are on: a watcher, timer, child process or open
 * log file left behind fails the test; tcpdump is also looked for in /proc.
 */
import assert from "node:assert/strict";
import { mergeConfig, type PartialConfig } from "../../src/config/pipeline_config.ts";
import { START_STEPS, startPipeline } from "../../src/pipeline/pipeline.ts";
import { ignoreWithout } from "../requirements.ts";

/** Deno 2.9 checks for leaks only when asked (they are off by default). */
const LEAK_CHECKS = { sanitizeOps: true, sanitizeResources: true } as const;

/** Pids of processes whose command line names `dir` (tcpdump writing there). */
async function processesUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const argv = (await Deno.readTextFile(`/proc/${e.name}/cmdline`)).split("\0");
      if (argv.some((a) => a.startsWith(`${dir}/`))) pids.push(Number(e.name));
    } catch { /* gone */ }
  }
  return pids;
}

async function logText(data: string): Promise<string> {
  const [file] = await Array.fromAsync(Deno.readDir(`${data}/log`));
  return await Deno.readTextFile(`${data}/log/${file.name}`);
}

function configIn(data: string, extra: PartialConfig = {}) {
  // A filter nothing matches: tcpdump runs, writes (almost) nothing.
  return mergeConfig("builtin", {
    interface: "lo",
    filter: "udp port 9",
    rotateSeconds: 1,
    stabilitySeconds: 0.3,
    dirs: { data },
    ...extra,
  });
}

for (const step of START_STEPS) {
  Deno.test({
    name: `a failure at start-up step "${step}" releases what was started before it and reaches the caller`,
    ignore: ignoreWithout("root", "tcpdump"),
    ...LEAK_CHECKS,
    ...LEAK_CHECKS,
    fn: async () => {
      const data = await Deno.makeTempDir({ prefix: "pipeline_start_" });
      const started: string[] = [];
      try {
        await assert.rejects(
          startPipeline(configIn(data), {
            console: false,
            rescanMs: 100,
            statusIntervalMs: 50,
            retentionIntervalMs: 50,
            beforeStep: (name) => {
              if (name === step) throw new Error(`injected failure at ${name}`);
              started.push(name);
            },
          }),
          new RegExp(`^Error: injected failure at ${step}$`),
        );
        assert.deepEqual(started, START_STEPS.slice(0, START_STEPS.indexOf(step)));
        assert.deepEqual(await processesUsing(`${data}/pcaps`), [], "no tcpdump left running");
        if (step !== "log") {
          const log = await logText(data);
          assert.match(log, new RegExp(`ERROR could not start \\(${step}\\): injected failure at ${step}`));
          if (started.includes("capture")) assert.match(log, /tcpdump started \(pid \d+\)/);
        }
      } finally {
        await Deno.remove(data, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "a disk monitor that cannot be made stops the tcpdump and watcher already started",
  ignore: ignoreWithout("root", "tcpdump"),
  ...LEAK_CHECKS,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_start_" });
    try {
      // The library takes the config as given (the CLI rejects a negative size earlier).
      await assert.rejects(
        startPipeline(configIn(data, { minFreeDiskMb: -1 }), { console: false, rescanMs: 100 }),
        /minimum free disk must be 0 MB or more, got -1/,
      );
      assert.deepEqual(await processesUsing(`${data}/pcaps`), [], "no tcpdump left running");
      assert.match(await logText(data), /could not start .*minimum free disk/);
    } finally {
      await Deno.remove(data, { recursive: true });
    }
  },
});

Deno.test({
  name: "a started pipeline stops everything it started (leak checks on)",
  ignore: ignoreWithout("root", "tcpdump"),
  ...LEAK_CHECKS,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_start_" });
    try {
      const p = await startPipeline(configIn(data), {
        console: false,
        rescanMs: 100,
        statusIntervalMs: 50,
        retentionIntervalMs: 50,
      });
      const pid = p.tcpdumpPid;
      assert.ok(pid !== undefined, "tcpdump runs");
      assert.deepEqual(await processesUsing(`${data}/pcaps`), [pid]);
      await new Promise((resolve) => setTimeout(resolve, 300)); // status lines, retention passes, a rescan
      const summary = await p.stop();
      assert.equal(summary.failed, 0);
      assert.deepEqual(await processesUsing(`${data}/pcaps`), [], "tcpdump stopped");
      assert.match(await logText(data), /INFO stopped: /);
    } finally {
      await Deno.remove(data, { recursive: true });
    }
  },
});
