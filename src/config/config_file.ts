/**
 * The optional config file (`--config FILE`): JSON or TOML with the keys of
 * `SETTINGS`. Unknown keys and values of the wrong type are errors naming
 * the key; syntax errors name the line. All problems are reported together.
 */
import { parse as parseToml, TomlError } from "smol-toml";
import { UsageError } from "../usage_error.ts";
import type { PartialConfig } from "./pipeline_config.ts";
import { coerceSetting, describeKind } from "./setting_kind.ts";
import { SETTINGS } from "./settings.ts";

/** Settings that cannot be used: every problem found, one line each. */
export class ConfigError extends UsageError {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} problems with the settings:\n  - ${problems.join("\n  - ")}`,
    );
  }
}

const BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));
const TABLES = new Set(SETTINGS.filter((s) => s.key.includes(".")).map((s) => s.key.split(".")[0]));

/**
 * Reads and checks a config file. The format is TOML for `.toml`, JSON for
 * `.json`, otherwise JSON when the text starts with `{`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError, loadConfigFile } from "./config_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/pipeline.toml`, "workers = 4\n[retention]\npcaps = 10\n");
 * assert.deepEqual(await loadConfigFile(`${dir}/pipeline.toml`), { workers: 4, retentionMinutes: { pcaps: 10 } });
 * await Deno.writeTextFile(`${dir}/pipeline.toml`, "wrokers = 4\n");
 * await assert.rejects(loadConfigFile(`${dir}/pipeline.toml`), ConfigError); // names the unknown key
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadConfigFile(path: string): Promise<PartialConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    const reason = err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message;
    throw new ConfigError([`config file ${path}: ${reason}`]);
  }
  return parseConfigText(text, path);
}

/** Parses config text (`name` is the file name used in messages and to pick the format). */
export function parseConfigText(text: string, name: string): PartialConfig {
  const isToml = /\.toml$/i.test(name) || (!/\.json$/i.test(name) && !text.trimStart().startsWith("{"));
  let doc: unknown;
  if (isToml) {
    try {
      doc = parseToml(text);
    } catch (err) {
      if (err instanceof TomlError) {
        const reason = err.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
        throw new ConfigError([
          `${name}: TOML syntax error at line ${err.line}, column ${err.column}: ${reason}`,
        ]);
      }
      throw err;
    }
  } else {
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new ConfigError([`${name}: JSON syntax error ${jsonErrorPlace(text, (err as Error).message)}`]);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw new ConfigError([`${name}: the top level must be an object of settings`]);
    }
  }
  return configFromDocument(doc as Record<string, unknown>, name, text);
}

/** "at line 3, column 6: Expected ':' after property name" from V8's JSON.parse message. */
function jsonErrorPlace(text: string, message: string): string {
  const reason = message.replace(/ in JSON at position \d+.*$/, "").replace(/^JSON\.parse: /, "");
  const lineCol = message.match(/\(line (\d+) column (\d+)\)/);
  if (lineCol) return `at line ${lineCol[1]}, column ${lineCol[2]}: ${reason}`;
  const pos = message.match(/position (\d+)/);
  if (pos) {
    const before = text.slice(0, Number(pos[1]));
    const line = before.split("\n").length;
    return `at line ${line}, column ${before.length - before.lastIndexOf("\n")}: ${reason}`;
  }
  if (/end of (JSON )?input/i.test(message)) {
    return `at line ${text.split("\n").length} (end of file): ${reason}`;
  }
  return `: ${reason}`;
}

function configFromDocument(doc: Record<string, unknown>, name: string, text: string): PartialConfig {
  const config: PartialConfig = {};
  const problems: string[] = [];
  const where = (key: string) => {
    const line = keyLine(text, key);
    return line ? `${name}, line ${line}` : name;
  };
  const take = (key: string, raw: unknown) => {
    const setting = BY_KEY.get(key);
    if (!setting) {
      const hint = nearest(key);
      problems.push(`${where(key)}: unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ""}`);
      return;
    }
    const value = coerceSetting(setting.kind, raw, false);
    if (value === undefined) {
      problems.push(`${where(key)}: key '${key}' must be ${describeKind(setting.kind)}, got ${show(raw)}`);
      return;
    }
    setting.apply(config, value);
  };
  // `retention = 30` first, so that `[retention]` entries refine it whatever the order in the file.
  const entries = Object.entries(doc).sort((
    [a],
    [b],
  ) => (a === "retention" ? -1 : b === "retention" ? 1 : 0));
  for (const [key, raw] of entries) {
    const isTable = typeof raw === "object" && raw !== null && !Array.isArray(raw);
    if (TABLES.has(key) && isTable) {
      for (const [sub, v] of Object.entries(raw as Record<string, unknown>)) take(`${key}.${sub}`, v);
    } else if (TABLES.has(key) && !BY_KEY.has(key)) {
      problems.push(`${where(key)}: key '${key}' must be a table of settings, got ${show(raw)}`);
    } else {
      take(key, raw);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The line where `key` ("workers" or "table.sub") is set in TOML or JSON
 * text, found by its spelling (first match after the table's own line), or
 * undefined. Good enough to point a person at the right line.
 */
export function keyLine(text: string, key: string): number | undefined {
  const lines = text.split("\n");
  const escape = (k: string) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const setting = (k: string) =>
    new RegExp(`^\\s*(?:"${escape(k)}"\\s*:|${escape(k)}\\s*=|"${escape(k)}"\\s*=)`);
  const dot = key.indexOf(".");
  let from = 0;
  let leaf = key;
  if (dot > 0) {
    const table = key.slice(0, dot);
    leaf = key.slice(dot + 1);
    const header = new RegExp(`^\\s*(?:\\[\\s*${escape(table)}\\s*\\]|"${escape(table)}"\\s*:)`);
    const at = lines.findIndex((l) => header.test(l));
    if (at < 0) return undefined;
    from = at;
    if (new RegExp(`"${escape(leaf)}"\\s*:`).test(lines[at])) return at + 1; // JSON table on one line
  }
  for (let i = from; i < lines.length; i++) if (setting(leaf).test(lines[i])) return i + 1;
  return undefined;
}

function show(raw: unknown): string {
  if (typeof raw === "string") return JSON.stringify(raw);
  if (typeof raw === "bigint") return String(raw);
  if (raw instanceof Date) return `a date (${raw.toISOString()})`;
  if (Array.isArray(raw)) return "a list";
  if (typeof raw === "object" && raw !== null) return "a table";
  return String(raw);
}

/** The known key closest to a misspelt one (edit distance ≤ 2), if any. */
function nearest(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of BY_KEY.keys()) {
    const d = editDistance(key.toLowerCase(), known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
