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
 * assert.match(describeNonCapture(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 0, 4])), /xz-compressed data: decompress it first \(xz -dc FILE \| pcap-pipeline convert -\)/);
 * ```
 */
export function describeNonCapture(head: Uint8Array): string {
  const hex = [...head.subarray(0, 8)].map((x) => x.toString(16).padStart(2, "0")).join(" ");
  const prefix = "not a pcap or pcapng file";
  if (isGzip(head)) {
    return `${prefix} (gzip-compressed data: name the .gz file itself, or decompress it first)`;
  }
  const known = KNOWN_FORMATS.find((f) => f.magic.every((x, i) => head[i] === x));
  if (known) return `${prefix} (${known.what})`;
  const printable = head.every((x) => x === 9 || x === 10 || x === 13 || (x >= 32 && x < 127));
  if (printable) {
    const text = new TextDecoder().decode(head).replace(/\s+/g, " ").trim();
    return `${prefix} (starts with text "${text}")`;
  }
  return `${prefix} (starts with bytes ${hex})`;
}

const FROM_STDIN = "| pcap-pipeline convert -";
const WITH_EDITCAP = "convert it with Wireshark's editcap first: editcap -F pcapng FILE FILE.pcapng";

/** What users hand us instead of a capture, by its first bytes, and what to do about it. */
const KNOWN_FORMATS: { magic: number[]; what: string }[] = [
  { magic: [0x50, 0x4b], what: "a zip archive" },
  {
    magic: [0x28, 0xb5, 0x2f, 0xfd],
    what: `zstd-compressed data: decompress it first (zstd -dc FILE ${FROM_STDIN})`,
  },
  {
    magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
    what: `xz-compressed data: decompress it first (xz -dc FILE ${FROM_STDIN})`,
  },
  {
    magic: [0x42, 0x5a, 0x68],
    what: `bzip2-compressed data: decompress it first (bzip2 -dc FILE ${FROM_STDIN})`,
  },
  {
    magic: [0x04, 0x22, 0x4d, 0x18],
    what: `lz4-compressed data: decompress it first (lz4 -dc FILE ${FROM_STDIN})`,
  },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: "a 7-Zip archive" },
  // Other capture formats: Solaris snoop, Microsoft Network Monitor 1.x and 2.x.
  { magic: [0x73, 0x6e, 0x6f, 0x6f, 0x70, 0, 0, 0], what: `a snoop capture: ${WITH_EDITCAP}` },
  { magic: [0x52, 0x54, 0x53, 0x53], what: `a Network Monitor capture: ${WITH_EDITCAP}` },
  { magic: [0x47, 0x4d, 0x42, 0x55], what: `a Network Monitor capture: ${WITH_EDITCAP}` },
];

/** Whether data starting with `head` is gzip (RFC 1952 magic 1f 8b). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}
