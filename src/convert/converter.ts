/**
 * The Converter interface: how the pipeline turns one completed pcap into a
 * flow CSV, whatever the flow meter (the built-in engine in a Web Worker, or
 * the external `cicflowmeter` / `nexusflowmeter` CLIs).
 */

/** The flow meters the pipeline can drive, as named on the command line. */
export const CONVERTER_NAMES = ["cicflowmeter", "nexusflowmeter", "builtin"] as const;
export type ConverterName = typeof CONVERTER_NAMES[number];

export interface ConvertJob {
  /** The completed capture, e.g. pcaps/capture_20261123_101500.pcap. */
  input: string;
  /** The final CSV path, e.g. csv/capture_20261123_101500.csv. Written atomically. */
  output: string;
  /** Where a meter that writes reports (nexusflowmeter --reports) puts them. */
  reportsDir: string;
  /** Aborted on timeout or shutdown: the conversion must stop and leave no file under `output`. */
  signal: AbortSignal;
  /** Mode of the output and report files (default 0o600: flows describe captured traffic). */
  fileMode?: number;
  /** Mode of directories the converter creates (default 0o700). */
  dirMode?: number;
  /** CPU niceness to convert at (the pipeline: CONVERSION_NICENESS, below tcpdump); unset = unchanged. */
  niceness?: number;
}

export interface ConvertOutcome {
  /** Flows (data rows) in the output. */
  flows: number;
  /** Milliseconds the conversion took. */
  elapsedMs: number;
  /** Anything worth logging (the meter's stderr tail, skipped-packet counts). */
  detail?: string;
  /** Packets read from the capture, when the meter says (the builtin one does). */
  packets?: number;
  /** Something the operator must see although rows were written (a capture damaged midway). */
  warning?: string;
}

/**
 * One flow meter. `convert` resolves when `job.output` exists complete (with
 * a header line) and rejects with a ConvertError otherwise.
 */
export interface Converter {
  readonly name: ConverterName;
  /**
   * Extension of the files this converter writes, with the dot; `.csv` when
   * undefined (nexusflowmeter writes `.json` / `.xlsx` in those formats).
   */
  readonly outputExtension?: string;
  convert(job: ConvertJob): Promise<ConvertOutcome>;
}

/**
 * A failed conversion. `permanent` failures are not retried (e.g. the input is
 * not a capture); `detail` holds what the meter said (its stderr/stdout tail).
 */
export class ConvertError extends Error {
  override name = "ConvertError";
  constructor(message: string, readonly permanent = false, readonly detail = "") {
    super(message);
  }
}
