/**
 * CSV rows (RFC 4180): header line of the layout's exact names, then one
 * line per flow, "\n" line ends, strings quoted only when they hold a comma,
 * a double quote or a line break. pandas reads it with the dataset's header.
 */
import type { FlowRecord } from "../flow/flow_record.ts";
import type { Layout } from "./columns.ts";
import type { RowEncoder } from "./flow_writer_types.ts";
import { csvString, type FloatStyle, formatNumber, QUOTED_ASCII } from "./format_value.ts";
import { numberReader } from "./record_numbers.ts";

/**
 * The header line of `layout`, with its "\n".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLayout } from "./columns.ts";
 * import { csvHeader } from "./csv_writer.ts";
 * assert.ok(csvHeader(buildLayout("cic2017")).startsWith("Flow ID, Source IP, Source Port,"));
 * ```
 */
export function csvHeader(layout: Layout): string {
  return layout.columns.map((c) => csvString(c.name)).join(",") + "\n";
}

/**
 * Encoder of CSV lines for `layout`. Besides `row()` (a string) it writes
 * rows straight into a byte buffer (`encodeInto`), which skips building and
 * re-encoding a string per row: integers are written digit by digit, other
 * numbers and strings copied as ASCII.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FlowRecord } from "../flow/flow_record.ts";
 * import { FlowMeter } from "../flow/meter.ts";
 * import { readCaptureFile } from "../pcap/reader.ts";
 * import { buildLayout } from "./columns.ts";
 * import { csvEncoder } from "./csv_writer.ts";
 * const records: FlowRecord[] = [];
 * const meter = new FlowMeter({ profile: "cic2017" }, (r) => records.push(r));
 * await readCaptureFile(new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname, meter.addPacket);
 * meter.flush();
 * const enc = csvEncoder(buildLayout("cicflowmeter4"));
 * assert.ok(enc.header?.startsWith("Flow ID,Src IP,"));
 * const row = enc.row(records[0]);
 * assert.match(row, /^10\.0\.0\.\d+-10\.0\.0\.\d+-\d+-\d+-17,10\.0\.0\.1,.*,NeedManualLabel\n$/);
 * const buf = new Uint8Array(4096); // the fast path writes the same bytes
 * assert.equal(new TextDecoder().decode(buf.subarray(0, enc.encodeInto!(records[0], buf, 0))), row);
 * ```
 */
export function csvEncoder(layout: Layout): RowEncoder {
  const values = layout.columns.map((c) => c.value);
  // Per column: the float style its numbers use ("plain" for int and string kinds).
  const styles: FloatStyle[] = layout.columns.map((c) => (c.kind === "float" ? layout.floatStyle : "plain"));
  const n = values.length;
  const textEncoder = new TextEncoder();
  // Columns that show a record's number field unchanged are read all at once into a typed
  // array (record_numbers.ts): numberAt[i] is column i's place there, or -1 to call its value.
  const direct = layout.columns.filter((c) => c.field !== undefined).map((c) => c.field!);
  const readNumbers = numberReader(direct);
  const numbers = new Float64Array(direct.length);
  let next = 0;
  const numberAt = Int32Array.from(layout.columns, (c) => (c.field !== undefined ? next++ : -1));
  const point = Uint8Array.from(styles, (style) => (style === "point" ? 1 : 0));
  return {
    header: csvHeader(layout),
    row(r: FlowRecord): string {
      let line = "";
      for (let i = 0; i < n; i++) {
        const v = values[i](r);
        const cell = typeof v === "number" ? formatNumber(v, styles[i]) : csvString(v);
        line += i === 0 ? cell : "," + cell;
      }
      return line + "\n";
    },
    encodeInto(r: FlowRecord, buf: Uint8Array, start: number): number {
      readNumbers(r, numbers);
      let at = start;
      const end = buf.length;
      for (let i = 0; i < n; i++) {
        if (i > 0) {
          if (at >= end) return -1;
          buf[at++] = COMMA;
        }
        const k = numberAt[i];
        const v = k >= 0 ? numbers[k] : values[i](r);
        if (typeof v === "number") {
          if (at + MAX_NUMBER_CHARS > end) return -1;
          if (Number.isSafeInteger(v)) {
            at = writeInteger(buf, at, v);
            if (point[i] === 1) {
              buf[at++] = DOT;
              buf[at++] = ZERO;
            }
          } else {
            at = writeAscii(buf, at, formatNumber(v, styles[i]));
          }
        } else {
          if (at + v.length > end) return -1;
          const plainEnd = writePlainText(buf, at, v);
          if (plainEnd >= 0) {
            at = plainEnd;
          } else {
            const cell = csvString(v);
            if (at + cell.length * 3 > end) return -1;
            at = writeText(buf, at, cell, textEncoder);
          }
        }
      }
      if (at >= end) return -1;
      buf[at++] = NEWLINE;
      return at;
    },
  };
}

const COMMA = 0x2c;
const DOT = 0x2e;
const ZERO = 0x30;
const NEWLINE = 0x0a;
/** Longest number text: "-1.2345678901234567e-308" is 24 characters; "-9007199254740991.0" is 19. */
const MAX_NUMBER_CHARS = 26;

/** Writes a safe integer's decimal digits at `at`; returns the end. */
function writeInteger(buf: Uint8Array, at: number, v: number): number {
  if (v < 0) {
    buf[at++] = 0x2d;
    v = -v;
  }
  if (v < 10) {
    buf[at] = ZERO + v;
    return at + 1;
  }
  if (v < 2147483648) {
    // 31-bit: integer division with `| 0`, digit count by comparison.
    const len = v < 100
      ? 2
      : v < 1000
      ? 3
      : v < 1e4
      ? 4
      : v < 1e5
      ? 5
      : v < 1e6
      ? 6
      : v < 1e7
      ? 7
      : v < 1e8
      ? 8
      : v < 1e9
      ? 9
      : 10;
    const stop = at + len;
    for (let p = stop - 1; p >= at; p--) {
      const q = (v / 10) | 0;
      buf[p] = ZERO + v - q * 10;
      v = q;
    }
    return stop;
  }
  let len = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) len++;
  const stop = at + len;
  for (let p = stop - 1; p >= at; p--) {
    const q = Math.floor(v / 10);
    buf[p] = ZERO + (v - q * 10);
    v = q;
  }
  return stop;
}

/** Copies an ASCII-only string (number text). */
function writeAscii(buf: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
  return at;
}

/**
 * Copies a string that needs no quoting and is all ASCII (addresses, times, most labels) in one
 * pass; returns the end, or −1 at the first character that needs quoting or is not ASCII (then
 * nothing written counts). Cheaper than testing with a regex and copying after.
 */
function writePlainText(buf: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || QUOTED_ASCII[c] === 1) return -1;
    buf[at++] = c;
  }
  return at;
}

/** Copies a string as UTF-8: a byte loop while ASCII, TextEncoder for the rest. */
function writeText(buf: Uint8Array, at: number, s: string, textEncoder: TextEncoder): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return at + textEncoder.encodeInto(s.slice(i), buf.subarray(at)).written;
    buf[at++] = c;
  }
  return at;
}
