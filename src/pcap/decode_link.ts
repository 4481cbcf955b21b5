/**
 * Link-layer decoding: finds where the IP header starts in a captured frame.
 * Ethernet (with any depth of 802.1Q/802.1ad tags, MPLS and PPPoE; 802.3 with LLC/SNAP), Linux
 * cooked SLL/SLL2, BSD loopback, raw IP, 802.11 (plain or radiotap), PPP
 * (plain, HDLC-framed, PPPoE), Cisco HDLC, Linux NFLOG, and OpenBSD's pflog and enc.
 */
import { LinkType } from "./link_types.ts";
import type { PacketInfo } from "./packet.ts";

const ETHERTYPE = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
  MPLS_UC: 0x8847,
  MPLS_MC: 0x8848,
  PPPOE_SESSION: 0x8864,
} as const;

const ETHER_HEADER = 14;
/** The largest 802.3 length field; larger values are ethertypes. */
const MAX_8023_LENGTH = 1500;
/** LLC (DSAP, SSAP, control) and SNAP (OUI, ethertype) headers. */
const LLC_SNAP = 8;
const SLL_HEADER = 16;
const SLL2_HEADER = 20;
const VLAN_TAG = 4;
const PPPOE_SESSION_HEADER = 6; // version/type, code, session id, length; PPP follows
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
const MAX_TAGS = 16; // bounds the loop over stacked tags on hostile input
const ENC_HEADER = 12;
const NFLOG_HEADER = 4;
const NFLOG_ATTRIBUTE_HEADER = 4;
const NFULA_PAYLOAD = 9;
const MAX_NFLOG_ATTRIBUTES = 64; // a frame has about ten; bounds the walk on hostile input

/** Result of link decoding: the IP version found and where it starts. */
export const NO_IP = -1;
export const TRUNCATED = -2;
export const UNKNOWN_LINK = -3;

/**
 * Returns the offset of the IP header (and sets `pkt.ipVersion` to 4 or 6), or
 * `NO_IP` for frames that carry no IP, `TRUNCATED` when a link header is cut
 * short, `UNKNOWN_LINK` for link types this decoder does not know.
 */
export function findIpHeader(
  b: Uint8Array,
  at: number,
  end: number,
  linkType: number,
  pkt: PacketInfo,
): number {
  switch (linkType) {
    case LinkType.ETHERNET:
      if (end - at < ETHER_HEADER) return TRUNCATED;
      return fromEthertype(b, at + ETHER_HEADER, end, (b[at + 12] << 8) | b[at + 13], pkt);
    case LinkType.LINUX_SLL:
      if (end - at < SLL_HEADER) return TRUNCATED;
      return fromEthertype(b, at + SLL_HEADER, end, (b[at + 14] << 8) | b[at + 15], pkt);
    case LinkType.LINUX_SLL2:
      if (end - at < SLL2_HEADER) return TRUNCATED;
      return fromEthertype(b, at + SLL2_HEADER, end, (b[at] << 8) | b[at + 1], pkt);
    case LinkType.RAW:
    case LinkType.RAW_OPENBSD:
    case LinkType.RAW_ALT:
      return fromVersionNibble(b, at, end, pkt);
    case LinkType.IPV4:
      pkt.ipVersion = 4;
      return at;
    case LinkType.IPV6:
      pkt.ipVersion = 6;
      return at;
    case LinkType.NULL:
    case LinkType.LOOP:
      return fromAddressFamily(b, at, end, pkt);
    case LinkType.IEEE802_11_RADIOTAP: {
      if (end - at < 4) return TRUNCATED;
      const radiotapLength = b[at + 2] | (b[at + 3] << 8);
      if (radiotapLength < 8 || end - at < radiotapLength) return TRUNCATED;
      return fromIeee80211(b, at + radiotapLength, end, pkt);
    }
    case LinkType.IEEE802_11:
      return fromIeee80211(b, at, end, pkt);
    case LinkType.PPP:
    case LinkType.PPP_HDLC:
      return fromPpp(b, at, end, pkt);
    case LinkType.PPP_ETHER:
      return fromPppoe(b, at, end, pkt);
    case LinkType.C_HDLC:
      if (end - at < 4) return TRUNCATED;
      return fromEthertype(b, at + 4, end, (b[at + 2] << 8) | b[at + 3], pkt);
    case LinkType.NFLOG:
      return fromNflog(b, at, end, pkt);
    case LinkType.PFLOG: {
      // The header's first byte is its length, which BPF pads to 4 bytes (61 → 64 on OpenBSD 3.x
      // to 4.x, 100 on later OpenBSD); the address family after it differs per OS, so the IP
      // version nibble says what follows.
      if (end - at < 1) return TRUNCATED;
      if (b[at] < 4) return NO_IP;
      const header = (b[at] + 3) & ~3;
      if (end - at < header) return TRUNCATED;
      return fromVersionNibble(b, at + header, end, pkt);
    }
    case LinkType.ENC:
      // Address family, SPI and flags, 4 bytes each in host byte order; the IP packet follows.
      if (end - at < ENC_HEADER) return TRUNCATED;
      return fromVersionNibble(b, at + ENC_HEADER, end, pkt);
    default:
      return UNKNOWN_LINK;
  }
}

