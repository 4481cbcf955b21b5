/**
 * Permission bits given as octal text (`"640"`, `"0600"`, `"0o640"`, or a
 * number read from a config file), for the files and directories we create.
 */

/**
 * The mode, or undefined when `raw` is not octal bits up to 0777 or lacks
 * `owner` (the access the program itself needs: 0o600 files, 0o700 dirs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMode } from "./file_mode.ts";
 * assert.deepEqual(parseMode("640", 0o600), 0o640);
 * assert.deepEqual(parseMode("400", 0o600), undefined); // the owner could not write
 * ```
 */
export function parseMode(raw: unknown, owner: number): number | undefined {
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string" || !/^(0o?)?[0-7]{1,4}$/i.test(text.trim())) return undefined;
  const mode = parseInt(text.trim().replace(/^0o/i, ""), 8);
  return mode <= 0o777 && (mode & owner) === owner ? mode : undefined;
}
