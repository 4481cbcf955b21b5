/**
 * A connection cut by a window end (`flush({ carryDirection: true })`): its
 * rest in the next window keeps the initiator as the source, even when the
 * rest begins with the server's packet, so a detector counting sources never
 * sees the server open a connection. A plain flush (end of input) forgets.
 */
import assert from "node:assert/strict";
import { CaptureParser } from "../../src/pcap/capture_parser.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { ProfileName } from "../../src/flow/flow_record.ts";
import { type Endpoint, F, pcapOf, type TestPacket } from "./flow_harness.ts";

const client: Endpoint = ["10.200.0.2", 40000];
const server: Endpoint = ["10.200.0.1", 80];

const opening: TestPacket[] = [
  { t: 0, from: client, to: server, flags: F.SYN },
  { t: 100, from: server, to: client, flags: F.SYN | F.ACK },
  { t: 200, from: client, to: server, flags: F.ACK },
  { t: 300, from: client, to: server, flags: F.PSH | F.ACK, pl: 18 },
];
/** After the cut: the server speaks first (its reply and FIN), then the client closes. */
const rest: TestPacket[] = [
  { t: 1000, from: server, to: client, flags: F.PSH | F.ACK, pl: 300 },
  { t: 1100, from: server, to: client, flags: F.FIN | F.ACK },
  { t: 1200, from: client, to: server, flags: F.FIN | F.ACK },
  { t: 1300, from: server, to: client, flags: F.ACK },
];

/** Rows of each window when the packets are split in windows by flushes. */
function windows(parts: TestPacket[][], profile: ProfileName, carryDirection: boolean) {
  const out: { src: string; dst: string; fwd: number; bwd: number }[][] = [];
  let rows: typeof out[number] = [];
  const meter = new FlowMeter(
    { profile, keepSinglePacketFlows: true },
    (r) => rows.push({ src: r.srcIp, dst: r.dstIp, fwd: r.totalFwdPackets, bwd: r.totalBwdPackets }),
  );
  for (const part of parts) {
    const parser = new CaptureParser(meter.addPacket);
    parser.push(pcapOf(part));
    parser.end();
    meter.flush({ carryDirection });
    out.push(rows);
    rows = [];
  }
  return out;
}

for (const profile of ["corrected", "cic2017"] as const) {
  Deno.test(`${profile}: the rest of a connection cut at a window end keeps the client as source`, () => {
    const [first, second] = windows([opening, rest], profile, true);
    assert.deepEqual(first, [{ src: client[0], dst: server[0], fwd: 3, bwd: 1 }]);
    const expected = profile === "corrected"
      ? [{ src: client[0], dst: server[0], fwd: 1, bwd: 3 }]
      // cic2017: the server's FIN ends the flow; the client's FIN and the last ACK are a remnant, from the client too.
      : [
        { src: client[0], dst: server[0], fwd: 0, bwd: 2 },
        { src: client[0], dst: server[0], fwd: 1, bwd: 1 },
      ];
    assert.deepEqual(second, expected);
  });
}

Deno.test("without carryDirection the rest starts at the server (what the window loop avoids)", () => {
  const [, second] = windows([opening, rest], "corrected", false);
  assert.deepEqual(second, [{ src: server[0], dst: client[0], fwd: 3, bwd: 1 }]);
});

Deno.test("a pure SYN after the cut is a new connection from its sender; the carry lasts one window", () => {
  const synFromServer: TestPacket[] = [{ t: 1000, from: server, to: client, flags: F.SYN }];
  const [, second] = windows([opening, synFromServer], "corrected", true);
  assert.deepEqual(second, [{ src: server[0], dst: client[0], fwd: 1, bwd: 0 }]);
  // Cut, then a window without the connection, then its rest: forgotten by then.
  const [, quiet, third] = windows([opening, [], rest.slice(0, 1)], "corrected", true);
  assert.deepEqual(quiet, []);
  assert.deepEqual(third, [{ src: server[0], dst: client[0], fwd: 1, bwd: 0 }]);
});
