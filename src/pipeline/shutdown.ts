/**
 * Shutdown report: the permanently failed captures (in `failed/`, each with
 * its reason) listed when the pipeline stops.
 */

/** A pcap moved to failed/ and why. */
export interface FailedCapture {
  file: string;
  reason: string;
}

/**
 * The captures in `failedDir`, oldest first, each with the first line of its
 * reason file (`NAME.pcap.reason` or `NAME.reason`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listFailedCaptures } from "./shutdown.ts";
 * const failed = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${failed}/capture_20261123_101500.pcap`, "");
 * await Deno.writeTextFile(`${failed}/capture_20261123_101500.pcap.reason`, "cicflowmeter exited with code 1\nstderr: …\n");
 * assert.deepEqual(await listFailedCaptures(failed), [
 *   { file: "capture_20261123_101500.pcap", reason: "cicflowmeter exited with code 1" },
 * ]);
 * await Deno.remove(failed, { recursive: true });
 * ```
 */
export async function listFailedCaptures(failedDir: string): Promise<FailedCapture[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(failedDir)) {
      if (e.isFile && /\.pcap$/.test(e.name) && !e.name.startsWith(".")) names.push(e.name);
    }
  } catch {
    return [];
  }
  const out: FailedCapture[] = [];
  for (const file of names.sort()) {
    let reason = "no reason recorded";
    for (const candidate of [`${file}.reason`, `${file.replace(/\.pcap$/, "")}.reason`]) {
      try {
        reason = (await Deno.readTextFile(`${failedDir}/${candidate}`)).trim().split("\n")[0] || reason;
        break;
      } catch { /* try the other name */ }
    }
    out.push({ file, reason });
  }
  return out;
}
