/**
 * Web Worker entry that runs one `convertCaptureFile`, so conversions use
 * other cores (`convert --jobs N`, the pipeline's `builtin` meter) and the
 * caller's event loop stays free. Message in: ConvertRequest; out: ConvertReply.
 */
/// <reference lib="deno.worker" />
import { convertCaptureFile, type ConvertFileOptions, type ConvertFileResult } from "./convert_file.ts";
import { lowerPriority } from "../system/low_priority.ts";
import { toWorkerError, type WorkerError } from "./worker_error.ts";

export interface ConvertRequest {
  input: string;
  output: string;
  options: Omit<ConvertFileOptions, "signal" | "onProgress">;
  /** Lower this worker thread's CPU priority to this niceness first (see low_priority.ts). */
  niceness?: number;
}

/** The result, or the error's name (e.g. CaptureFormatError, NotFound) and message. */
export type ConvertReply =
  | { ok: true; result: ConvertFileResult }
  | ({ ok: false } & WorkerError);

self.onmessage = async (event: MessageEvent<ConvertRequest>) => {
  const { input, output, options, niceness } = event.data;
  // Best effort: without the permission the conversion still runs, at normal priority.
  if (niceness !== undefined) lowerPriority(0, niceness);
  let reply: ConvertReply;
  try {
    reply = { ok: true, result: await convertCaptureFile(input, output, options) };
  } catch (err) {
    reply = { ok: false, ...toWorkerError(err) };
  }
  self.postMessage(reply);
};
