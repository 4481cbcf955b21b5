/**
 * The `builtin` converter: our TypeScript flow meter (`convertCaptureFile`)
 * run in a Web Worker, one worker per conversion, so the pipeline's event
 * loop (watcher, timers, signals) stays responsive while a capture is read.
 * Abort terminates the worker and removes its temporary output; the final
 * name only ever appears complete (the writer renames atomically).
 */
import { isAtomicTempName } from "../output/atomic_write.ts";
import type { ConvertFileOptions } from "./convert_file.ts";
import { type Converter, ConvertError, type ConvertJob, type ConvertOutcome } from "./converter.ts";
import type { BuiltinReply, BuiltinRequest } from "./builtin_worker.ts";

/** Options of the builtin converter (a subset of `convertCaptureFile`'s). */
export type BuiltinOptions = Pick<
  ConvertFileOptions,
  "profile" | "columns" | "format" | "fields" | "flowTimeoutSec" | "activityTimeoutSec" | "label"
>;

/** A Converter running the built-in flow meter in a Web Worker. */
export class BuiltinConverter implements Converter {
  readonly name = "builtin" as const;
  readonly outputExtension: string;

  constructor(readonly options: BuiltinOptions = {}) {
    this.outputExtension = options.format === "ndjson" ? ".ndjson" : ".csv";
  }

  /** Converts `job.input` into `job.output` in a fresh worker. */
  async convert(job: ConvertJob): Promise<ConvertOutcome> {
    const name = baseName(job.input);
    if (job.signal.aborted) throw new ConvertError(`${name}: conversion aborted before it started`);
    const worker = new Worker(new URL("./builtin_worker.ts", import.meta.url), { type: "module" });
    let onAbort: (() => void) | undefined;
    try {
      const reply = await new Promise<BuiltinReply>((resolve, reject) => {
        onAbort = () => reject(new ConvertError(`${name}: conversion aborted`));
        job.signal.addEventListener("abort", onAbort, { once: true });
        worker.onmessage = (e: MessageEvent<BuiltinReply>) => resolve(e.data);
        worker.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(new ConvertError(`${name}: built-in converter crashed: ${e.message}`));
        };
        const request: BuiltinRequest = { input: job.input, output: job.output, options: this.options };
        worker.postMessage(request);
      });
      if (!reply.ok) {
        // Not a capture (or unreadable): retrying cannot help.
        const permanent = reply.name === "CaptureFormatError" || reply.name === "NotFound";
        throw new ConvertError(prefixed(name, reply.message), permanent);
      }
      const skipped = Object.entries(reply.skipped).map(([why, n]) => `${n} ${why}`).join(", ");
      return {
        flows: reply.flows,
        elapsedMs: reply.elapsedMs,
        detail: `${reply.packets} packets` + (skipped ? `; skipped: ${skipped}` : "") +
          (reply.truncated ? "; last record truncated" : ""),
      };
    } catch (err) {
      worker.terminate();
      await removeTempOutputs(job.output);
      throw err;
    } finally {
      if (onAbort) job.signal.removeEventListener("abort", onAbort);
      worker.terminate();
    }
  }
}

/** Removes `.NAME.tmp-<our pid>-*` files beside `output` (left by a terminated worker). */
async function removeTempOutputs(output: string): Promise<void> {
  const slash = output.lastIndexOf("/");
  const dir = slash > 0 ? output.slice(0, slash) : slash === 0 ? "/" : ".";
  const prefix = `.${output.slice(slash + 1)}.tmp-${Deno.pid}-`;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith(prefix) && isAtomicTempName(entry.name)) {
        await Deno.remove(`${dir}/${entry.name}`).catch(() => {});
      }
    }
  } catch {
    // directory gone: nothing to clean
  }
}

function prefixed(name: string, message: string): string {
  return message.includes(name) ? message : `${name}: ${message}`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
