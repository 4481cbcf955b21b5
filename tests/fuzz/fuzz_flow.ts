/**
 * The flow side of a fuzz case: every packet the reader gives goes into flow
 * meters of both profiles, and every finished flow through a CSV or NDJSON
 * encoder (in memory). At the end the meters' promises are checked:
 *
 * - memory: never more open flows than packets used;
 * - conservation: every used packet lands in exactly one emitted flow
 *   (cic2017 without single-packet flows: emitted + dropped single packets);
 * - every row is well formed: a CSV line has one cell per column and the
 *   byte fast path writes exactly `row()`; an NDJSON line parses to one key
 *   per column.
 */
import type { PacketInfo } from "../../src/pcap/packet.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { MeterOptions } from "../../src/flow/profile.ts";
import type { FlowRecord } from "../../src/flow/flow_record.ts";
import { buildLayout, columnKeys, LAYOUT_NAMES } from "../../src/output/columns.ts";
import { TIMESTAMP_FORMATS } from "../../src/output/timestamp_format.ts";
import { csvEncoder } from "../../src/output/csv_writer.ts";
import { ndjsonEncoder } from "../../src/output/ndjson_writer.ts";
import type { RowEncoder } from "../../src/output/flow_writer.ts";

/** The meters every case runs; `keepsAll` means every used packet must appear in a row. */
const METERS: Array<{ name: string; options: MeterOptions }> = [
  { name: "corrected", options: { profile: "corrected" } },
  { name: "cic2017+single", options: { profile: "cic2017", keepSinglePacketFlows: true } },
  // Short timeouts make the fuzzed timestamps exercise timeouts, continuations and idle sweeps.
  {
    name: "cic2017 short",
    options: { profile: "cic2017", flowTimeoutUs: 2_000_000, activityTimeoutUs: 500_000 },
  },
  {
    name: "corrected short",
    options: { profile: "corrected", flowTimeoutUs: 2_000_000, activityTimeoutUs: 500_000, ipv6: true },
  },
];

/** Encoders by case number: every layout, timestamp format, CSV and NDJSON in turn. */
const ENCODERS: Array<{ name: string; encoder: RowEncoder; columns: number; keys: string[] }> = [];
for (const layoutName of LAYOUT_NAMES) {
  for (const format of TIMESTAMP_FORMATS) {
    const timeZone = format === "cic2017" || format === "java" ? "America/Halifax" : "UTC";
    const layout = buildLayout(layoutName, { timestampFormat: format, timeZone });
    const keys = columnKeys(layout);
    ENCODERS.push({
      name: `csv ${layoutName} ${format}`,
      encoder: csvEncoder(layout),
      columns: keys.length,
      keys,
    });
    ENCODERS.push({
      name: `ndjson ${layoutName} ${format}`,
      encoder: ndjsonEncoder(layout),
      columns: keys.length,
      keys,
    });
  }
}

/** Rows checked in full per meter and case (the rest are encoded but only counted). */
const ROWS_CHECKED = 64;

/** Meters and an encoder for one fuzz case. */
export class FlowCase {
  readonly meters: FlowMeter[];
  readonly packetsInFlows: number[];
  readonly #encoder: (typeof ENCODERS)[number];
  readonly #buf = new Uint8Array(1 << 16);
  #problem: string | null = null;
  #checked = 0;
  /** Encoded output size (keeps the encoders' work from being optimised away). */
  bytes = 0;

  constructor(caseNumber: number) {
    this.#encoder = ENCODERS[caseNumber % ENCODERS.length];
    this.packetsInFlows = METERS.map(() => 0);
    this.meters = METERS.map((m, i) => new FlowMeter(m.options, (flow) => this.#onFlow(i, flow)));
  }

  /** Feeds one decoded packet to every meter. */
  readonly addPacket = (p: PacketInfo): void => {
    for (const meter of this.meters) meter.addPacket(p);
  };

  /** Flushes the meters and returns null when every promise held, or what broke. */
  finish(packetsRead: number): string | null {
    for (let i = 0; i < this.meters.length; i++) {
      const meter = this.meters[i];
      const s = meter.stats;
      const name = METERS[i].name;
      if (s.packets !== packetsRead) {
        return `${name}: meter saw ${s.packets} packets, reader gave ${packetsRead}`;
      }
      if (meter.activeFlows > s.packetsUsed || s.peakActiveFlows > s.packetsUsed) {
        return `${name}: ${meter.activeFlows} open flows (peak ${s.peakActiveFlows}) from ${s.packetsUsed} packets`;
      }
      meter.flush();
      if (meter.activeFlows !== 0) return `${name}: ${meter.activeFlows} flows open after flush()`;
      if (this.#problem !== null) return this.#problem;
      const inFlows = this.packetsInFlows[i] +
        (meter.settings.keepSinglePacketFlows ? 0 : s.singlePacketFlowsDropped);
      if (inFlows !== s.packetsUsed) {
        return `${name}: flows hold ${this.packetsInFlows[i]} packets (+${s.singlePacketFlowsDropped} ` +
          `dropped single-packet flows), meter used ${s.packetsUsed}`;
      }
    }
    return this.#problem;
  }

  #onFlow(meter: number, flow: FlowRecord): void {
    this.packetsInFlows[meter] += flow.totalFwdPackets + flow.totalBwdPackets;
    if (this.#problem !== null) return;
    const e = this.#encoder;
    const where = () => `${METERS[meter].name}, ${e.name}, flow ${flow.flowId}`;
    // A corrected flow that starts with a SYN-ACK is reversed: its only packets may all be backward.
    if (
      flow.totalFwdPackets < 0 || flow.totalBwdPackets < 0 || flow.totalFwdPackets + flow.totalBwdPackets < 1
    ) {
      this.#problem =
        `${where()}: ${flow.totalFwdPackets} forward and ${flow.totalBwdPackets} backward packets`;
      return;
    }
    let line: string;
    try {
      line = e.encoder.row(flow);
      this.bytes += line.length;
      if (this.#checked >= ROWS_CHECKED) return;
      this.#checked++;
      this.#problem = this.#checkRow(line, flow);
    } catch (err) {
      this.#problem = `${where()}: encoder threw ${err instanceof Error ? err.stack : String(err)}`;
    }
    if (this.#problem !== null) this.#problem = `${where()}: ${this.#problem}`;
  }

  #checkRow(line: string, flow: FlowRecord): string | null {
    const e = this.#encoder;
    if (!line.endsWith("\n") || line.indexOf("\n") !== line.length - 1) return `row is not one line: ${line}`;
    if (e.encoder.header === null) {
      const object = JSON.parse(line) as Record<string, unknown>;
      const keys = Object.keys(object);
      if (keys.length !== e.columns) return `NDJSON row has ${keys.length} keys, layout ${e.columns}`;
      return null;
    }
    const cells = csvCells(line.slice(0, -1));
    if (cells !== e.columns) return `CSV row has ${cells} cells, layout ${e.columns}: ${line}`;
    if (e.encoder.encodeInto) {
      const end = e.encoder.encodeInto(flow, this.#buf, 0);
      const fast = end < 0 ? null : new TextDecoder().decode(this.#buf.subarray(0, end));
      if (fast !== null && fast !== line) return `encodeInto wrote\n${fast}instead of\n${line}`;
    }
    return null;
  }
}

/** Cells of one RFC 4180 line (quoted cells may hold commas and doubled quotes). */
function csvCells(line: string): number {
  let cells = 1;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) cells++;
  }
  return quoted ? -1 : cells;
}
