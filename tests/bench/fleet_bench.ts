/**
 * The fleet's throughput through a real 3-node JetStream cluster on
 * loopback (stream replicas 3): rows/s the sensor side publishes (spool →
 * acknowledged), rows/s `collect` writes, and what streaming costs the
 * `builtin` conversion running at the same time (conversions of the same
 * capture with and without publishing the previous output meanwhile).
 * Needs nats-server; the conversion part needs the shared medium captures.
 */
import { join } from "node:path";
import { NatsCluster, natsServerPath } from "../sink/nats_cluster.ts";
import { createStream, recordingLog, until } from "../sink/stream_reader.ts";
import { openRowSink } from "../../src/sink/row_sink.ts";
import { sinkConfigFrom } from "../../src/sink/sink_config.ts";
import { runCollect } from "../../src/sink/collect.ts";
import { BuiltinConverter } from "../../src/convert/builtin.ts";
import { buildBenchPcap } from "./reader_bench.ts";
import { haveSharedPcaps, listSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";

const ROUNDS = 3;

async function countCsvRows(dir: string): Promise<number> {
  let n = 0;
  try {
    for await (const s of Deno.readDir(dir)) {
      if (!s.isDirectory) continue;
      for await (const f of Deno.readDir(join(dir, s.name))) {
        const text = await Deno.readTextFile(join(dir, s.name, f.name));
        n += text.split("\n").length - 2;
      }
    }
  } catch { /* not yet */ }
  return n;
}

/** A flow-sized synthetic CSV (80 columns) when the shared captures are absent. */
async function syntheticCsv(path: string, rows: number): Promise<void> {
  const header = Array.from({ length: 80 }, (_, i) => `Column ${i}`).join(",");
  const lines = [header];
  for (let r = 0; r < rows; r++) {
    lines.push(Array.from({ length: 80 }, (_, i) => (r * 31 + i) % 100000).join(","));
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
}

export async function runFleetBench(): Promise<void> {
  if (!natsServerPath) {
    console.log("fleet: nats-server not installed; skipped");
    return;
  }
  const nats = await NatsCluster.start({ nodes: 3 });
  const tmp = await Deno.makeTempDir({ prefix: "pp-fleet-bench-" });
  try {
    await createStream(nats.url, { replicas: 3, maxBytes: 900 * 1024 ** 2 });
    const spoolDir = join(tmp, "spool");
    const config = sinkConfigFrom({ sink: nats.url, sensor: "bench", spoolDir }, {
      spoolDir,
      hostName: () => "bench",
    })!;
    const sink = await openRowSink({ ...config, spoolMaxBytes: 1024 ** 3, drainMs: 120_000 }, recordingLog());
    const outputs: string[] = [];
    let pcap: string | undefined;
    if (haveSharedPcaps) {
      const built = await buildBenchPcap(listSharedPcaps("medium").map(sharedPcap), 300_000, 200);
      pcap = built.path;
      // The pipeline's converter: the built-in meter in a Web Worker.
      const converter = new BuiltinConverter({});
      const convert = async (output: string) =>
        (await converter.convert({
          input: pcap!,
          output,
          reportsDir: tmp,
          signal: new AbortController().signal,
        }))
          .elapsedMs;
      let plain = 0, streaming = 0;
      for (let i = 0; i < ROUNDS; i++) plain += await convert(join(tmp, `plain-${i}.csv`));
      // Each round publishes the previous round's rows while it converts, as the pipeline does.
      let previous: Promise<void> = Promise.resolve();
      for (let i = 0; i < ROUNDS; i++) {
        const out = join(tmp, `capture_${i}.csv`);
        streaming += await convert(out);
        await previous;
        previous = sink.publishFile(out, "flows");
        outputs.push(out);
      }
      await previous;
      console.log(
        `fleet: builtin conversion (Web Worker, as in the pipeline) ${
          (plain / ROUNDS).toFixed(0)
        } ms per capture alone, ` +
          `${(streaming / ROUNDS).toFixed(0)} ms while streaming (${
            ((streaming / plain - 1) * 100).toFixed(0)
          }% slower)`,
      );
    } else {
      for (let i = 0; i < ROUNDS; i++) {
        const out = join(tmp, `capture_${i}.csv`);
        await syntheticCsv(out, 30_000);
        outputs.push(out);
        await sink.publishFile(out, "flows");
      }
      console.log("fleet: shared captures absent; synthetic 80-column rows, no conversion cost measured");
    }
    const spooled = sink.stats().spooled;
    const started = performance.now();
    await until(() => sink.stats().published >= spooled, 300_000);
    const publishMs = performance.now() - started;
    await sink.close();
    const published = sink.stats().published;

    const central = join(tmp, "central");
    const stop = new AbortController();
    const collectStart = performance.now();
    const run = runCollect({
      connection: { servers: nats.url.replace(/nats:\/\//g, "").split(","), tlsRequired: false, tls: {} },
      stream: "FLOWS",
      consumer: "bench",
      outputDir: central,
      format: "csv",
      log: recordingLog(),
      signal: stop.signal,
    });
    await until(async () => await countCsvRows(central) >= published, 300_000);
    const collectMs = performance.now() - collectStart;
    stop.abort();
    await run;
    console.log(
      `fleet: ${published} rows published through 3 nodes (replicas 3) at ${
        Math.round(published / (publishMs / 1000))
      } rows/s after spooling (the publisher runs during conversion too, so this is a lower bound); ` +
        `collected at ${Math.round(published / (collectMs / 1000))} rows/s`,
    );
    if (pcap) await Deno.remove(pcap).catch(() => {});
  } finally {
    await nats.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await runFleetBench();
