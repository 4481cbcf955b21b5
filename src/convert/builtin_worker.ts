/**
 * Web Worker entry of the `builtin` converter: converts one capture with
 * `convertCaptureFile` off the pipeline's event loop and posts the outcome.
 *
 * In: `BuiltinRequest`. Out: `BuiltinReply`.
 */
/// <reference lib="deno.worker" />
import { convertCaptureFile, type ConvertFileOptions } from "./convert_file.ts";

/** What the converter sends the worker. */
export interface BuiltinRequest {
  input: string;
  output: string;
  options: ConvertFileOptions;
}

/** What the worker answers: the counts, or the error's name and message. */
export type BuiltinReply =
  | {
    ok: true;
    flows: number;
    packets: number;
    skipped: Record<string, number>;
    elapsedMs: number;
    truncated: boolean;
  }
  | { ok: false; name: string; message: string };

self.onmessage = async (event: MessageEvent<BuiltinRequest>) => {
  const { input, output, options } = event.data;
  let reply: BuiltinReply;
  try {
    const r = await convertCaptureFile(input, output, { ...options, quiet: true });
    reply = {
      ok: true,
      flows: r.flows,
      packets: r.packets,
      skipped: r.skipped,
      elapsedMs: r.elapsedMs,
      truncated: r.truncated,
    };
  } catch (err) {
    reply = err instanceof Error
      ? { ok: false, name: err.name, message: err.message }
      : { ok: false, name: "Error", message: String(err) };
  }
  self.postMessage(reply);
};
