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
import { collectUntil, createStream, recordingLog } from "./stream_reader.ts";
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

async function publish(url: string, dir: string, sensor: string, files: string[]): Promise<void> {
  const spoolDir = join(dir, `spool-${sensor}`);
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
