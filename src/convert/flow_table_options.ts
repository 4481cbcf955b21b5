/**
 * The flow-table options of `convert`, `live` and `windows` (see
 * ConvertFileOptions) turned into what the engine and the writers take:
 * MeterOptions and a Layout. One place, so the commands cannot drift apart.
 */
import type { ConvertFileOptions } from "./convert_file.ts";
import type { MeterOptions } from "../flow/profile.ts";
import { buildLayout, type Layout, parseLayoutName, selectColumns } from "../output/columns.ts";

/** The options shared with `convert` that shape flows and rows. */
export type FlowTableOptions = Pick<
  ConvertFileOptions,
  | "profile"
  | "columns"
  | "format"
  | "compression"
  | "rowGroupRows"
  | "fields"
  | "flowTimeoutSec"
  | "activityTimeoutSec"
  | "label"
  | "keepSinglePacketFlows"
  | "ipv6"
  | "trimPadding"
  | "snaplenLengths"
  | "padding"
  | "nonIpv4AsIpv4"
  | "terminationGraceSec"
  | "sweepIdle"
  | "timestampFormat"
  | "timeZone"
  | "homeNetworks"
>;

/**
 * @example
 * meterOptionsFrom({ profile: "corrected", flowTimeoutSec: 30 }).flowTimeoutUs // 30_000_000
 */
export function meterOptionsFrom(o: FlowTableOptions): MeterOptions {
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
 * layoutFrom({ columns: "python" }).columns[0].name // "src_ip"
 */
export function layoutFrom(o: FlowTableOptions, defaultColumns = "cic2017"): Layout {
  const layout = buildLayout(parseLayoutName(o.columns ?? defaultColumns), {
    timestampFormat: o.timestampFormat,
    timeZone: o.timeZone,
    homeNetworks: o.homeNetworks,
  });
  return o.fields?.length ? selectColumns(layout, o.fields) : layout;
}