function fromEthertype(b: Uint8Array, at: number, end: number, ethertype: number, pkt: PacketInfo): number {
  for (let tags = 0; tags <= MAX_TAGS; tags++) {
    switch (ethertype) {
      case ETHERTYPE.IPV4:
        pkt.ipVersion = 4;
        return at;
      case ETHERTYPE.IPV6:
        pkt.ipVersion = 6;
        return at;
      case ETHERTYPE.VLAN:
      case ETHERTYPE.QINQ:
      case ETHERTYPE.QINQ_OLD:
        if (end - at < VLAN_TAG) return TRUNCATED;
        if (pkt.vlanDepth === 0) pkt.vlanId = ((b[at] << 8) | b[at + 1]) & 0x0fff;
        pkt.vlanDepth++;
        ethertype = (b[at + 2] << 8) | b[at + 3];
        at += VLAN_TAG;
        break;
      case ETHERTYPE.MPLS_UC:
      case ETHERTYPE.MPLS_MC:
        return afterMpls(b, at, end, pkt);
      case ETHERTYPE.PPPOE_SESSION:
        return fromPppoe(b, at, end, pkt);
      default:
        // An 802.3 length field: IP only behind LLC with SNAP (aa aa 03, an OUI, an ethertype), as
        // old bridges and some routers send it. STP, CDP and the like carry none.
        if (
          ethertype <= MAX_8023_LENGTH && end - at >= LLC_SNAP && isLlcSnap(b, at)
        ) {
          ethertype = (b[at + 6] << 8) | b[at + 7];
          at += LLC_SNAP;
          break;
        }
        return NO_IP; // ARP, LLDP, ...
    }
  }
  return NO_IP;
}

/** MPLS carries no next-protocol field: after the bottom label, guess IP from the version nibble. */
function afterMpls(b: Uint8Array, at: number, end: number, pkt: PacketInfo): number {
  for (let labels = 0; labels <= MAX_TAGS; labels++) {
    if (end - at < 4) return TRUNCATED;
    const bottomOfStack = (b[at + 2] & 0x01) !== 0;
    at += 4;
    if (bottomOfStack) {
      if (end - at < 1) return TRUNCATED;
      // A first nibble of 0 is a pseudowire control word followed by a whole Ethernet frame.
      if (b[at] >> 4 !== 0) return fromVersionNibble(b, at, end, pkt);
      const inner = at + 4;
      if (end - inner < ETHER_HEADER) return TRUNCATED;
      return fromEthertype(b, inner + ETHER_HEADER, end, (b[inner + 12] << 8) | b[inner + 13], pkt);
    }
  }
  return NO_IP;
}

function fromVersionNibble(b: Uint8Array, at: number, end: number, pkt: PacketInfo): number {
  if (end - at < 1) return TRUNCATED;
  const version = b[at] >> 4;
  if (version === 4 || version === 6) {
    pkt.ipVersion = version;
    return at;
  }
  return NO_IP;
}

