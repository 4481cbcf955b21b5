/**
 * `convert` command lines read without commander (issue 15). Commander is
 * CommonJS: loading it boots Deno's Node compatibility layer, 40–80 ms of
 * every run, as long as converting 60 000 packets. The usual command lines —
 * inputs, and options in their `-x VALUE`, `--name VALUE` or `--flag` forms —
 * are read here into exactly what commander would hand over. Anything else
 * (help, an unknown or misspelt option, `--name=VALUE`, bundled short flags,
 * `--`, a missing value, a value outside an option's choices) gives null, and
 * main.ts leaves the command line to commander, which prints its usual
 * messages. tests/cli/quick_convert_test.ts checks the result against
 * commander's own parse.
 */
import { PADDING_RULES, PROFILE_NAMES, SNAPLEN_LENGTHS } from "../flow/profile.ts";
import { LAYOUT_NAMES } from "../output/columns.ts";
import { DEFAULT_ROW_GROUP_ROWS, OUTPUT_FORMATS, PARQUET_COMPRESSIONS } from "../output/flow_writer_types.ts";
import { TIMESTAMP_FORMATS } from "../output/timestamp_format.ts";
import type { RawConvertOptions } from "./convert_run.ts";

/** One option of `convert` (convert.ts and flow_options.ts define them for commander). */
interface OptionSpec {
  /** The key commander stores the value under. */
  key: keyof RawConvertOptions;
  /** Takes a value (`<x>`); otherwise a flag. */
  value: boolean;
  /** The values commander accepts (its `.choices()`). */
  choices?: readonly string[];
  /** The value a flag sets (false for `--no-…`). */
  sets?: boolean;
}

const v = (key: keyof RawConvertOptions, choices?: readonly string[]): OptionSpec => ({
  key,
  value: true,
  choices,
});
const flag = (key: keyof RawConvertOptions, sets = true): OptionSpec => ({ key, value: false, sets });

/** Every spelling of every `convert` option. */
const OPTIONS: ReadonlyMap<string, OptionSpec> = new Map([
  ["-o", v("output")],
  ["--output", v("output")],
  ["-c", v("count")],
  ["--count", v("count")],
  ["-q", flag("quiet")],
  ["--quiet", flag("quiet")],
  ["--stats-json", v("statsJson")],
  ["-j", v("jobs")],
  ["--jobs", v("jobs")],
  ["-t", v("flowTimeout")],
  ["--flow-timeout", v("flowTimeout")],
  ["--activity-timeout", v("activityTimeout")],
  ["--profile", v("profile", PROFILE_NAMES)],
  ["--columns", v("columns", LAYOUT_NAMES)],
  ["--format", v("format", OUTPUT_FORMATS)],
  ["--compression", v("compression", PARQUET_COMPRESSIONS)],
  ["--row-group-rows", v("rowGroupRows")],
  ["--fields", v("fields")],
  ["--label", v("label")],
  ["--timestamp-format", v("timestampFormat", TIMESTAMP_FORMATS)],
  ["--time-zone", v("timeZone")],
  ["--home-net", v("homeNet")],
  ["--keep-single-packet-flows", flag("keepSinglePacketFlows")],
  ["--ipv6", flag("ipv6")],
  ["--no-ipv6", flag("ipv6", false)],
  ["--trim-padding", flag("trimPadding")],
  ["--no-trim-padding", flag("trimPadding", false)],
  ["--snaplen-lengths", v("snaplenLengths", SNAPLEN_LENGTHS)],
  ["--padding", v("padding", PADDING_RULES)],
  ["--non-ipv4-as-ipv4", flag("nonIpv4AsIpv4")],
  ["--termination-grace", v("terminationGrace")],
  ["--no-idle-sweep", flag("idleSweep", false)],
  ["--file-mode", v("fileMode")],
]);

/** commander's defaults for `convert` (in its order of definition). */
function defaults(): RawConvertOptions {
  return {
    count: "0",
    jobs: "1",
    flowTimeout: "120",
    activityTimeout: "5",
    profile: "cic2017",
    columns: "cic2017",
    format: "csv",
    compression: "zstd",
    rowGroupRows: String(DEFAULT_ROW_GROUP_ROWS),
    timeZone: "UTC",
    snaplenLengths: "ip",
    idleSweep: true,
    fileMode: "600",
  };
}

/**
 * The inputs and options of `convert ARGS` (the words after "convert") as
 * commander would read them, or null when commander should read them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quickConvertArgs } from "./quick_convert.ts";
 * const quick = quickConvertArgs(["in.pcap", "-o", "out.csv", "--quiet", "--profile", "corrected"]);
 * assert.deepEqual(quick?.inputs, ["in.pcap"]);
 * assert.equal(quick?.options.profile, "corrected");
 * assert.equal(quickConvertArgs(["in.pcap", "--profile", "nope"]), null); // commander explains
 * ```
 */
export function quickConvertArgs(
  args: readonly string[],
): { inputs: string[]; options: RawConvertOptions } | null {
  const inputs: string[] = [];
  const options = defaults() as unknown as Record<string, string | boolean>;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-" || !arg.startsWith("-")) {
      inputs.push(arg);
      continue;
    }
    const spec = OPTIONS.get(arg);
    if (spec === undefined) return null;
    if (!spec.value) {
      options[spec.key] = spec.sets!;
      continue;
    }
    const value = args[++i];
    // A value that looks like an option is left to commander's rules.
    if (value === undefined || (value.startsWith("-") && value !== "-")) return null;
    if (spec.choices && !spec.choices.includes(value)) return null;
    options[spec.key] = value;
  }
  if (inputs.length === 0) return null;
  return { inputs, options: options as unknown as RawConvertOptions };
}
