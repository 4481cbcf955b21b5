/**
 * The packet the 3.0-era Java CICFlowMeter (J3, ahlashkari/CICFlowMeter
 * 50d668d) makes of a frame: its PacketReader over jnetpcap 1.4's native
 * scanner (`packet_protocol.cpp`, `packet_jsmall_scanner.cpp`). Read from the
 * raw frame bytes, so it also covers frames our own decoder rejects. What it
 * reproduces, each from that source:
 *
 * - Lengths come from the captured bytes: payload = bytes after the transport
 *   header up to the end of the captured frame; a transport header cut by the
 *   snaplen counts only its captured bytes (`adjustForTruncatedPacket`).
 * - Padding: jnetpcap 1.4 cuts the frame to the IPv4 total length only when
 *   IPv4 comes directly after an Ethernet II header (`scan_ip4`, "Adjust for
 *   Ethernet trailer"); `PaddingRule` picks that, never, or always.
 * - ICMP destination-unreachable (3) and parameter-problem (12) descend into
 *   the quoted IPv4 packet (`scan_icmp`), as do IPv4-in-IPv4 and L2TP (UDP
 *   port 1701 or IP protocol 115, then PPP); the Java asks for TCP before UDP
 *   and takes the first UDP header, so a tunnelled TCP header wins; the packet
 *   becomes TCP/UDP with the outer addresses and the quoted ports, flags and
 *   window when a whole UDP header or 20 bytes of TCP are quoted.
 * - TCP: fewer than 20 bytes or a data offset of 0 → no TCP header (a
 *   protocol-0 packet); data offset 1–3 → the Java reader throws reading the
 *   window past the header, and the frame goes to its fallback below.
 * - A TCP header cut by the snaplen to 20 bytes while it declares options
 *   throws (Tcp.decodeHeader reads the first option byte).
 * - IPv4 headers are not checked for version; IHL 0 is no header, IHL 1–4
 *   throws (the addresses lie past the header), and so does an options walk
 *   (`Ip4.decodeHeader`) that reads past the captured header.
 * - `rawFallback`: when no IPv4 header is found behind Ethernet (J3 scans every
 *   frame as Ethernet, whatever the link type), J3 rescans the frame as L2TP and
 *   then as IPv4 from byte 0 (`getVPNInfo`): IPv6 frames become 134.221.x.x
 *   flows, ARP 8.0.6.4-8.6.0.1. Off unless asked for (exact dataset rebuilds).
 *
 * `engelen` reads the same scan the way the Engelen fork's PacketReader
 * (GintsEngelen/CICFlowMeter 4dd5319) does: an ICMP header anywhere wins
 * (protocol 1 with its type and code, no ports, lengths 0), then TCP, UDP,
 * SCTP (12-byte header); otherwise IGMP is protocol 2 and the rest protocol
 * 0, except that an IPv4 protocol number jnetpcap's `Ip4Type` does not list
 * throws (a null enum in a switch) and the frame goes to the fallback. The
 * window of a packet without TCP is 0 there.
 *
 * Nothing is allocated: the result is written into the caller's FlowPacket.
 */
import { LinkType } from "../pcap/link_types.ts";
import type { PacketInfo } from "../pcap/packet.ts";

/** How Ethernet padding (bytes after the IP packet) is treated. */
export type PaddingRule = "keep" | "ethernet-ipv4" | "ip-length";
export const PADDING_RULES: readonly PaddingRule[] = ["keep", "ethernet-ipv4", "ip-length"];

/** How frames are read the Java way (cic2017: J3; engelen: the fork). */
export interface JavaRules {
  padding: PaddingRule;
  /** Frames without IPv4 behind Ethernet are read from byte 0 (see above). */
  rawFallback: boolean;
  /** The fork's reader instead of J3's. */
  engelen: boolean;
  /**
   * A packet cut by the snaplen takes its payload and TCP header lengths
   * from the IP and TCP headers instead of the captured bytes (the Java
   * programs used the captured bytes). For issue 11's `--snaplen-lengths ip`.
   */
  ipLengthsWhenCut: boolean;
}

