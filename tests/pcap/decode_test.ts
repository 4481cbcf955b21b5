/**
 * Packet decoding, one header at a time, on frames built byte by byte.
 */
import assert from "node:assert/strict";
import { decodeFrame } from "../../src/pcap/decode.ts";
import { PacketInfo, TcpFlag } from "../../src/pcap/packet.ts";
import { concat, ethernet, ipv4, ipv6, tcp, tcpFrame, udp } from "./build_capture.ts";

function decode(frame: Uint8Array, linkType = 1) {
  const pkt = new PacketInfo();
  const result = decodeFrame(frame, 0, frame.length, linkType, pkt);
  return { pkt, result };
}

Deno.test("an Ethernet/IPv4/TCP frame fills ports, flags incl. CWR/ECE, window and lengths", () => {
  const flags = TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR;
  const { pkt, result } = decode(
    tcpFrame({ sport: 5000, dport: 443, flags, window: 64240, headerLength: 32, payload: 10 }),
  );
  assert.equal(result, "ok");
  assert.equal(pkt.ipVersion, 4);
  assert.deepEqual([...pkt.src.subarray(0, 4)], [10, 0, 0, 1]);
  assert.equal(pkt.srcV4, 0x0a000001);
  assert.equal(pkt.dstV4, 0x0a000002);
  assert.equal(pkt.protocol, 6);
  assert.equal(pkt.srcPort, 5000);
  assert.equal(pkt.dstPort, 443);
  assert.equal(pkt.tcpFlags, flags);
  assert.equal(pkt.tcpWindow, 64240);
  assert.equal(pkt.transportHeaderLength, 32);
  assert.equal(pkt.payloadLength, 10);
  assert.equal(pkt.ipTotalLength, 20 + 32 + 10);
});

Deno.test("Ethernet padding is excluded from payloadLength and kept in capturedPayloadLength", () => {
  const frame = concat(tcpFrame({ flags: TcpFlag.ACK }), new Uint8Array(6)); // 54 + 6 = 60-byte minimum frame
  const { pkt } = decode(frame);
  assert.equal(pkt.payloadLength, 0);
  assert.equal(pkt.capturedPayloadLength, 6);
});

Deno.test("IPv4 options move the transport header", () => {
  const frame = ethernet(
    0x0800,
    ipv4({ protocol: 17, options: [1, 1, 1, 0] }, udp(53, 9999, new Uint8Array(5))),
  );
  const { pkt, result } = decode(frame);
  assert.equal(result, "ok");
  assert.equal(pkt.ipHeaderLength, 24);
  assert.equal(pkt.srcPort, 53);
  assert.equal(pkt.payloadLength, 5);
});

Deno.test("only the first IPv4 fragment carries ports; later ones are flagged", () => {
  const first = decode(
    ethernet(0x0800, ipv4({ protocol: 17, moreFragments: true }, udp(1, 2, new Uint8Array(16)))),
  );
  assert.equal(first.pkt.isFragment, true);
  assert.equal(first.pkt.hasPorts, true);
  assert.equal(first.pkt.srcPort, 1);
  const later = decode(ethernet(0x0800, ipv4({ protocol: 17, fragmentOffset: 24 }, new Uint8Array(16))));
  assert.equal(later.result, "ok");
  assert.equal(later.pkt.isFragment, true);
  assert.equal(later.pkt.fragmentOffset, 24);
  assert.equal(later.pkt.hasPorts, false);
  assert.equal(later.pkt.srcPort, 0);
});

Deno.test("802.1Q / 802.1ad stacks of any depth are walked", () => {
  const inner = ipv4({ protocol: 6 }, tcp({ sport: 7 }));
  for (const tags of [[0x8100], [0x88a8, 0x8100], [0x88a8, 0x8100, 0x8100, 0x8100]]) {
    const { pkt, result } = decode(ethernet(0x0800, inner, tags));
    assert.equal(result, "ok");
    assert.equal(pkt.vlanDepth, tags.length);
    assert.equal(pkt.vlanId, 100);
    assert.equal(pkt.srcPort, 7);
  }
});

Deno.test("PPPoE session and MPLS carry IP", () => {
  const ip = ipv4({ protocol: 6 }, tcp({ sport: 8 }));
  const pppoe = decode(
    ethernet(0x8864, concat(new Uint8Array([0x11, 0, 0, 1, 0, ip.length + 2, 0x00, 0x21]), ip)),
  );
  assert.equal(pppoe.pkt.srcPort, 8);
  const mpls = decode(ethernet(0x8847, concat(new Uint8Array([0, 1, 0, 64, 0, 2, 1, 64]), ip)));
  assert.equal(mpls.result, "ok");
  assert.equal(mpls.pkt.srcPort, 8);
});

