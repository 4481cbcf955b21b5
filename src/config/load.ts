/**
 * From command-line options to one `PipelineConfig`: defaults ← `--config`
 * file ← flags. Flag values are checked with the same rules as file keys.
 */
import type { ConverterName } from "../convert/converter.ts";
import { ConfigError, loadConfigFile } from "./config_file.ts";
import { mergeConfig, type PartialConfig, type PipelineConfig } from "./pipeline_config.ts";
import { coerceSetting, describeKind } from "./setting_kind.ts";
import { flagAttribute, longFlag, SETTINGS } from "./settings.ts";

/**
 * The settings given as flags. `options` is what commander parsed (attribute
 * names as in `flagAttribute`); absent or undefined values are not set.
 * Throws ConfigError naming every bad flag.
 */
export function configFromFlags(options: Record<string, unknown>): PartialConfig {
  const config: PartialConfig = {};
  const problems: string[] = [];
  for (const setting of SETTINGS) {
    const raw = options[flagAttribute(setting.flag)];
    if (raw === undefined) continue;
    // A bool flag without argument is `true`; `--no-root-check` gives false.
    const value = coerceSetting(setting.kind, raw, true);
    if (value === undefined) {
      problems.push(
        `${longFlag(setting)}: expected ${describeKind(setting.kind)}, got ${JSON.stringify(raw)}`,
      );
      continue;
    }
    setting.apply(config, value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The full config for `meter`: defaults, then the file named by
 * `options.config` (if any), then the flags. Problems in the file and in the
 * flags are reported together.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPipelineConfig } from "./load.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/pipeline.toml`, "workers = 2\n[retention]\npcaps = 10\n");
 * const config = await loadPipelineConfig("builtin", { config: `${dir}/pipeline.toml`, workers: "4" });
 * assert.equal(config.workers, 4); // the flag wins over the file
 * assert.equal(config.retentionMinutes.pcaps, 10);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadPipelineConfig(
  meter: ConverterName,
  options: Record<string, unknown>,
): Promise<PipelineConfig> {
  const problems: string[] = [];
  let fromFile: PartialConfig = {};
  let fromFlags: PartialConfig = {};
  if (typeof options.config === "string") {
    try {
      fromFile = await loadConfigFile(options.config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  try {
    fromFlags = configFromFlags(options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return mergeConfig(meter, fromFile, fromFlags);
}