/** The fields of a Java packet, written by `decodeJavaPacket`. */
export interface JavaPacketFields {
  s0: number;
  d0: number;
  proto: number;
  sport: number;
  dport: number;
  payload: number;
  hdr: number;
  flags: number;
  window: number;
  isTcp: boolean;
  icmpType: number;
  icmpCode: number;
}

const NO_IPV4 = 0;
const OK = 1;
const THROWS = 2;
const MAX_NESTING = 8; // ICMP quotes and IP-in-IP: bounds the loop on hostile input
/** IPv4 protocol numbers jnetpcap 1.4's `Ip4.Ip4Type` knows (`Ip4Type.valueOf` returns null for the rest). */
const IP4_TYPES = new Uint8Array(256);
for (let n = 0; n <= 61; n++) IP4_TYPES[n] = 1;
for (const n of [94, 103, 111, 118, 132, 133, 137]) IP4_TYPES[n] = 1;

/** IP option codes jnetpcap's `IpOption.OptionCode` knows (its options walk stops at any other). */
const OPTION_CODES = new Uint8Array(32);
for (const n of [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25]) {
  OPTION_CODES[n] = 1;
}

/**
 * Fills `out` with what J3 makes of `pkt`'s frame. Returns false when J3
 * would have no packet for it.
 */
export function decodeJavaPacket(pkt: PacketInfo, out: JavaPacketFields, rules: JavaRules): boolean {
  const b = pkt.bytes;
  const start = pkt.frameOffset;
  // jnetpcap keeps its buffer length ≤ the wire length (record_header). (A link trailer, only
  // NFLOG's, is not part of the frame the Java would have seen: it could not read NFLOG at all.)
  const end = start + Math.min(pkt.capturedLength, pkt.wireLength || pkt.capturedLength) - pkt.linkTrailer;
  const padding = rules.padding, engelen = rules.engelen;
  const ipEnd = rules.ipLengthsWhenCut && pkt.capturedLength < pkt.wireLength;
  if (rules.rawFallback) {
    let ip = -1;
    if (end - start >= 14) ip = ipv4BehindEthernet(b, start, end);
    if (ip >= 0 && ipv4Packet(b, start, ip, end, ip === start + 14, padding, engelen, ipEnd, out) === OK) {
      return true;
    }
    return ipv4Packet(b, start, start, end, false, padding, engelen, ipEnd, out) === OK;
  }
  let ip = pkt.ipVersion === 4 ? pkt.l3Offset : -1;
  // 802.3 + LLC/SNAP frames carry IPv4 that jnetpcap finds and our link decoder does not look for.
  if (ip < 0 && pkt.ipVersion === 0 && pkt.linkType === LinkType.ETHERNET && end - start >= 14) {
    ip = ipv4BehindEthernet(b, start, end);
  }
  if (ip < 0) return false;
  const afterEthernet = pkt.linkType === LinkType.ETHERNET && ip === start + 14;
  return ipv4Packet(b, start, ip, end, afterEthernet, padding, engelen, ipEnd, out) === OK;
}

/**
 * jnetpcap's Ethernet scan: Ethernet II or 802.3 (LLC/SNAP), then any
 * 802.1Q/802.1ad tags, then IPv4. Returns the IPv4 offset, or −1.
 */
function ipv4BehindEthernet(b: Uint8Array, start: number, end: number): number {
  let type = (b[start + 12] << 8) | b[start + 13];
  let at = start + 14;
  for (let depth = 0; depth < MAX_NESTING; depth++) {
    if (type === 0x0800) return at < end ? at : -1;
    if (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
      if (end - at < 4) return -1;
      type = (b[at + 2] << 8) | b[at + 3];
      at += 4;
    } else if (type < 0x600) {
      // 802.3 length field: LLC (scan_llc's `control & 0x3 == 0x3` reads as `control & 1`), then SNAP.
      if (end - at < 4 || b[at] !== 0xaa) return -1;
      const snap = at + ((b[at + 2] & 1) !== 0 ? 3 : 4);
      if (end - snap < 5) return -1;
      const oui = (b[snap] << 16) | (b[snap + 1] << 8) | b[snap + 2];
      if (oui !== 0 && oui !== 0xf8) return -1;
      type = (b[snap + 3] << 8) | b[snap + 4];
      at = snap + 5;
    } else {
      return -1;
    }
  }
  return -1;
}

