/**
 * The live and windows sessions as a library: tcpdump's final counts and
 * errors, the capture buffer argument, the python layout getting a label
 * column, and (root) a windows session on loopback stopped by its signal.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { runLiveSession } from "../../src/live/live_session.ts";
import {
  bufferArgs,
  CAPTURE_BUFFER_KIB,
  droppedByKernel,
  tcpdumpMessage,
} from "../../src/live/session_capture.ts";
import {
  runWindowsSession,
  type WindowsSessionOptions,
  type WindowSummary,
  withLabelColumn,
} from "../../src/live/windows_session.ts";
import { checkCaptureTarget } from "../../src/live/capture_target.ts";
import { TcpdumpStartError } from "../../src/capture/tcpdump_stream.ts";
import { HttpFloodRule } from "../../src/label/http_flood.ts";
import { buildLayout } from "../../src/output/columns.ts";
import { parseCsv } from "./cli_process.ts";
import { ignoreWithout } from "../requirements.ts";
import { basename } from "node:path";

/** A 60 s windows session on lo into `dir`; `ready` resolves when tcpdump listens. */
function startLoopbackWindows(dir: string, options: Partial<WindowsSessionOptions>) {
  const stop = new AbortController();
  const windows: WindowSummary[] = [];
  let listening!: () => void;
  const ready = new Promise<void>((r) => listening = r);
  const session = runWindowsSession({
    iface: "lo",
    outputDir: dir,
    windowSec: 60,
    rule: new HttpFloodRule(),
    signal: stop.signal,
    onListening: listening,
    onWindow: (w) => windows.push(w),
    ...options,
  });
  return { session, windows, stop, ready };
}

Deno.test("tcpdump's final counts and last error line are read from its stderr", () => {
  const stderr = "tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 65535 bytes\n" +
    "tcpdump: pcap_loop: The interface disappeared\n12 packets captured\n40 packets received by filter\n" +
    "3 packets dropped by kernel\n";
  assert.equal(droppedByKernel(stderr), 3);
  assert.equal(droppedByKernel("listening on lo\n"), null);
  assert.equal(tcpdumpMessage(stderr), "tcpdump: pcap_loop: The interface disappeared");
  assert.equal(tcpdumpMessage(""), "");
});

Deno.test("the capture buffer is passed as tcpdump -B KiB, 16 MiB by default", () => {
  assert.deepEqual(bufferArgs(), ["-B", String(CAPTURE_BUFFER_KIB)]);
  assert.equal(CAPTURE_BUFFER_KIB, 16384);
  assert.deepEqual(bufferArgs(4096), ["-B", "4096"]);
  assert.throws(() => bufferArgs(0), /whole number of KiB/);
});

Deno.test("window files get a label column when the layout has none (python), not when it has one", () => {
  const python = withLabelColumn(buildLayout("python"));
  assert.equal(python.columns.at(-1)?.name, "label");
  assert.equal(python.columns.length, buildLayout("python").columns.length + 1);
  const ddos = buildLayout("ddos2019");
  assert.equal(withLabelColumn(ddos), ddos);
  const picked = buildLayout("python");
  assert.equal(withLabelColumn(picked, ["src_ip"]), picked, "a --fields choice is kept");
});

Deno.test("an unknown interface is reported with the real ones; an empty filter is fine", async () => {
  const problem = await checkCaptureTarget("nosuch0", undefined);
  assert.equal(problem?.kind, "interface");
  assert.match(problem!.message, /^no interface "nosuch0" \(interfaces: .*lo \(up/);
  assert.equal(await checkCaptureTarget("lo", "  "), null);
});

Deno.test({
  name: "a live session on a missing interface fails with TcpdumpStartError naming it",
  ignore: ignoreWithout("root"),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await assert.rejects(
        runLiveSession({ iface: "nosuch0", output: `${dir}/f.csv` }),
        (e) => e instanceof TcpdumpStartError && /nosuch0/.test(e.message),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a windows session stopped by its signal saves the current window, labeled, in the python layout",
  ignore: ignoreWithout("root"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const receiver = dgram.createSocket("udp4");
    await new Promise<void>((r) => receiver.bind(port, "127.0.0.1", () => r()));
    const { session, windows, stop, ready } = startLoopbackWindows(dir, {
      columns: "python",
      filter: `udp and dst port ${port}`,
      rule: new HttpFloodRule({ webPorts: [port], threshold: 3 }),
    });
    try {
      await ready;
      // Four sources (one socket each) of two datagrams: four flows to the "web" port from 127.0.0.1.
      for (let i = 0; i < 4; i++) {
        const s = dgram.createSocket("udp4");
        for (let j = 0; j < 2; j++) {
          await new Promise<void>((r, e) => s.send("x", port, "127.0.0.1", (err) => err ? e(err) : r()));
        }
        s.close();
      }
      await new Promise((r) => setTimeout(r, 300));
      stop.abort();
      const result = await session;
      assert.equal(result.stopReason, "stopped");
      assert.equal(result.windows, 1);
      assert.equal(windows.length, 1);
      assert.deepEqual(windows[0].attackers, [{ ip: "127.0.0.1", connections: 4 }]);
      assert.equal(windows[0].packets, 8);
      const file = windows[0].file!;
      assert.equal(
        await Deno.readLink(`${dir}/latest_capture.csv`),
        basename(file),
        "the link names the window",
      );
      const { header, rows } = parseCsv(await Deno.readTextFile(file));
      assert.equal(header[0], "src_ip");
      assert.equal(header.at(-1), "label");
      assert.equal(rows.length, 4);
      assert.ok(rows.every((r) => r.at(-1) === "Attack"));
    } finally {
      stop.abort();
      receiver.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a windows session whose only window has no flows writes no file and no link, and reports the window",
  ignore: ignoreWithout("root"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    // Nothing is sent to port 9.
    const { session, windows, stop, ready } = startLoopbackWindows(dir, { filter: "udp and dst port 9" });
    try {
      await ready;
      await new Promise((r) => setTimeout(r, 200));
      stop.abort();
      const result = await session;
      assert.equal(result.windows, 0, "no window file counted");
      assert.equal(windows.length, 1, "the window is still reported");
      assert.equal(windows[0].file, null);
      assert.equal(windows[0].flows, 0);
      assert.deepEqual([...Deno.readDirSync(dir)], [], "no file, no link");
    } finally {
      stop.abort();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "windows whose start times name the same file (a clock set back, the hour DST repeats) each keep their own file",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    // A clock that stands still: every window starts at the same second.
    const at = new Date(2026, 10, 1, 1, 30, 0).getTime();
    const { session, windows, stop, ready } = startLoopbackWindows(dir, {
      filter: "udp and dst port 9",
      windowSec: 0.5,
      emptyWindows: true,
      now: () => at,
    });
    try {
      await ready;
      await new Promise((r) => setTimeout(r, 1200));
      stop.abort();
      const result = await session;
      assert.ok(result.windows >= 2, `${result.windows} windows`);
      const files = windows.map((w) => basename(w.file!));
      assert.deepEqual(
        files.slice(0, 3),
        [
          "live_capture_20261101_013000.csv",
          "live_capture_20261101_013000_1.csv",
          "live_capture_20261101_013000_2.csv",
        ].slice(0, files.length),
      );
      const onDisk = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
        n.startsWith("live_capture_")
      );
      assert.deepEqual(onDisk.sort(), [...files].sort(), "no window replaced another");
      assert.equal(await Deno.readLink(`${dir}/latest_capture.csv`), files.at(-1));
    } finally {
      stop.abort();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
