/**
 * A file name no file has yet: `NAME.EXT`, else `NAME_1.EXT`, `NAME_2.EXT`, …
 * For names made from a clock (window files, Parquet parts), which repeat
 * when the clock is set back, in the hour that repeats when daylight saving
 * time ends, or for two runs started in the same second: an atomic rename
 * would otherwise replace the earlier file.
 */

/**
 * The first of `path`, `path` with `_1`, `_2`, … before its extension, that
 * no file (or link) has and that `taken` does not claim.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unusedPath } from "./unused_path.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(unusedPath(`${dir}/w_1200.csv`), `${dir}/w_1200.csv`);
 * await Deno.writeTextFile(`${dir}/w_1200.csv`, "");
 * assert.equal(unusedPath(`${dir}/w_1200.csv`), `${dir}/w_1200_1.csv`);
 * assert.equal(unusedPath(`${dir}/w_1200.csv`, (p) => p.endsWith("_1.csv")), `${dir}/w_1200_2.csv`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function unusedPath(path: string, taken: (path: string) => boolean = () => false): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  const cut = dot > slash + 1 ? dot : path.length;
  let candidate = path;
  for (let n = 1; taken(candidate) || exists(candidate); n++) {
    candidate = `${path.slice(0, cut)}_${n}${path.slice(cut)}`;
  }
  return candidate;
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
