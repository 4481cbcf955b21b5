/**
 * Reading captures: a file or a byte stream (stdin, `tcpdump -w -`) through one
 * streaming parser. Large reads into one reused buffer; no per-packet copies.
 */
import { CaptureParser, type PacketCallback } from "./capture_parser.ts";
import type { ReadStats } from "./read_stats.ts";
import { isGzip } from "./format_error.ts";
import type { GzipSource } from "./gzip_input.ts";

export { CaptureParser, MAX_RECORD_BYTES, type PacketCallback } from "./capture_parser.ts";
export { CaptureFormatError } from "./format_error.ts";
export type { CaptureFormat, Damage, ProtocolCounts, ReadStats, Timestamp } from "./read_stats.ts";

/**
 * Read size for files: 256 KiB, half a core's L2 cache on the machines we
 * measure on. The parser then reads bytes still in L2 where the kernel has just
 * copied them; 2 MiB reads took four times longer (195 ms against 47 ms for a
 * page-cached 272 MB file; issue 15).
 */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export interface ReadOptions {
  /** Name used in error messages; defaults to the path, or "stream". */
  source?: string;
  /** Read size for files (default 256 KiB). */
  chunkSize?: number;
  /** Called after each chunk with the bytes consumed so far. */
  onProgress?: (bytesRead: number, stats: ReadStats) => void;
  /** Stops reading between chunks; the stats so far are returned. */
  signal?: AbortSignal;
  /** Stop after this many complete records (0 = all). */
  maxPackets?: number;
  /** Awaited after each chunk: lets a consumer apply backpressure (e.g. a writer draining). */
  afterChunk?: () => Promise<void> | void;
}

/**
 * Reads a pcap or pcapng file, calling `onPacket` for each decoded packet.
 * An empty file (tcpdump has just opened it) is 0 packets, not an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCaptureFile } from "./reader.ts";
 * let payloadBytes = 0;
 * const stats = await readCaptureFile(
 *   new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname,
 *   (pkt) => payloadBytes += pkt.payloadLength,
 * );
 * assert.equal(stats.packets, 5);
 * assert.equal(stats.protocols.udp, 5);
 * assert.equal(stats.skipped["truncated-record"], 0);
 * assert(payloadBytes > 0);
 * ```
 */
export async function readCaptureFile(
  path: string,
  onPacket: PacketCallback,
  options: ReadOptions = {},
): Promise<ReadStats> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(options.chunkSize ?? DEFAULT_CHUNK_BYTES);
  // The first chunk says whether the file is gzip. No seeking back: the path may be a pipe (`<(zcat …)`).
  let n = file.readSync(buffer);
  if (n !== null && isGzip(buffer.subarray(0, n))) {
    return await readGzip(file, buffer.slice(0, n), path, onPacket, options);
  }
  const parser = parserFor(onPacket, options, path);
  // Synchronous reads: an async read of a file costs a thread hand-off per chunk,
  // ~40% more time for a page-cached file (issue 15). The event loop still runs
  // (signals, timers, the writer's output) at least every YIELD_BYTES.
  let sinceYield = 0;
  while (n !== null && !parser.finished && !options.signal?.aborted) {
    parser.push(n === buffer.length ? buffer : buffer.subarray(0, n));
    options.onProgress?.(parser.stats.bytesRead, parser.stats);
    const waited = options.afterChunk?.();
    sinceYield += n;
    if (waited) {
      await waited;
      sinceYield = 0;
    } else if (sinceYield >= YIELD_BYTES) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      sinceYield = 0;
    }
    if (parser.finished || options.signal?.aborted) break;
    n = file.readSync(buffer);
  }
  const stats = parser.end();
  if (stats.damage) {
    const info = file.statSync();
    if (info.isFile) stats.damage.unreadBytes = info.size - stats.damage.offset;
  }
  return stats;
}

/**
 * A gzip-compressed capture (`head`: its bytes read so far), decompressed as it is read. Progress is in
 * compressed bytes (a file's size is the whole); a break in the gzip data
 * (cut short, corrupt) ends the input there and is reported as damage.
 */
