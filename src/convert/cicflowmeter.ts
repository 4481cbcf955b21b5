/**
 * The `cicflowmeter` converter: the PyPI Python CICFlowMeter
 * (`pip install cicflowmeter`, hieulw/cicflowmeter), run once per capture.
 * Which command line works depends on the release, so the first conversion
 * asks `cicflowmeter --help` once and then drives it by capability:
 *
 *     cicflowmeter -d TMP/in -c [--fields a,b,…] [-v] TMP/out   (releases with -d: 0.5.0)
 *     cicflowmeter -f IN.pcap -c [--fields a,b,…] [-v] TMP/OUT.csv   (0.1.x–0.4.x)
 *
 * 0.5.0's `-f` always crashes (its main() passes arguments to create_sniffer()
 * one slot off), hence the directory mode there: TMP/in holds only a link to
 * the capture, and the meter writes TMP/out/STEM.csv. Both modes print their
 * errors and still exit 0, and write a 0-byte CSV for a capture without an
 * IPv4 TCP/UDP flow, so the result is judged from the files and the text
 * (see runExternalMeter). TMP is a private directory beside the final CSV;
 * the checked CSV is renamed into place.
 */
import type { Converter, ConvertJob, ConvertOutcome } from "./converter.ts";
import { type MeterPlan, runExternalMeter } from "./external_meter.ts";
import { findExecutable, notFoundMessage } from "../system/find_executable.ts";
import {
  type CicflowmeterMode,
  detectCicflowmeterMode,
  installedVersion,
  type MeterIdentity,
  reportedError,
} from "./meter_cli.ts";
import { ConvertError } from "./converter.ts";

/** The 82 columns the Python cicflowmeter writes by default, in order (spec §6). */
export const CICFLOWMETER_COLUMNS: readonly string[] = (
  "src_ip,dst_ip,src_port,dst_port,protocol,timestamp,flow_duration,flow_byts_s,flow_pkts_s,fwd_pkts_s," +
  "bwd_pkts_s,tot_fwd_pkts,tot_bwd_pkts,totlen_fwd_pkts,totlen_bwd_pkts,fwd_pkt_len_max,fwd_pkt_len_min," +
  "fwd_pkt_len_mean,fwd_pkt_len_std,bwd_pkt_len_max,bwd_pkt_len_min,bwd_pkt_len_mean,bwd_pkt_len_std," +
  "pkt_len_max,pkt_len_min,pkt_len_mean,pkt_len_std,pkt_len_var,fwd_header_len,bwd_header_len," +
  "fwd_seg_size_min,fwd_act_data_pkts,flow_iat_mean,flow_iat_max,flow_iat_min,flow_iat_std,fwd_iat_tot," +
  "fwd_iat_max,fwd_iat_min,fwd_iat_mean,fwd_iat_std,bwd_iat_tot,bwd_iat_max,bwd_iat_min,bwd_iat_mean," +
  "bwd_iat_std,fwd_psh_flags,bwd_psh_flags,fwd_urg_flags,bwd_urg_flags,fin_flag_cnt,syn_flag_cnt," +
  "rst_flag_cnt,psh_flag_cnt,ack_flag_cnt,urg_flag_cnt,ece_flag_cnt,down_up_ratio,pkt_size_avg," +
  "init_fwd_win_byts,init_bwd_win_byts,active_max,active_min,active_mean,active_std,idle_max,idle_min," +
  "idle_mean,idle_std,fwd_byts_b_avg,fwd_pkts_b_avg,bwd_byts_b_avg,bwd_pkts_b_avg,fwd_blk_rate_avg," +
  "bwd_blk_rate_avg,fwd_seg_size_avg,bwd_seg_size_avg,cwr_flag_count,subflow_fwd_pkts,subflow_bwd_pkts," +
  "subflow_fwd_byts,subflow_bwd_byts"
).split(",");

/** Options of the cicflowmeter converter (the `cicflowmeter` section of the config). */
export interface CicflowmeterOptions {
  /** Pass `-v`. */
  verbose?: boolean;
  /** Columns to keep (`--fields a,b,c`); empty or undefined = all. */
  fields?: string[];
  /** The program's path; looked up on PATH at each conversion when undefined. */
  executable?: string;
  /** Wait between SIGTERM and SIGKILL when a conversion is aborted (default 2 s). */
  graceMs?: number;
}

/**
 * The cicflowmeter command line for one capture in `mode`: the input file
 * and output CSV (`file`), or the input and output directories (`directory`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cicflowmeterArgs } from "./cicflowmeter.ts";
 * assert.deepEqual(cicflowmeterArgs("file", "pcaps/capture_1.pcap", "csv/.tmp/capture_1.csv", { fields: ["src_ip", "dst_ip"] }), ["-f", "pcaps/capture_1.pcap", "-c", "--fields", "src_ip,dst_ip", "csv/.tmp/capture_1.csv"]);
 * assert.deepEqual(cicflowmeterArgs("directory", "tmp/in", "tmp/out"), ["-d", "tmp/in", "-c", "tmp/out"]);
 * ```
 */
