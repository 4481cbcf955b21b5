/**
 * `collect` and `sink-check` against one real nats-server: rows from two
 * sensors land in hourly files per sensor, equal to the local files row for
 * row; an unfinished batch left by a crash is cut back; the stream is
 * created, checked and reported.
 */
import { ignoreWithout } from "../requirements.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withNats } from "./nats_cluster.ts";
import { collectUntil, createStream, readStream, recordingLog } from "./stream_reader.ts";
import { connect, headers } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { HDR } from "../../src/sink/message.ts";
import { openRowSink } from "../../src/sink/row_sink.ts";
import { sinkConfigFrom } from "../../src/sink/sink_config.ts";
import { hourFileName } from "../../src/sink/hour_files.ts";
import { saveState } from "../../src/sink/collect_state.ts";
import { runCli } from "../cli/run_cli.ts";

async function csvFile(
  dir: string,
  name: string,
  header: string,
  rows: number,
  tag: string,
): Promise<string> {
  const path = join(dir, name);
  const lines = [header, ...Array.from({ length: rows }, (_, i) => `${tag}-${i},10.0.0.${i % 250},Benign`)];
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

async function publish(
  url: string,
  dir: string,
  sensor: string,
  files: string[],
  spoolDir = join(dir, `spool-${sensor}`),
): Promise<void> {
  const config = sinkConfigFrom({ sink: url, sensor, spoolDir }, { spoolDir, hostName: () => "h" })!;
  const sink = await openRowSink(config, recordingLog());
  for (const f of files) await sink.publishFile(f, "flows");
  await sink.close();
}

const dataLines = async (path: string) => (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "");

Deno.test({
  name: "collect writes each sensor's rows to its hourly file, equal to the local files row for row",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url);
      const header = "Flow ID,Src IP,Label";
      const a1 = await csvFile(dir, "capture_1.csv", header, 40, "a1");
      const a2 = await csvFile(dir, "capture_2.csv", header, 25, "a2");
      const b1 = await csvFile(dir, "capture_1b.csv", header, 30, "b1");
      await publish(nats.url, dir, "alpha", [a1, a2]);
      await publish(nats.url, dir, "beta", [b1]);
      const out = join(dir, "central");
      const hour = hourFileName("flows", (await Deno.stat(a1)).mtime!.getTime());
      const stats = await collectUntil(nats.url, out, async () => {
        try {
          return (await dataLines(join(out, "beta", hour))).length === 31 &&
            (await dataLines(join(out, "alpha", hour))).length === 66;
        } catch {
          return false;
        }
      });
      assert.equal(stats.rows, 95);
      const alpha = await dataLines(join(out, "alpha", hour));
      const local = [...await dataLines(a1), ...(await dataLines(a2)).slice(1)];
      assert.deepEqual(alpha, local);
      assert.deepEqual(await dataLines(join(out, "beta", hour)), await dataLines(b1));
      assert.equal((await Deno.stat(join(out, "alpha", hour))).mode! & 0o777, 0o600);
    });
  },
});

Deno.test({
  name: "collect cuts back a batch a crash left half-written, then writes each row once",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url);
      const header = "Flow ID,Src IP,Label";
      const a1 = await csvFile(dir, "capture_1.csv", header, 10, "a1");
      await publish(nats.url, dir, "alpha", [a1]);
      const out = join(dir, "central");
      const hour = hourFileName("flows", (await Deno.stat(a1)).mtime!.getTime());
      // What a crash between "about to write" and "written" leaves: rows on disk, state with undo.
      await Deno.mkdir(join(out, "alpha"), { recursive: true });
      await Deno.writeTextFile(join(out, "alpha", hour), `${header}\na1-0,10.0.0.0,Benign\n`);
      await saveState(out, { written: [], undo: { [join("alpha", hour)]: -1 } });
      await collectUntil(nats.url, out, async () => {
        try {
          return (await dataLines(join(out, "alpha", hour))).length >= 11;
        } catch {
          return false;
        }
      });
      assert.deepEqual(await dataLines(join(out, "alpha", hour)), await dataLines(a1));
    });
  },
});

/** True once the consumer `collect` has nothing left to deliver or to be acknowledged. */
async function consumerIdle(url: string): Promise<boolean> {
  const nc = await connect({ servers: url.split(",") });
  try {
    const info = await (await jetstreamManager(nc)).consumers.info("FLOWS", "collect");
    return info.num_pending === 0 && info.num_ack_pending === 0;
  } catch {
    return false;
  } finally {
    await nc.close();
  }
}