async function readGzip(
  file: GzipSource,
  head: Uint8Array,
  path: string,
  onPacket: PacketCallback,
  options: ReadOptions,
): Promise<ReadStats> {
  // Loaded only for a gzip file: node:zlib and node:stream would cost every conversion their start-up.
  const { gunzip } = await import("./gzip_input.ts");
  const input = gunzip(file, head);
  const onProgress = options.onProgress;
  const stats = await readCaptureStream(input.stream, onPacket, {
    ...options,
    source: options.source ?? path,
    onProgress: onProgress && ((_plain, s) => onProgress(input.compressedBytes(), s)),
  });
  stats.format.compression = "gzip";
  const error = input.error();
  if (error !== null && stats.damage === null) {
    stats.damage = {
      offset: stats.bytesRead,
      what: `the gzip data is cut short or corrupt (${error}; offset in the decompressed capture)`,
      unreadBytes: null,
    };
  }
  return stats;
}

/** Bytes read from a file between two turns of the event loop. */
const YIELD_BYTES = 16 * 1024 * 1024;

/** A source that reads into the caller's buffer, as `Deno.stdin` does. */
export interface ByteReader {
  read(buffer: Uint8Array): Promise<number | null>;
}

/**
 * Reads a pcap or pcapng capture from `input` (standard input: a pipe from
 * `tcpdump -w -`, or a redirected file) to its end, or until `signal` aborts
 * or `maxPackets` is reached. Like `readCaptureFile`, into one reused buffer,
 * but each read is asynchronous: signals and timers still run while a pipe
 * waits for its writer. Faster than its `ReadableStream` (a new buffer per
 * chunk): a 272 MB capture piped into `convert -` took 0.98 s against 1.11 s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCaptureReader } from "./reader.ts";
 * using file = await Deno.open(new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname);
 * const stats = await readCaptureReader(file, () => {}, { source: "stdin" });
 * assert.equal(stats.packets, 5);
 * ```
 */
export async function readCaptureReader(
  input: ByteReader,
  onPacket: PacketCallback,
  options: ReadOptions = {},
): Promise<ReadStats> {
  const buffer = new Uint8Array(options.chunkSize ?? DEFAULT_CHUNK_BYTES);
  // A read still waiting when the signal aborts is left behind: it can only fill `buffer`.
  const signal = options.signal;
  let onAbort = () => {};
  const aborted = new Promise<null>((resolve) => onAbort = () => resolve(null));
  signal?.addEventListener("abort", onAbort, { once: true });
  const read = () => signal ? Promise.race([input.read(buffer), aborted]) : input.read(buffer);
  try {
    let n = await read();
    // `cat trace.pcap.gz | pcap-pipeline convert -`: the first chunk says whether it is gzip.
    if (n !== null && !signal?.aborted && isGzip(buffer.subarray(0, n))) {
      return await readGzip(input, buffer.slice(0, n), "stream", onPacket, options);
    }
    const parser = parserFor(onPacket, options, "stream");
    while (n !== null && !parser.finished && !signal?.aborted) {
      parser.push(buffer.subarray(0, n));
      options.onProgress?.(parser.stats.bytesRead, parser.stats);
      if (options.afterChunk) await options.afterChunk();
      if (parser.finished || signal?.aborted) break;
      n = await read();
    }
    return parser.end();
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Reads a pcap or pcapng byte stream to its end (or until `signal` aborts or
 * `maxPackets` is reached, which cancels the stream).
 */
export async function readCaptureStream(
  stream: ReadableStream<Uint8Array>,
  onPacket: PacketCallback,
  options: ReadOptions = {},
): Promise<ReadStats> {
  const parser = parserFor(onPacket, options, "stream");
  const reader = stream.getReader();
  const onAbort = () => reader.cancel().catch(() => {});
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (!parser.finished && !options.signal?.aborted) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
      options.onProgress?.(parser.stats.bytesRead, parser.stats);
      if (options.afterChunk) await options.afterChunk();
    }
    if (parser.finished) await reader.cancel().catch(() => {});
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
  return parser.end();
}

/** The parser behind each reading function: its source named as the options say, else `source`. */
function parserFor(onPacket: PacketCallback, options: ReadOptions, source: string): CaptureParser {
  return new CaptureParser(onPacket, { source: options.source ?? source, maxPackets: options.maxPackets });
}
