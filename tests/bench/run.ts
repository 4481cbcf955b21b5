/**
 * `deno task bench [--pcap FILE] [--runs N]`: first every step from reading to the
 * finished CSV as packets/s on one ~1 M-packet capture (see bench_capture.ts),
 * each whole-process figure (the command as a user runs and times it, median
 * of N runs, default 5) beside the in-process one (library call after a
 * warm-up, median of 3), and the ratio to `tcpdump -r FILE -w /dev/null`
 * timed in the same run. Then start-up, `--jobs` scaling, memory and a
 * synthetic flood (flood_capture.ts: rows and open flows at scale).
 * Benchmarks report; they never fail a build on timing. Other work on the
 * machine skews every figure: the load average is printed with them.
 * `--main-only` stops there (no Parquet, fleet or capture-load benches), for
 * repeating the conversion figures.
 */
import { benchCapture } from "./bench_capture.ts";
import { benchRead } from "./reader_bench.ts";
import { benchConvert, benchFlowMemory, benchMeter, peakRssMb } from "./convert_bench.ts";
import { loadAverage, type ProcessTiming, timeProcess } from "./process_timing.ts";
import type { ProfileName } from "../../src/flow/flow_record.ts";
import { runCaptureLoadBench } from "./capture_load_bench.ts";
import { runParquetBench } from "./parquet_bench.ts";
import { runFleetBench } from "./fleet_bench.ts";
import { writeFloodCapture } from "./flood_capture.ts";
import { benchJobs } from "./jobs_bench.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const PROFILES: ProfileName[] = ["cic2017", "corrected"];

const args = Deno.args;
const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;

/** `deno run` with the `cli` task's permission set, as `deno task cli` runs it. */
function cli(...cliArgs: string[]): [string, string[]] {
  return [Deno.execPath(), ["run", "-q", "--config", CONFIG, "-P", MAIN, ...cliArgs]];
}

/** `convert INPUT -o OUTPUT --quiet --profile PROFILE …` as `cli` runs it. */
function convertCli(
  input: string,
  output: string,
  profile: ProfileName,
  ...extra: string[]
): [string, string[]] {
  return cli("convert", input, "-o", output, "--quiet", "--profile", profile, ...extra);
}

const mpps = (packets: number, seconds: number) => `${(packets / seconds / 1e6).toFixed(2)} M`;
const row = (step: string, inProcess: string, whole: string, ratio: string) =>
  console.log(`${step.padEnd(58)} ${inProcess.padStart(11)} ${whole.padStart(22)} ${ratio.padStart(10)}`);
const wholeText = (packets: number, t: ProcessTiming) =>
  `${mpps(packets, t.seconds)} (${t.seconds.toFixed(2)} s)`;

