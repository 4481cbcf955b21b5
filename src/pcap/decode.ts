/**
 * Decodes one captured frame into the reusable `PacketInfo`: link layer, IPv4 /
 * IPv6 (extension headers, fragments), TCP / UDP / ICMP. Each header is checked
 * once against the captured bytes; a broken packet returns the reason instead
 * of throwing, and nothing is allocated.
 */
import { findIpHeader, NO_IP, TRUNCATED, UNKNOWN_LINK } from "./decode_link.ts";
import { type DecodeResult, IpProto, type PacketInfo } from "./packet.ts";

const IPV4 = { MIN_LEN: 20, TOTAL_LEN: 2, ID: 4, FRAG: 6, TTL: 8, PROTO: 9, SRC: 12, DST: 16 } as const;
const IPV6 = { LEN: 40, PAYLOAD_LEN: 4, NEXT: 6, HOP_LIMIT: 7, SRC: 8, DST: 24 } as const;
const TCP = { MIN_LEN: 20, SEQ: 4, ACK: 8, OFFSET: 12, FLAGS: 13, WINDOW: 14 } as const;
const UDP_LEN = 8;
const ICMP_LEN = 8;
const ICMP_MIN = 4; // type, code, checksum: enough to classify the packet
const MAX_EXTENSION_HEADERS = 16;

/**
 * Decodes the frame `b[at, at + caplen)` of the given link type into `pkt`.
 * Returns "ok" (also for frames without IP: `pkt.ipVersion` is then 0) or the
 * skip reason.
 *
 * @example An Ethernet frame with IPv4 and UDP
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame } from "./decode.ts";
 * import { PacketInfo } from "./packet.ts";
 * const frame = new Uint8Array([
 *   ...[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00], // Ethernet: dst, src, IPv4
 *   ...[0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], // IPv4: 28 bytes, UDP
 *   ...[0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0], // UDP 5000 -> 53, no payload
 * ]);
 * const pkt = new PacketInfo();
 * assert.equal(decodeFrame(frame, 0, frame.length, 1, pkt), "ok");
 * assert.deepEqual([pkt.srcPort, pkt.dstPort, pkt.protocol], [5000, 53, 17]);
 * ```
 */
export function decodeFrame(
  b: Uint8Array,
  at: number,
  caplen: number,
  linkType: number,
  pkt: PacketInfo,
): DecodeResult {
  pkt.reset();
  pkt.bytes = b;
  pkt.frameOffset = at;
  const l3 = findIpHeader(b, at, at + caplen, linkType, pkt);
  if (l3 === NO_IP) return "ok";
  if (l3 === TRUNCATED) return "truncated-header";
  if (l3 === UNKNOWN_LINK) return "unknown-link-type";
  pkt.l3Offset = l3;
  const end = at + caplen - pkt.linkTrailer;
  const l4 = pkt.ipVersion === 4 ? decodeIpv4(b, l3, end, pkt) : decodeIpv6(b, l3, end, pkt);
  if (typeof l4 === "string") return l4;
  if (pkt.isFragment && pkt.fragmentOffset > 0) return "ok"; // later fragments carry no transport header
  pkt.l4Offset = l4;
  return decodeTransport(b, l4, end, pkt);
}

function decodeIpv4(b: Uint8Array, at: number, end: number, pkt: PacketInfo): number | DecodeResult {
  if (end - at < IPV4.MIN_LEN) return "truncated-header";
  if (b[at] >> 4 !== 4) return "bad-ip-header";
  const headerLength = (b[at] & 0x0f) * 4;
  if (headerLength < IPV4.MIN_LEN) return "bad-ip-header";
  if (end - at < headerLength) return "truncated-header";
  let totalLength = (b[at + IPV4.TOTAL_LEN] << 8) | b[at + IPV4.TOTAL_LEN + 1];
  // A zero total length is what TSO/LRO captures write; trust the captured bytes then.
  if (totalLength === 0) totalLength = end - at;
  if (totalLength < headerLength) return "bad-ip-header";
  const fragmentWord = (b[at + IPV4.FRAG] << 8) | b[at + IPV4.FRAG + 1];
  pkt.ipHeaderLength = headerLength;
  pkt.ipTotalLength = totalLength;
  pkt.ipPayloadLength = totalLength - headerLength;
  pkt.ipId = (b[at + IPV4.ID] << 8) | b[at + IPV4.ID + 1];
  pkt.ttl = b[at + IPV4.TTL];
  pkt.protocol = b[at + IPV4.PROTO];
  pkt.moreFragments = (fragmentWord & 0x2000) !== 0;
  pkt.fragmentOffset = (fragmentWord & 0x1fff) * 8;
  pkt.isFragment = pkt.moreFragments || pkt.fragmentOffset > 0;
  const src = pkt.src, dst = pkt.dst;
  for (let i = 0; i < 4; i++) {
    src[i] = b[at + IPV4.SRC + i];
    dst[i] = b[at + IPV4.DST + i];
  }
  pkt.srcV4 = ((src[0] << 24) | (src[1] << 16) | (src[2] << 8) | src[3]) >>> 0;
  pkt.dstV4 = ((dst[0] << 24) | (dst[1] << 16) | (dst[2] << 8) | dst[3]) >>> 0;
  return at + headerLength;
}

