/**
 * The flow options of `convert`, `live` and `windows` checked into settings,
 * from the one table of flow options (src/config/flow_option_table.ts).
 * No commander import here: the quick `convert` path (quick_convert.ts)
 * must not load it (issue 15); flow_options.ts adds the flags to commander.
 */
import { flowOptionsFor, type FlowOptionValues, setFlowOption } from "../config/flow_option_table.ts";
import { coerceSetting, describeKind } from "../config/setting_kind.ts";
import { flagAttribute, longFlag } from "../config/settings.ts";
import { flowOptionsProblem } from "../convert/flow_table_options.ts";
import type { ConvertFileOptions } from "../convert/convert_file.ts";
import { UsageError } from "./errors.ts";

/** The commands that make their flow options here (the pipeline's `builtin` makes them from its settings). */
export type FlowOptionCommand = "convert" | "live" | "windows";

/** What commander hands over: values by attribute name (`--flow-timeout` → `flowTimeout`). */
export type RawFlowOptions = Record<string, unknown>;

/** The checked options, ready for convertCaptureFile or a FlowMeter + writer. */
export type FlowSettings =
  & Required<Pick<ConvertFileOptions, "profile" | "columns" | "format">>
  & ConvertFileOptions;

/** Checks the flow options of `command`; every problem is a UsageError naming the option. */
export function parseFlowOptions(raw: RawFlowOptions, command: FlowOptionCommand): FlowSettings {
  const values: FlowOptionValues = {};
  for (const o of flowOptionsFor(command)) {
    const given = raw[flagAttribute(o.flag)];
    // An empty list flag (`--home-net ""`) is no list: the default applies.
    if (given === undefined || (o.kind.type === "list" && given === "")) continue;
    const value = coerceSetting(o.kind, given, true);
    if (value === undefined) {
      throw new UsageError(`${longFlag(o)} must be ${describeKind(o.kind)}, got "${given}"`);
    }
    setFlowOption(values, o, value);
  }
  // Build the layout and settings once now, so a bad field, zone, network or option mix fails
  // before any capture is read.
  const problem = flowOptionsProblem(values);
  if (problem) throw new UsageError(problem);
  // Profile, columns and format have defaults; the commands' formats are those of a file.
  return values as FlowSettings;
}

/** Parses a number of seconds > 0 for `option`. */
export function positiveSeconds(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${option} must be a number of seconds > 0, got "${value}"`);
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
