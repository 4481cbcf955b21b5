/**
 * One capture in, one flow table out: the reader, the built-in flow meter
 * and a writer, wired together. Used by `convert`, by the pipeline's
 * `builtin` meter (in a Web Worker) and by the benchmarks.
 */
import { FlowMeter, type MeterStats } from "../flow/meter.ts";
import { describeDamage } from "../pcap/read_stats.ts";
import { describeUndecodedLinkTypes, undecodedLinkTypes } from "../pcap/link_types.ts";
import { type Damage, readCaptureFile, readCaptureReader, type ReadStats } from "../pcap/reader.ts";
import { type FlowTableOptions, layoutFrom, meterOptionsFrom } from "./flow_table_options.ts";
import { openFlowWriter, type OutputFormat } from "../output/flow_writer.ts";
import { openTeeWriter } from "../output/tee_writer.ts";
import { readerThreadAvailable, readIntoMeterSplit } from "./split_read.ts";

/** Open flows ended per step at the end of the input (between steps the writer may catch up). */
const FLUSH_BATCH = 4096;

/** Options of one conversion: the flow table's, plus input, output and control. */
export interface ConvertFileOptions extends FlowTableOptions {
  /**
   * Also write a Parquet file beside `output`, named like it with `.parquet`
   * for its extension (`capture.csv` → `capture.parquet`). It is published just
   * before `output`, so `output` existing means both are complete.
   */
  parquetBeside?: boolean;
  /** Stop after this many packets (0 = all). */
  maxPackets?: number;
  /**
   * Read and decode a file input on a second thread while this one runs the
   * meter and the writer (split_read.ts): faster with a core to spare, the
   * same rows. Ignored for stdin, and without read access to the program's
   * own modules (readerThreadAvailable).
   */
  readerThread?: boolean;
  /** Mode of the output file (default 0600). */
  fileMode?: number;
  /** Stops the conversion; the output is not written. */
  signal?: AbortSignal;
  /** Called after each read chunk. */
  onProgress?: (bytesRead: number, packets: number) => void;
}

export interface ConvertFileResult {
  input: string;
  output: string;
  /** Records read from the capture. */
  packets: number;
  /** Packets that went into flows. */
  packetsUsed: number;
  flows: number;
  /** Packets not used, by reason: the reader's skips and the meter's ignores (non-IP, IPv6 off, later fragments). */
  skipped: Record<string, number>;
  /** The input ended inside a record (e.g. tcpdump was killed). */
  truncated: boolean;
  /** Records longer than the snaplen, kept cut to it (as libpcap does). */
  cutToSnaplen: number;
  /** Classic pcap file headers after the first (captures joined with `cat`), read through. */
  joinedCaptures: number;
  /** Where the capture's framing broke: rows cover the packets before it only. */
  damage: Damage | null;
  /** The file's link types the reader does not decode (their packets are skipped as `unknown-link-type`). */
  undecodedLinkTypes: number[];
  elapsedMs: number;
  bytesRead: number;
  outOfOrder: number;
  /** Packets older than their flow's last packet (corrected: counted with an IAT of 0). */
  earlierThanFlow: number;
  singlePacketFlowsDropped: number;
  peakActiveFlows: number;
}

