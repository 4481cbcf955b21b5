/**
 * Column layouts: which header names, in which order, a flow file has. A
 * layout only names and orders FlowRecord values (and formats the
 * timestamp); it never recomputes a feature. Layouts are independent of the
 * semantics profile that filled the record.
 *
 * | layout          | columns | names                                                    |
 * |-----------------|---------|----------------------------------------------------------|
 * | `cic2017`       | 85      | exact CIC-IDS2017 header, leading spaces, duplicate 41/62 |
 * | `cicids2018`    | 84      | J3-Ex / CSE-CIC-IDS2018 short names                       |
 * | `cicflowmeter4` | 84      | CICFlowMeter (2020+) names                               |
 * | `ddos2019`      | 87      | CIC-DDoS2019 (2017 names, `.1`, SimillarHTTP, Inbound)    |
 * | `python`        | 82      | hieulw/cicflowmeter snake_case keys and order            |
 */
import type { FlowRecord } from "../flow/flow_record.ts";
import {
  AVERAGED_INT_FIELDS,
  CATALOGUE,
  type CatalogueEntry,
  type ColumnKind,
  PYTHON_ORDER,
} from "./column_catalogue.ts";
import type { FloatStyle } from "./format_value.ts";
import { parseHomeNetwork } from "./home_network.ts";
import { makeTimestampFormatter, type TimestampFormat } from "./timestamp_format.ts";

export type { ColumnKind } from "./column_catalogue.ts";

/** Layout names, as `--columns` and the `columns` config key take them. */
export const LAYOUT_NAMES = ["cic2017", "cicids2018", "cicflowmeter4", "ddos2019", "python"] as const;

/** A column layout's name. */
export type LayoutName = typeof LAYOUT_NAMES[number];

/** One output column. */
export interface Column {
  /** Exact header text, leading spaces included. */
  name: string;
  /** The cell's value for a flow. */
  value: (r: FlowRecord) => number | string;
  /** The record's number field that `value` returns unchanged, if it does (writers may read it directly). */
  field?: keyof FlowRecord;
  kind: ColumnKind;
  /** True for the Timestamp column: typed formats (Parquet) store `timestampUs` itself, not `value`'s text. */
  timestamp?: boolean;
  /** An `int` column that is an average or rate, fractional in some profiles (typed formats: double). */
  averaged?: boolean;
}

/** An ordered set of columns plus how its numbers are written. */
export interface Layout {
  name: LayoutName;
  columns: readonly Column[];
  /** `point` writes floats with a decimal point (`2.0`), as CIC-DDoS2019 does. */
  floatStyle: FloatStyle;
}

/** What a layout needs beyond the record. */
export interface LayoutOptions {
  /** Timestamp column format; default `ddos2019` for the ddos2019 layout, `iso` otherwise. */
  timestampFormat?: TimestampFormat;
  /** IANA zone for the cic2017, ddos2019 and java timestamp formats; default "UTC". */
  timeZone?: string;
  /** CIDR prefixes whose destinations count as Inbound (ddos2019); default RFC 1918 + fc00::/7. */
  homeNetworks?: readonly string[];
}

/**
 * Checks a layout name (a `--columns` value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLayoutName } from "./columns.ts";
 * assert.deepEqual(parseLayoutName("cic2017"), "cic2017");
 * ```
 */
export function parseLayoutName(name: string): LayoutName {
  if ((LAYOUT_NAMES as readonly string[]).includes(name)) return name as LayoutName;
  throw new Error(`unknown layout "${name}" (expected one of: ${LAYOUT_NAMES.join(", ")})`);
}

/**
 * The timestamp format a layout uses unless the caller picks one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultTimestampFormat } from "./columns.ts";
 * assert.deepEqual(defaultTimestampFormat("ddos2019"), "ddos2019");
 * ```
 */
export function defaultTimestampFormat(layout: LayoutName): TimestampFormat {
  return layout === "ddos2019" ? "ddos2019" : "iso";
}

/**
 * Builds a layout's columns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLayout } from "./columns.ts";
 * const layout = buildLayout("cic2017", { timestampFormat: "cic2017", timeZone: "America/Halifax" });
 * assert.equal(layout.columns.length, 85);
 * assert.equal(layout.columns[1].name, " Source IP");
 * ```
 */
