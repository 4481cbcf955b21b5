import assert from "node:assert/strict";
import { memoryLogger } from "../../src/log.ts";
import { DiskMonitor, freeBytes } from "../../src/pipeline/disk_monitor.ts";
import { listDir } from "../convert/fake_meters.ts";
import { ignoreWithout } from "../requirements.ts";

const MB = 1024 * 1024;

async function withPcaps(fn: (dir: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "disk_test_" });
  await Deno.mkdir(`${root}/pcaps`);
  try {
    await fn(`${root}/pcaps`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/**
 * A simulated disk of `capacityMb`: each pcap "occupies" the number of MB
 * written in it, so deleting a file frees its space.
 */
function simulatedDisk(pcapDir: string, capacityMb: number) {
  return async () => {
    let used = 0;
    for await (const e of Deno.readDir(pcapDir)) {
      used += Number(await Deno.readTextFile(`${pcapDir}/${e.name}`));
    }
    return (capacityMb - used) * MB;
  };
}

async function pcap(dir: string, name: string, sizeMb: number, ageMin: number) {
  await Deno.writeTextFile(`${dir}/${name}`, String(sizeMb));
  const t = new Date(Date.now() - ageMin * 60_000);
  await Deno.utime(`${dir}/${name}`, t, t);
}

Deno.test("disk monitor: warn when low, delete oldest converted pcaps when critical, pause, then resume", async () => {
  await withPcaps(async (dir) => {
    const converted = new Set(["capture_1.pcap", "capture_3.pcap"]);
    const events: string[] = [];
    const log = memoryLogger();
    const monitor = new DiskMonitor({
      dataDir: dir,
      pcapDir: dir,
      minFreeMb: 100,
      freeSpace: simulatedDisk(dir, 1000),
      isConverted: (p) => converted.has(p.slice(p.lastIndexOf("/") + 1)),
      pauseCapture: () => void events.push("pause"),
      resumeCapture: () => void events.push("resume"),
      log,
    });

    // Plenty of space.
    await pcap(dir, "capture_1.pcap", 100, 40);
    let c = await monitor.check();
    assert.equal(c.level, "ok");
    assert.equal(log.lines.length, 0);

    // 80 MB free: below 100, above 50 → only a warning.
    await pcap(dir, "capture_2.pcap", 820, 30); // not converted
    c = await monitor.check();
    assert.equal(c.level, "low");
    assert.deepEqual(c.deleted, []);
    assert.match(log.lines.at(-1)!, /^WARNING low disk space: 80 MB free/);

    // 40 MB free: critical → the oldest converted pcap goes first, and that is enough.
    await pcap(dir, "capture_3.pcap", 40, 10);
    c = await monitor.check();
    assert.deepEqual(c.deleted, [`${dir}/capture_1.pcap`]);
    assert.equal(c.freeBytes, 140 * MB);
    assert.equal(c.level, "ok");
    assert.equal(c.paused, false);
    assert.ok(
      log.lines.some((l) => /^WARNING disk space critical: deleted converted capture_1\.pcap early/.test(l)),
    );

    // 0 MB free: the last converted pcap is deleted, unconverted ones never; still critical → pause.
    await pcap(dir, "capture_4.pcap", 140, 5); // not converted
    c = await monitor.check();
    assert.deepEqual(c.deleted, [`${dir}/capture_3.pcap`]);
    assert.equal(c.freeBytes, 40 * MB);
    assert.equal(c.level, "critical");
    assert.equal(c.paused, true);
    assert.deepEqual(events, ["pause"]);
    assert.ok(log.lines.some((l) => /^ERROR disk space critical: 40 MB free .* pausing capture/.test(l)));
    assert.deepEqual(await listDir(dir), ["capture_2.pcap", "capture_4.pcap"]);

    // Still short: stays paused, pause not repeated.
    c = await monitor.check();
    assert.equal(c.paused, true);
    assert.deepEqual(events, ["pause"]);

    // Space back between half and the threshold (80 MB): stays paused.
    await Deno.writeTextFile(`${dir}/capture_4.pcap`, "100");
    c = await monitor.check();
    assert.equal(c.level, "low");
    assert.equal(c.paused, true);

    // Back above the threshold: resume.
    await Deno.remove(`${dir}/capture_4.pcap`);
    c = await monitor.check();
    assert.equal(c.level, "ok");
    assert.equal(c.paused, false);
    assert.deepEqual(events, ["pause", "resume"]);
    assert.ok(log.lines.some((l) => /^INFO disk space back to 180 MB free; resuming capture/.test(l)));
  });
});

Deno.test("freeBytes reads the real free space of a directory's file system", async () => {
  const free = await freeBytes(Deno.cwd());
  assert.ok(Number.isFinite(free) && free > 0);
  await assert.rejects(
    () => freeBytes("/nonexistent/dir"),
    /\/nonexistent\/dir: cannot read free disk space/,
  );
});

Deno.test({
  name:
    "on a real 8 MB tmpfs: oldest converted pcaps deleted, then capture paused, resumed when space returns",
  ignore: Deno.build.os !== "linux" || ignoreWithout("root"),
  fn: async () => {
    const mnt = await Deno.makeTempDir({ prefix: "disk_tmpfs_" });
    const mount = await new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt] })
      .output();
    if (mount.code !== 0) {
      await Deno.remove(mnt);
      console.warn(`skipped: mount -t tmpfs failed: ${new TextDecoder().decode(mount.stderr).trim()}`);
      return;
    }
    try {
      const pcaps = `${mnt}/pcaps`;
      await Deno.mkdir(pcaps);
      const block = new Uint8Array(MB);
      for (let i = 1; i <= 7; i++) {
        await Deno.writeFile(`${pcaps}/capture_${i}.pcap`, block);
        const t = new Date(Date.now() - (10 - i) * 60_000);
        await Deno.utime(`${pcaps}/capture_${i}.pcap`, t, t);
      }
      const before = await freeBytes(mnt);
      assert.ok(before < 1.5 * MB, `tmpfs should be nearly full, ${before} bytes free`);
      const events: string[] = [];
      const monitor = new DiskMonitor({
        dataDir: mnt,
        pcapDir: pcaps,
        minFreeMb: 5, // critical below 2.5 MB
        isConverted: (p) => Number(p.match(/_(\d+)\.pcap$/)![1]) <= 5,
        pauseCapture: () => void events.push("pause"),
        resumeCapture: () => void events.push("resume"),
        log: memoryLogger(),
      });
      const names = (paths: string[]) => paths.map((p) => p.slice(pcaps.length + 1));
      // Oldest converted first, until at least 2.5 MB are free.
      let c = await monitor.check();
      assert.deepEqual(names(c.deleted), ["capture_1.pcap", "capture_2.pcap"]);
      assert.equal(c.level, "low");
      // Two more MB of unconverted capture: the next oldest converted go.
      for (const i of [8, 9]) await Deno.writeFile(`${pcaps}/capture_${i}.pcap`, block);
      c = await monitor.check();
      assert.deepEqual(names(c.deleted), ["capture_3.pcap", "capture_4.pcap"]);
      assert.equal(c.paused, false);
      // Again: only capture_5 is left to delete, not enough → capture paused.
      for (const i of [10, 11]) await Deno.writeFile(`${pcaps}/capture_${i}.pcap`, block);
      c = await monitor.check();
      assert.deepEqual(names(c.deleted), ["capture_5.pcap"]);
      assert.equal(c.level, "critical");
      assert.deepEqual(events, ["pause"]);
      assert.deepEqual(await listDir(pcaps), [
        "capture_10.pcap",
        "capture_11.pcap",
        "capture_6.pcap",
        "capture_7.pcap",
        "capture_8.pcap",
        "capture_9.pcap",
      ]);
      // Space returns (unconverted files converted and expired elsewhere): resume.
      for (const i of [6, 7, 8, 9, 10, 11]) await Deno.remove(`${pcaps}/capture_${i}.pcap`);
      c = await monitor.check();
      assert.equal(c.paused, false);
      assert.deepEqual(events, ["pause", "resume"]);
    } finally {
      await new Deno.Command("umount", { args: [mnt] }).output();
      await Deno.remove(mnt, { recursive: true });
    }
  },
});