/** IPv4 at `ip` (J3 takes its addresses) and the first TCP/UDP header the scanner finds behind it. */
function ipv4Packet(
  b: Uint8Array,
  frame: number,
  ip: number,
  end: number,
  afterEthernet: boolean,
  padding: PaddingRule,
  engelen: boolean,
  ipLengths: boolean,
  out: JavaPacketFields,
): number {
  if (end - ip < 20) return NO_IPV4;
  const ihl = b[ip] & 0x0f;
  if (ihl === 0) return NO_IPV4;
  if (ihl < 5) return THROWS;
  const totalLength = (b[ip + 2] << 8) | b[ip + 3];
  if (padding === "ethernet-ipv4" && afterEthernet && totalLength <= end - frame) {
    // jnetpcap cuts before it checks the header, so a total length below the header (0 from
    // TSO captures) leaves a header cut short, which throws below.
    const postfix = end - ip - totalLength;
    if (postfix > 0) end -= postfix;
  } else if (padding === "ip-length" && totalLength >= ihl * 4 && ip + totalLength < end) {
    end = ip + totalLength;
  }
  // A header longer than the bytes left throws in the Java reader (seen in the fork's output on
  // a 42-byte ARP frame read as IPv4 with IHL 15), as does an options walk past its end.
  if (ihl * 4 > end - ip || !optionsReadable(b, ip, ihl * 4, ihl * 4)) return THROWS;
  out.s0 = read32(b, ip + 12);
  out.d0 = read32(b, ip + 16);
  out.proto = 0;
  out.sport = 0;
  out.dport = 0;
  out.payload = 0;
  out.hdr = 0;
  out.flags = 0;
  out.window = engelen ? 0 : -1;
  out.isTcp = false;
  out.icmpType = -1;
  out.icmpCode = -1;
  const outerProtocol = b[ip + 9];
  const found = transport(b, ip, end, engelen, ipLengths ? ip + totalLength : -1, out);
  if (found !== OK || !engelen || out.proto !== 0) return found;
  // The fork's last branch: IGMP, or protocol 0 for a number Ip4Type knows; a null type throws.
  if (IP4_TYPES[outerProtocol] === 0) return THROWS;
  if (outerProtocol === 2) out.proto = 2;
  return OK;
}

