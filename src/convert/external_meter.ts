/**
 * Driving an external flow meter CLI safely: the meter writes into a private
 * temporary directory beside the final output (so a half file is never
 * visible under the final name, and the meter's own file naming — extension
 * fix-ups, report files — stays contained), the output is checked, and only
 * then renamed into place.
 */
import { PCAP_HEADER, PCAP_MAGICS } from "../pcap/classic_pcap.ts";
import { u32be } from "../pcap/byte_order.ts";
import { baseName } from "../paths.ts";
import {
  atomicTempPath,
  DEFAULT_DIR_MODE,
  DEFAULT_FILE_MODE,
  writeFileAtomic,
} from "../system/atomic_write.ts";
import { ConvertError, type ConvertJob, type ConvertOutcome } from "./converter.ts";
import { findExecutable, notFoundMessage } from "../system/find_executable.ts";
import { meterErrorLine, reportedError } from "./meter_cli.ts";
import { runProcess, type RunResult } from "./process_runner.ts";

/** Output formats the meters write and we can check. */
export type MeterFormat = "csv" | "json" | "xlsx";

/** Where the meter is told to write, inside the private temporary directory. */
export interface MeterPlan {
  /** The meter's arguments. */
  args: string[];
  /** The file the meter will write (in the temporary directory). */
  output: string;
}

/** One run of an external meter. */
export interface ExternalMeterRun {
  /** Program name (looked up on PATH unless `executable` is set), used in messages. */
  program: string;
  /** Absolute path of the program, or how to find it (called only when the meter must run). */
  executable?: string | (() => Promise<string>);
  job: ConvertJob;
  /**
   * Lays out the private temporary directory `tempDir` (created empty, mode
   * 0700) and returns the meter's arguments and the file it will write.
   */
  plan(tempDir: string): MeterPlan | Promise<MeterPlan>;
  format: MeterFormat;
  /**
   * The output published when the capture holds no flow: a header-only CSV,
   * `[]`. Written without running the meter for a capture without packets.
   */
  emptyOutput?: string;
  /**
   * True when this finished run is the meter's way of saying "no flows" (a
   * 0-byte CSV, or a known error message for an empty table): `emptyOutput`
   * is then published. `outputSize` is undefined when no file was written.
   */
  foundNoFlows?(result: RunResult, outputSize: number | undefined): boolean;
  /** Move other files the meter wrote (its reports) here; they are deleted when undefined. */
  keepExtraFilesIn?: string;
  /** Wait between SIGTERM and SIGKILL on abort. */
  graceMs?: number;
}