Deno.test({
  name:
    "collect writes once a row the stream holds twice (its de-duplication window passed), also after a restart",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      // A 1 s window: what a sensor back after an outage longer than the window does to the stream, and what
      // nats-server 2.9 does after a leader change (nats-io/nats-server#6415).
      await createStream(nats.url, { duplicateWindowSec: 1 });
      const header = "Flow ID,Src IP,Label";
      const a1 = await csvFile(dir, "capture_1.csv", header, 10, "a1");
      const republish = async (n: number) => {
        await new Promise((r) => setTimeout(r, 1500));
        await publish(nats.url, dir, "alpha", [a1], join(dir, `spool-${n}`));
      };
      await publish(nats.url, dir, "alpha", [a1]);
      await republish(1);
      assert.equal((await readStream(nats.url)).length, 20, "the stream holds each row twice");
      const out = join(dir, "central");
      const hour = join(out, "alpha", hourFileName("flows", (await Deno.stat(a1)).mtime!.getTime()));
      let stats = await collectUntil(nats.url, out, () => consumerIdle(nats.url));
      assert.deepEqual(await dataLines(hour), await dataLines(a1));
      assert.equal(stats.rows, 10);
      assert.equal(stats.duplicates, 10);

      // A new collect run knows them from the hidden sidecar beside the hour file.
      await republish(2);
      stats = await collectUntil(nats.url, out, () => consumerIdle(nats.url));
      assert.deepEqual(await dataLines(hour), await dataLines(a1));
      assert.equal(stats.rows, 0);
      assert.equal(stats.duplicates, 10);
      assert.match(stats.log.join("\n"), /10 rows the stream held twice were written once/);
    });
  },
});

Deno.test({
  name:
    "collect on a full disk: the failed batch is cut back, and once there is room every row is written once",
  ignore: Deno.build.os !== "linux" || ignoreWithout("root", "nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url);
      const header = "Flow ID,Src IP,Label";
      const a1 = await csvFile(dir, "capture_1.csv", header, 400, "a1");
      await publish(nats.url, dir, "alpha", [a1]);
      const out = join(dir, "central");
      await Deno.mkdir(out);
      const mount = await new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", out] })
        .output();
      assert.equal(mount.code, 0, new TextDecoder().decode(mount.stderr));
      try {
        // Fill the disk, then leave 8 KiB: less than the batch's 9 KB of rows.
        const filler = join(out, "filler");
        await Deno.writeFile(filler, new Uint8Array(1 << 20)).catch(() => {});
        await Deno.truncate(filler, (await Deno.stat(filler)).size - 8192);
        const log = recordingLog();
        const hour = join(out, "alpha", hourFileName("flows", (await Deno.stat(a1)).mtime!.getTime()));
        const stats = await collectUntil(nats.url, out, async () => {
          if (log.lines.some((l) => /ERROR.*No space left/i.test(l))) {
            await Deno.remove(filler).catch(() => {});
          }
          try {
            return (await dataLines(hour)).length >= 401 && await consumerIdle(nats.url);
          } catch {
            return false;
          }
        }, { log });
        assert.match(log.lines.join("\n"), /undid an unfinished batch/);
        assert.deepEqual(await dataLines(hour), await dataLines(a1));
        assert.equal(stats.rows, 400);
      } finally {
        await new Deno.Command("umount", { args: [out] }).output();
      }
    });
  },
});

Deno.test({
  name:
    "collect drops, with one error line naming it, a message without the row id pcap-pipeline gives each row",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url);
      const nc = await connect({ servers: nats.url.split(",") });
      try {
        const h = headers();
        for (
          const [k, v] of [[HDR.sensor, "alpha"], [HDR.kind, "flows"], [HDR.header, "a,b"], [HDR.time, "0"]]
        ) {
          h.set(k, v);
        }
        await jetstream(nc).publish("flows.alpha", "1,2", { headers: h });
      } finally {
        await nc.close();
      }
      const out = join(dir, "central");
      const stats = await collectUntil(nats.url, out, () => consumerIdle(nats.url));
      assert.equal(stats.rejected, 1);
      assert.equal(stats.rows, 0);
      assert.match(
        stats.log.join("\n"),
        /ERROR collect: message 1 on flows\.alpha is not a pcap-pipeline row .*row ""/,
      );
    });
  },
});

Deno.test({
  name: "sink-check creates the stream, reports a stream that differs, and --update fixes it",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats) => {
      const base = ["sink-check", "--sink", nats.url, "--max-bytes", "100M", "--dedup-window", "2m"];
      const fleet = { permissionSet: "fleet" };
      let r = await runCli(base, fleet);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /created stream FLOWS/);
      assert.match(
        r.stdout,
        /subjects flows\.>, 1 replicas, max age 7 d, max bytes 100 MiB, de-duplication window 2 min/,
      );
      assert.match(r.stdout, /0 messages/);

      r = await runCli([...base, "--subjects", "metrics.>"], fleet);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /stream FLOWS differs.*subjects are "flows\.>" \(want "metrics\.>"\).*--update/);

      r = await runCli([...base, "--subjects", "metrics.>,flows.>", "--update"], fleet);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /updated stream FLOWS/);
      assert.match(r.stdout, /subjects metrics\.>, flows\.>/);
    });
  },
});

Deno.test("sink-check and collect refuse to run without the net permission, saying how to grant it", async () => {
  const r = await runCli(["sink-check", "--sink", "nats://127.0.0.1:4222"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--sink needs network access to 127\.0\.0\.1:4222.*-P=fleet/);
  const c = await runCli([
    "collect",
    "--sink",
    "nats://127.0.0.1:4222",
    "-o",
    "/tmp/x",
    "--format",
    "parquet",
  ]);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /--sink needs network access to 127\.0\.0\.1:4222.*-P=fleet/);
});