export function cicflowmeterArgs(
  mode: CicflowmeterMode,
  input: string,
  output: string,
  options: CicflowmeterOptions = {},
): string[] {
  const args = [mode === "directory" ? "-d" : "-f", input, "-c"];
  if (options.fields && options.fields.length > 0) args.push("--fields", options.fields.join(","));
  if (options.verbose) args.push("-v");
  // `-c` is a flag; the output (a file, or a directory with -d) is the positional argument.
  args.push(output);
  return args;
}

/** How each mode is shown in messages. */
export const CICFLOWMETER_INVOCATIONS: Record<CicflowmeterMode, string> = {
  directory: "-d DIR -c OUTDIR",
  file: "-f FILE -c OUT.csv",
};

/** An installed cicflowmeter and the mode its release is driven in. */
export interface CicflowmeterCli extends MeterIdentity {
  mode: CicflowmeterMode;
}

/**
 * Finds cicflowmeter (`executable`, else on PATH) and how to drive it.
 * Rejects with a permanent ConvertError when it is missing or its `--help`
 * shows neither mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identifyCicflowmeter } from "./cicflowmeter.ts";
 * // The project's stand-in for the cicflowmeter 0.5.0 release (testdata/fake-meters).
 * const executable = new URL("../../testdata/fake-meters/cicflowmeter-0.5.0/cicflowmeter", import.meta.url).pathname;
 * const cli = await identifyCicflowmeter(executable);
 * assert.equal(cli.mode, "directory"); // 0.5.0 has -d only
 * ```
 */
export async function identifyCicflowmeter(executable?: string): Promise<CicflowmeterCli> {
  const path = executable ?? await findExecutable("cicflowmeter");
  if (path === null) throw new ConvertError(notFoundMessage("cicflowmeter"));
  let mode: CicflowmeterMode;
  try {
    mode = await detectCicflowmeterMode(path);
  } catch (err) {
    throw new ConvertError((err as Error).message, true);
  }
  const version = await installedVersion(path, "cicflowmeter");
  return { program: "cicflowmeter", path, version, mode, invocation: CICFLOWMETER_INVOCATIONS[mode] };
}

/** A Converter running the Python `cicflowmeter` CLI. */
export class CicflowmeterConverter implements Converter {
  readonly name = "cicflowmeter" as const;
  readonly outputExtension = ".csv";
  #cli?: Promise<CicflowmeterCli>;

  constructor(readonly options: CicflowmeterOptions = {}) {}

  /**
   * The installed meter and its mode, found once per converter (the first
   * call asks `--help`); a failure is not kept, so the next call tries again.
   */
  identify(): Promise<CicflowmeterCli> {
    this.#cli ??= identifyCicflowmeter(this.options.executable).catch((err) => {
      this.#cli = undefined;
      throw err;
    });
    return this.#cli;
  }

  /** Converts `job.input` to `job.output` (see the module comment). */
  convert(job: ConvertJob): Promise<ConvertOutcome> {
    // The meter keeps --fields in its own column order and drops unknown names; so does our header.
    const wanted = this.options.fields?.length ? new Set(this.options.fields) : undefined;
    const fields = wanted ? CICFLOWMETER_COLUMNS.filter((c) => wanted.has(c)) : CICFLOWMETER_COLUMNS;
    return runExternalMeter({
      program: "cicflowmeter",
      executable: async () => (await this.identify()).path,
      job,
      format: "csv",
      plan: async (dir) =>
        (await this.identify()).mode === "directory"
          ? await this.#directoryPlan(job.input, dir)
          : this.#filePlan(job, dir),
      // csv.writer's row ends, like the meter's own header line.
      emptyOutput: fields.join(",") + "\r\n",
      // No IPv4 TCP/UDP flow: the meter opens the CSV but writes nothing, not even the header.
      // An unreadable capture leaves the same 0-byte CSV, but with a traceback.
      foundNoFlows: (result, size) =>
        result.code === 0 && size === 0 && reportedError(result.stdoutTail, result.stderrTail) === undefined,
      graceMs: this.options.graceMs,
    });
  }

  #filePlan(job: ConvertJob, dir: string): MeterPlan {
    const output = `${dir}/${stemOf(job.output)}.csv`;
    return { args: cicflowmeterArgs("file", job.input, output, this.options), output };
  }

  /** TMP/in holds only a link to the capture (named STEM.pcap: the meter globs *.pcap); TMP/out gets STEM.csv. */
  async #directoryPlan(input: string, dir: string): Promise<MeterPlan> {
    const stem = stemOf(input);
    await Deno.mkdir(`${dir}/in`, { mode: 0o700 });
    await linkOrCopy(input, `${dir}/in/${stem}.pcap`);
    return {
      args: cicflowmeterArgs("directory", `${dir}/in`, `${dir}/out`, this.options),
      output: `${dir}/out/${stem}.csv`,
    };
  }
}

/** File name without directory and last extension. */
function stemOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * A hard link to `from` at `to` (the capture and the temp dir are usually on
 * one file system), else a copy. Not a symlink: Deno allows those only with
 * unrestricted read and write, which the compiled pipeline does not have.
 */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await Deno.link(from, to);
  } catch {
    await Deno.copyFile(from, to);
  }
}
