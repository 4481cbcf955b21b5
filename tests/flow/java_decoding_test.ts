/**
 * cic2017 makes of each frame the packet the 3.0-era Java CICFlowMeter (J3,
 * 50d668d, on jnetpcap 1.4) made of it (issue 13): ICMP errors quoting a
 * transport header, unusable and snaplen-cut TCP headers, the padding rules,
 * non-IPv4 frames read from byte 0, the subflow quirk at t ≤ 1 µs. Every
 * capture is built here from bytes, so these run in a clean clone.
 */
import assert from "node:assert/strict";
import { concat, ethernet, ipv4, pcapFile, type Record, tcp, udp } from "../pcap/build_capture.ts";
import { CaptureParser } from "../../src/pcap/capture_parser.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { MeterOptions } from "../../src/flow/profile.ts";
import type { FlowRecord } from "../../src/flow/flow_record.ts";
import { decodeJavaPacket } from "../../src/flow/java_packet.ts";
import { assertFields, BASE_SEC, F } from "./flow_harness.ts";

const A = [172, 16, 11, 12], B = [172, 16, 11, 1];

/** Rows for frames at BASE_SEC + i ms (or explicit records). */
function rows(frames: (Uint8Array | Record)[], options: MeterOptions = {}, linkType = 1): FlowRecord[] {
  const out: FlowRecord[] = [];
  const meter = new FlowMeter(options, (r) => out.push(r));
  const parser = new CaptureParser(meter.addPacket);
  parser.push(pcapFile(
    frames.map((f, i) => f instanceof Uint8Array ? { sec: BASE_SEC, frac: i * 1000, data: f } : f),
    { linkType },
  ));
  parser.end();
  meter.flush();
  return out;
}

/** An ICMP error (type 3 or 12) from `from` to `to` quoting `quoted` (an IPv4 packet). */
function icmpError(from: number[], to: number[], quoted: Uint8Array, type = 3): Uint8Array {
  const icmp = concat(new Uint8Array([type, 3, 0, 0, 0, 0, 0, 0]), quoted);
  return ethernet(0x0800, ipv4({ protocol: 1, src: from, dst: to }, icmp));
}

Deno.test("cic2017: an ICMP error quoting a UDP header is a UDP packet with the outer addresses and quoted ports", () => {
  // A DNS query from A:57238 to B:53, and B's port-unreachable quoting it (the tcpreplay-test case).
  const query = ipv4({ protocol: 17, src: A, dst: B }, udp(57238, 53, new Uint8Array(30)));
  const error = icmpError(B, A, query);
  const frames = [
    ethernet(0x0800, query),
    error,
    error,
    icmpError(B, A, query, 0),
    icmpError(B, A, query, 0),
  ];
  const out = rows(frames);
  // The errors are UDP packets B:57238 → A:53: a flow of their own (the query alone has 1 packet).
  // The echo replies (type 0) quote nothing for jnetpcap: protocol-0 packets.
  assert.equal(out.length, 2);
  assertFields(out[0], {
    flowId: "172.16.11.1-172.16.11.12-57238-53-17",
    srcIp: "172.16.11.1",
    srcPort: 57238,
    protocol: 17,
    totalFwdPackets: 2,
    // The quoted datagram's bytes after the quoted UDP header.
    totalLengthFwd: 60,
    fwdHeaderLength: 16,
  });
  assertFields(out[1], { flowId: "172.16.11.1-172.16.11.12-0-0-0", protocol: 0 });
  // corrected keeps the errors as ICMP (only the 1-packet query flow is UDP).
  const corrected = rows(frames, { profile: "corrected" }).filter((r) => r.protocol === 17);
  assert.deepEqual(corrected.map((r) => r.srcIp), ["172.16.11.12"]);
});