async function main(): Promise<void> {
  const capture = await benchCapture(args);
  if (capture === null) {
    console.log("bench: ../shared/testdata/pcaps not found and no --pcap FILE given; skipped");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "pcap-bench-out-" });
  try {
    const { path, packets } = capture;
    console.log(
      `capture: ${path}: ${packets} packets, ${(capture.bytes / 1e6).toFixed(1)} MB; ${capture.origin}`,
    );
    console.log(
      `machine: ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}, load average ${loadAverage()} ` +
        `(other work on the machine slows every figure)`,
    );
    console.log(`whole process: median of ${RUNS} runs; in-process: median of 3 after a warm-up\n`);
    row("step (packets/s)", "in-process", "whole process", "÷ tcpdump");

    let tcpdump: ProcessTiming | null = null;
    try {
      tcpdump = await timeProcess("tcpdump", ["-r", path, "-w", "/dev/null"], RUNS);
      row("tcpdump -r FILE -w /dev/null (read limit)", "", wholeText(packets, tcpdump), "1.00");
    } catch (err) {
      row("tcpdump -r FILE -w /dev/null", "", `not available: ${err instanceof Error ? err.name : err}`, "");
    }
    const ratio = (t: ProcessTiming) => tcpdump ? (tcpdump.seconds / t.seconds).toFixed(2) : "?";

    const read = await benchRead(path);
    row("read + decode", mpps(read.packets, read.seconds), "", "");
    let convertRss: number | null = null;
    for (const profile of PROFILES) {
      const meter = await benchMeter(path, profile);
      row(`+ flow meter (${profile}), no output`, mpps(packets, meter), "", "");
      // One thread (--no-reader-thread: one core), then a second thread reading and decoding
      // while the first runs the meter (src/convert/split_read.ts): the default for files of
      // 64 MiB or more on 2+ CPUs, forced here so that a smaller --pcap measures it too.
      for (const readerThread of [false, true]) {
        const inProcess = await benchConvert(path, profile, readerThread);
        const whole = await timeProcess(
          ...convertCli(
            path,
            `${dir}/out.csv`,
            profile,
            readerThread ? "--reader-thread" : "--no-reader-thread",
          ),
          RUNS,
        );
        convertRss = Math.max(convertRss ?? 0, whole.peakRssMb ?? 0);
        row(
          readerThread
            ? `  convert --quiet --reader-thread (default from 64 MiB)`
            : `+ rows → CSV = convert --quiet --no-reader-thread (${profile})`,
          mpps(packets, inProcess.seconds),
          wholeText(packets, whole),
          ratio(whole),
        );
        console.log(`${"".padEnd(6)}${inProcess.flows} flows; whole-process runs ${fmtRuns(whole)}`);
      }
    }

    console.log("\nstart-up (whole process, median):");
    for (const flag of ["--version", "--help"]) {
      const t = await timeProcess(...cli(flag), RUNS);
      console.log(`  pcap-pipeline ${flag}: ${(t.seconds * 1000).toFixed(0)} ms (runs ${fmtRuns(t)})`);
    }
    const bare = `${dir}/bare.ts`;
    await Deno.writeTextFile(bare, "console.log(1);\n");
    const bareTime = await timeProcess(Deno.execPath(), ["run", "-q", bare], RUNS);
    console.log(`  deno run of a one-line script: ${(bareTime.seconds * 1000).toFixed(0)} ms`);

    await benchJobs(cli, path, packets, dir);

    console.log("\nmemory:");
    console.log(
      `  peak RSS of the whole-process convert: ${convertRss ? convertRss.toFixed(0) + " MB" : "?"}`,
    );
    console.log(`  peak RSS of this benchmark process so far: ${peakRssMb().toFixed(0)} MB`);
    const mem = benchFlowMemory();
    console.log(
      `  ${mem.bytesPerFlow.toFixed(0)} bytes per open flow with 1 000 000 concurrent flows ` +
        `(slab ${mem.slabBytesPerFlow} bytes/flow)`,
    );

    // Rows and open flows at scale: a flood where nearly every packet is a new flow.
    const FLOOD_PACKETS = 500_000;
    const flood = `${dir}/flood.pcap`;
    await writeFloodCapture(flood, FLOOD_PACKETS);
    console.log(
      `\nflood: ${FLOOD_PACKETS} packets from spoofed sources, all flows open at the end, whole process, median of 3:`,
    );
    for (const profile of PROFILES) {
      const stats = `${dir}/flood-${profile}.json`;
      const t = await timeProcess(
        ...convertCli(flood, `${dir}/flood.csv`, profile, "--stats-json", stats),
        3,
      );
      const file = JSON.parse(await Deno.readTextFile(stats)).files[0];
      const rss = t.peakRssMb === null ? "?" : `${t.peakRssMb.toFixed(0)} MB`;
      console.log(
        `  ${profile}: ${t.seconds.toFixed(2)} s, ${mpps(FLOOD_PACKETS, t.seconds)} packets/s, ` +
          `${file.flows} rows (${(file.flows / t.seconds / 1000).toFixed(0)} k rows/s), ` +
          `${file.peakActiveFlows} flows open at once, peak RSS ${rss} (runs ${fmtRuns(t)})`,
      );
    }
    console.log(`\nload average at the end: ${loadAverage()}`);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await capture.cleanup();
  }
}

await main();

// The other benches, each printing its own numbers.
const others: [string, () => Promise<void>][] = [
  ["parquet", runParquetBench],
  ["fleet", runFleetBench],
  // Root, tcpreplay and minutes of replayed traffic; skips with a message without them.
  // Its options pass through: deno task bench --pcap FILE --rates 50000,100000
  ["capture load", () => runCaptureLoadBench(Deno.args)],
];
for (const [name, run] of Deno.args.includes("--main-only") ? [] : others) {
  console.log(`\n== ${name} ==`);
  await run();
}

function fmtRuns(t: ProcessTiming): string {
  return t.runs.map((s) => s.toFixed(2)).join(" ");
}
