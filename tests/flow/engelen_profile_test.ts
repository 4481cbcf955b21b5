/**
 * The `engelen` profile is the Engelen et al. fork (GintsEngelen/CICFlowMeter
 * 4dd5319) exactly, bugs included (issue 13). Each test builds its capture
 * from bytes and names the fork's source line it follows.
 */
import assert from "node:assert/strict";
import { concat, ethernet, ipv4, pcapFile, type Record, tcp, udp } from "../pcap/build_capture.ts";
import { CaptureParser } from "../../src/pcap/capture_parser.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { MeterOptions } from "../../src/flow/profile.ts";
import type { FlowRecord } from "../../src/flow/flow_record.ts";
import { assertFields, BASE_SEC, F } from "./flow_harness.ts";

const A = [10, 0, 0, 1], B = [10, 0, 0, 2];

function rows(frames: (Uint8Array | Record)[], options: MeterOptions = {}): FlowRecord[] {
  const out: FlowRecord[] = [];
  const meter = new FlowMeter({ profile: "engelen", ...options }, (r) => out.push(r));
  const parser = new CaptureParser(meter.addPacket);
  parser.push(
    pcapFile(frames.map((f, i) => f instanceof Uint8Array ? { sec: BASE_SEC, frac: i * 1000, data: f } : f)),
  );
  parser.end();
  meter.flush();
  return out;
}

const tcpFrame = (from: number[], to: number[], sport: number, dport: number, flags: number, window = 100) =>
  ethernet(0x0800, ipv4({ protocol: 6, src: from, dst: to }, tcp({ sport, dport, flags, window })));

Deno.test("engelen: an ICMP error is an ICMP packet, not the quoted UDP (the fork asks for ICMP first)", () => {
  const quoted = ipv4({ protocol: 17, src: A, dst: B }, udp(5000, 53));
  const error = ethernet(
    0x0800,
    ipv4({ protocol: 1, src: B, dst: A }, concat(new Uint8Array([3, 3, 0, 0, 0, 0, 0, 0]), quoted)),
  );
  const [flow] = rows([error]);
  assertFields(flow, { protocol: 1, srcPort: 0, dstPort: 0, totalFwdPackets: 1, initWinBytesFwd: 0 });
});

Deno.test("engelen: an IPv4 protocol number jnetpcap's Ip4Type does not list drops the packet; GRE is protocol 0", () => {
  const frame = (protocol: number) => ethernet(0x0800, ipv4({ protocol, src: A, dst: B }, new Uint8Array(8)));
  assert.deepEqual(rows([frame(200)]), []);
  assert.equal(rows([frame(47)])[0].protocol, 0);
  assert.equal(rows([frame(2)])[0].protocol, 2); // IGMP
});

Deno.test("engelen: payload counts captured bytes and Ethernet padding only when IPv4 is not right after Ethernet II", () => {
  const packet = ipv4({ protocol: 6, src: A, dst: B }, tcp({ sport: 1, dport: 2 }));
  const padded = concat(ethernet(0x0800, packet), new Uint8Array(6));
  const tagged = concat(ethernet(0x0800, packet, [0x8100]), new Uint8Array(2));
  assert.deepEqual(rows([padded, tagged]).map((r) => r.totalLengthFwd), [2]);
});

Deno.test("engelen: a SYN after RST starts a new flow from the SYN's sender; windows as the fork keeps them", () => {
  const frames = [
    tcpFrame(B, A, 80, 1234, F.ACK, 0), // first packet from B: B is the source
    tcpFrame(A, B, 1234, 80, F.ACK, 0), // backward window 0: replaced by the next non-zero one
    tcpFrame(A, B, 1234, 80, F.ACK, 700),
    tcpFrame(B, A, 80, 1234, F.RST, 5),
    tcpFrame(A, B, 1234, 80, F.SYN, 900),
    tcpFrame(B, A, 80, 1234, F.SYN | F.ACK, 800),
  ];
  const out = rows(frames);
  assert.equal(out.length, 2);
  assertFields(out[0], { srcIp: "10.0.0.2", totalFwdPackets: 2, totalBwdPackets: 2, initWinBytesBwd: 700 });
  assertFields(out[1], { srcIp: "10.0.0.1", initWinBytesFwd: 900, initWinBytesBwd: 800, endReason: "end" });
});

Deno.test("engelen: subflow values divide by the number of gaps over 1 s, 0 without one (E 381bc30)", () => {
  const frame = ethernet(0x0800, ipv4({ protocol: 17, src: A, dst: B }, udp(7, 8, new Uint8Array(10))));
  const at = (us: number): Record => ({ sec: BASE_SEC + Math.floor(us / 1e6), frac: us % 1e6, data: frame });
  assertFields(rows([at(0), at(500_000)])[0], { subflowFwdPackets: 0, subflowFwdBytes: 0 });
  assertFields(rows([at(0), at(2_000_000), at(4_000_000)])[0], {
    subflowFwdPackets: 1.5,
    subflowFwdBytes: 15,
  });
});

Deno.test("engelen: a UDP packet after a silence longer than the timeout starts from its own sender", () => {
  const ab = ethernet(0x0800, ipv4({ protocol: 17, src: A, dst: B }, udp(7, 8)));
  const ba = ethernet(0x0800, ipv4({ protocol: 17, src: B, dst: A }, udp(8, 7)));
  const at = (sec: number, data: Uint8Array): Record => ({ sec: BASE_SEC + sec, frac: 0, data });
  const packets = [at(0, ab), at(1, ba), at(200, ba), at(201, ab)];
  for (const sweepIdle of [true, false]) {
    const out = rows(packets, { sweepIdle });
    assert.equal(out.length, 2);
    assertFields(out[1], { srcIp: "10.0.0.2", totalFwdPackets: 1, totalBwdPackets: 1 });
  }
});
