/**
 * The `nexusflowmeter` converter: the PyPI NexusFlowMeter
 * (`pip install nexusflowmeter`, Collgamer0008/NexusFlowMeter). Its CLI, as
 * read from its source (nexusflowmeter/cli.py, 0.1.1–0.1.5) and run:
 *
 *     nexusflowmeter PCAP OUTPUT [--output-format|-of csv|json|xlsx] [--flow-timeout S]
 *                    [--max-workers N] [--verbose] [--stream] [--protocols LIST] [--report-dir D] …
 *     nexusflowmeter -d DIR -c OUTDIR …   (writes OUTDIR/STEM_flows.FORMAT; not used here)
 *
 * We use the single-file form, which every release has. It replaces OUTPUT's
 * extension by the format's, creates OUTPUT's directory, and writes
 * `STEM_flow_report.txt` beside OUTPUT (`--report-dir` only from 0.1.5, so
 * not passed); progress and errors go to stdout. A capture without any flow
 * makes it fail (exit 1, ` Error converting PCAP to flows: 'total_bytes'`:
 * it sorts an empty table by a missing column); we recognise that and write
 * the header-only output, unless it also said it could not read the capture.
 * `--flow-timeout` is accepted but unused by 0.1.5. It has no `--reports`
 * switch: our `reports` option decides whether the report file is kept
 * (moved to the reports directory) or deleted. `--stream` is not passed:
 * rotated captures are small.
 */
import { type Converter, ConvertError, type ConvertJob, type ConvertOutcome } from "./converter.ts";
import { runExternalMeter } from "./external_meter.ts";
import { findExecutable, notFoundMessage } from "../system/find_executable.ts";
import { installedVersion, type MeterIdentity } from "./meter_cli.ts";
import type { RunResult } from "./process_runner.ts";

/** The columns nexusflowmeter writes (its `get_flow_stats`), in order. */
export const NEXUSFLOWMETER_COLUMNS: readonly string[] = (
  "flow_id,src_ip,dst_ip,src_port,dst_port,protocol,start_time,end_time,duration_seconds,total_packets," +
  "forward_packets,backward_packets,is_bidirectional,forward_backward_ratio,total_bytes,forward_bytes," +
  "backward_bytes,total_payload_bytes,forward_payload_bytes,backward_payload_bytes,packets_per_second," +
  "bytes_per_second,min_packet_size,max_packet_size,avg_packet_size,avg_inter_arrival_ms," +
  "min_inter_arrival_ms,max_inter_arrival_ms,tcp_flags,syn_count,fin_count,rst_count,ack_count," +
  "connection_state"
).split(",");

/** Output formats of nexusflowmeter. */
export type NexusOutputFormat = "csv" | "json" | "xlsx";

/** Options of the nexusflowmeter converter (the `nexusflowmeter` section of the config). */
export interface NexusflowmeterOptions {
  /** `--flow-timeout` in seconds (the tool's default is 60). */
  flowTimeout?: number;
  /** `--max-workers`: the tool's own worker processes. */
  workers?: number;
  /** `--output-format` (default csv); the output file gets this extension. */
  outputFormat?: NexusOutputFormat;
  /** Pass `--verbose`. */
  verbose?: boolean;
  /** Keep the tool's `*_flow_report.txt` (moved to the job's reports directory); deleted otherwise. */
  reports?: boolean;
  /** The program's path; looked up on PATH at each conversion when undefined. */
  executable?: string;
  /** Wait between SIGTERM and SIGKILL when a conversion is aborted (default 2 s). */
  graceMs?: number;
}

/**
 * The nexusflowmeter command line for one capture.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nexusflowmeterArgs } from "./nexusflowmeter.ts";
 * assert.deepEqual(nexusflowmeterArgs("pcaps/c.pcap", "csv/.tmp/c.csv", { flowTimeout: 120, workers: 1 }), ["pcaps/c.pcap", "csv/.tmp/c.csv", "--output-format", "csv", "--flow-timeout", "120", "--max-workers", "1"]);
 * ```
 */
