/**
 * One-line messages for errors about an input file, naming the file.
 */
import { CaptureFormatError } from "../pcap/format_error.ts";

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFileError } from "./file_errors.ts";
 * assert.deepEqual(describeFileError("x.pcap", new Deno.errors.NotFound("...")), "x.pcap: no such file");
 * ```
 */
export function describeFileError(file: string, err: unknown): string {
  if (err instanceof CaptureFormatError) return err.message; // already names the file
  if (err instanceof Deno.errors.NotFound) return `${file}: no such file`;
  if (err instanceof Deno.errors.PermissionDenied) return `${file}: permission denied`;
  if (err instanceof Deno.errors.IsADirectory) return `${file}: is a directory, not a capture file`;
  const message = err instanceof Error ? err.message : String(err);
  return `${file}: ${message}`;
}
