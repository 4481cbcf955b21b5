/**
 * The window loop on hand-fed packets with a fake meter: each window gets
 * its own flows and labels, stop() saves the open window, files are named
 * from the window start.
 */
import assert from "node:assert/strict";
import { windowFileName, WindowLoop, type WindowReport } from "../../src/live/window_loop.ts";
import { HttpFloodRule } from "../../src/label/http_flood.ts";
import type { LabelFlow } from "../../src/label/rule.ts";
import { PacketInfo } from "../../src/pcap/packet.ts";

/** A meter that makes one flow per packet's srcPort, emitted on flush. */
function fakeMeter(onFlow: (f: LabelFlow) => void) {
  const open = new Map<number, LabelFlow>();
  return {
    addPacket(p: PacketInfo) {
      if (!open.has(p.srcPort)) {
        open.set(p.srcPort, {
          srcIp: `10.0.0.${p.srcV4}`,
          dstIp: "10.0.0.1",
          srcPort: p.srcPort,
          dstPort: p.dstPort,
          protocol: 6,
        });
      }
    },
    flush() {
      for (const f of open.values()) onFlow(f);
      open.clear();
    },
  };
}

Deno.test("each window is labeled on its own flows and stop() saves the last window", async () => {
  const reports: WindowReport<LabelFlow>[] = [];
  const loop = new WindowLoop<LabelFlow>({
    windowMs: 60_000,
    rule: new HttpFloodRule({ threshold: 3 }),
    createMeter: fakeMeter,
    writeWindow: (r) => Promise.resolve(void reports.push(r)),
  });
  loop.start();
  const pkt = new PacketInfo();
  pkt.dstPort = 80;
  for (let i = 0; i < 4; i++) {
    pkt.srcV4 = 9;
    pkt.srcPort = 1000 + i;
    loop.onPacket(pkt);
  }
  pkt.srcV4 = 5;
  pkt.srcPort = 2000;
  loop.onPacket(pkt);
  await loop.stop();
  assert.equal(reports.length, 1);
  assert.equal(reports[0].packets, 5);
  assert.deepEqual(reports[0].attackers, [{ ip: "10.0.0.9", connections: 4 }]);
  assert.deepEqual(reports[0].labels, ["Attack", "Attack", "Attack", "Attack", "Benign"]);
  assert.match(reports[0].fileName, /^live_capture_\d{8}_\d{6}\.csv$/);
});

Deno.test("window file names use the window start, zero-padded", () => {
  const ms = new Date(2026, 0, 2, 3, 4, 5).getTime();
  assert.equal(windowFileName(ms), "live_capture_20260102_030405.csv");
});

Deno.test("window ends flush the meter carrying directions into the next window", async () => {
  const calls: unknown[] = [];
  let now = 0;
  const loop = new WindowLoop<LabelFlow>({
    windowMs: 60_000,
    rule: new HttpFloodRule(),
    createMeter: () => ({ addPacket() {}, flush: (options) => void calls.push(options) }),
    writeWindow: () => Promise.resolve(),
    now: () => now,
  });
  loop.start();
  now = 1000;
  await loop.stop();
  assert.deepEqual(calls, [{ carryDirection: true }]);
});
