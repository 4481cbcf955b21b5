/**
 * Stopping the tcpdump stream never waits for ever: a tcpdump that ignores
 * SIGTERM is killed after the grace period, at the library level and
 * through `live`'s session (the bug: a stuck tcpdump blocked `live` until a
 * second Ctrl+C).
 */
import assert from "node:assert/strict";
import { captureFromTcpdump } from "../../src/capture/tcpdump_stream.ts";
import { runLiveSession } from "../../src/live/live_session.ts";
import { killStuckTcpdump, within, writeStuckTcpdump } from "./stuck_tcpdump.ts";

Deno.test("a tcpdump that ignores SIGTERM is killed stopGraceMs after the stop", async () => {
  const dir = await Deno.makeTempDir();
  const { command, pidFile } = await writeStuckTcpdump(dir);
  try {
    const stop = new AbortController();
    let listening!: () => void;
    const headerRead = new Promise<void>((r) => listening = r);
    const capture = captureFromTcpdump(
      {
        iface: "lo",
        command,
        signal: stop.signal,
        stopDrainMs: 0,
        stopGraceMs: 300,
        countsIntervalMs: 0,
        onProgress: () => listening(), // the pcap header has arrived
      },
      () => {},
    );
    const started = await within(Promise.race([capture.then(() => {}), headerRead]), 5000);
    assert.notEqual(started, "timed out");
    const stoppedAt = performance.now();
    stop.abort();
    const result = await within(capture, 5000);
    assert.notEqual(result, "timed out", "the capture was still waiting on tcpdump 5 s after the stop");
    const ms = performance.now() - stoppedAt;
    assert.ok(ms >= 250 && ms < 3000, `stopped after ${ms.toFixed(0)} ms`);
    if (result !== "timed out") assert.equal(result.stats.packets, 0);
  } finally {
    await killStuckTcpdump(pidFile);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`live` stops although its tcpdump ignores SIGTERM: the default 5 s grace, then SIGKILL", async () => {
  const dir = await Deno.makeTempDir();
  const { command, pidFile } = await writeStuckTcpdump(dir);
  try {
    const stop = new AbortController();
    let listening!: () => void;
    const ready = new Promise<void>((r) => listening = r);
    const session = runLiveSession({
      iface: "lo",
      output: `${dir}/flows.csv`,
      signal: stop.signal,
      tcpdumpCommand: command,
      onListening: listening,
    });
    assert.notEqual(await within(Promise.race([ready, session.then(() => {})]), 5000), "timed out");
    const stoppedAt = performance.now();
    stop.abort();
    // 1.2 s drain (STOP_DRAIN_MS), 5 s grace (STOP_GRACE_MS), then SIGKILL ends the pipe.
    const result = await within(session, 10_000);
    assert.notEqual(result, "timed out", "live was still waiting on tcpdump 10 s after the stop");
    const ms = performance.now() - stoppedAt;
    assert.ok(ms >= 6000, `stopped after ${ms.toFixed(0)} ms, before the grace had passed`);
    if (result !== "timed out") assert.equal(result.packets, 0);
  } finally {
    await killStuckTcpdump(pidFile);
    await Deno.remove(dir, { recursive: true });
  }
});