Deno.test("cic2017: a quoted TCP FIN ends the open flow, with the quoted flags and window", () => {
  const syn = ipv4(
    { protocol: 6, src: A, dst: B },
    tcp({ sport: 40000, dport: 443, flags: F.SYN, window: 700 }),
  );
  const finAck = ipv4(
    { protocol: 6, src: A, dst: B },
    tcp({ sport: 40000, dport: 443, flags: F.FIN | F.ACK, window: 900 }),
  );
  const after = ethernet(0x0800, ipv4({ protocol: 6, src: B, dst: A }, tcp({ sport: 443, dport: 40000 })));
  // An ICMP error from A to B quoting A:40000 → B:443 is, for J3, a FIN from A:40000 to B:443.
  const out = rows([ethernet(0x0800, syn), icmpError(A, B, finAck), after, after]);
  assert.equal(out.length, 2);
  assertFields(out[0], {
    flowId: "172.16.11.1-172.16.11.12-443-40000-6",
    srcIp: "172.16.11.12",
    totalFwdPackets: 2,
    totalBwdPackets: 0,
    fwdHeaderLength: 40,
    endReason: "fin",
  });
  // The packets after the FIN start a new flow from their sender.
  assertFields(out[1], { srcIp: "172.16.11.1", totalFwdPackets: 2 });
});

Deno.test("cic2017: an ICMP error quoting only 8 bytes of TCP stays a protocol-0 packet", () => {
  const quoted = ipv4({ protocol: 6, src: A, dst: B }, tcp({ sport: 40000, dport: 443 })).subarray(0, 28);
  const out = rows([icmpError(B, A, quoted), icmpError(B, A, quoted)]);
  assertFields(out[0], { flowId: "172.16.11.1-172.16.11.12-0-0-0", protocol: 0, srcIp: "172.16.11.1" });
});

Deno.test("cic2017 keeps unusable TCP headers as J3: <20 bytes or data offset 0 → protocol 0; too long → cut", () => {
  const ip = (l4: Uint8Array) => ethernet(0x0800, ipv4({ protocol: 6, src: A, dst: B }, l4));
  // 12 bytes of TCP: no TCP header for jnetpcap; a data offset of 0 likewise.
  const short = ip(tcp({ sport: 1, dport: 2 }).subarray(0, 12));
  const zeroOffset = ip(tcp({ sport: 1, dport: 2, dataOffset: 0 }));
  const proto0 = rows([short, zeroOffset]);
  assert.equal(proto0.length, 1);
  assertFields(proto0[0], { protocol: 0, totalFwdPackets: 2, fwdHeaderLength: 0, totalLengthFwd: 0 });
  // A data offset of 15 (60 bytes) over 24 bytes present: TCP with a 24-byte header.
  const long = ip(tcp({ sport: 1, dport: 2, headerLength: 24, dataOffset: 15, window: 77 }));
  const cut = rows([long, long]);
  assertFields(cut[0], { protocol: 6, fwdHeaderLength: 48, initWinBytesFwd: 77, totalLengthFwd: 0 });
  // Over exactly 20 bytes, Java's Tcp.decodeHeader reads the first option byte past the header and
  // throws: no packet.
  const bare = ip(tcp({ sport: 1, dport: 2, dataOffset: 15 }));
  assert.deepEqual(rows([bare, bare]), []);
  // corrected still skips them.
  assert.deepEqual(rows([short, zeroOffset, long, long], { profile: "corrected" }), []);
});

Deno.test("cic2017: the header length of a snaplen-cut TCP header is what was captured (J3: min of both)", () => {
  const full = ethernet(
    0x0800,
    ipv4(
      { protocol: 6, src: A, dst: B },
      tcp({ sport: 64565, dport: 443, headerLength: 32 }, new Uint8Array(100)),
    ),
  );
  const cut = full.subarray(0, 64); // 14 + 20 + 30 bytes of a 32-byte TCP header
  const record = (i: number): Record => ({ sec: BASE_SEC, frac: i, data: cut, wire: full.length });
  // As J3 ran on the truncated file (--snaplen-lengths captured).
  const [flow] = rows([record(0), record(1)], { snaplenLengths: "captured" });
  assertFields(flow, { fwdHeaderLength: 60, totalLengthFwd: 0, minSegSizeFwd: 30 });
  // By default (ip) the cut packet counts as whole: its declared header and 100 payload bytes each.
  const [whole] = rows([record(0), record(1)]);
  assertFields(whole, { fwdHeaderLength: 64, totalLengthFwd: 200 });
});