Deno.test({
  name: "stop() resolves once the check in progress has finished (nothing runs after the pipeline stopped)",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    const monitor = new DiskMonitor({
      dataDir: "/nonexistent",
      pcapDir: "/nonexistent",
      minFreeMb: 100,
      freeSpace: () => new Promise((resolve) => setTimeout(() => resolve(10_000 * MB), 100)),
      isConverted: () => false,
      pauseCapture: () => {},
      resumeCapture: () => {},
      log: memoryLogger(),
    });
    monitor.start(); // the first check starts at once
    await monitor.stop();
    assert.equal(monitor.lastFreeBytes, 10_000 * MB);
  },
});

Deno.test("a small threshold is logged in fractions of a MB, not as '0 MB free (< 0 MB)'", async () => {
  await withPcaps(async (dir) => {
    const log = memoryLogger();
    const monitor = new DiskMonitor({
      dataDir: dir,
      pcapDir: dir,
      minFreeMb: 1,
      freeSpace: () => Promise.resolve(300 * 1024), // a 300 KiB tmpfs
      isConverted: () => false,
      pauseCapture: () => {},
      resumeCapture: () => {},
      log,
    });
    await monitor.check();
    assert.match(log.lines[0], /^WARNING low disk space: 0\.29 MB free on .* \(minimum 1 MB\)$/);
    assert.match(
      log.lines[1],
      /^ERROR disk space critical: 0\.29 MB free \(< 0\.50 MB\) and no converted pcap/,
    );
  });
});
