/**
 * Running `convert` once its command line is read (by commander in
 * convert.ts, or by quick_convert.ts): inputs to outputs, one line of
 * statistics per file, exit status through the errors thrown. Free of
 * commander, so the quick path does not load it (issue 15).
 */
import {
  convertCaptureFile,
  type ConvertFileResult,
  describeDamagedConversion,
  describeUndecodedConversion,
} from "../convert/convert_file.ts";
import { convertInWorker, ConvertWorker } from "../convert/convert_in_worker.ts";
import { writeFileAtomic } from "../system/atomic_write.ts";
import { formatExtension } from "../output/flow_writer.ts";
import { type FlowSettings, parseFlowOptions, type RawFlowOptions, wholeNumber } from "./flow_settings.ts";
import { bar, compact, ProgressLine } from "./progress.ts";
import { describeFileError } from "./file_errors.ts";
import { describeJoined } from "../pcap/read_stats.ts";
import { PartialFailure, UsageError } from "./errors.ts";
import { checkStdinInputs } from "./stdin_capture.ts";

/** `convert`'s own options (besides the flow options), for commander (convert.ts) and quick_convert.ts. */
export const CONVERT_OPTIONS: readonly { flag: string; help: string; default?: string }[] = [
  {
    flag: "-o, --output <path>",
    help: "output file (one input), directory (NAME.csv, .ndjson or .parquet per input), or - for stdout",
  },
  { flag: "-c, --count <n>", help: "stop after N packets per input (0 = all)", default: "0" },
  { flag: "-q, --quiet", help: "print nothing but errors" },
  { flag: "--stats-json <file>", help: "also write the run statistics as JSON" },
  { flag: "-j, --jobs <n>", help: "convert up to N files at once in Web Workers", default: "1" },
  {
    flag: "--reader-thread",
    help: "read and decode every file on a second thread while the first runs the flow meter, " +
      "whatever its size (by default: files of 64 MiB or more, with --jobs 1 and two or more CPUs)",
  },
  { flag: "--no-reader-thread", help: "read each file on the converting thread only" },
];

/** convert's options as commander hands them over (strings as typed, defaults filled in). */
export interface RawConvertOptions extends RawFlowOptions {
  output?: string;
  count: string;
  quiet?: boolean;
  statsJson?: string;
  jobs: string;
  /** true with --reader-thread, false with --no-reader-thread, undefined: by size (useReaderThread). */
  readerThread?: boolean;
}

/**
 * Files from this size up are read on a second thread by default. Below it one
 * thread is faster: the worker's start and its own JIT warm-up (30–40 ms) cost
 * more than the overlap gains. On the 2-core machine of the README (alternating,
 * median of 7, `corrected`): 7.8 MB 0.11 s on one thread against 0.15 s, 30 MB
 * 0.21 against 0.24 s, 73 MB 0.30 against 0.29 s, 146 MB 0.45 against 0.39 s.
 */
export const READER_THREAD_MIN_BYTES = 64 * 1024 * 1024;

/**
 * Whether `convert` reads a file of `size` bytes on a second thread: as
 * `--reader-thread`/`--no-reader-thread` say, else for large files when a core
 * is spare (one file at a time, two or more CPUs). Never for stdin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { useReaderThread } from "./convert_run.ts";
 * const big = { input: "big.pcap", size: 300e6, jobs: 1, cpus: 2 };
 * assert.equal(useReaderThread({ ...big, choice: undefined }), true);
 * assert.equal(useReaderThread({ ...big, size: 8e6, choice: undefined }), false);
 * assert.equal(useReaderThread({ ...big, size: 8e6, choice: true }), true);
 * assert.equal(useReaderThread({ ...big, choice: false }), false);
 * assert.equal(useReaderThread({ ...big, cpus: 1, choice: undefined }), false);
 * assert.equal(useReaderThread({ ...big, input: "-", choice: true }), false);
 * ```
 */
export function useReaderThread(
  { choice, input, size, jobs, cpus }: {
    choice: boolean | undefined;
    input: string;
    size: number;
    jobs: number;
    cpus: number;
  },
): boolean {
  if (input === "-" || jobs > 1 || choice === false) return false;
  return choice === true || (cpus >= 2 && size >= READER_THREAD_MIN_BYTES);
}