function decodeIpv6(b: Uint8Array, at: number, end: number, pkt: PacketInfo): number | DecodeResult {
  if (end - at < IPV6.LEN) return "truncated-header";
  if (b[at] >> 4 !== 6) return "bad-ip-header";
  let payloadLength = (b[at + IPV6.PAYLOAD_LEN] << 8) | b[at + IPV6.PAYLOAD_LEN + 1];
  if (payloadLength === 0) payloadLength = end - at - IPV6.LEN; // jumbogram or TSO: use what was captured
  pkt.ttl = b[at + IPV6.HOP_LIMIT];
  const src = pkt.src, dst = pkt.dst;
  for (let i = 0; i < 16; i++) {
    src[i] = b[at + IPV6.SRC + i];
    dst[i] = b[at + IPV6.DST + i];
  }
  let next = b[at + IPV6.NEXT];
  let offset = at + IPV6.LEN;
  for (let n = 0; n < MAX_EXTENSION_HEADERS; n++) {
    let length: number;
    if (next === 0 || next === 43 || next === 60 || next === 135) { // hop-by-hop, routing, dest opts, mobility
      if (end - offset < 2) return "truncated-header";
      length = (b[offset + 1] + 1) * 8;
    } else if (next === 51) { // authentication header
      if (end - offset < 2) return "truncated-header";
      length = (b[offset + 1] + 2) * 4;
    } else if (next === 44) { // fragment header
      if (end - offset < 8) return "truncated-header";
      const word = (b[offset + 2] << 8) | b[offset + 3];
      pkt.fragmentOffset = word & 0xfff8;
      pkt.moreFragments = (word & 0x0001) !== 0;
      pkt.isFragment = true;
      pkt.ipId = ((b[offset + 4] << 24) | (b[offset + 5] << 16) | (b[offset + 6] << 8) | b[offset + 7]) >>> 0;
      length = 8;
    } else {
      break;
    }
    next = b[offset];
    offset += length;
    if (offset - at - IPV6.LEN > payloadLength) return "bad-ip-header";
    if (offset > end) return "truncated-header";
  }
  pkt.protocol = next;
  pkt.ipHeaderLength = offset - at;
  pkt.ipTotalLength = IPV6.LEN + payloadLength;
  pkt.ipPayloadLength = pkt.ipTotalLength - pkt.ipHeaderLength;
  return offset;
}

function decodeTransport(b: Uint8Array, at: number, end: number, pkt: PacketInfo): DecodeResult {
  const available = end - at;
  let header = 0;
  switch (pkt.protocol) {
    case IpProto.TCP: {
      if (available < TCP.MIN_LEN) return "truncated-header";
      header = (b[at + TCP.OFFSET] >> 4) * 4;
      if (header < TCP.MIN_LEN || header > pkt.ipPayloadLength) return "bad-tcp-offset";
      // Options cut by the snaplen are not needed: the fixed header has every field we use.
      pkt.hasPorts = true;
      pkt.srcPort = (b[at] << 8) | b[at + 1];
      pkt.dstPort = (b[at + 2] << 8) | b[at + 3];
      pkt.tcpSeq = ((b[at + TCP.SEQ] << 24) | (b[at + 5] << 16) | (b[at + 6] << 8) | b[at + 7]) >>> 0;
      pkt.tcpAck = ((b[at + TCP.ACK] << 24) | (b[at + 9] << 16) | (b[at + 10] << 8) | b[at + 11]) >>> 0;
      pkt.tcpFlags = b[at + TCP.FLAGS];
      pkt.tcpWindow = (b[at + TCP.WINDOW] << 8) | b[at + TCP.WINDOW + 1];
      break;
    }
    case IpProto.UDP:
      if (available < UDP_LEN) return "truncated-header";
      header = UDP_LEN;
      pkt.hasPorts = true;
      pkt.srcPort = (b[at] << 8) | b[at + 1];
      pkt.dstPort = (b[at + 2] << 8) | b[at + 3];
      break;
    case IpProto.ICMP:
    case IpProto.ICMPV6:
      if (available < ICMP_MIN) return "truncated-header";
      header = Math.min(ICMP_LEN, pkt.ipPayloadLength);
      pkt.icmpType = b[at];
      pkt.icmpCode = b[at + 1];
      break;
    default:
      header = 0; // GRE, ESP, IGMP, ...: everything after the IP header is payload
  }
  pkt.transportHeaderLength = header;
  pkt.payloadLength = Math.max(0, pkt.ipPayloadLength - header);
  pkt.capturedPayloadLength = Math.max(0, end - at - header);
  return "ok";
}
