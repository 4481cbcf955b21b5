/**
 * The `cicflowmeter` converter: the PyPI Python CICFlowMeter
 * (`pip install cicflowmeter`, hieulw/cicflowmeter), run once per capture as
 *
 *     cicflowmeter -f IN.pcap -c TMPDIR/OUT.csv [--fields a,b,…] [-v]
 *
 * It writes OUT itself; we point it at a private temporary directory beside
 * the final CSV and rename the file into place once it is checked.
 */
import type { Converter, ConvertJob, ConvertOutcome } from "./converter.ts";
import { runExternalMeter } from "./external_meter.ts";

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
 * The cicflowmeter command line for one capture.
 *
 * @example
 * cicflowmeterArgs("pcaps/capture_1.pcap", "csv/.tmp/capture_1.csv", { fields: ["src_ip", "dst_ip"] })
 * // ["-f", "pcaps/capture_1.pcap", "-c", "csv/.tmp/capture_1.csv", "--fields", "src_ip,dst_ip"]
 */
export function cicflowmeterArgs(input: string, output: string, options: CicflowmeterOptions = {}): string[] {
  const args = ["-f", input, "-c", output];
  if (options.fields && options.fields.length > 0) args.push("--fields", options.fields.join(","));
  if (options.verbose) args.push("-v");
  return args;
}

/** A Converter running the Python `cicflowmeter` CLI. */
export class CicflowmeterConverter implements Converter {
  readonly name = "cicflowmeter" as const;
  readonly outputExtension = ".csv";

  constructor(readonly options: CicflowmeterOptions = {}) {}

  /** Converts `job.input` to `job.output` (see the module comment). */
  convert(job: ConvertJob): Promise<ConvertOutcome> {
    const fields = this.options.fields?.length ? this.options.fields : CICFLOWMETER_COLUMNS;
    return runExternalMeter({
      program: "cicflowmeter",
      executable: this.options.executable,
      job,
      format: "csv",
      args: (temp) => cicflowmeterArgs(job.input, temp, this.options),
      emptyOutput: fields.join(",") + "\r\n",
      graceMs: this.options.graceMs,
    });
  }
}