Deno.test("IPv6 extension headers are walked to TCP; a fragment header is read", () => {
  const hopByHop = new Uint8Array([60, 0, 0, 0, 0, 0, 0, 0]); // next: destination options
  const destOpts = new Uint8Array([6, 0, 0, 0, 0, 0, 0, 0]); // next: TCP
  const { pkt, result } = decode(ethernet(0x86dd, ipv6(0, tcp({ sport: 22 }), concat(hopByHop, destOpts))));
  assert.equal(result, "ok");
  assert.equal(pkt.ipVersion, 6);
  assert.equal(pkt.protocol, 6);
  assert.equal(pkt.ipHeaderLength, 56);
  assert.equal(pkt.srcPort, 22);
  const fragment = new Uint8Array([17, 0, 0, 8, 0, 0, 0, 42]); // offset 8 bytes, later fragment
  const later = decode(ethernet(0x86dd, ipv6(44, new Uint8Array(16), fragment)));
  assert.equal(later.pkt.isFragment, true);
  assert.equal(later.pkt.fragmentOffset, 8);
  assert.equal(later.pkt.ipId, 42);
  assert.equal(later.pkt.hasPorts, false);
});

Deno.test("bad IHL, bad TCP offset and cut headers are skipped with their reason", () => {
  assert.equal(decode(ethernet(0x0800, ipv4({ protocol: 6, ihl: 3 }, tcp({})))).result, "bad-ip-header");
  assert.equal(
    decode(ethernet(0x0800, ipv4({ protocol: 6 }, tcp({ dataOffset: 2 })))).result,
    "bad-tcp-offset",
  );
  assert.equal(
    decode(ethernet(0x0800, ipv4({ protocol: 6 }, tcp({ dataOffset: 15 })))).result,
    "bad-tcp-offset",
  );
  const frame = tcpFrame({});
  const cut = decode(frame.subarray(0, 14 + 20 + 10));
  assert.equal(cut.result, "truncated-header");
  assert.equal(decode(frame.subarray(0, 10)).result, "truncated-header");
});

Deno.test("frames without IP decode as ok with ipVersion 0; unknown link types are reported", () => {
  const arp = decode(ethernet(0x0806, new Uint8Array(28)));
  assert.equal(arp.result, "ok");
  assert.equal(arp.pkt.ipVersion, 0);
  assert.equal(decode(tcpFrame({}), 9999).result, "unknown-link-type");
});

Deno.test("raw IP, SLL, SLL2 and BSD loopback link types find the IP header", () => {
  const ip = ipv4({ protocol: 6 }, tcp({ sport: 9 }));
  const sll = concat(new Uint8Array([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00]), ip);
  const sll2 = concat(new Uint8Array([0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0]), ip);
  const nullLe = concat(new Uint8Array([2, 0, 0, 0]), ip);
  const loopBe = concat(new Uint8Array([0, 0, 0, 2]), ip);
  const cases: [Uint8Array, number][] = [
    [ip, 101],
    [ip, 12],
    [ip, 228],
    [sll, 113],
    [sll2, 276],
    [nullLe, 0],
    [loopBe, 108],
  ];
  for (const [frame, link] of cases) {
    const { pkt, result } = decode(frame, link);
    assert.equal(result, "ok", `link type ${link}`);
    assert.equal(pkt.srcPort, 9, `link type ${link}`);
  }
});

Deno.test("PPP: with or without ff 03, protocol field compressed or not; control protocols carry no IP", () => {
  const ip = ipv4({ protocol: 17 }, udp(53, 5353, new Uint8Array(4)));
  for (const link of [9, 50]) {
    for (const head of [[0x00, 0x21], [0x21], [0xff, 0x03, 0x00, 0x21], [0xff, 0x03, 0x21]]) {
      const { pkt, result } = decode(concat(new Uint8Array(head), ip), link);
      assert.equal(result, "ok", `link ${link}, ${head}`);
      assert.equal(pkt.ipVersion, 4);
      assert.equal(pkt.srcPort, 53);
    }
    const lcp = decode(concat(new Uint8Array([0xff, 0x03, 0xc0, 0x21]), new Uint8Array(8)), link);
    assert.equal(lcp.result, "ok");
    assert.equal(lcp.pkt.ipVersion, 0);
    assert.equal(decode(new Uint8Array([0xff, 0x03, 0x00]), link).result, "truncated-header");
  }
  // PPPoE without Ethernet (51) and Cisco HDLC (104).
  const pppoe = decode(concat(new Uint8Array([0x11, 0, 0, 0x2a, 0, ip.length + 2, 0, 0x21]), ip), 51);
  assert.equal(pppoe.pkt.srcPort, 53);
  const chdlc = decode(concat(new Uint8Array([0x0f, 0x00, 0x08, 0x00]), ip), 104);
  assert.equal(chdlc.pkt.srcPort, 53);
});

