/**
 * The one interrupt handler of every long-running command (`run`, `live`,
 * `windows`, `collect`): the first Ctrl+C (SIGINT) or SIGTERM asks for a
 * graceful stop, a second one forces it. And `unlessForced`, the wait that a
 * forced stop cuts short.
 */

/** Stop requests from Ctrl+C / SIGTERM as abort signals: the first stops gracefully, the second forces. */
export interface StopSignals {
  graceful: AbortSignal;
  force: AbortSignal;
  /** Stops listening (the default actions of SIGINT and SIGTERM apply again). */
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM until `dispose()`. The first one aborts
 * `graceful` and prints `pcap-pipeline: MESSAGE; press Ctrl+C again to exit
 * at once` on stderr, the next aborts `force`.
 *
 * @example The first signal stops gracefully, the second forces
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenForStop } from "./stop_signals.ts";
 * const stop = listenForStop("stopping");
 * const keepAlive = setTimeout(() => {}, 10_000); // signal listeners alone do not keep the loop alive
 * try {
 *   const first = new Promise((resolve) => stop.graceful.addEventListener("abort", resolve));
 *   Deno.kill(Deno.pid, "SIGTERM");
 *   await first;
 *   assert.equal(stop.force.aborted, false);
 * } finally {
 *   clearTimeout(keepAlive);
 *   stop.dispose();
 * }
 * ```
 */
export function listenForStop(message: string): StopSignals {
  const graceful = new AbortController();
  const force = new AbortController();
  const onSignal = () => {
    if (!graceful.signal.aborted) {
      console.error(`pcap-pipeline: ${message}; press Ctrl+C again to exit at once`);
      graceful.abort();
    } else {
      force.abort();
    }
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  return {
    graceful: graceful.signal,
    force: force.signal,
    dispose: () => {
      for (const s of signals) Deno.removeSignalListener(s, onSignal);
    },
  };
}

/**
 * Resolves with `promise`'s value, or with `undefined` as soon as `force`
 * is aborted (at once when it already is; the promise goes on unobserved).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unlessForced } from "./stop_signals.ts";
 * const force = new AbortController();
 * const never = new Promise<number>(() => {});
 * const waiting = unlessForced(never, force.signal);
 * force.abort();
 * assert.equal(await waiting, undefined);
 * assert.equal(await unlessForced(Promise.resolve(7), undefined), 7);
 * ```
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
