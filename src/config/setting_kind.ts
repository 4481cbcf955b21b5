/**
 * What a setting's value may be (its kind), how a value from a file or a
 * flag is checked against it, and how a kind is described in messages. The
 * one validation of the pipeline's settings and of the flow options of every
 * command.
 */
import { parseMode } from "../system/file_mode.ts";

export type SettingKind =
  | { type: "string" }
  | { type: "int"; min: number; max?: number }
  /** `unit` names what the number counts in messages ("a number of seconds > 0"). */
  | { type: "number"; min: number; exclusiveMin?: boolean; max?: number; unit?: string }
  | { type: "bool" }
  | { type: "list" }
  | { type: "enum"; values: readonly string[] }
  /** Octal permission bits ("600", "0640"), which must include `owner` (the program's own access). */
  | { type: "mode"; owner: number };

export type SettingValue = string | number | boolean | string[];

/**
 * Describes what a kind accepts, for error messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeKind } from "./setting_kind.ts";
 * assert.equal(describeKind({ type: "int", min: 1, max: 64 }), "an integer from 1 to 64");
 * assert.equal(describeKind({ type: "number", min: 0, exclusiveMin: true, unit: "seconds" }), "a number of seconds > 0");
 * ```
 */
export function describeKind(kind: SettingKind): string {
  switch (kind.type) {
    case "string":
      return "a string";
    case "bool":
      return "true or false";
    case "list":
      return "a list of strings";
    case "enum":
      return `one of ${kind.values.join(", ")}`;
    case "mode":
      return `octal permission bits including ${kind.owner.toString(8)} (e.g. "${
        (kind.owner | 0o040).toString(8)
      }")`;
    case "int":
      return kind.max === undefined
        ? `an integer ≥ ${kind.min}`
        : `an integer from ${kind.min} to ${kind.max}`;
    case "number": {
      const low = kind.exclusiveMin ? `> ${kind.min}` : `≥ ${kind.min}`;
      const what = kind.unit ? `a number of ${kind.unit}` : "a number";
      return kind.max === undefined ? `${what} ${low}` : `${what} ${low} and ≤ ${kind.max}`;
    }
  }
}

/**
 * Checks a value (from a file, or a flag's text when `fromText`) against a
 * kind; returns the typed value or undefined when it does not fit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coerceSetting } from "./setting_kind.ts";
 * assert.deepEqual(coerceSetting({ type: "list" }, "a, b,", true), ["a", "b"]);
 * assert.equal(coerceSetting({ type: "int", min: 1 }, "0", true), undefined);
 * ```
 */
export function coerceSetting(kind: SettingKind, raw: unknown, fromText: boolean): SettingValue | undefined {
  switch (kind.type) {
    case "string":
      return typeof raw === "string" ? raw : undefined;
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (fromText && typeof raw === "string" && /^(true|false)$/i.test(raw)) {
        return raw.toLowerCase() === "true";
      }
      return undefined;
    case "list":
      if (Array.isArray(raw) && raw.every((x) => typeof x === "string")) return raw as string[];
      if (fromText && typeof raw === "string") {
        return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
      }
      return undefined;
    case "enum": {
      if (typeof raw !== "string") return undefined;
      const found = kind.values.find((v) =>
        v.toLowerCase() === raw.toLowerCase() || (v === "WARNING" && /^warn$/i.test(raw))
      );
      return found;
    }
    case "mode":
      return parseMode(raw, kind.owner);
    case "int":
    case "number": {
      let n: number;
      if (typeof raw === "number") n = raw;
      else if (typeof raw === "bigint") n = Number(raw);
      else if (
        fromText && typeof raw === "string" && raw.trim() !== "" && /^[-+]?[0-9.e+-]+$/i.test(raw.trim())
      ) {
        n = Number(raw);
      } else return undefined;
      if (!Number.isFinite(n)) return undefined;
      if (kind.type === "int" && !Number.isInteger(n)) return undefined;
      if (kind.type === "number" && kind.exclusiveMin ? n <= kind.min : n < kind.min) return undefined;
      if (kind.max !== undefined && n > kind.max) return undefined;
      return n;
    }
  }
}