/**
 * Runs the meter on `run.job.input` and publishes its output at
 * `run.job.output`. Success is judged from what the meter wrote and printed,
 * not from its exit code alone (the Python meters print errors and exit 0).
 * Rejects with a ConvertError (reason with the meter's error line; its output
 * tail in `detail`) when the meter fails, reports an error, is aborted, or
 * writes no complete output; nothing is then left under the final name or in
 * the temp directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ConvertJob } from "./converter.ts";
 * import { runExternalMeter } from "./external_meter.ts";
 * // The project's stand-in for the cicflowmeter 0.4.2 release (-f FILE -c OUT), testdata/fake-meters.
 * const executable = new URL("../../testdata/fake-meters/cicflowmeter-0.4.2/cicflowmeter", import.meta.url).pathname;
 * const dir = await Deno.makeTempDir();
 * const job: ConvertJob = { input: new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname,
 *   output: `${dir}/udp.csv`, reportsDir: dir, signal: new AbortController().signal };
 * const outcome = await runExternalMeter({ program: "cicflowmeter", executable, job, format: "csv",
 *   plan: (tmp) => ({ args: ["-f", job.input, "-c", `${tmp}/out.csv`], output: `${tmp}/out.csv` }) });
 * assert.ok(outcome.flows > 0);
 * await Deno.stat(job.output); // published under its final name
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runExternalMeter(run: ExternalMeterRun): Promise<ConvertOutcome> {
  const started = performance.now();
  const { job, program } = run;
  const name = baseName(job.input);
  await assertInputExists(job.input);
  if (job.signal.aborted) throw new ConvertError(`${name}: conversion aborted before ${program} started`);

  if (run.emptyOutput !== undefined && await isEmptyPcap(job.input)) {
    await writeFileAtomic(job.output, run.emptyOutput, { mode: job.fileMode });
    return {
      flows: 0,
      elapsedMs: performance.now() - started,
      detail: `${name} holds no packets; ${program} not run, header-only output written`,
    };
  }

  const executable = typeof run.executable === "function"
    ? await run.executable()
    : run.executable ?? await findExecutable(program);
  if (executable === null) throw new ConvertError(notFoundMessage(program));

  const tempDir = atomicTempPath(job.output);
  await Deno.mkdir(tempDir, { mode: 0o700 });
  try {
    const plan = await run.plan(tempDir);
    const result = await runProcess(executable, {
      args: plan.args,
      signal: job.signal,
      graceMs: run.graceMs,
      niceness: job.niceness,
    });
    const detail = describeOutput(result.stderrTail, result.stdoutTail);
    if (result.aborted) throw new ConvertError(`${name}: ${program} stopped (aborted)`, false, detail);
    const size = await fileSize(plan.output);
    if (run.foundNoFlows?.(result, size)) {
      if (run.emptyOutput === undefined) {
        throw new ConvertError(
          `${name}: ${program} found no flow and writes no ${run.format} file then`,
          true,
          detail,
        );
      }
      await writeFileAtomic(job.output, run.emptyOutput, { mode: job.fileMode });
      return {
        flows: 0,
        elapsedMs: performance.now() - started,
        detail: `${program} found no flow in ${name}; header-only output written`,
      };
    }
    const said = meterErrorLine(result.stdoutTail, result.stderrTail);
    const saying = said ? `: ${said}` : "";
    if (result.code !== 0) {
      const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
      throw new ConvertError(`${name}: ${program} ${how}${saying}`, false, detail);
    }
    const reported = reportedError(result.stdoutTail, result.stderrTail);
    if (reported) {
      throw new ConvertError(
        `${name}: ${program} reported an error (exit code 0): ${reported}`,
        false,
        detail,
      );
    }
    const flows = await checkOutput(plan.output, run.format, `${name}: ${program}`, detail);
    await moveExtraFiles(tempDir, baseName(plan.output), run.keepExtraFilesIn, job);
    await publish(plan.output, job.output, job.fileMode ?? DEFAULT_FILE_MODE);
    return {
      flows: flows ?? 0,
      elapsedMs: performance.now() - started,
      detail: flows === undefined ? `${run.format} rows not counted` : undefined,
    };
  } finally {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return undefined;
  }
}

/**
 * Checks a meter's output and returns its data rows (undefined when the
 * format cannot be counted: xlsx). CSV: exists, non-empty, a header line, and
 * a final newline (a missing one means the meter died mid-row). JSON: an
 * array. XLSX: a ZIP container.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOutput } from "./external_meter.ts";
 * const path = await Deno.makeTempFile({ suffix: ".csv" });
 * await Deno.writeTextFile(path, "src_ip,dst_ip\n10.0.0.1,10.0.0.2\n10.0.0.3,10.0.0.4\n10.0.0.5,10.0.0.6\n");
 * assert.equal(await checkOutput(path, "csv", "capture_1.pcap: cicflowmeter"), 3);
 * await Deno.remove(path);
 * ```
 */
export async function checkOutput(
  path: string,
  format: MeterFormat,
  who: string,
  detail = "",
): Promise<number | undefined> {
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch {
    throw new ConvertError(`${who} exited 0 but wrote no output file`, false, detail);
  }
  if (size === 0) throw new ConvertError(`${who} wrote an empty output file`, false, detail);
  if (format === "csv") return await countCsvRows(path, who, detail);
  if (format === "json") {
    let rows: unknown;
    try {
      rows = JSON.parse(await Deno.readTextFile(path));
    } catch (err) {
      throw new ConvertError(`${who} wrote invalid JSON: ${(err as Error).message}`, false, detail);
    }
    if (!Array.isArray(rows)) throw new ConvertError(`${who} wrote JSON that is not an array of flows`);
    return rows.length;
  }
  const file = await Deno.open(path);
  try {
    const magic = new Uint8Array(4);
    const n = await file.read(magic);
    if (n !== 4 || magic[0] !== 0x50 || magic[1] !== 0x4b || magic[2] !== 3 || magic[3] !== 4) {
      throw new ConvertError(`${who} wrote an xlsx file that is not a ZIP container`, false, detail);
    }
  } finally {
    file.close();
  }
  return undefined;
}