/** BSD loopback: a 4-byte address family, host order for NULL (either), network order for LOOP. */
function fromAddressFamily(b: Uint8Array, at: number, end: number, pkt: PacketInfo): number {
  if (end - at < 4) return TRUNCATED;
  const little = b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
  const big = (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
  const family = little > 0 && little < 256 ? little : big;
  if (family === 2) {
    pkt.ipVersion = 4;
    return at + 4;
  }
  // AF_INET6 differs per OS: 10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS.
  if (family === 10 || family === 24 || family === 28 || family === 30) {
    pkt.ipVersion = 6;
    return at + 4;
  }
  return NO_IP;
}

/** A PPPoE session frame (RFC 2516): its 6-byte header, then PPP. */
function fromPppoe(b: Uint8Array, at: number, end: number, pkt: PacketInfo): number {
  if (end - at < PPPOE_SESSION_HEADER) return TRUNCATED;
  return fromPpp(b, at + PPPOE_SESSION_HEADER, end, pkt);
}

/**
 * A PPP frame (RFC 1661): an optional HDLC-like address and control (ff 03,
 * RFC 1662), then the protocol, one byte when compressed (an odd first byte,
 * RFC 1661 §6.5) or two.
 */
function fromPpp(b: Uint8Array, at: number, end: number, pkt: PacketInfo): number {
  if (end - at >= 2 && b[at] === 0xff && b[at + 1] === 0x03) at += 2;
  if (end - at < 1) return TRUNCATED;
  let protocol = b[at];
  if ((protocol & 0x01) === 0) {
    if (end - at < 2) return TRUNCATED;
    protocol = (protocol << 8) | b[at + 1];
    at += 2;
  } else {
    at += 1;
  }
  if (protocol === PPP_IPV4) {
    pkt.ipVersion = 4;
    return at;
  }
  if (protocol === PPP_IPV6) {
    pkt.ipVersion = 6;
    return at;
  }
  return NO_IP; // LCP, IPCP, CCP, ...
}

/**
 * Linux NFLOG (libpcap's DLT_NFLOG, `tcpdump -i nflog:N`): a 4-byte header (address family,
 * version, group), then attributes, each a length (of the attribute, header included), a type
 * and a value padded to 4 bytes. Lengths and types are in the byte order of the host that
 * captured (libpcap writes them as the kernel gave them), told here by the first type, which is
 * below 256: its low byte comes first in little-endian order. The IP packet is the value of the
 * payload attribute (type 9), without a link header; what follows it (padding, any later
 * attribute) is `pkt.linkTrailer`.
 */
function fromNflog(b: Uint8Array, at: number, end: number, pkt: PacketInfo): number {
  let attribute = at + NFLOG_HEADER;
  if (end - attribute < NFLOG_ATTRIBUTE_HEADER) return end - at < NFLOG_HEADER ? TRUNCATED : NO_IP;
  const little = b[attribute + 2] !== 0;
  for (let n = 0; n < MAX_NFLOG_ATTRIBUTES && end - attribute >= NFLOG_ATTRIBUTE_HEADER; n++) {
    const length = little ? b[attribute] | (b[attribute + 1] << 8) : (b[attribute] << 8) | b[attribute + 1];
    // The two top bits of a type are flags (nested, network byte order).
    const type =
      (little ? b[attribute + 2] | (b[attribute + 3] << 8) : (b[attribute + 2] << 8) | b[attribute + 3]) &
      0x3fff;
    if (length < NFLOG_ATTRIBUTE_HEADER) return NO_IP; // a broken attribute: nothing after it can be found
    if (type === NFULA_PAYLOAD) {
      const valueEnd = attribute + length;
      if (valueEnd < end) pkt.linkTrailer = end - valueEnd;
      return fromVersionNibble(b, attribute + NFLOG_ATTRIBUTE_HEADER, Math.min(end, valueEnd), pkt);
    }
    attribute += (length + 3) & ~3;
  }
  return attribute > end ? TRUNCATED : NO_IP; // cut by the snaplen before the payload, or none
}

/** An LLC header announcing SNAP (DSAP aa, SSAP aa, control 03) at `at`; an OUI and an ethertype follow. */
function isLlcSnap(b: Uint8Array, at: number): boolean {
  return b[at] === 0xaa && b[at + 1] === 0xaa && b[at + 2] === 0x03;
}

/** 802.11 data frames with an LLC/SNAP header carry an ethertype. */
function fromIeee80211(b: Uint8Array, at: number, end: number, pkt: PacketInfo): number {
  if (end - at < 24) return TRUNCATED;
  const frameControl = b[at];
  const type = (frameControl >> 2) & 0x03;
  const subtype = (frameControl >> 4) & 0x0f;
  if (type !== 2 || (subtype & 0x04) !== 0) return NO_IP; // not a data frame, or a null-data frame
  const flags = b[at + 1];
  let header = 24;
  if ((flags & 0x03) === 0x03) header += 6; // ToDS and FromDS: a fourth address
  if ((subtype & 0x08) !== 0) header += 2; // QoS control
  if ((flags & 0x40) !== 0) return NO_IP; // protected (encrypted) payload
  const llc = at + header;
  if (end - llc < 8) return TRUNCATED;
  if (!isLlcSnap(b, llc)) return NO_IP;
  return fromEthertype(b, llc + LLC_SNAP, end, (b[llc + 6] << 8) | b[llc + 7], pkt);
}
