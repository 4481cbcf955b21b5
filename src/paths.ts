/**
 * Small path helpers shared by the pipeline and the converters (POSIX paths,
 * as given on the command line; no normalisation).
 */

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseName } from "./paths.ts";
 * assert.deepEqual(baseName("data/pcaps/capture_20261123_101500.pcap"), "capture_20261123_101500.pcap");
 * ```
 */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dirName } from "./paths.ts";
 * assert.equal(dirName("data/csv/x.csv"), "data/csv");
 * assert.equal(dirName("x.csv"), ".");
 * ```
 */
export function dirName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
}

/** True when something exists at `path` (any error counts as "no"). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
