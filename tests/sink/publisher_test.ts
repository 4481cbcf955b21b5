/**
 * The sensor side against one real nats-server: rows reach the stream with
 * stable ids, replays are dropped by de-duplication, an outage or a restart
 * loses nothing, and bad credentials or a wrong stream give clear errors
 * while rows wait in the spool.
 */
import { ignoreWithout } from "../requirements.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withNats } from "./nats_cluster.ts";
import { createStream, readStream, recordingLog, until } from "./stream_reader.ts";
import { openRowSink } from "../../src/sink/row_sink.ts";
import { sinkConfigFrom } from "../../src/sink/sink_config.ts";

async function csvFile(dir: string, name: string, rows: number): Promise<string> {
  const path = join(dir, name);
  const lines = [
    "Flow ID,Src IP,Label",
    ...Array.from({ length: rows }, (_, i) => `f${i},10.0.0.${i % 250},Benign`),
  ];
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

function config(url: string, spoolDir: string, extra: Record<string, string> = {}) {
  const c = sinkConfigFrom({ sink: url, sensor: "s1", spoolDir, ...extra }, {
    spoolDir,
    hostName: () => "h",
  })!;
  return { ...c, drainMs: 5000 };
}

Deno.test({
  name: "a finished file's rows reach the stream in order with stable ids; a replay adds nothing",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url);
      const csv = await csvFile(dir, "capture_20261202_080000.csv", 50);
      const log = recordingLog();
      const sink = await openRowSink(config(nats.url, join(dir, "spool")), log);
      await sink.publishFile(csv, "flows");
      await sink.close();
      let rows = await readStream(nats.url);
      assert.equal(rows.length, 50);
      assert.equal(rows[0].id, "s1/capture_20261202_080000.csv/1");
      assert.equal(rows[49].body, "f49,10.0.0.49,Benign");
      assert.deepEqual(rows.map((r) => Number(r.row)), Array.from({ length: 50 }, (_, i) => i + 1));

      // Another spool (the ledger forgotten) publishes the same file again: de-duplication drops it.
      const again = await openRowSink(config(nats.url, join(dir, "spool2")), log);
      await again.publishFile(csv, "flows");
      await again.close();
      assert.equal(again.stats().duplicates, 50, log.lines.join("\n"));
      rows = await readStream(nats.url);
      assert.equal(rows.length, 50);
    });
  },
});

Deno.test({
  name:
    "while the server is down rows wait in the spool; they are published when it is back, also after a restart",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url);
      await nats.kill(0);
      const log = recordingLog();
      const spoolDir = join(dir, "spool");
      const first = await openRowSink({ ...config(nats.url, spoolDir), drainMs: 0 }, log);
      await first.publishFile(await csvFile(dir, "a.csv", 30), "flows");
      await until(() => log.lines.some((l) => l.includes("cannot reach NATS servers")), 5000);
      assert(log.lines.some((l) => l.includes("cannot reach NATS servers 127.0.0.1:")), log.lines.join("\n"));
      await first.close();
      assert(first.stats().backlogBytes > 0, "rows stay spooled");

      // A restart of the sensor with the server back: the spool is replayed.
      nats.restart(0);
      await nats.ready();
      const second = await openRowSink(config(nats.url, spoolDir), log);
      await second.publishFile(await csvFile(dir, "b.csv", 20), "flows");
      await second.close();
      const rows = await readStream(nats.url);
      assert.deepEqual(
        rows.map((r) => r.id),
        [
          ...Array.from({ length: 30 }, (_, i) => `s1/a.csv/${i + 1}`),
          ...Array.from({ length: 20 }, (_, i) => `s1/b.csv/${i + 1}`),
        ],
      );
      assert.equal(second.stats().backlogBytes, 0);
    });
  },
});

Deno.test({
  name: "wrong credentials: a clear error naming the file, rows stay spooled",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({ extraConfig: "authorization { token: right-token }" }, async (nats, dir) => {
      const creds = join(dir, "nats.cred");
      await Deno.writeTextFile(creds, "token = wrong-token\n", { mode: 0o600 });
      const log = recordingLog();
      const sink = await openRowSink({
        ...config(nats.url, join(dir, "spool"), { credentials: creds }),
        drainMs: 0,
      }, log);
      await sink.publishFile(await csvFile(dir, "a.csv", 5), "flows");
      assert(await until(() => log.lines.some((l) => l.includes("refused the credentials")), 5000));
      const line = log.lines.find((l) => l.includes("refused the credentials"))!;
      assert.match(line, new RegExp(`from ${creds}`));
      await sink.close();
      assert.equal(sink.stats().spooled, 5);
      assert(sink.stats().backlogBytes > 0);
    });
  },
});

Deno.test({
  name: "right credentials from a file are used; a file others can read is refused",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({ extraConfig: "authorization { user: s1, password: pw1 }" }, async (nats, dir) => {
      const creds = join(dir, "nats.cred");
      await Deno.writeTextFile(creds, "user = s1\npassword = pw1\n", { mode: 0o644 });
      await Deno.chmod(creds, 0o644);
      await assert.rejects(
        openRowSink(config(nats.url, join(dir, "s0"), { credentials: creds }), recordingLog()),
        new RegExp(`credentials file ${creds}: mode 644 lets others read it`),
      );
      await Deno.chmod(creds, 0o600);
      await createStream(nats.url, {}, { user: "s1", pass: "pw1" });
      const log = recordingLog();
      const sink = await openRowSink(config(nats.url, join(dir, "spool"), { credentials: creds }), log);
      await sink.publishFile(await csvFile(dir, "a.csv", 3), "flows");
      await sink.close();
      assert.equal(sink.stats().published, 3, log.lines.join("\n"));
    });
  },
});

Deno.test({
  name: "a stream with the wrong subjects: a clear error, rows stay spooled",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({}, async (nats, dir) => {
      await createStream(nats.url, { subjects: ["metrics.>"] });
      const log = recordingLog();
      const sink = await openRowSink({ ...config(nats.url, join(dir, "spool")), drainMs: 0 }, log);
      await sink.publishFile(await csvFile(dir, "a.csv", 4), "flows");
      assert(await until(() => log.lines.some((l) => l.includes("no JetStream stream takes subject")), 5000));
      assert.match(log.lines.find((l) => l.includes("no JetStream stream"))!, /"flows\.s1".*sink-check/);
      await sink.close();
      assert.equal(sink.stats().published, 0);
      assert(sink.stats().backlogBytes > 0);
    });
  },
});