/**
 * Converts `input` (a pcap/pcapng path, or "-" for standard input) into
 * `output` (a path written atomically, or "-" for standard output).
 * Throws CaptureFormatError (naming the file) when the input is not a capture;
 * then no output file appears.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { convertCaptureFile } from "./convert_file.ts";
 * const dir = await Deno.makeTempDir();
 * const input = new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname;
 * const r = await convertCaptureFile(input, `${dir}/udp.csv`, { profile: "cic2017" });
 * assert.equal(`${r.flows} flows from ${r.packets} packets`, "2 flows from 5 packets");
 * assert.equal((await Deno.readTextFile(`${dir}/udp.csv`)).trimEnd().split("\n").length, 3); // header + 2 rows
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function convertCaptureFile(
  input: string,
  output: string,
  options: ConvertFileOptions = {},
): Promise<ConvertFileResult> {
  const started = performance.now();
  const layout = layoutFrom(options);
  const open = (path: string, format: OutputFormat | undefined) =>
    openFlowWriter({
      path,
      layout,
      format,
      fileMode: options.fileMode,
      compression: options.compression,
      rowGroupRows: options.rowGroupRows,
    });
  const writer = options.parquetBeside
    ? await openTeeWriter([
      () => open(parquetPathBeside(output), "parquet"),
      () => open(output, options.format),
    ])
    : await open(output, options.format);
  const meterOptions = meterOptionsFrom(options);
  const meter = new FlowMeter(meterOptions, (flow) => writer.write(flow));
  let stats: ReadStats;
  try {
    const readOptions = {
      maxPackets: options.maxPackets,
      signal: options.signal,
      onProgress: options.onProgress &&
        ((bytes: number, s: ReadStats) => options.onProgress!(bytes, s.packets)),
      // After every chunk read, backlogged or not: the reading loop is synchronous, and queued
      // writes start only when it yields (one thread, `corrected` mix: 1.05 → 0.91 s).
      afterChunk: () => writer.ready(),
    };
    stats = options.readerThread && input !== "-" && readerThreadAvailable()
      ? await readIntoMeterSplit(input, meter, meterOptions, {
        maxPackets: options.maxPackets,
        signal: options.signal,
        onProgress: options.onProgress,
        afterBatch: readOptions.afterChunk,
      })
      : input === "-"
      ? await readCaptureReader(Deno.stdin, meter.addPacket, { ...readOptions, source: "stdin" })
      : await readCaptureFile(input, meter.addPacket, readOptions);
    if (options.signal?.aborted) {
      throw options.signal.reason ?? new DOMException("conversion aborted", "AbortError");
    }
    // The flows still open, a batch at a time: at the end of a flood there may be hundreds of
    // thousands, and their rows are written while the rest are built instead of all held at once.
    // Awaiting after every batch, backlogged or not, lets the queued writes start while the next
    // batch is encoded (a 500 000-flow flood: 4.33 → 4.05 s; to a slow pipe 12.3 → 11.3 s).
    while (!meter.flushPartly(FLUSH_BATCH)) await writer.ready();
    await writer.close();
  } catch (err) {
    await writer.abort().catch(() => {});
    throw err;
  }
  return summarise(input, output, stats, meter.stats, writer.rows, performance.now() - started);
}

/**
 * What to tell the user of a conversion whose capture is damaged: where it broke, and that the
 * output holds the rows of the packets before it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeDamagedConversion } from "./convert_file.ts";
 * assert.equal(
 *   describeDamagedConversion({ offset: 40, what: "a record claims 999999 captured bytes", unreadBytes: 16 }),
 *   "damaged at byte 40, a record claims 999999 captured bytes: nothing after it was read (16 bytes); " +
 *     "rows written for the packets before it",
 * );
 * ```
 */
export function describeDamagedConversion(damage: Damage): string {
  return `${describeDamage(damage)}; rows written for the packets before it`;
}

/**
 * What to tell the user of a conversion that skipped packets of link types the reader does not
 * decode, or null when it skipped none; `failed` when no packet made it into a flow.
 */
export function describeUndecodedConversion(
  r: ConvertFileResult,
): { message: string; failed: boolean } | null {
  if (r.undecodedLinkTypes.length === 0) return null;
  const failed = r.packetsUsed === 0;
  const skipped = r.skipped["unknown-link-type"] ?? 0;
  const message = describeUndecodedLinkTypes(
    r.undecodedLinkTypes,
    `: ${skipped} packet${skipped === 1 ? "" : "s"} skipped`,
  ) +
    (failed ? "; no packet of the file could be used" : "");
  return { message, failed };
}

/**
 * The Parquet file written beside `output` by `parquetBeside`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parquetPathBeside } from "./convert_file.ts";
 * assert.deepEqual(parquetPathBeside("csv/capture_20261123_101500.csv"), "csv/capture_20261123_101500.parquet");
 * ```
 */
export function parquetPathBeside(output: string): string {
  if (output === "-") throw new Error("a Parquet file beside stdout is not possible; name an output file");
  const slash = output.lastIndexOf("/");
  const dot = output.lastIndexOf(".");
  return `${dot > slash + 1 ? output.slice(0, dot) : output}.parquet`;
}

function summarise(
  input: string,
  output: string,
  read: ReadStats,
  meter: MeterStats,
  flows: number,
  elapsedMs: number,
): ConvertFileResult {
  const skipped: Record<string, number> = {};
  for (const [reason, n] of Object.entries(read.skipped)) if (n > 0) skipped[reason] = n;
  // "undecodable" repeats the reader's reasons above (those records are still offered to the meter).
  for (const [reason, n] of Object.entries(meter.ignored)) {
    if (n > 0 && reason !== "undecodable") skipped[reason] = n;
  }
  return {
    input,
    output,
    packets: read.packets,
    packetsUsed: meter.packetsUsed,
    flows,
    skipped,
    truncated: read.skipped["truncated-record"] > 0,
    cutToSnaplen: read.cutToSnaplen,
    joinedCaptures: read.joinedCaptures,
    damage: read.damage,
    undecodedLinkTypes: read.skipped["unknown-link-type"] > 0 ? undecodedLinkTypes(read.linkTypes) : [],
    elapsedMs,
    bytesRead: read.bytesRead,
    outOfOrder: meter.outOfOrder,
    earlierThanFlow: meter.earlierThanFlow,
    singlePacketFlowsDropped: meter.singlePacketFlowsDropped,
    peakActiveFlows: meter.peakActiveFlows,
  };
}
