/**
 * The flow options, each described once: its flag, its key under
 * `[builtin]` in the pipeline's config file, its kind (type and range, the
 * validation), its default and help, and the commands that take it.
 * `convert`, `live` and `windows` make their flags from this table
 * (src/cli/flow_options.ts), the pipeline its `builtin` meter's flags and
 * config keys (src/config/settings.ts); both produce the converter's
 * options (`BuiltinOptions`, src/convert/builtin.ts).
 */
import { PADDING_RULES, PROFILE_NAMES, SNAPLEN_LENGTHS } from "../flow/profile.ts";
import { LAYOUT_NAMES } from "../output/columns.ts";
import { DEFAULT_ROW_GROUP_ROWS, OUTPUT_FORMATS, PARQUET_COMPRESSIONS } from "../output/flow_writer_types.ts";
import { TIMESTAMP_FORMATS } from "../output/timestamp_format.ts";
import { BUILTIN_FORMATS, type BuiltinOptions } from "../convert/builtin.ts";
import type { ConvertFileOptions } from "../convert/convert_file.ts";
import { coerceSetting, type SettingKind, type SettingValue } from "./setting_kind.ts";

/** The commands that take flow options; `builtin` is the pipeline with the built-in meter. */
export const FLOW_COMMANDS = ["convert", "live", "windows", "builtin"] as const;
export type FlowCommand = typeof FLOW_COMMANDS[number];

/** What the flow options set: the converter's options, and the mode of the flow files. */
export type FlowOptionValues = BuiltinOptions & Pick<ConvertFileOptions, "fileMode">;

/** One flow option as a command sees it. */
export interface FlowOption {
  /** Commander flag, e.g. `-t, --flow-timeout <seconds>`; a bool flag has no argument. */
  flag: string;
  /** The flag that sets a bool option false (`--no-ipv6`), with its help. */
  negation?: { flag: string; help: string };
  /** Key under `[builtin]` in the pipeline's config file. */
  key: string;
  /** Where the value goes. */
  field: keyof FlowOptionValues;
  kind: SettingKind;
  help: string;
  /** Default as typed on the command line, checked with `kind` like a given value (undefined: none, the profile or the writer decides). */
  default?: string;
  /** Default as help shows it, for an option without `default` (who decides it otherwise). */
  shownDefault?: string;
}

/** A row of the table: an option, the commands without it, and what some commands do differently. */
interface FlowOptionRow extends FlowOption {
  /** Commands that do not take the option (every flow command does otherwise). */
  notIn?: readonly FlowCommand[];
  variants?: Partial<
    Record<FlowCommand, Partial<Pick<FlowOption, "kind" | "help" | "default" | "shownDefault">>>
  >;
}

const seconds = (min: number, exclusiveMin: boolean): SettingKind => ({
  type: "number",
  min,
  exclusiveMin,
  unit: "seconds",
});
const choices = (values: readonly string[]): SettingKind => ({ type: "enum", values });

