/**
 * The shared flow-table options checked into settings: what `convert`, `live`
 * and `windows` hand over from their command lines (flow_options.ts adds the
 * options to a commander command; quick_convert.ts reads convert's common
 * command lines without commander). No commander import here: the quick
 * `convert` path must not load it (issue 15).
 */
import type { ProfileName } from "../flow/flow_record.ts";
import { type PaddingRule, resolveSettings, type SnaplenLengths } from "../flow/profile.ts";
import type { LayoutName } from "../output/columns.ts";
import { layoutFrom, meterOptionsFrom } from "../convert/flow_table_options.ts";
import { DEFAULT_ROW_GROUP_ROWS, type OutputFormat, type ParquetCompression } from "../output/flow_writer.ts";
import type { TimestampFormat } from "../output/timestamp_format.ts";
import type { ConvertFileOptions } from "../convert/convert_file.ts";
import { UsageError } from "./errors.ts";
import { parseMode } from "../system/file_mode.ts";

/** The shared options as commander hands them over (strings as typed, defaults filled in). */
export interface RawFlowOptions {
  flowTimeout: string;
  activityTimeout: string;
  profile: string;
  columns?: string;
  format: string;
  fields?: string;
  label?: string;
  timestampFormat?: string;
  timeZone: string;
  homeNet?: string;
  keepSinglePacketFlows?: boolean;
  ipv6?: boolean;
  trimPadding?: boolean;
  snaplenLengths: string;
  padding?: string;
  nonIpv4AsIpv4?: boolean;
  terminationGrace?: string;
  idleSweep?: boolean;
  fileMode?: string;
  compression: string;
  rowGroupRows: string;
}

/** The checked options, ready for convertCaptureFile or a FlowMeter + writer. */
export type FlowSettings =
  & Required<Pick<ConvertFileOptions, "profile" | "columns" | "format">>
  & ConvertFileOptions;

/** Checks the shared options; every problem is a UsageError naming the option. */
export function parseFlowOptions(raw: RawFlowOptions): FlowSettings {
  const settings: FlowSettings = {
    profile: raw.profile as ProfileName,
    columns: (raw.columns ?? "cic2017") as LayoutName,
    format: raw.format as OutputFormat,
    flowTimeoutSec: positiveSeconds("--flow-timeout", raw.flowTimeout),
    activityTimeoutSec: positiveSeconds("--activity-timeout", raw.activityTimeout),
    label: raw.label,
    timestampFormat: raw.timestampFormat as TimestampFormat | undefined,
    timeZone: raw.timeZone,
    homeNetworks: raw.homeNet ? splitList(raw.homeNet) : undefined,
    fields: raw.fields ? splitList(raw.fields) : undefined,
    keepSinglePacketFlows: raw.keepSinglePacketFlows,
    ipv6: raw.ipv6,
    trimPadding: raw.trimPadding,
    snaplenLengths: (raw.snaplenLengths ?? "ip") as SnaplenLengths,
    padding: raw.padding as PaddingRule | undefined,
    nonIpv4AsIpv4: raw.nonIpv4AsIpv4,
    terminationGraceSec: raw.terminationGrace === undefined
      ? undefined
      : nonNegativeSeconds("--termination-grace", raw.terminationGrace),
    sweepIdle: raw.idleSweep,
    fileMode: fileMode("--file-mode", raw.fileMode ?? "600"),
    compression: (raw.compression ?? "zstd") as ParquetCompression,
    rowGroupRows: wholeNumber("--row-group-rows", raw.rowGroupRows ?? String(DEFAULT_ROW_GROUP_ROWS), 1),
  };
  // Build the layout and settings once now, so a bad field, zone, network or option mix fails
  // before any capture is read.
  try {
    layoutFrom(settings);
    resolveSettings(meterOptionsFrom(settings));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  return settings;
}

/** Parses a number of seconds > 0 for `option`. */
export function positiveSeconds(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${option} must be a number of seconds > 0, got "${value}"`);
  }
  return n;
}

/** Parses octal permission bits that keep the owner's read and write (`"640"`, `"0600"`). */
export function fileMode(option: string, value: string): number {
  const mode = parseMode(value, 0o600);
  if (mode === undefined) {
    throw new UsageError(`${option} must be octal permission bits including 600 (e.g. 640), got "${value}"`);
  }
  return mode;
}

/** Parses a number of seconds ≥ 0 for `option`. */
export function nonNegativeSeconds(option: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${option} must be a number of seconds ≥ 0, got "${value}"`);
  }
  return n;
}

/** Parses a whole number ≥ `min` for `option`. */
export function wholeNumber(option: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${option} must be a whole number ≥ ${min}, got "${value}"`);
  }
  return n;
}

function splitList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}
