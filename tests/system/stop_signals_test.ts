/**
 * The interrupt handler of `run`, `live`, `windows` and `collect`, with real
 * signals sent to this process: the first stops gracefully, the second
 * forces, and after dispose() nothing listens any more.
 */
import assert from "node:assert/strict";
import { listenForStop, unlessForced } from "../../src/system/stop_signals.ts";

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));

// SIGTERM, not SIGINT: `deno test` itself takes SIGINT to cancel the run; the handler treats both alike.
Deno.test("the first SIGTERM aborts graceful only and says how to force; the second aborts force", async () => {
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  const stop = listenForStop("stopping (test)");
  // Signal listeners do not keep the event loop alive; this timer does while we wait.
  const keepAlive = setTimeout(() => {}, 10_000);
  try {
    Deno.kill(Deno.pid, "SIGTERM");
    await aborted(stop.graceful);
    assert.equal(stop.force.aborted, false);
    assert.deepEqual(errors, ["pcap-pipeline: stopping (test); press Ctrl+C again to exit at once"]);
    Deno.kill(Deno.pid, "SIGTERM");
    await aborted(stop.force);
  } finally {
    clearTimeout(keepAlive);
    stop.dispose();
    console.error = original;
  }
});

Deno.test("a forced stop cuts a wait short; an already forced one at once; no force waits it out", async () => {
  const force = new AbortController();
  const never = new Promise<string>(() => {});
  const waiting = unlessForced(never, force.signal);
  force.abort();
  assert.equal(await waiting, undefined);
  assert.equal(await unlessForced(never, force.signal), undefined);
  assert.equal(await unlessForced(Promise.resolve("done"), undefined), "done");
  await assert.rejects(unlessForced(Promise.reject(new Error("boom")), new AbortController().signal), /boom/);
});
