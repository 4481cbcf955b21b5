/**
 * The `builtin` converter: our TypeScript flow meter (`convertCaptureFile`)
 * run in a Web Worker (`convertInWorker`), one worker per conversion, so the
 * pipeline's event loop (watcher, timers, signals) stays responsive while a
 * capture is read. Abort terminates the worker and removes its temporary
 * output; the final name only ever appears complete.
 */
import { baseName } from "../paths.ts";
import { describeJoined } from "../pcap/read_stats.ts";
import { describeDamagedConversion, describeUndecodedConversion } from "./convert_file.ts";
import { formatExtension } from "../output/flow_writer.ts";
import { OUTPUT_FORMATS, type OutputFormat } from "../output/flow_writer_types.ts";
import { convertInWorker } from "./convert_in_worker.ts";
import { type Converter, ConvertError, type ConvertJob, type ConvertOutcome } from "./converter.ts";
import type { FlowTableOptions } from "./flow_table_options.ts";

/** Flow files of the built-in meter: one format, or CSV and Parquet side by side (`NAME.csv` + `NAME.parquet`). */
export const BUILTIN_FORMATS = [...OUTPUT_FORMATS, "csv+parquet"] as const;
export type BuiltinFormat = typeof BUILTIN_FORMATS[number];

/**
 * Options of the builtin converter: the flow options of `convert` (see
 * src/config/flow_option_table.ts), whose `format` may also be `csv+parquet`.
 */
export type BuiltinOptions = Omit<FlowTableOptions, "format"> & { format?: BuiltinFormat };

/** A Converter running the built-in flow meter in a Web Worker. */
export class BuiltinConverter implements Converter {
  readonly name = "builtin" as const;
  readonly outputExtension: string;

  readonly #format: OutputFormat | undefined;
  readonly #parquetBeside: boolean;

  constructor(readonly options: BuiltinOptions = {}) {
    this.#parquetBeside = options.format === "csv+parquet";
    this.#format = options.format === "csv+parquet" ? "csv" : options.format;
    this.outputExtension = formatExtension(this.#format);
  }

  /** Converts `job.input` into `job.output` in a fresh worker. */
  async convert(job: ConvertJob): Promise<ConvertOutcome> {
    const name = baseName(job.input);
    if (job.signal.aborted) throw new ConvertError(`${name}: conversion aborted before it started`);
    try {
      const r = await convertInWorker(
        {
          input: job.input,
          output: job.output,
          options: {
            ...this.options,
            format: this.#format,
            parquetBeside: this.#parquetBeside,
            fileMode: job.fileMode,
          },
          niceness: job.niceness,
        },
        job.signal,
      );
      const skipped = Object.entries(r.skipped).map(([why, n]) => `${n} ${why}`).join(", ");
      return {
        flows: r.flows,
        elapsedMs: r.elapsedMs,
        packets: r.packets,
        detail: `${r.packets} packets` + (skipped ? `; skipped: ${skipped}` : "") +
          (r.truncated ? "; last record truncated" : "") +
          (r.joinedCaptures > 0 ? `; ${describeJoined(r.joinedCaptures)}` : ""),
        warning: [r.damage && describeDamagedConversion(r.damage), describeUndecodedConversion(r)?.message]
          .filter(Boolean).join("; ") || undefined,
      };
    } catch (err) {
      if (job.signal.aborted) throw new ConvertError(`${name}: conversion aborted`);
      const e = err instanceof Error ? err : new Error(String(err));
      // Not a capture (or unreadable): retrying cannot help.
      const permanent = e.name === "CaptureFormatError" || e.name === "NotFound";
      throw new ConvertError(e.message.includes(name) ? e.message : `${name}: ${e.message}`, permanent);
    }
  }
}
