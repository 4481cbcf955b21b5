/**
 * Web Worker entry that runs one `convertCaptureFile`, so conversions use
 * other cores (`convert --jobs N`) and the pipeline's event loop stays free.
 * Message in: ConvertRequest; message out: ConvertReply.
 */
/// <reference lib="deno.worker" />
import { convertCaptureFile, type ConvertFileOptions, type ConvertFileResult } from "./convert_file.ts";
import { CaptureFormatError } from "../pcap/format_error.ts";

export interface ConvertRequest {
  input: string;
  output: string;
  options: Omit<ConvertFileOptions, "signal" | "onProgress">;
}

export type ConvertReply =
  | { ok: true; result: ConvertFileResult }
  | { ok: false; message: string; notACapture: boolean };

self.onmessage = async (event: MessageEvent<ConvertRequest>) => {
  const { input, output, options } = event.data;
  let reply: ConvertReply;
  try {
    reply = { ok: true, result: await convertCaptureFile(input, output, options) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    reply = { ok: false, message, notACapture: err instanceof CaptureFormatError };
  }
  self.postMessage(reply);
};
