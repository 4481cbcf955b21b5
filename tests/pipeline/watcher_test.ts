import assert from "node:assert/strict";
import { CaptureWatcher } from "../../src/pipeline/watcher.ts";
import { memoryLogger } from "../../src/log.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 50 ms for at most `ms`. */
async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(50);
  return cond();
}

async function setup(options: { useWatchFs?: boolean; rescanMs?: number; done?: Set<string> } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "watcher_test_" });
  const completed: string[] = [];
  const watcher = new CaptureWatcher({
    dir,
    stabilityMs: 300,
    rescanMs: options.rescanMs ?? 5000,
    useWatchFs: options.useWatchFs,
    isDone: (path) => Promise.resolve(options.done?.has(path.slice(path.lastIndexOf("/") + 1)) ?? false),
    onComplete: (path) => completed.push(path.slice(path.lastIndexOf("/") + 1)),
    log: memoryLogger(),
  });
  return {
    dir,
    completed,
    watcher,
    write: (name: string, bytes = 24) => Deno.writeFile(`${dir}/${name}`, new Uint8Array(bytes)),
    async cleanup() {
      await watcher.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a new capture file completes the previous one; the newest waits for settle()", async () => {
  const t = await setup();
  try {
    await t.watcher.start();
    await t.write("capture_20261123_101500.pcap");
    await t.watcher.scan();
    assert.deepEqual(t.completed, [], "the only file is being written");
    await t.write("capture_20261123_101502.pcap");
    assert.ok(await until(() => t.completed.length === 1), "watchFs event reports the previous file");
    assert.deepEqual(t.completed, ["capture_20261123_101500.pcap"]);
    await t.write("capture_20261123_101504.pcap");
    assert.ok(await until(() => t.completed.length === 2));
    // tcpdump exits: the last file is complete once its size is stable.
    await t.watcher.settle();
    assert.ok(await t.watcher.waitSettled(3000));
    assert.deepEqual(t.completed, [
      "capture_20261123_101500.pcap",
      "capture_20261123_101502.pcap",
      "capture_20261123_101504.pcap",
    ]);
    // Many more scans report nothing twice.
    for (let i = 0; i < 5; i++) await t.watcher.scan();
    assert.equal(t.completed.length, 3);
    assert.equal(t.watcher.completed, 3);
  } finally {
    await t.cleanup();
  }
});

Deno.test("files left by an earlier run are reported once stable, those with output are skipped", async () => {
  const done = new Set(["capture_20261123_090000.pcap"]);
  const t = await setup({ done });
  try {
    await t.write("capture_20261123_090000.pcap");
    await t.write("capture_20261123_090100.pcap");
    await t.write("capture_20261123_090200.pcap");
    await t.write(".capture_20261123_090200.csv.tmp-1-abc");
    await t.write("notes.txt");
    await t.watcher.start();
    assert.deepEqual(t.completed, [], "not yet stable");
    // The last leftover is still growing for a while (an earlier tcpdump flushing).
    for (let i = 0; i < 3; i++) {
      await sleep(150);
      await t.write("capture_20261123_090200.pcap", 100 + i);
    }
    assert.ok(await t.watcher.waitSettled(3000));
    assert.deepEqual(t.completed, ["capture_20261123_090100.pcap", "capture_20261123_090200.pcap"]);
  } finally {
    await t.cleanup();
  }
});

Deno.test("without watchFs events the periodic re-scan still finds every file", async () => {
  const t = await setup({ useWatchFs: false, rescanMs: 200 });
  try {
    await t.watcher.start();
    for (let i = 0; i < 4; i++) await t.write(`capture_20261123_10150${i}.pcap`);
    assert.ok(await until(() => t.completed.length === 3));
    assert.deepEqual(t.completed, [0, 1, 2].map((i) => `capture_20261123_10150${i}.pcap`));
    assert.equal(t.watcher.current, "capture_20261123_101503.pcap");
  } finally {
    await t.cleanup();
  }
});

Deno.test("a file removed before it completes is forgotten, not reported", async () => {
  const t = await setup();
  try {
    await t.write("capture_20261123_080000.pcap");
    await t.watcher.start();
    await Deno.remove(`${t.dir}/capture_20261123_080000.pcap`);
    assert.ok(await t.watcher.waitSettled(2000));
    assert.deepEqual(t.completed, []);
  } finally {
    await t.cleanup();
  }
});

Deno.test({
  name: "close() waits for a settle() in progress (tcpdump exiting while the pipeline stops)",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    const t = await setup();
    await t.watcher.start();
    let settled = false;
    const settling = t.watcher.settle().then(() => settled = true);
    await t.watcher.close();
    assert.equal(settled, true, "no directory listing left running after close()");
    await Deno.remove(t.dir, { recursive: true });
    await settling;
    await t.watcher.settle(); // closed: nothing listed, nothing thrown (the directory is gone)
  },
});

Deno.test("the file being written is the newest by time, not by name (names in another zone left by an earlier run)", async () => {
  const t = await setup();
  try {
    // Left by an earlier run that named files in local time, two hours ahead of UTC.
    await t.write("capture_20261203_140000.pcap");
    const earlier = new Date(Date.now() - 60_000);
    await Deno.utime(`${t.dir}/capture_20261203_140000.pcap`, earlier, earlier);
    await t.watcher.start();
    // tcpdump now names in UTC: its file sorts first by name but is the one being written.
    await t.write("capture_20261203_120000.pcap");
    await t.watcher.scan();
    assert.equal(t.watcher.current, "capture_20261203_120000.pcap");
    assert.ok(await until(() => t.completed.length === 1), "the leftover is reported once stable");
    assert.deepEqual(t.completed, ["capture_20261203_140000.pcap"], "the file being written is not");
    await sleep(20);
    await t.write("capture_20261203_120100.pcap");
    assert.ok(await until(() => t.completed.length === 2), "a rotation completes it");
    assert.deepEqual(t.completed.slice(1), ["capture_20261203_120000.pcap"]);
  } finally {
    await t.cleanup();
  }
});