/** Every flow option, in the order of `--help`. */
const FLOW_OPTION_ROWS: readonly FlowOptionRow[] = [
  {
    flag: "-t, --flow-timeout <seconds>",
    key: "flow_timeout",
    field: "flowTimeoutSec",
    kind: seconds(0, true),
    help: "flow timeout, from a flow's first packet",
    default: "120",
  },
  {
    flag: "--activity-timeout <seconds>",
    key: "activity_timeout",
    field: "activityTimeoutSec",
    kind: seconds(0, true),
    help: "activity timeout for the Active/Idle columns",
    default: "5",
  },
  {
    flag: "--profile <name>",
    key: "profile",
    field: "profile",
    kind: choices(PROFILE_NAMES),
    help:
      "semantics: cic2017 (dataset numbers, quirks included), engelen (the Engelen et al. 2021 fork, exactly) " +
      "or corrected",
    default: "cic2017",
    // For detection, not dataset parity: one row per connection (no post-FIN remnants).
    variants: { windows: { default: "corrected" } },
  },
  {
    flag: "--columns <layout>",
    key: "columns",
    field: "columns",
    kind: choices(LAYOUT_NAMES),
    help: "header layout",
    default: "cic2017",
    variants: { windows: { default: "ddos2019" } },
  },
  {
    flag: "--format <format>",
    key: "format",
    field: "format",
    kind: choices(OUTPUT_FORMATS),
    help: "file format",
    default: "csv",
    variants: {
      builtin: {
        kind: choices(BUILTIN_FORMATS),
        help: "flow files per capture: csv, ndjson, parquet, or csv+parquet (side by side)",
      },
    },
  },
  {
    flag: "--compression <codec>",
    key: "compression",
    field: "compression",
    kind: choices(PARQUET_COMPRESSIONS),
    help: "Parquet compression",
    default: "zstd",
  },
  {
    flag: "--row-group-rows <n>",
    key: "row_group_rows",
    field: "rowGroupRows",
    kind: { type: "int", min: 1 },
    help: "Parquet: rows per row group, the rows held in memory before they are written",
    default: String(DEFAULT_ROW_GROUP_ROWS),
  },
  {
    flag: "--fields <list>",
    key: "fields",
    field: "fields",
    kind: { type: "list" },
    help: "write only these columns, in this order (comma-separated names of the layout)",
  },
  {
    flag: "--label <text>",
    key: "label",
    field: "label",
    kind: { type: "string" },
    help: "value of the Label column",
    shownDefault: "NeedManualLabel",
  },
  {
    flag: "--timestamp-format <format>",
    key: "timestamp_format",
    field: "timestampFormat",
    kind: choices(TIMESTAMP_FORMATS),
    help: "Timestamp column format",
    shownDefault: "iso; ddos2019 for that layout",
  },
  {
    flag: "--time-zone <zone>",
    key: "time_zone",
    field: "timeZone",
    kind: { type: "string" },
    help: "IANA time zone for the cic2017, ddos2019 and java timestamp formats",
    default: "UTC",
  },
  {
    flag: "--home-net <cidrs>",
    key: "home_net",
    field: "homeNetworks",
    kind: { type: "list" },
    help: "home networks for the ddos2019 Inbound column",
    shownDefault: "RFC 1918 + fc00::/7",
  },
  {
    flag: "--keep-single-packet-flows",
    key: "keep_single_packet_flows",
    field: "keepSinglePacketFlows",
    kind: { type: "bool" },
    help: "also write 1-packet flows in the cic2017 profile (corrected always does)",
  },
  {
    flag: "--ipv6",
    negation: { flag: "--no-ipv6", help: "ignore IPv6 packets" },
    key: "ipv6",
    field: "ipv6",
    kind: { type: "bool" },
    help: "meter IPv6 too",
    shownDefault: "off in cic2017, on in corrected",
    // IPv4 only, as the Live Capture Tool and the detector (the session's default, see windows_session.ts).
    variants: { windows: { shownDefault: "off" } },
  },
  {
    flag: "--trim-padding",
    negation: {
      flag: "--no-trim-padding",
      help: "count Ethernet padding as payload, as the CIC-IDS2017 build did",
    },
    key: "trim_padding",
    field: "trimPadding",
    kind: { type: "bool" },
    help: "exclude Ethernet padding from payload",
    shownDefault: "off in cic2017, on in corrected",
  },
  {
    flag: "--snaplen-lengths <source>",
    key: "snaplen_lengths",
    field: "snaplenLengths",
    kind: choices(SNAPLEN_LENGTHS),
    help: "lengths of packets cut by the snaplen: ip = whole-packet numbers from the IP header and " +
      "original length; captured = the captured bytes, as the Java program on a truncated file",
    default: "ip",
  },
  {
    flag: "--padding <rule>",
    key: "padding",
    field: "padding",
    kind: choices(PADDING_RULES),
    help:
      "padding rule (overrides --trim-padding): keep, ip-length, or ethernet-ipv4 (cic2017: jnetpcap 1.4's " +
      "rule, trim only when IPv4 directly follows Ethernet II, as the Java at 50d668d ran)",
  },
  {
    flag: "--non-ipv4-as-ipv4",
    key: "non_ipv4_as_ipv4",
    field: "nonIpv4AsIpv4",
    kind: { type: "bool" },
    help:
      "cic2017: read frames without IPv4 from byte 0 as IPv4, as the 3.0-era Java did (IPv6 frames become " +
      "134.221.x.x flows); for exact dataset rebuilds only",
  },
  {
    flag: "--termination-grace <seconds>",
    key: "termination_grace",
    field: "terminationGraceSec",
    kind: seconds(0, false),
    help:
      "corrected: write a finished TCP flow after this long without packets (0 = wait for a SYN, as the Engelen " +
      "fork; engelen: default 0)",
  },
  {
    flag: "--no-idle-sweep",
    key: "idle_sweep",
    field: "sweepIdle",
    kind: { type: "bool" },
    help:
      "keep idle flows until their next packet or the end (same rows for a capture in time order; more memory)",
  },
  {
    flag: "--file-mode <octal>",
    key: "file_mode",
    field: "fileMode",
    kind: { type: "mode", owner: 0o600 },
    help: "mode of the flow files written (they describe captured traffic)",
    default: "600",
    // The pipeline's own --file-mode (file_mode, not under [builtin]) covers its flow files.
    notIn: ["builtin"],
  },
];

/**
 * The flow options `command` takes, with that command's defaults and help.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flowOptionsFor } from "./flow_option_table.ts";
 * const profile = (command: "convert" | "windows") =>
 *   flowOptionsFor(command).find((o) => o.key === "profile")?.default;
 * assert.deepEqual([profile("convert"), profile("windows")], ["cic2017", "corrected"]);
 * assert.ok(!flowOptionsFor("builtin").some((o) => o.key === "file_mode")); // the pipeline's own
 * ```
 */
export function flowOptionsFor(command: FlowCommand): FlowOption[] {
  return FLOW_OPTION_ROWS.filter((row) => !row.notIn?.includes(command)).map((row) => {
    const { notIn: _notIn, variants, ...option } = row;
    return { ...option, ...variants?.[command] };
  });
}

/**
 * The values of the options of `command` that have a default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flowOptionDefaults } from "./flow_option_table.ts";
 * assert.equal(flowOptionDefaults("builtin").flowTimeoutSec, 120);
 * ```
 */
export function flowOptionDefaults(command: FlowCommand): FlowOptionValues {
  const values: FlowOptionValues = {};
  for (const option of flowOptionsFor(command)) {
    const value = option.default === undefined ? undefined : coerceSetting(option.kind, option.default, true);
    if (value !== undefined) setFlowOption(values, option, value);
  }
  return values;
}

/** Sets the field of `option` to a value checked against its kind. */
export function setFlowOption(values: FlowOptionValues, option: FlowOption, value: SettingValue): void {
  (values as Record<string, SettingValue>)[option.field] = value;
}