Deno.test("NFLOG: the payload attribute in either byte order; what follows it is a trailer; broken or cut attributes", () => {
  const ip = ipv4({ protocol: 17 }, udp(53, 5353, new Uint8Array(3))); // 31 bytes: the attribute gets 1 byte of padding
  const attribute = (little: boolean, type: number, value: Uint8Array, length = 4 + value.length) =>
    concat(
      new Uint8Array(little ? [length & 0xff, length >> 8, type, 0] : [length >> 8, length & 0xff, 0, type]),
      value,
      new Uint8Array(-length & 3),
    );
  for (const little of [true, false]) {
    const head = new Uint8Array([2, 0, 0, 7]);
    const prefix = attribute(little, 10, new TextEncoder().encode("test\0"));
    const frame = concat(head, prefix, attribute(little, 9, ip), attribute(little, 11, new Uint8Array(4)));
    const { pkt, result } = decode(frame, 239);
    assert.equal(result, "ok", little ? "little-endian" : "big-endian");
    assert.deepEqual([pkt.ipVersion, pkt.srcPort, pkt.dstPort], [4, 53, 5353]);
    assert.equal(pkt.linkTrailer, 1 + 8, "padding and the attribute after the payload");
    assert.equal(pkt.capturedPayloadLength, 3, "the trailer is not payload");
    // A zero attribute length ends the walk without IP; a frame cut before the payload is truncated.
    const broken = decode(
      concat(head, attribute(little, 10, new Uint8Array(4), 0), attribute(little, 9, ip)),
      239,
    );
    assert.deepEqual([broken.result, broken.pkt.ipVersion], ["ok", 0]);
    assert.equal(decode(frame.subarray(0, head.length + prefix.length - 2), 239).result, "truncated-header");
  }
});

Deno.test("pflog: the header's own length, padded to 4 bytes (61 → 64, and OpenBSD's later 100); enc: 12 bytes", () => {
  const ip = ipv4({ protocol: 17 }, udp(53, 5353, new Uint8Array(4)));
  for (const [length, padded] of [[61, 64], [100, 100]]) {
    const header = new Uint8Array(padded);
    header.set([length, 2]);
    const { pkt, result } = decode(concat(header, ip), 117);
    assert.equal(result, "ok", `header ${length}`);
    assert.deepEqual([pkt.ipVersion, pkt.srcPort, pkt.l3Offset], [4, 53, padded]);
    assert.equal(decode(header.subarray(0, padded - 1), 117).result, "truncated-header");
  }
  assert.equal(
    decode(concat(new Uint8Array([0, 2, 0, 0]), ip), 117).pkt.ipVersion,
    0,
    "a zero length is no header",
  );
  const enc = decode(concat(new Uint8Array([2, 0, 0, 0, 0, 0, 0x10, 0x01, 3, 0, 0, 0]), ip), 109);
  assert.deepEqual([enc.result, enc.pkt.srcPort, enc.pkt.l3Offset], ["ok", 53, 12]);
  assert.equal(decode(new Uint8Array(11), 109).result, "truncated-header");
});

Deno.test("802.3 frames: IP behind LLC/SNAP (also after a VLAN tag); STP, CDP and short LLC frames carry none", () => {
  const ip = ipv4({ protocol: 17 }, udp(53, 5353, new Uint8Array(4)));
  const macs = new Uint8Array([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
  const dot3 = (llc: number[], payload: Uint8Array, tag: number[] = []) =>
    concat(macs, new Uint8Array([...tag, 0, llc.length + payload.length]), new Uint8Array(llc), payload);
  const snap = decode(dot3([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00], ip));
  assert.deepEqual([snap.result, snap.pkt.ipVersion, snap.pkt.srcPort, snap.pkt.l3Offset], ["ok", 4, 53, 22]);
  const tagged = decode(dot3([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00], ip, [0x81, 0x00, 0, 7]));
  assert.deepEqual([tagged.pkt.vlanId, tagged.pkt.srcPort], [7, 53]);
  const stp = decode(dot3([0x42, 0x42, 0x03], new Uint8Array(35)));
  const cdp = decode(dot3([0xaa, 0xaa, 0x03, 0, 0, 0x0c, 0x20, 0x00], new Uint8Array(30)));
  const short = decode(dot3([0xaa, 0xaa, 0x03], new Uint8Array(2)));
  for (const other of [stp, cdp, short]) assert.deepEqual([other.result, other.pkt.ipVersion], ["ok", 0]);
});
