/** Thrown when an input is not a pcap or pcapng capture; the message names the input. */
export class CaptureFormatError extends Error {
  override name = "CaptureFormatError";
}

/**
 * Says in a few words what the first bytes of a non-capture look like, so the
 * error tells the user what they actually gave us.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeNonCapture } from "./format_error.ts";
 * assert.deepEqual(describeNonCapture(new TextEncoder().encode("Flow ID,Src IP")), 'not a pcap or pcapng file (starts with text "Flow ID,Src IP")');
 * ```
 */
export function describeNonCapture(head: Uint8Array): string {
  const hex = [...head.subarray(0, 8)].map((x) => x.toString(16).padStart(2, "0")).join(" ");
  const prefix = "not a pcap or pcapng file";
  if (isGzip(head)) {
    return `${prefix} (gzip-compressed data: name the .gz file itself, or decompress it first)`;
  }
  if (head[0] === 0x50 && head[1] === 0x4b) return `${prefix} (a zip archive)`;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return `${prefix} (zstd-compressed data: decompress it first)`;
  }
  const printable = head.every((x) => x === 9 || x === 10 || x === 13 || (x >= 32 && x < 127));
  if (printable) {
    const text = new TextDecoder().decode(head).replace(/\s+/g, " ").trim();
    return `${prefix} (starts with text "${text}")`;
  }
  return `${prefix} (starts with bytes ${hex})`;
}

/** Whether data starting with `head` is gzip (RFC 1952 magic 1f 8b). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}
