/**
 * Runs a conversion in a Web Worker (a fresh one, or a `ConvertWorker` kept
 * for several files so its JIT stays warm) and resolves with its result.
 * Aborting terminates the worker; whatever temporary output it left
 * (`.NAME.tmp-<pid>-…`, never the final name) is removed.
 */
import type { ConvertReply, ConvertRequest } from "./convert_worker.ts";
import { type ConvertFileResult, parquetPathBeside } from "./convert_file.ts";
import { fromWorkerError } from "./worker_error.ts";
import { isAtomicTempName } from "../system/atomic_write.ts";

/**
 * Rejects with the worker's error, rebuilt in its class (worker_error.ts),
 * or with the signal's reason when aborted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { convertInWorker } from "./convert_in_worker.ts";
 * const dir = await Deno.makeTempDir();
 * const input = new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname;
 * const result = await convertInWorker({ input, output: `${dir}/a.csv`, options: { profile: "corrected" } });
 * assert.equal(result.packets, 5);
 * await assert.rejects(
 *   convertInWorker({ input: `${dir}/a.csv`, output: `${dir}/b.csv`, options: {} }),
 *   (err: Error) => err.name === "CaptureFormatError", // the worker's error, by name
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function convertInWorker(
  request: ConvertRequest,
  signal?: AbortSignal,
  reuse?: ConvertWorker,
): Promise<ConvertFileResult> {
  const worker = reuse?.worker ?? newWorker();
  if (reuse) reuse.worker = worker;
  let onAbort: (() => void) | undefined;
  try {
    const reply = await new Promise<ConvertReply>((resolve, reject) => {
      onAbort = () => reject(signal?.reason ?? new DOMException("conversion aborted", "AbortError"));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      worker.onmessage = (event: MessageEvent<ConvertReply>) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(`${request.input}: the conversion worker crashed: ${event.message}`));
      };
      worker.postMessage(request);
    });
    if (reply.ok) return reply.result;
    throw fromWorkerError(reply);
  } catch (err) {
    worker.terminate();
    if (reuse) reuse.worker = undefined;
    await removeTempOutputs(request.output);
    if (request.options.parquetBeside) await removeTempOutputs(parquetPathBeside(request.output));
    throw err;
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    if (!reuse) worker.terminate();
  }
}

/**
 * A worker kept across conversions (`convert --jobs N` gives each lane one):
 * a fresh worker starts with a cold JIT, which costs a 1 M-packet file about
 * a third of its time (issue 15). After a failure the next conversion gets a
 * new worker. Call `close()` when done.
 */
export class ConvertWorker {
  /** The live worker, or undefined before the first conversion and after a failure. */
  worker: Worker | undefined;

  close(): void {
    this.worker?.terminate();
    this.worker = undefined;
  }
}

function newWorker(): Worker {
  return new Worker(new URL("./convert_worker.ts", import.meta.url), { type: "module" });
}

/** Removes `.NAME.tmp-<our pid>-*` files beside `output` (left by a terminated worker). */
async function removeTempOutputs(output: string): Promise<void> {
  if (output === "-") return;
  const slash = output.lastIndexOf("/");
  const dir = slash > 0 ? output.slice(0, slash) : slash === 0 ? "/" : ".";
  const prefix = `.${output.slice(slash + 1)}.tmp-${Deno.pid}-`;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.startsWith(prefix) && isAtomicTempName(entry.name)) {
        await Deno.remove(`${dir}/${entry.name}`).catch(() => {});
      }
    }
  } catch { /* the directory is gone: nothing to clean */ }
}
