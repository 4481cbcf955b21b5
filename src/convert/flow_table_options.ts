/**
 * The flow-table options of `convert`, `live` and `windows`, and how they
 * are turned into what the engine and the writers take:
 * MeterOptions and a Layout. One place, so the commands cannot drift apart.
 */
import type { ProfileName } from "../flow/flow_record.ts";
import {
  type MeterOptions,
  type PaddingRule,
  resolveSettings,
  type SnaplenLengths,
} from "../flow/profile.ts";
import {
  buildLayout,
  type Layout,
  type LayoutName,
  parseLayoutName,
  selectColumns,
} from "../output/columns.ts";
import type { OutputFormat, ParquetCompression } from "../output/flow_writer_types.ts";
import type { TimestampFormat } from "../output/timestamp_format.ts";

/** The options shared by `convert`, `live` and `windows` that shape flows and rows. */
export interface FlowTableOptions {
  /** Semantics: cic2017 (default) or corrected. */
  profile?: ProfileName;
  /** Header layout (default cic2017). */
  columns?: LayoutName | string;
  /** csv (default), ndjson or parquet. */
  format?: OutputFormat;
  /** Parquet: zstd (default) or snappy. */
  compression?: ParquetCompression;
  /** Parquet: rows per row group (held in memory before they are written), default 65 536. */
  rowGroupRows?: number;
  /** A subset of the layout's columns, in this order. */
  fields?: string[];
  flowTimeoutSec?: number;
  activityTimeoutSec?: number;
  /** Value of the Label column. */
  label?: string;
  keepSinglePacketFlows?: boolean;
  ipv6?: boolean;
  /** Exclude Ethernet padding from payload (default: off in cic2017, on in corrected; spec Q21). */
  trimPadding?: boolean;
  /** Lengths of packets cut by the snaplen: "ip" (default, whole-packet numbers) or "captured" (parity). */
  snaplenLengths?: SnaplenLengths;
  /** Padding rule (overrides trimPadding): keep, ip-length, or ethernet-ipv4 (J3's jnetpcap 1.4 rule; cic2017). */
  padding?: PaddingRule;
  /** cic2017: decode frames without IPv4 from byte 0 as IPv4, as J3 did (exact dataset rebuilds). */
  nonIpv4AsIpv4?: boolean;
  /** corrected: seconds without packets before a finished TCP flow is written (default 1; 0 = wait for a SYN, as E). */
  terminationGraceSec?: number;
  /** Emit flows idle longer than the flow timeout while reading (default true; false = exact Java continuations). */
  sweepIdle?: boolean;
  timestampFormat?: TimestampFormat;
  timeZone?: string;
  homeNetworks?: string[];
}

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meterOptionsFrom } from "./flow_table_options.ts";
 * assert.deepEqual(meterOptionsFrom({ profile: "corrected", flowTimeoutSec: 30 }).flowTimeoutUs, 30_000_000);
 * ```
 */
export function meterOptionsFrom(o: Omit<FlowTableOptions, "format">): MeterOptions {
  return {
    profile: o.profile,
    flowTimeoutUs: o.flowTimeoutSec === undefined ? undefined : Math.round(o.flowTimeoutSec * 1e6),
    activityTimeoutUs: o.activityTimeoutSec === undefined
      ? undefined
      : Math.round(o.activityTimeoutSec * 1e6),
    label: o.label,
    keepSinglePacketFlows: o.keepSinglePacketFlows,
    ipv6: o.ipv6,
    trimPadding: o.trimPadding,
    snaplenLengths: o.snaplenLengths,
    padding: o.padding,
    nonIpv4AsIpv4: o.nonIpv4AsIpv4,
    terminationGraceUs: o.terminationGraceSec === undefined
      ? undefined
      : Math.round(o.terminationGraceSec * 1e6),
    sweepIdle: o.sweepIdle,
  };
}

/**
 * The layout (and `fields` subset) rows are written with. Throws naming the
 * layout, field, zone or network at fault.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layoutFrom } from "./flow_table_options.ts";
 * assert.deepEqual(layoutFrom({ columns: "python" }).columns[0].name, "src_ip");
 * ```
 */
export function layoutFrom(o: Omit<FlowTableOptions, "format">, defaultColumns = "cic2017"): Layout {
  const layout = buildLayout(parseLayoutName(o.columns ?? defaultColumns), {
    timestampFormat: o.timestampFormat,
    timeZone: o.timeZone,
    homeNetworks: o.homeNetworks,
  });
  return o.fields?.length ? selectColumns(layout, o.fields) : layout;
}

/**
 * What is wrong with a set of flow options (a field the layout lacks, a bad
 * time zone or network, a profile and padding rule that do not mix), or
 * undefined: the check the commands and the pipeline make before reading.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flowOptionsProblem } from "./flow_table_options.ts";
 * assert.equal(flowOptionsProblem({ columns: "python", fields: ["src_ip"] }), undefined);
 * assert.match(flowOptionsProblem({ fields: ["Nope"] }) ?? "", /Nope/);
 * ```
 */
export function flowOptionsProblem(o: Omit<FlowTableOptions, "format">): string | undefined {
  try {
    layoutFrom(o);
    resolveSettings(meterOptionsFrom(o));
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return undefined;
}
