/**
 * The fleet, end to end with real processes: a 3-node JetStream cluster on
 * loopback (stream replicas 3), two `builtin` pipelines capturing their own
 * loopback traffic under different sensor names, and one `collect`. Through
 * the faults — one node killed mid-stream, the whole cluster stopped for
 * 10 s, a sensor SIGKILLed and restarted, collect SIGKILLed and restarted —
 * every row of every local CSV must arrive in the central files exactly
 * once. Needs root, tcpdump and nats-server.
 */
import { ignoreWithout } from "../requirements.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NatsCluster } from "../sink/nats_cluster.ts";
import { csvRows } from "../sink/stream_reader.ts";
import { loopbackPipelineArgs, spawnPipeline, startTrafficServer, until } from "./pipeline_traffic.ts";
import type { PipelineProcess, TrafficServer } from "./pipeline_traffic.ts";
import { type CliProcess, startCli } from "../live/cli_process.ts";
import { runCli } from "../cli/run_cli.ts";

const localRows = (data: string) => csvRows(join(data, "csv"), /^capture_\d{8}_\d{6}\.csv$/);
const centralRows = (central: string, sensor: string) =>
  csvRows(join(central, sensor), /^flows_\d{8}_\d{2}.*\.csv$/);

/** Requests every `gapMs` until stopped (bounded: at most `max`). */
function steadyTraffic(t: TrafficServer, gapMs: number, max: number) {
  let stopped = false;
  const done = (async () => {
    for (let i = 0; i < max && !stopped; i++) await t.send(1, gapMs).catch(() => {});
  })();
  return { stop: async () => (stopped = true, await done) };
}

Deno.test({
  name:
    "two sensors and collect through a 3-node cluster: every row exactly once through node, cluster, sensor and collect faults",
  ignore: ignoreWithout("root", "tcpdump", "nats-server"),
  async fn() {
    const nats = await NatsCluster.start({ nodes: 3 });
    const tmp = await Deno.makeTempDir({ prefix: "pp-fleet-" });
    const central = join(tmp, "central");
    const trafficA = startTrafficServer();
    const trafficB = startTrafficServer();
    const loads: { stop(): Promise<void> }[] = [];
    const procs: (PipelineProcess | CliProcess)[] = [];
    const sensorArgs = (name: string, port: number) =>
      loopbackPipelineArgs(
        "builtin",
        port,
        join(tmp, name),
        1,
        "--stability-delay",
        "0.5",
        "--no-root-check",
        "--sink",
        nats.url,
        "--sensor",
        name,
      );
    const startCollect = () => startCli(["collect", "--sink", nats.url, "-o", central], [], "fleet");
    const collected = async (sensor: string) => (await centralRows(central, sensor)).length;
    try {
      const check = await runCli(
        ["sink-check", "--sink", nats.url, "--replicas", "3", "--max-bytes", "256M", "--dedup-window", "5m"],
        { permissionSet: "fleet" },
      );
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stdout, /3 replicas/);

      let collect = startCollect();
      procs.push(collect);
      await collect.waitFor(/consumer collect on stream FLOWS/, 15_000);
      let alpha = spawnPipeline(sensorArgs("alpha", trafficA.port), {}, "fleet");
      const beta = spawnPipeline(sensorArgs("beta", trafficB.port), {}, "fleet");
      procs.push(alpha, beta);
      loads.push(steadyTraffic(trafficA, 40, 3000), steadyTraffic(trafficB, 40, 3000));
      assert(
        await until(async () => await collected("alpha") > 20 && await collected("beta") > 20, 30_000),
        `rows reach collect\n${alpha.output()}\n${collect.stderr}`,
      );

      // 1. One node dies mid-stream; replicas 3 keep the stream writable.
      await nats.kill(0);
      let mark = await collected("alpha");
      assert(
        await until(async () => await collected("alpha") > mark + 20, 20_000),
        "streaming goes on with 2 of 3",
      );
      nats.restart(0);

      // 2. The whole cluster is down for 10 s; sensors spool, collect waits.
      for (let i = 0; i < 3; i++) await nats.kill(i);
      await new Promise((r) => setTimeout(r, 10_000));
      for (let i = 0; i < 3; i++) nats.restart(i);
      await nats.ready();
      mark = await collected("beta");
      assert(
        await until(async () => await collected("beta") > mark + 20, 40_000),
        `streaming resumes after the outage\n${collect.stderr}`,
      );

      // 3. A sensor is SIGKILLed and restarted: its spool and unspooled CSVs are replayed.
      alpha.child.kill("SIGKILL");
      await alpha.exit(5000);
      alpha = spawnPipeline(sensorArgs("alpha", trafficA.port), {}, "fleet");
      procs.push(alpha);
      // Rows of the killed run still in the stream's backlog may reach collect first: wait for the new
      // run itself (a stop signal before its handlers exist would end it with 130, not a clean stop).
      const restarted = alpha;
      assert(
        await until(() => restarted.output().includes("tcpdump: listening"), 30_000),
        `alpha restarted\n${alpha.output()}`,
      );
      mark = await collected("alpha");
      assert(
        await until(async () => await collected("alpha") > mark + 20, 30_000),
        `alpha streams again\n${alpha.output()}`,
      );

      // 4. collect is SIGKILLed and restarted.
      collect.signal("SIGKILL");
      await collect.exit(5000);
      collect = startCollect();
      procs.push(collect);
      await collect.waitFor(/consumer collect on stream FLOWS/, 15_000);

      // Stop the traffic, then the sensors (each drains its spool), then wait for collect to catch up.
      for (const l of loads.splice(0)) await l.stop();
      for (const p of [alpha, beta]) p.child.kill("SIGINT");
      assert.equal((await alpha.exit(40_000)).code, 0, alpha.output());
      assert.equal((await beta.exit(40_000)).code, 0, beta.output());
      for (const sensor of ["alpha", "beta"]) {
        const local = await localRows(join(tmp, sensor));
        assert(local.length > 100, `${sensor} wrote ${local.length} rows`);
        await until(async () => await collected(sensor) >= local.length, 30_000);
        const central = await centralRows(join(tmp, "central"), sensor);
        assert.equal(
          central.length,
          local.length,
          `${sensor}: ${central.length} collected, ${local.length} local\n${collect.stderr.slice(-4000)}`,
        );
        assert.deepEqual(central, local, `${sensor}: collected rows equal the local rows, each once`);
      }
      collect.signal("SIGINT");
      assert.equal(await collect.exit(15_000), 0, collect.stderr);
    } finally {
      for (const l of loads) await l.stop();
      for (const p of procs) {
        if ("child" in p) {
          try {
            p.child.kill("SIGKILL");
          } catch { /* exited */ }
          await p.exit(5000);
        } else {
          p.signal("SIGKILL");
          await p.exit(5000);
        }
      }
      await trafficA.close();
      await trafficB.close();
      await nats.stop();
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});
