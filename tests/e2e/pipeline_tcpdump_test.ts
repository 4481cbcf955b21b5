import assert from "node:assert/strict";
import { RotatingCapture, rotatingCaptureArgs } from "../../src/capture/tcpdump_rotate.ts";
import { memoryLogger } from "../../src/log.ts";
import { captureFiles, startTrafficServer, until } from "./pipeline_traffic.ts";
import { ignoreWithout } from "../requirements.ts";

Deno.test("tcpdump arguments: rotation pattern, -Z root -U -n -B 16384, the filter as its own argument", () => {
  assert.deepEqual(
    rotatingCaptureArgs({
      iface: "eth0",
      snaplen: 128,
      rotateSeconds: 60,
      pcapDir: "/d/pcaps",
      filter: "tcp port 80 and not host 10.0.0.1",
    }),
    [
      "-i",
      "eth0",
      "-s",
      "128",
      "-G",
      "60",
      "-w",
      "/d/pcaps/capture_%Y%m%d_%H%M%S.pcap",
      "-Z",
      "root",
      "-U",
      "-n",
      "-B",
      "16384",
      "--",
      "tcp port 80 and not host 10.0.0.1",
    ],
  );
  assert.equal(
    rotatingCaptureArgs({ iface: "lo", snaplen: 1, rotateSeconds: 1, pcapDir: ".", filter: " " }).length,
    14,
  );
});

Deno.test({
  name: "rotating tcpdump: files rotate, a killed tcpdump is restarted, pause and resume, stop ends it",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rotate_test_" });
    const traffic = startTrafficServer();
    const log = memoryLogger();
    const exits: boolean[] = [];
    const capture = new RotatingCapture({
      iface: "lo",
      snaplen: 128,
      rotateSeconds: 1,
      pcapDir: dir,
      filter: `tcp port ${traffic.port}`,
      log,
      backoff: { initialMs: 300, maxMs: 1000, healthyMs: 60_000 },
      parentDeathSignal: "setpriv",
      onExit: (e) => exits.push(e.expected),
    });
    try {
      capture.start();
      assert.ok(await until(async () => (await captureFiles(dir)).length >= 1, 5000), "first file appears");
      // Traffic over ~2.5 s makes tcpdump rotate at least twice.
      await traffic.send(25, 100);
      assert.ok(await until(async () => (await captureFiles(dir)).length >= 3, 3000), "files rotate");

      const firstPid = capture.pid!;
      Deno.kill(firstPid, "SIGKILL");
      assert.ok(await until(() => capture.pid !== undefined && capture.pid !== firstPid, 5000), "restarted");
      assert.equal(capture.restarts, 1);
      assert.ok(
        log.lines.some((l) => /^ERROR tcpdump on lo died \(killed by SIGKILL\); restarting in 0.3 s/.test(l)),
      );
      const before = (await captureFiles(dir)).length;
      await traffic.send(15, 100);
      assert.ok(
        await until(async () => (await captureFiles(dir)).length > before, 3000),
        "capture goes on after the restart",
      );

      await capture.pause();
      assert.equal(capture.state, "paused");
      assert.equal(capture.pid, undefined);
      const paused = await captureFiles(dir);
      await traffic.send(10, 100);
      assert.deepEqual(await captureFiles(dir), paused, "no file written while paused");
      capture.resume();
      assert.ok(await until(() => capture.pid !== undefined, 3000), "resumed");
      assert.equal(capture.restarts, 1, "a pause is not a restart");

      await capture.stop();
      assert.equal(capture.state, "stopped");
      assert.equal(capture.pid, undefined);
      assert.deepEqual(exits, [false, true, true], "one unexpected death, then pause and stop");
      assert.ok(log.lines.some((l) => l.startsWith("INFO tcpdump: listening on lo")), "stderr is logged");
    } finally {
      await capture.stop();
      await traffic.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "rotating tcpdump names its files in UTC whatever the host's time zone (local names repeat when DST ends)",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rotate_tz_test_" });
    const zone = Deno.env.get("TZ");
    // A POSIX zone five hours ahead of UTC (no tzdata needed): what tcpdump would inherit.
    Deno.env.set("TZ", "XYZ-5");
    const capture = new RotatingCapture({
      iface: "lo",
      snaplen: 128,
      rotateSeconds: 60,
      pcapDir: dir,
      filter: "udp port 9",
      log: memoryLogger(),
      parentDeathSignal: "setpriv",
    });
    try {
      const before = new Date();
      capture.start();
      assert.ok(await until(async () => (await captureFiles(dir)).length >= 1, 5000), "a file appears");
      const after = new Date();
      const [name] = await captureFiles(dir);
      const hour = Number(name.match(/_\d{8}_(\d\d)/)![1]);
      assert.ok(
        [before.getUTCHours(), after.getUTCHours()].includes(hour),
        `${name}: hour ${hour} is not UTC`,
      );
    } finally {
      if (zone === undefined) Deno.env.delete("TZ");
      else Deno.env.set("TZ", zone);
      await capture.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "rotating tcpdump: a SIGTERM that reaches tcpdump with our stop (a service manager's) is no crash; alone it is one",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rotate_stop_test_" });
    const options = {
      iface: "lo",
      snaplen: 128,
      rotateSeconds: 60,
      pcapDir: dir,
      filter: "udp port 9",
      backoff: { initialMs: 200, maxMs: 1000, healthyMs: 60_000 },
      parentDeathSignal: "setpriv",
    };
    try {
      // systemctl stop: SIGTERM to every process of the unit, tcpdump a moment before us.
      const log = memoryLogger();
      const capture = new RotatingCapture({ ...options, log });
      capture.start();
      assert.ok(await until(() => log.lines.some((l) => l.includes("listening on lo")), 5000));
      Deno.kill(capture.pid!, "SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 30));
      await capture.stop();
      assert.equal(capture.restarts, 0);
      assert.deepEqual(
        log.lines.filter((l) => /died|tcpdump started/.test(l)).length,
        1,
        log.lines.join("\n"),
      );

      // The same SIGTERM with nobody stopping: tcpdump is restarted, and the log says why.
      const alone = memoryLogger();
      const again = new RotatingCapture({ ...options, log: alone });
      again.start();
      assert.ok(await until(() => alone.lines.some((l) => l.includes("listening on lo")), 5000));
      const first = again.pid!;
      Deno.kill(first, "SIGTERM");
      assert.ok(await until(() => again.pid !== undefined && again.pid !== first, 5000), "restarted");
      assert.equal(again.restarts, 1);
      assert.ok(
        alone.lines.some((l) => /^ERROR tcpdump on lo died \(exit code 0/.test(l)),
        alone.lines.join("\n"),
      );
      await again.stop();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