export function nexusflowmeterArgs(
  input: string,
  output: string,
  options: NexusflowmeterOptions = {},
): string[] {
  const args = [input, output, "--output-format", options.outputFormat ?? "csv"];
  if (options.flowTimeout !== undefined) args.push("--flow-timeout", String(Math.round(options.flowTimeout)));
  if (options.workers !== undefined) args.push("--max-workers", String(options.workers));
  if (options.verbose) args.push("--verbose");
  return args;
}

/** A Converter running the `nexusflowmeter` CLI. */
export class NexusflowmeterConverter implements Converter {
  readonly name = "nexusflowmeter" as const;
  readonly outputExtension: string;

  #identity?: Promise<MeterIdentity>;

  constructor(readonly options: NexusflowmeterOptions = {}) {
    this.outputExtension = `.${options.outputFormat ?? "csv"}`;
  }

  /** The installed meter (path, version), found once. */
  identify(): Promise<MeterIdentity> {
    this.#identity ??= (async () => {
      const path = this.options.executable ?? await findExecutable("nexusflowmeter");
      if (path === null) throw new ConvertError(notFoundMessage("nexusflowmeter"));
      const version = await installedVersion(path, "nexusflowmeter");
      return { program: "nexusflowmeter", path, version, invocation: "PCAP OUTPUT" };
    })().catch((err) => {
      this.#identity = undefined;
      throw err;
    });
    return this.#identity;
  }

  /** Converts `job.input` to `job.output`, whose extension must be `outputExtension`. */
  convert(job: ConvertJob): Promise<ConvertOutcome> {
    const format = this.options.outputFormat ?? "csv";
    if (!job.output.endsWith(this.outputExtension)) {
      // The tool would silently write OUTPUT with another extension.
      return Promise.reject(
        new ConvertError(
          `${job.output}: nexusflowmeter writes ${format}; the output must end in ${this.outputExtension}`,
          true,
        ),
      );
    }
    const empty = format === "csv"
      ? NEXUSFLOWMETER_COLUMNS.join(",") + "\n"
      : format === "json"
      ? "[]"
      : undefined;
    return runExternalMeter({
      program: "nexusflowmeter",
      executable: async () => (await this.identify()).path,
      job,
      format,
      plan: (dir) => {
        const output = `${dir}/${job.output.slice(job.output.lastIndexOf("/") + 1)}`;
        return { args: nexusflowmeterArgs(job.input, output, this.options), output };
      },
      emptyOutput: empty,
      foundNoFlows: nexusFoundNoFlows,
      keepExtraFilesIn: this.options.reports ? job.reportsDir : undefined,
      graceMs: this.options.graceMs,
    });
  }
}

/**
 * True when nexusflowmeter failed only because the capture holds no flow:
 * exit 1 after `Total unique flows identified: 0` and the KeyError on
 * `total_bytes`, without `Error reading PCAP file` (an unreadable capture
 * ends the same way).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RunResult } from "./process_runner.ts";
 * import { nexusFoundNoFlows } from "./nexusflowmeter.ts";
 * // What nexusflowmeter 0.1.5 prints for an ARP-only capture.
 * const stdoutTail = "*) Total unique flows identified: 0\nError converting PCAP to flows: 'total_bytes'";
 * const result: RunResult = { code: 1, signal: null, stderrTail: "", stdoutTail, timedOut: false, aborted: false,
 *   groupKill: true, elapsedMs: 800 };
 * assert.equal(nexusFoundNoFlows(result, undefined), true);
 * const unreadable = { ...result, stdoutTail: `Error reading PCAP file: bad magic\n${stdoutTail}` };
 * assert.equal(nexusFoundNoFlows(unreadable, undefined), false);
 * ```
 */
export function nexusFoundNoFlows(result: RunResult, _outputSize: number | undefined): boolean {
  const out = result.stdoutTail;
  return result.code === 1 && /Total unique flows identified: 0\b/.test(out) &&
    /Error converting PCAP to flows: 'total_bytes'/.test(out) && !/Error reading PCAP file/.test(out);
}