/** Converts every input as the options say; throws PartialFailure when some failed. */
export async function runConvert(inputs: string[], raw: RawConvertOptions): Promise<void> {
  const settings: FlowSettings = {
    ...parseFlowOptions(raw, "convert"),
    maxPackets: wholeNumber("--count", raw.count),
  };
  const jobs = wholeNumber("--jobs", raw.jobs, 1);
  // A file read on a second thread needs a core to spare: not with files converted side by side.
  if (raw.readerThread === true && jobs > 1) {
    throw new UsageError(
      "--reader-thread needs --jobs 1: files converted side by side already use the cores",
    );
  }
  const outputs = await planOutputs(inputs, raw.output, formatExtension(settings.format));
  const quiet = raw.quiet === true || outputs.includes("-");
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted"));
  Deno.addSignalListener("SIGINT", onSignal);
  const results: ConvertFileResult[] = [];
  const failures: string[] = [];
  const lanes: ConvertWorker[] = [];
  const started = performance.now();
  try {
    let next = 0;
    const worker = async () => {
      // One worker per lane for all its files: its JIT stays warm from one file to the next.
      const lane = new ConvertWorker();
      lanes.push(lane);
      while (next < inputs.length && !abort.signal.aborted) {
        const i = next++;
        try {
          const r = jobs > 1 && inputs[i] !== "-"
            ? await convertInWorker(
              { input: inputs[i], output: outputs[i], options: settings },
              abort.signal,
              lane,
            )
            : await convertOne(inputs[i], outputs[i], settings, raw.readerThread, abort.signal, quiet);
          results.push(r);
          if (!quiet) console.log(describeResult(r));
          // Rows stand for the packets before damage; the file still counts as failed. So does a
          // file none of whose packets could be decoded (its link type is unknown to the reader).
          const undecoded = describeUndecodedConversion(r);
          if (r.damage || undecoded?.failed) failures.push(inputs[i]);
          if (r.damage) console.error(`pcap-pipeline: ${inputs[i]}: ${describeDamagedConversion(r.damage)}`);
          if (undecoded) console.error(`pcap-pipeline: ${inputs[i]}: ${undecoded.message}`);
        } catch (err) {
          if (abort.signal.aborted) break;
          failures.push(inputs[i]);
          console.error(`pcap-pipeline: ${describeFileError(inputs[i], err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, inputs.length) }, worker));
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    for (const lane of lanes) lane.close();
  }
  if (abort.signal.aborted) throw new PartialFailure("interrupted: outputs not finished were not written");
  const elapsed = (performance.now() - started) / 1000;
  if (!quiet && results.length > 1) console.log(describeTotals(results, elapsed));
  if (raw.statsJson) {
    await writeFileAtomic(
      raw.statsJson,
      JSON.stringify({ files: results, failed: failures, elapsedSeconds: elapsed }, null, 2) + "\n",
    );
  }
  if (failures.length > 0) throw new PartialFailure(`${failures.length} of ${inputs.length} inputs failed`);
}

function convertOne(
  input: string,
  output: string,
  settings: FlowSettings,
  readerThread: boolean | undefined,
  signal: AbortSignal,
  quiet: boolean,
): Promise<ConvertFileResult> {
  const progress = new ProgressLine(!quiet && Deno.stderr.isTerminal());
  let size = 0;
  try {
    if (input !== "-") size = Deno.statSync(input).size;
  } catch { /* reported by the reader */ }
  const started = performance.now();
  return convertCaptureFile(input, output, {
    ...settings,
    readerThread: useReaderThread({
      choice: readerThread,
      input,
      size,
      jobs: 1,
      cpus: navigator.hardwareConcurrency,
    }),
    signal,
    onProgress: (bytes, packets) =>
      progress.update(() => {
        const rate = packets / ((performance.now() - started) / 1000);
        const done = size > 0
          ? `${bar(bytes / size)} ${(100 * bytes / size).toFixed(0)}%`
          : `${compact(bytes)}B`;
        return `${input} ${done} ${compact(packets)}packets ${compact(rate)}packets/s`;
      }),
  }).finally(() => progress.done());
}

/**
 * One output per input: `-o FILE` for a single input, `-o DIR` (existing, or
 * ending in "/") for NAME.csv each, `-o -` for stdout; without `-o`, NAME.csv
 * in the current directory (stdout for stdin).
 */
async function planOutputs(inputs: string[], output: string | undefined, ext: string): Promise<string[]> {
  checkStdinInputs(inputs, "convert");
  const name = (input: string) => `${input.slice(input.lastIndexOf("/") + 1)}${ext}`;
  if (output === undefined) return inputs.map((i) => (i === "-" ? "-" : name(i)));
  if (output === "-") {
    if (inputs.length > 1) throw new UsageError("-o - (stdout) takes a single input");
    return ["-"];
  }
  let isDir = output.endsWith("/");
  try {
    isDir ||= (await Deno.stat(output)).isDirectory;
  } catch { /* does not exist yet */ }
  if (!isDir && inputs.length > 1) {
    throw new UsageError(`-o ${output}: several inputs need an output directory (existing, or ending in /)`);
  }
  if (!isDir) return [output];
  await Deno.mkdir(output, { recursive: true, mode: 0o700 });
  const dir = output.endsWith("/") ? output : `${output}/`;
  return inputs.map((i) => `${dir}${i === "-" ? "stdin" + ext : name(i)}`);
}

/** The end-of-file statistics CICFlowMeter users asked for, on one line. */
export function describeResult(r: ConvertFileResult): string {
  const seconds = r.elapsedMs / 1000;
  const skipped = Object.entries(r.skipped).map(([k, v]) => `${k} ${v}`).join(", ");
  const notes = [
    skipped && `skipped: ${skipped}`,
    r.truncated && "capture truncated (ended inside a record): every complete packet converted",
    r.outOfOrder > 0 && `${r.outOfOrder} packets out of time order`,
    r.earlierThanFlow > 0 && `${r.earlierThanFlow} packets older than their flow's last packet`,
    r.cutToSnaplen > 0 && `${r.cutToSnaplen} records longer than the snaplen, kept cut to it`,
    r.joinedCaptures > 0 && describeJoined(r.joinedCaptures),
    // A damaged file is reported on stderr (runConvert), not here.
  ].filter(Boolean).join("; ");
  return `${r.input} → ${r.output}: ${r.packets} packets, ${r.packetsUsed} used for flows, ${r.flows} flows written, ` +
    `${seconds.toFixed(2)} s, ${compact(r.packets / Math.max(seconds, 1e-9))}packets/s${
      notes ? `; ${notes}` : ""
    }`;
}

function describeTotals(results: ConvertFileResult[], seconds: number): string {
  const packets = results.reduce((n, r) => n + r.packets, 0);
  const flows = results.reduce((n, r) => n + r.flows, 0);
  return `total: ${results.length} files, ${packets} packets, ${flows} flows, ${seconds.toFixed(2)} s, ` +
    `${compact(packets / Math.max(seconds, 1e-9))}packets/s`;
}
