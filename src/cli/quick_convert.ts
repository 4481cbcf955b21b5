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
import { flowOptionsFor } from "../config/flow_option_table.ts";
import { flagAttribute } from "../config/settings.ts";
import { CONVERT_OPTIONS, type RawConvertOptions } from "./convert_run.ts";

/** How one spelling of an option is read. */
interface OptionSpec {
  /** The key commander stores the value under. */
  key: string;
  /** Takes a value (`<x>`); otherwise a flag. */
  value: boolean;
  /** The values commander accepts (its `.choices()`). */
  choices?: readonly string[];
  /** The value a flag sets (false for `--no-…`). */
  sets?: boolean;
}

/** Every spelling of every `convert` option, and commander's defaults, made as commander makes them. */
function optionTable(): { spellings: Map<string, OptionSpec>; defaults: Record<string, string | boolean> } {
  const spellings = new Map<string, OptionSpec>();
  const defaults: Record<string, string | boolean> = {};
  const positive = new Set<string>();
  const add = (flag: string, choices?: readonly string[], initial?: string) => {
    const key = flagAttribute(flag);
    const names = flag.split(/[ ,]+/).filter((p) => p.startsWith("-"));
    const value = /[<[]/.test(flag);
    const negated = names.some((n) => n.startsWith("--no-"));
    for (const name of names) spellings.set(name, { key, value, choices, sets: !negated });
    // Commander: a value's default as given; a `--no-x` makes x true unless given, or unless
    // `--x` was declared before it (then x has no default: the pair's third state).
    if (initial !== undefined) defaults[key] = initial;
    else if (negated && !(key in defaults) && !positive.has(key)) defaults[key] = true;
    if (!negated) positive.add(key);
  };
  for (const o of CONVERT_OPTIONS) add(o.flag, undefined, o.default);
  for (const o of flowOptionsFor("convert")) {
    add(o.flag, o.kind.type === "enum" ? o.kind.values : undefined, o.default);
    // `--ipv6` with `--no-ipv6`: no default (the profile decides), as commander does for the pair.
    if (o.negation) {
      spellings.set(o.negation.flag, { key: flagAttribute(o.flag), value: false, sets: false });
    }
  }
  return { spellings, defaults };
}

const { spellings: OPTIONS, defaults: DEFAULTS } = optionTable();

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
  const options: Record<string, string | boolean> = { ...DEFAULTS };
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
