/**
 * Runs a conversion in a fresh Web Worker and resolves with its result.
 * Aborting terminates the worker; the atomic writer's temp file is then left
 * under its temporary name (`.NAME.tmp-…`) and removed here.
 */
import type { ConvertReply, ConvertRequest } from "./convert_worker.ts";
import type { ConvertFileResult } from "./convert_file.ts";
import { CaptureFormatError } from "../pcap/format_error.ts";
import { isAtomicTempName } from "../output/atomic_write.ts";

/**
 * @example
 * const result = await convertInWorker({ input: "a.pcap", output: "a.csv", options: { profile: "corrected" } });
 */
export function convertInWorker(request: ConvertRequest, signal?: AbortSignal): Promise<ConvertFileResult> {
  const worker = new Worker(new URL("./convert_worker.ts", import.meta.url), { type: "module" });
  return new Promise<ConvertFileResult>((resolve, reject) => {
    const onAbort = () => {
      worker.terminate();
      removeTempOutputs(request.output).finally(() =>
        reject(signal?.reason ?? new DOMException("conversion aborted", "AbortError"))
      );
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.onmessage = (event: MessageEvent<ConvertReply>) => {
      signal?.removeEventListener("abort", onAbort);
      worker.terminate();
      const reply = event.data;
      if (reply.ok) resolve(reply.result);
      else reject(reply.notACapture ? new CaptureFormatError(reply.message) : new Error(reply.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      signal?.removeEventListener("abort", onAbort);
      worker.terminate();
      reject(new Error(`conversion worker for ${request.input} failed: ${event.message}`));
    };
    worker.postMessage(request);
  });
}

/** Removes temp files an interrupted atomic write of `output` left in its directory. */
async function removeTempOutputs(output: string): Promise<void> {
  if (output === "-") return;
  const slash = output.lastIndexOf("/");
  const dir = slash >= 0 ? output.slice(0, slash) || "/" : ".";
  const base = output.slice(slash + 1);
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (
        entry.isFile && isAtomicTempName(entry.name) && entry.name.startsWith(`.${base}.tmp-${Deno.pid}-`)
      ) {
        await Deno.remove(`${dir}/${entry.name}`).catch(() => {});
      }
    }
  } catch { /* the directory is gone: nothing to clean */ }
}