Deno.test("padding rules: keep (default), ethernet-ipv4 (J3's jnetpcap 1.4: after Ethernet II only), ip-length", () => {
  const bare = ipv4({ protocol: 6, src: A, dst: B }, tcp({ sport: 1, dport: 2 }));
  const padded = concat(ethernet(0x0800, bare), new Uint8Array(6));
  const taggedPadded = concat(ethernet(0x0800, bare, [0x8100]), new Uint8Array(2));
  const lengths = (padding?: "keep" | "ethernet-ipv4" | "ip-length") =>
    rows([padded, padded, taggedPadded, taggedPadded], { padding }).map((r) => r.totalLengthFwd);
  // Both frame kinds land in one flow of 4 packets: 6 + 6 + 2 + 2 bytes of padding.
  assert.deepEqual(lengths(), [16]);
  assert.deepEqual(lengths("keep"), [16]);
  assert.deepEqual(lengths("ethernet-ipv4"), [4]);
  assert.deepEqual(lengths("ip-length"), [0]);
  assert.throws(() => new FlowMeter({ profile: "corrected", padding: "ethernet-ipv4" }, () => {}), /cic2017/);
});

Deno.test("nonIpv4AsIpv4: J3 reads ARP and IPv6 frames from byte 0 as IPv4; off by default", () => {
  const arp = ethernet(0x0806, new Uint8Array([0, 1, 8, 0, 6, 4, 0, 1, ...new Array(20).fill(0)]));
  // Destination MAC 00:01:02:..: byte 0 is 0x00, an IHL of 0 → no IPv4; so set the first byte.
  const arpFrame = concat(new Uint8Array([0x45]), arp.subarray(1));
  assert.deepEqual(rows([arpFrame, arpFrame]), []);
  const [flow] = rows([arpFrame, arpFrame], { nonIpv4AsIpv4: true });
  // Source = frame bytes 12–15 (ethertype 0806, ARP hardware type 1), destination = bytes 16–19.
  assertFields(flow, { flowId: "8.0.6.4-8.6.0.1-0-0-0", srcIp: "8.6.0.1", protocol: 0, totalFwdPackets: 2 });
  // An IHL of 0 (first byte 0x00) is no IPv4 header for jnetpcap: dropped.
  assert.deepEqual(rows([arp, arp], { nonIpv4AsIpv4: true }), []);
  assert.throws(() => new FlowMeter({ profile: "corrected", nonIpv4AsIpv4: true }, () => {}), /cic2017/);
});

Deno.test("cic2017: a flow that starts at t ≤ 1 µs has subflow values 0 (J3's t − t/10⁶ > 1 test)", () => {
  const frame = ethernet(0x0800, ipv4({ protocol: 17, src: A, dst: B }, udp(67, 68, new Uint8Array(10))));
  const at = (sec: number, frac: number): Record => ({ sec, frac, data: frame });
  assertFields(rows([at(0, 0), at(0, 5)])[0], {
    subflowFwdPackets: 0,
    subflowFwdBytes: 0,
    totalFwdPackets: 2,
  });
  assertFields(rows([at(0, 2), at(0, 5)])[0], { subflowFwdPackets: 2, subflowFwdBytes: 20 });
});

