/**
 * Errors across a Web Worker boundary: a worker posts the name and message,
 * and the receiving side rebuilds an error of the same class, so callers
 * keep telling a bad capture (CaptureFormatError) or a missing file
 * (Deno.errors.NotFound) apart by `instanceof`.
 */
import { CaptureFormatError } from "../pcap/format_error.ts";

/** What a worker posts for an error. */
export interface WorkerError {
  name: string;
  message: string;
}

/** The name and message of anything thrown. */
export function toWorkerError(err: unknown): WorkerError {
  return err instanceof Error
    ? { name: err.name, message: err.message }
    : { name: "Error", message: String(err) };
}

/**
 * The error a worker reported, as its own class where we know it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromWorkerError, toWorkerError } from "./worker_error.ts";
 * const err = fromWorkerError(toWorkerError(new Deno.errors.NotFound("x.pcap")));
 * assert(err instanceof Deno.errors.NotFound);
 * assert.equal(err.message, "x.pcap");
 * ```
 */
export function fromWorkerError(e: WorkerError): Error {
  const known = e.name === "CaptureFormatError"
    ? CaptureFormatError
    : (Deno.errors as unknown as Record<string, ErrorConstructor | undefined>)[e.name];
  const err = known ? new known(e.message) : new Error(e.message);
  err.name = e.name;
  return err;
}