/** Walks from the IPv4 header at `ip` to the first transport header the Java reader takes. */
function transport(
  b: Uint8Array,
  ip: number,
  end: number,
  engelen: boolean,
  ipEnd: number,
  out: JavaPacketFields,
): number {
  let at = ip;
  let haveUdp = false; // the Java takes TCP (and ICMP in the fork) over UDP, and the first UDP header
  for (let depth = 0; depth < MAX_NESTING; depth++) {
    // `at` is an IPv4 header with at least 20 bytes captured.
    const headerLength = Math.min((b[at] & 0x0f) * 4, end - at);
    if (headerLength === 0) return OK;
    if ((((b[at + 6] << 8) | b[at + 7]) & 0x1fff) !== 0) return OK; // later fragment: no transport header
    let protocol = b[at + 9];
    let l4 = at + headerLength;
    if (protocol === 1) { // ICMP: errors quote the offending IPv4 packet
      if (l4 >= end || end - l4 < 4) return OK;
      const type = b[l4];
      if (engelen) { // the fork asks for an ICMP header before any other
        if (type >= 64) return THROWS; // Icmp.decodeHeader indexes a 64-entry table by the type
        out.proto = 1;
        out.icmpType = type;
        out.icmpCode = b[l4 + 1];
        return OK;
      }
      if (type !== 3 && type !== 12) return OK;
      l4 += 8;
      protocol = 4;
    }
    if (l4 >= end) return OK;
    switch (protocol) {
      case 6: {
        if (end - l4 < 20) return OK;
        const declared = (b[l4 + 12] >> 4) * 4;
        if (declared === 0) return OK;
        if (declared < 16) return THROWS;
        const hdr = Math.min(declared, end - l4);
        // Java's Tcp.decodeHeader looks at the first option byte (and its length byte unless it
        // is END or NOP) when the header declares options: past a cut header that throws. (Its
        // loop, `i++, p = i` with `i != p`, stops after one option.)
        if (declared > 20 && (hdr <= 20 || (hdr === 21 && b[l4 + 20] > 1))) return THROWS;
        out.proto = 6;
        out.isTcp = true;
        out.sport = (b[l4] << 8) | b[l4 + 1];
        out.dport = (b[l4 + 2] << 8) | b[l4 + 3];
        out.flags = b[l4 + 13];
        out.window = (b[l4 + 14] << 8) | b[l4 + 15];
        out.hdr = hdr;
        out.payload = end - l4 - hdr;
        if (ipEnd >= 0 && at === ip) { // a snaplen cut, lengths from the IP header
          out.hdr = declared;
          out.payload = Math.max(0, ipEnd - l4 - declared);
        }
        return OK;
      }
      case 17: {
        if (haveUdp || end - l4 < 8) return OK;
        haveUdp = true;
        out.proto = 17;
        out.sport = (b[l4] << 8) | b[l4 + 1];
        out.dport = (b[l4 + 2] << 8) | b[l4 + 3];
        out.hdr = 8;
        out.payload = end - l4 - 8;
        if (ipEnd >= 0 && at === ip) out.payload = Math.max(0, ipEnd - l4 - 8);
        // scan_udp: L2TP on port 1701 (the destination port is looked at first).
        const d = out.dport;
        const l2tp = d === 1701 || (d !== 5004 && d !== 5005 && d !== 5060 && out.sport === 1701);
        const inner = l2tp ? ipv4InL2tp(b, l4 + 8, end) : -1;
        if (inner < 0) return OK;
        at = inner;
        break;
      }
      case 115: { // L2TP over IP
        const inner = ipv4InL2tp(b, l4, end);
        if (inner < 0) return OK;
        at = inner;
        break;
      }
      case 132:
        if (!engelen || haveUdp) return OK;
        if (end - l4 < 4) return THROWS;
        out.proto = 132;
        out.sport = (b[l4] << 8) | b[l4 + 1];
        out.dport = (b[l4 + 2] << 8) | b[l4 + 3];
        out.hdr = Math.min(12, end - l4);
        out.payload = end - l4 - out.hdr;
        return OK;
      case 4:
        if (end - l4 < 20) return OK;
        at = l4; // the inner (quoted or tunnelled) IPv4 header; J3 keeps the outer addresses
        break;
      default:
        return OK;
    }
  }
  return OK;
}

/**
 * Java's `Ip4.decodeHeader` walks the options up to IHL × 4 bytes; reading a
 * byte past the (captured) header throws a BufferUnderflowException.
 */
function optionsReadable(b: Uint8Array, ip: number, available: number, headerLength: number): boolean {
  for (let i = 20; i < headerLength; i++) {
    if (i >= available) return false;
    const id = b[ip + i] & 0x1f;
    if (OPTION_CODES[id] === 0) return true; // unknown code: the walk stops
    if (id === 0) return true; // end of option list
    if (id === 1) continue; // no-op
    if (i + 1 >= available) return false;
    i += b[ip + i + 1];
  }
  return true;
}

/**
 * jnetpcap's scan_l2tp then scan_ppp: the IPv4 header a data message carries
 * (its offset, with 20 bytes captured), or −1.
 */
function ipv4InL2tp(b: Uint8Array, at: number, end: number): number {
  if (end - at < 2) return -1;
  const flags = b[at];
  if (flags & 0x80) return -1; // a control message: no PPP follows
  const ppp = at + 6 + (flags & 0x40 ? 2 : 0) + (flags & 0x08 ? 4 : 0) + (flags & 0x02 ? 4 : 0);
  if (end - ppp < 4 || ((b[ppp + 2] << 8) | b[ppp + 3]) !== 0x0021) return -1;
  return end - (ppp + 4) >= 20 ? ppp + 4 : -1;
}

function read32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}
