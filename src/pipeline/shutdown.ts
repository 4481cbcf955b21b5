/**
 * Shutdown helpers: waiting that a second Ctrl+C can cut short, and the
 * list of permanently failed captures (in `failed/`, each with its reason)
 * reported when the pipeline stops.
 */

/** A pcap moved to failed/ and why. */
export interface FailedCapture {
  file: string;
  reason: string;
}

/**
 * Resolves with `promise`'s value, or with `undefined` as soon as `force`
 * is aborted (the promise goes on unobserved).
 *
 * @example
 * const drained = await unlessForced(queue.drain(60_000), forceSignal); // undefined after a 2nd Ctrl+C
 */
export function unlessForced<T>(promise: Promise<T>, force: AbortSignal | undefined): Promise<T | undefined> {
  if (!force) return promise;
  if (force.aborted) {
    promise.catch(() => {});
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    force.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        force.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        force.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The captures in `failedDir`, oldest first, each with the first line of its
 * reason file (`NAME.pcap.reason` or `NAME.reason`).
 *
 * @example
 * await listFailedCaptures("data/failed")
 * // [{ file: "capture_20261123_101500.pcap", reason: "cicflowmeter exited with code 1" }]
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
