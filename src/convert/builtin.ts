/**
 * The `builtin` converter: our TypeScript flow meter (`convertCaptureFile`)
 * run in a Web Worker (`convertInWorker`), one worker per conversion, so the
 * pipeline's event loop (watcher, timers, signals) stays responsive while a
 * capture is read. Abort terminates the worker and removes its temporary
 * output; the final name only ever appears complete.
 */
import { baseName } from "../paths.ts";
import { formatExtension } from "../output/flow_writer.ts";
import type { ConvertFileOptions } from "./convert_file.ts";
import { convertInWorker } from "./convert_in_worker.ts";
import { type Converter, ConvertError, type ConvertJob, type ConvertOutcome } from "./converter.ts";

/** Options of the builtin converter (a subset of `convertCaptureFile`'s). */
export type BuiltinOptions = Pick<
  ConvertFileOptions,
  | "profile"
  | "columns"
  | "format"
  | "fields"
  | "flowTimeoutSec"
  | "activityTimeoutSec"
  | "label"
  | "snaplenLengths"
  | "parquetBeside"
>;

/** A Converter running the built-in flow meter in a Web Worker. */
export class BuiltinConverter implements Converter {
  readonly name = "builtin" as const;
  readonly outputExtension: string;

  constructor(readonly options: BuiltinOptions = {}) {
    this.outputExtension = formatExtension(options.format);
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
          options: { ...this.options, fileMode: job.fileMode },
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
          (r.truncated ? "; last record truncated" : ""),
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
