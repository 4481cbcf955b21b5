/**
 * Running `convert` once its command line is read (by commander in
 * convert.ts, or by quick_convert.ts): inputs to outputs, one line of
 * statistics per file, exit status through the errors thrown. Free of
 * commander, so the quick path does not load it (issue 15).
 */
import { convertCaptureFile, type ConvertFileResult } from "../convert/convert_file.ts";
import { convertInWorker, ConvertWorker } from "../convert/convert_in_worker.ts";
import { writeFileAtomic } from "../system/atomic_write.ts";
import { formatExtension } from "../output/flow_writer.ts";
import { type FlowSettings, parseFlowOptions, type RawFlowOptions, wholeNumber } from "./flow_settings.ts";
import { bar, compact, ProgressLine } from "./progress.ts";
import { describeFileError } from "./file_errors.ts";
import { PartialFailure, UsageError } from "./errors.ts";

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
    flag: "--no-reader-thread",
    help: "read each file on the converting thread only (by default, with --jobs 1 and two or more CPUs, " +
      "a second thread reads and decodes while the first runs the flow meter)",
  },
];

/** convert's options as commander hands them over (strings as typed, defaults filled in). */
export interface RawConvertOptions extends RawFlowOptions {
  output?: string;
  count: string;
  quiet?: boolean;
  statsJson?: string;
  jobs: string;
  /** false with --no-reader-thread. */
  readerThread?: boolean;
}

/** Converts every input as the options say; throws PartialFailure when some failed. */
export async function runConvert(inputs: string[], raw: RawConvertOptions): Promise<void> {
  const settings: FlowSettings = {
    ...parseFlowOptions(raw, "convert"),
    maxPackets: wholeNumber("--count", raw.count),
  };
  const jobs = wholeNumber("--jobs", raw.jobs, 1);
  // A file read on a second thread needs a core to spare: not with files converted side by side.
  const readerThread = raw.readerThread !== false && jobs === 1 && navigator.hardwareConcurrency >= 2;
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
            : await convertOne(inputs[i], outputs[i], { ...settings, readerThread }, abort.signal, quiet);
          results.push(r);
          if (!quiet) console.log(describeResult(r));
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
  settings: FlowSettings & { readerThread: boolean },
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
  if (inputs.filter((i) => i === "-").length > 1) throw new UsageError("stdin (-) can be read only once");
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
