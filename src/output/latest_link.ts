/**
 * The "latest" symlink of a directory of window files: `DIR/latest_capture.csv`
 * names the newest complete window, as the Live Capture Tool keeps it for the
 * detector that watches DIR (it polls the link with readlink). The link is
 * replaced atomically: a new relative link is made under a temporary name
 * beside it and renamed over the old one, so a reader sees either the old
 * target or the new one, never a missing or half-made link. Callers point it
 * only at files already renamed to their final name, so it never names a
 * partial file.
 */
import { join } from "node:path";
import { atomicTempPath } from "../system/atomic_write.ts";

/** Name of the link without its extension. */
export const LATEST_LINK_STEM = "latest_capture";

/**
 * The link's name for a window file: the stem plus the file's extension, so
 * CSV windows get `latest_capture.csv` (the name the detector reads) and
 * other formats their own link that no CSV reader mistakes for CSV.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latestLinkName } from "./latest_link.ts";
 * assert.deepEqual(latestLinkName("live_capture_20261123_120000.csv"), "latest_capture.csv");
 * assert.deepEqual(latestLinkName("live_capture_20261123_120000.ndjson"), "latest_capture.ndjson");
 * ```
 */
export function latestLinkName(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return LATEST_LINK_STEM + (dot > 0 ? fileName.slice(dot) : "");
}

/**
 * True when this process may make symlinks: Deno allows `symlink` only with
 * unscoped read and write permissions (a path-scoped grant, as in the
 * `binary` permission set, is refused because a link's target is resolved
 * only when it is followed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canMakeSymlinks } from "./latest_link.ts";
 * assert.equal(canMakeSymlinks(), true); // under `deno test -A`; false without read and write permission
 * ```
 */
export function canMakeSymlinks(): boolean {
  return Deno.permissions.querySync({ name: "read" }).state === "granted" &&
    Deno.permissions.querySync({ name: "write" }).state === "granted";
}

/**
 * Points `DIR/<link>` at `DIR/<fileName>` atomically (a relative link, so the
 * directory can be moved or mounted elsewhere). `fileName` must be a plain
 * name in `dir`. Throws naming the link when it cannot be made; the
 * temporary link is then removed and the old link left as it was.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pointLatestLink } from "./latest_link.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/live_capture_20261123_120000.csv`, "a,b\n");
 * const link = await pointLatestLink(dir, "live_capture_20261123_120000.csv");
 * assert.equal(link, `${dir}/latest_capture.csv`);
 * assert.equal(await Deno.readLink(link), "live_capture_20261123_120000.csv"); // relative
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function pointLatestLink(dir: string, fileName: string): Promise<string> {
  if (fileName === "" || fileName.includes("/")) {
    throw new Error(`${fileName}: not a file name in ${dir}`);
  }
  const link = join(dir, latestLinkName(fileName));
  const temp = atomicTempPath(link);
  try {
    await Deno.symlink(fileName, temp);
    await Deno.rename(temp, link);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw new Error(`${link}: cannot point it at ${fileName}: ${err instanceof Error ? err.message : err}`, {
      cause: err,
    });
  }
  // No directory fsync: after a crash the link names an older complete window at worst, which is still valid.
  return link;
}