Deno.test("the idle sweep gives the rows of no sweep, also after a packet stamped decades ahead", () => {
  const syn = ethernet(
    0x0800,
    ipv4({ protocol: 6, src: A, dst: B }, tcp({ sport: 5, dport: 6, flags: F.SYN })),
  );
  const synAck = ethernet(
    0x0800,
    ipv4({ protocol: 6, src: B, dst: A }, tcp({ sport: 6, dport: 5, flags: F.SYN | F.ACK })),
  );
  const other = ethernet(0x0800, ipv4({ protocol: 17, src: A, dst: B }, udp(7, 8)));
  const t = (sec: number, data: Uint8Array): Record => ({ sec, frac: 0, data });
  const packets = [
    // A 1-packet SYN flow, then one packet stamped 46 years ahead, then the answer at the real time.
    t(BASE_SEC, syn),
    t(BASE_SEC + 1_450_000_000, other),
    t(BASE_SEC + 1, synAck),
    // A silence longer than the timeout, then the peer answers: the continuation inherits A as source.
    t(BASE_SEC + 1_450_000_400, other),
    t(BASE_SEC + 1_450_000_401, other),
    t(BASE_SEC + 1_450_000_402, other),
  ];
  // The end reason (no column) says what ended a flow: the sweep says "timeout" where the end of input says "end".
  const written = (r: FlowRecord[]) => r.map(({ endReason: _, ...row }) => row);
  for (const profile of ["cic2017", "corrected"] as const) {
    const swept = rows(packets, { profile });
    assert.deepEqual(written(swept), written(rows(packets, { profile, sweepIdle: false })), profile);
    assert.equal(swept[0].endReason, "timeout", "the first flow was swept");
  }
  assertFields(rows(packets)[0], { srcIp: "172.16.11.12", totalFwdPackets: 1, totalBwdPackets: 1 });
});

Deno.test("the Java decoder can take a snaplen-cut packet's lengths from its IP and TCP headers (issue 11's ip rule)", () => {
  const full = ethernet(
    0x0800,
    ipv4(
      { protocol: 6, src: A, dst: B },
      tcp({ sport: 64565, dport: 443, headerLength: 32 }, new Uint8Array(100)),
    ),
  );
  const seen: { hdr: number; payload: number }[] = [];
  const out = {
    s0: 0,
    d0: 0,
    proto: 0,
    sport: 0,
    dport: 0,
    payload: 0,
    hdr: 0,
    flags: 0,
    window: 0,
    isTcp: false,
    icmpType: 0,
    icmpCode: 0,
  };
  const parser = new CaptureParser((pkt) => {
    for (const ipLengthsWhenCut of [false, true]) {
      decodeJavaPacket(pkt, out, { padding: "keep", rawFallback: false, engelen: false, ipLengthsWhenCut });
      seen.push({ hdr: out.hdr, payload: out.payload });
    }
  });
  parser.push(pcapFile([{ sec: BASE_SEC, frac: 0, data: full.subarray(0, 64), wire: full.length }]));
  parser.end();
  assert.deepEqual(seen, [{ hdr: 30, payload: 0 }, { hdr: 32, payload: 100 }]);
});

Deno.test("cic2017: L2TP over UDP 1701 carrying TCP is a TCP packet of the outer addresses (J3 asks for TCP first)", () => {
  const inner = ipv4(
    { protocol: 6, src: [192, 168, 1, 5], dst: [8, 8, 8, 8] },
    tcp({ sport: 3333, dport: 443 }),
  );
  const l2tpData = concat(new Uint8Array([0x00, 0x02, 0, 1, 0, 1, 0xff, 0x03, 0x00, 0x21]), inner);
  const frame = ethernet(0x0800, ipv4({ protocol: 17, src: A, dst: B }, udp(1701, 1701, l2tpData)));
  const [flow] = rows([frame, frame]);
  assertFields(flow, {
    flowId: "172.16.11.1-172.16.11.12-443-3333-6",
    srcPort: 3333,
    protocol: 6,
    fwdHeaderLength: 40,
  });
  // Carrying UDP, the outer UDP header is the one taken.
  const udpInner = ipv4({ protocol: 17, src: [192, 168, 1, 5], dst: [8, 8, 8, 8] }, udp(53, 53));
  const udpFrame = ethernet(
    0x0800,
    ipv4({ protocol: 17, src: A, dst: B }, udp(1701, 1701, concat(l2tpData.subarray(0, 10), udpInner))),
  );
  assertFields(rows([udpFrame, udpFrame])[0], { flowId: "172.16.11.1-172.16.11.12-1701-1701-17" });
});
