/**
 * Streaming from `live` and `windows`, and the pipeline with servers that do
 * not answer: real tcpdump on loopback, one real nats-server, collect in
 * this process. Needs root, tcpdump and nats-server.
 */
import { ignoreWithout } from "../requirements.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort, NatsCluster } from "../sink/nats_cluster.ts";
import { collectUntil, createStream, csvRows } from "../sink/stream_reader.ts";
import { loopbackPipelineArgs, spawnPipeline, startTrafficServer } from "./pipeline_traffic.ts";
import { startCli } from "../live/cli_process.ts";
import { runCli } from "../cli/run_cli.ts";

Deno.test({
  name: "live and windows stream their rows and window summaries; collect's files equal the local ones",
  ignore: ignoreWithout("root", "tcpdump", "nats-server"),
  async fn() {
    const nats = await NatsCluster.start();
    const tmp = await Deno.makeTempDir({ prefix: "pp-fleet-sessions-" });
    const traffic = startTrafficServer();
    try {
      await createStream(nats.url);
      const flows = join(tmp, "flows.csv");
      const windowsDir = join(tmp, "windows");
      const filter = `tcp port ${traffic.port}`;
      const live = startCli(
        [
          "live",
          "-i",
          "lo",
          "-f",
          filter,
          "-o",
          flows,
          "--no-progress",
          "--sink",
          nats.url,
          "--sensor",
          "lv",
        ],
        [],
        "fleet",
      );
      const windows = startCli(
        [
          "windows",
          "-i",
          "lo",
          "-f",
          filter,
          "-o",
          windowsDir,
          "-d",
          "2",
          "--sink",
          nats.url,
          "--sensor",
          "wn",
        ],
        [],
        "fleet",
      );
      await live.waitFor(/listening on lo/, 15_000);
      await windows.waitFor(/listening on lo/, 15_000);
      await traffic.send(40, 30);
      await new Promise((r) => setTimeout(r, 2500));
      live.signal("SIGINT");
      windows.signal("SIGINT");
      assert.equal(await live.exit(30_000), 0, live.stderr);
      assert.equal(await windows.exit(30_000), 0, windows.stderr);

      const localLive = await csvRows(tmp, /^flows\.csv$/);
      const localWindows = await csvRows(windowsDir, /^live_capture_\d{8}_\d{6}\.csv$/);
      const windowCount = [...Deno.readDirSync(windowsDir)].filter((e) =>
        e.name.startsWith("live_capture_")
      ).length;
      assert(localLive.length >= 40, `live wrote ${localLive.length} rows`);
      assert(localWindows.length >= 40, `windows wrote ${localWindows.length} rows`);
      const central = join(tmp, "central");
      await collectUntil(nats.url, central, async () =>
        (await csvRows(join(central, "lv"), /^flows_/)).length >= localLive.length &&
        (await csvRows(join(central, "wn"), /^windows_/)).length >= localWindows.length &&
        (await csvRows(join(central, "wn"), /^window-summary_/)).length >= windowCount);
      assert.deepEqual(await csvRows(join(central, "lv"), /^flows_/), localLive);
      assert.deepEqual(await csvRows(join(central, "wn"), /^windows_/), localWindows);
      const summaries = await csvRows(join(central, "wn"), /^window-summary_/);
      assert.equal(summaries.length, windowCount);
      assert.match(summaries[0], /^live_capture_\d{8}_\d{6}\.csv,\d{4}-.*,http-flood,/);
    } finally {
      await traffic.close();
      await nats.stop();
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "servers that do not answer: the pipeline captures and converts on, rows wait in the spool, the log says why",
  ignore: ignoreWithout("root", "tcpdump", "nats-server"),
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "pp-fleet-down-" });
    const traffic = startTrafficServer();
    try {
      const data = join(tmp, "data");
      const url = `nats://127.0.0.1:${freePort()}`;
      const p = spawnPipeline(
        loopbackPipelineArgs(
          "builtin",
          traffic.port,
          data,
          1,
          "--stability-delay",
          "0.5",
          "--sink",
          url,
          "--sensor",
          "down",
        ),
        {},
        "fleet",
      );
      await new Promise((r) => setTimeout(r, 2000));
      await traffic.send(20, 30);
      p.child.kill("SIGINT");
      const status = await p.exit(30_000);
      assert.equal(status.code, 0, p.output());
      const rows = (await csvRows(join(data, "csv"), /\.csv$/)).length;
      assert(rows >= 20, p.output());
      assert.match(p.output(), new RegExp(`stream: ${rows} rows spooled, 0 acknowledged`));
      assert.match(p.output(), /cannot reach NATS servers 127\.0\.0\.1:\d+/);
      assert.match(p.output(), /bytes stay in .*spool for the next start/);
      const spooled = [...Deno.readDirSync(join(data, "spool"))].filter((e) => e.name.startsWith("spool-"));
      assert(spooled.length > 0 && Deno.statSync(join(data, "spool", spooled[0].name)).size > 0);
    } finally {
      await traffic.close();
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("--sink without the net permission is refused before capture starts, naming the way to grant it", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const r = await runCli(["builtin", "-i", "lo", "--data-dir", tmp, "--sink", "nats://127.0.0.1:4222"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--sink needs network access to 127\.0\.0\.1:4222.*fleet/);
    const l = await runCli(["live", "-i", "lo", "-o", join(tmp, "f.csv"), "--sink", "nats://127.0.0.1:4222"]);
    assert.match(l.stderr, /--sink needs network access/);
    const cic = await runCli([
      "cicflowmeter",
      "-i",
      "lo",
      "--data-dir",
      tmp,
      "--sink",
      "nats://127.0.0.1:4222",
    ]);
    assert.equal(cic.code, 2);
    assert.match(
      cic.stderr,
      /--sink is an option of the builtin meter \(pcap-pipeline builtin\), not of cicflowmeter/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