/** Data rows of a CSV (non-empty lines after the header), streaming. */
async function countCsvRows(path: string, who: string, detail: string): Promise<number> {
  const file = await Deno.open(path);
  let lines = 0;
  let lineLength = 0;
  let header = true;
  let last = 0;
  try {
    for await (const chunk of file.readable) {
      for (const byte of chunk) {
        if (byte === 0x0a) {
          if (header && lineLength === 0) throw new ConvertError(`${who} wrote a CSV without a header line`);
          if (lineLength > 0) lines++;
          header = false;
          lineLength = 0;
        } else if (byte !== 0x0d) {
          lineLength++;
        }
      }
      last = chunk[chunk.length - 1] ?? last;
    }
  } catch (err) {
    if (err instanceof ConvertError) throw new ConvertError(err.message, false, detail);
    throw err;
  }
  if (last !== 0x0a) {
    throw new ConvertError(`${who} wrote a CSV whose last line is incomplete`, false, detail);
  }
  return Math.max(0, lines - 1);
}

/**
 * True for a classic pcap file holding only its 24-byte global header (what
 * tcpdump leaves when stopped before the first packet).
 */
export async function isEmptyPcap(path: string): Promise<boolean> {
  const info = await Deno.stat(path);
  if (info.size !== PCAP_HEADER) return false;
  const bytes = await Deno.readFile(path);
  return PCAP_MAGICS[u32be(bytes, 0)] !== undefined;
}

async function assertInputExists(input: string): Promise<void> {
  try {
    const info = await Deno.stat(input);
    if (!info.isFile) throw new ConvertError(`${input}: not a regular file`, true);
  } catch (err) {
    if (err instanceof ConvertError) throw err;
    throw new ConvertError(`${input}: cannot read the capture: ${(err as Error).message}`, true);
  }
}

/** fsync the meter's file, rename it over `output`, fsync the directory. */
async function publish(tempOutput: string, output: string, mode: number): Promise<void> {
  const file = await Deno.open(tempOutput, { read: true, write: true });
  try {
    await Deno.chmod(tempOutput, mode);
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(tempOutput, output);
  const dir = output.includes("/") ? output.slice(0, output.lastIndexOf("/")) || "/" : ".";
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // fsync of a directory is best effort
  }
}

/** Moves files other than the output out of the temp dir (reports), or leaves them to be deleted. */
async function moveExtraFiles(
  tempDir: string,
  outputName: string,
  into: string | undefined,
  modes: Pick<ConvertJob, "fileMode" | "dirMode">,
): Promise<void> {
  if (into === undefined) return;
  const fileMode = modes.fileMode ?? DEFAULT_FILE_MODE;
  for await (const entry of Deno.readDir(tempDir)) {
    if (!entry.isFile || entry.name === outputName) continue;
    await Deno.mkdir(into, { recursive: true, mode: modes.dirMode ?? DEFAULT_DIR_MODE });
    const target = `${into}/${entry.name}`;
    try {
      await Deno.chmod(`${tempDir}/${entry.name}`, fileMode);
      await Deno.rename(`${tempDir}/${entry.name}`, target);
    } catch {
      // Another file system: copy (reports are small).
      await writeFileAtomic(target, await Deno.readFile(`${tempDir}/${entry.name}`), { mode: fileMode });
    }
  }
}

function describeOutput(stderr: string, stdout: string): string {
  const parts: string[] = [];
  if (stderr) parts.push(`stderr: ${stderr}`);
  if (stdout) parts.push(`stdout: ${stdout}`);
  return parts.join("\n");
}
