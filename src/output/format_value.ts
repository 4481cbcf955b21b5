/**
 * Number text for flow files (spec §3.12). Integers as integers; other
 * numbers in JavaScript's shortest round-trip form (`String(x)`); the
 * non-finite values spelled as Java prints them (`NaN`, `Infinity`,
 * `-Infinity`), which pandas reads back as numbers.
 */

/** How a layout writes float-kind columns. */
export type FloatStyle =
  /** `String(x)`: `2`, `0.5`, `1e+21`. */
  | "plain"
  /** Always with a decimal point as pandas/Java print doubles: `2.0`, `-1.0`, `0.5` (ddos2019). */
  | "point";

/**
 * Text of a number in a CSV cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatNumber } from "./format_value.ts";
 * assert.deepEqual(formatNumber(2), "2");
 * assert.deepEqual(formatNumber(0.1 + 0.2), "0.30000000000000004");
 * assert.deepEqual(formatNumber(NaN), "NaN");
 * assert.deepEqual(formatNumber(2, "point"), "2.0");
 * ```
 */
export function formatNumber(x: number, style: FloatStyle = "plain"): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  const s = String(x);
  if (style === "point" && Number.isInteger(x) && s.indexOf("e") < 0) return s + ".0";
  return s;
}

/**
 * A number as a JSON value: JSON has no NaN/Infinity, so those become the
 * strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonNumber } from "./format_value.ts";
 * assert.deepEqual(jsonNumber(1.5), "1.5");
 * assert.deepEqual(jsonNumber(Infinity), "\"Infinity\"");
 * ```
 */
export function jsonNumber(x: number): string {
  if (Number.isFinite(x)) return String(x);
  return `"${formatNumber(x)}"`;
}

/**
 * A string as a CSV cell, quoted per RFC 4180 only when it holds a comma,
 * a double quote, CR or LF.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvString } from "./format_value.ts";
 * assert.deepEqual(csvString("BENIGN"), "BENIGN");
 * assert.deepEqual(csvString('say "hi", bye'), "\"say \"\"hi\"\", bye\"");
 * ```
 */
export function csvString(s: string): string {
  if (!NEEDS_QUOTE.test(s)) return s;
  return `"${s.replaceAll('"', '""')}"`;
}

const NEEDS_QUOTE = /[",\r\n]/;

/** The same characters as a table over ASCII (1: the cell is quoted), for byte writers. */
export const QUOTED_ASCII: Uint8Array = Uint8Array.from(
  { length: 0x80 },
  (_, c) => (c === 0x22 || c === 0x2c || c === 0x0d || c === 0x0a ? 1 : 0),
);