export function buildLayout(name: LayoutName, options: LayoutOptions = {}): Layout {
  const format = options.timestampFormat ?? defaultTimestampFormat(name);
  const stamp = makeTimestampFormatter(format, options.timeZone ?? "UTC");
  const timestampKind: ColumnKind = format === "epoch" ? "int" : "string";
  // "No value" (−1 in the record) is written as 0 by the JM and Python layouts (spec §4.2, 73–76).
  const noValueAsZero = name === "cicflowmeter4" || name === "python";
  const column = (e: CatalogueEntry, header: string): Column => {
    if (e.field === "timestampUs") {
      return {
        name: header,
        kind: timestampKind,
        value: (r) => stamp(r.timestampUs),
        timestamp: true,
      };
    }
    const get = e.get;
    const field = e.kind === "string" ? undefined : e.field;
    if (AVERAGED_INT_FIELDS.has(e.field)) {
      return { name: header, kind: e.kind, value: get, field, averaged: true };
    }
    if (noValueAsZero && e.position >= 73 && e.position <= 76) {
      return { name: header, kind: e.kind, value: (r) => (get(r) === -1 ? 0 : get(r)) };
    }
    return { name: header, kind: e.kind, value: get, field };
  };

  switch (name) {
    case "cic2017":
    case "ddos2019": {
      const columns: Column[] = [];
      for (const e of CATALOGUE) {
        if (e.position === 63) {
          // Column 62: the second copy of Fwd Header Length, just before the bulk columns.
          const header = name === "ddos2019" ? " Fwd Header Length.1" : " Fwd Header Length";
          columns.push({
            name: header,
            kind: "int",
            value: (r) => r.fwdHeaderLength,
            field: "fwdHeaderLength",
          });
        }
        if (e.position === 85 && name === "ddos2019") {
          const home = parseHomeNetwork(options.homeNetworks);
          columns.push({ name: "SimillarHTTP", kind: "int", value: () => 0 });
          columns.push({ name: " Inbound", kind: "int", value: (r) => (home.contains(r.dstIp) ? 1 : 0) });
        }
        columns.push(column(e, e.cic2017));
      }
      return { name, columns, floatStyle: name === "ddos2019" ? "point" : "plain" };
    }
    case "cicids2018":
    case "cicflowmeter4":
      return { name, columns: CATALOGUE.map((e) => column(e, e[name])), floatStyle: "plain" };
    case "python": {
      const byKey = new Map(CATALOGUE.filter((e) => e.python !== "").map((e) => [e.python, e]));
      const columns = PYTHON_ORDER.map((key) => {
        const e = byKey.get(key);
        if (!e) throw new Error(`python column "${key}" missing from the catalogue`);
        return column(e, key);
      });
      return { name, columns, floatStyle: "plain" };
    }
  }
}

/**
 * Keys of a layout's columns for NDJSON and field matching: names trimmed
 * of surrounding spaces; a repeated key gets `.1`, `.2`, … as pandas does
 * (so cic2017's second ` Fwd Header Length` is `Fwd Header Length.1`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLayout, columnKeys } from "./columns.ts";
 * assert.deepEqual(columnKeys(buildLayout("cic2017"))[61], "Fwd Header Length.1");
 * ```
 */
export function columnKeys(layout: Layout): string[] {
  const seen = new Map<string, number>();
  return layout.columns.map((c) => {
    const base = c.name.trim();
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}.${n}`;
  });
}

/**
 * The `--fields a,b,c` subset: columns of `layout` in the order given. A
 * field matches a column by its exact header, its trimmed name (or pandas
 * `.1` name), or case-insensitively. Throws listing valid names when a field
 * matches nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLayout, selectColumns } from "./columns.ts";
 * assert.deepEqual(selectColumns(buildLayout("cic2017"), ["Source IP", "flow duration"]).columns.map((c) => c.name), [" Source IP", " Flow Duration"]);
 * ```
 */
export function selectColumns(layout: Layout, fields: readonly string[]): Layout {
  const keys = columnKeys(layout);
  const wanted = fields.map((f) => f.trim()).filter((f) => f !== "");
  if (wanted.length === 0) throw new Error(`no fields selected for layout ${layout.name}`);
  const columns = fields.filter((f) => f.trim() !== "").map((field) => {
    let i = layout.columns.findIndex((c) => c.name === field);
    const trimmed = field.trim();
    if (i < 0) i = keys.indexOf(trimmed);
    if (i < 0) {
      const lower = trimmed.toLowerCase();
      i = keys.findIndex((k) => k.toLowerCase() === lower);
    }
    if (i < 0) throw new Error(unknownFieldMessage(field, layout, keys));
    return layout.columns[i];
  });
  return { ...layout, columns };
}

function unknownFieldMessage(field: string, layout: Layout, keys: string[]): string {
  const words = field.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 3);
  let hints = keys.filter((k) => words.some((w) => k.toLowerCase().includes(w))).slice(0, 6);
  if (hints.length === 0) hints = keys.slice(0, 6);
  return `unknown field "${field}" for layout ${layout.name}; valid names include: ${
    hints.map((h) => `"${h}"`).join(", ")
  } (${keys.length} columns in all)`;
}
