/**
 * What the flow engine takes from a decoded packet, shaped by the profile
 * (spec §2.2–§2.4): which packets count, the flow protocol and ports, payload
 * and header bytes, flags and window. One reused instance per meter, so the
 * packet loop allocates nothing.
 */
import { IpProto, type PacketInfo, WIDE_ZERO } from "../pcap/packet.ts";
import { fragmentKey, FragmentPorts } from "./fragment_ports.ts";
import { decodeJavaPacket, type JavaRules } from "./java_packet.ts";
import type { MeterSettings } from "./profile.ts";

/** Why a decoded packet was not used for flows. */
export const IGNORE_REASONS = [
  "not-ip",
  "ipv6-disabled",
  "later-fragment",
  "bad-timestamp",
  "undecodable",
] as const;
// "later-fragment": a non-first fragment whose first fragment was not seen (corrected profile).
// "bad-timestamp": a time no µs integer holds exactly (a pcapng timestamp past ~2255); flow
// arithmetic and every Timestamp format need safe integers.
// "undecodable": the reader could not decode the frame (a broken header) and the profile does not
// read raw frames the Java way.
export type IgnoreReason = typeof IGNORE_REASONS[number];

export interface PacketRules {
  /** cic2017: non-TCP/UDP IPv4 becomes protocol 0 with ports 0 (Q22); later fragments join it. */
  legacyProtocols: boolean;
  /** Payload = IP total − headers (padding excluded) instead of captured bytes after the header (Q21). */
  trimPadding: boolean;
  /** A packet cut by the snaplen counts its whole length (IP header, original length), not the captured bytes. */
  wholePacketLengths: boolean;
  ipv6: boolean;
  /** corrected: where first fragments leave their ports for the later ones. */
  fragments?: FragmentPorts;
  /**
   * cic2017: IPv4 frames become the packet the 3.0-era Java made of them (java_packet.ts),
   * with this padding rule; `rawFallback` also decodes frames without IPv4 from byte 0.
   */
  java?: JavaRules;
}

/** The packet rules of a meter's settings (each call has its own fragment memory). */
export function packetRules(s: MeterSettings): PacketRules {
  return {
    legacyProtocols: s.legacy || s.engelen,
    trimPadding: s.trimPadding,
    wholePacketLengths: s.snaplenLengths === "ip",
    ipv6: s.ipv6,
    fragments: s.profile === "corrected" ? new FragmentPorts() : undefined,
    java: s.profile === "corrected"
      ? undefined
      // --snaplen-lengths ip: a cut packet counts its whole-packet lengths (the Java used captured bytes).
      : {
        padding: s.padding,
        rawFallback: s.nonIpv4AsIpv4,
        engelen: s.engelen,
        ipLengthsWhenCut: s.snaplenLengths === "ip",
      },
  };
}

export class FlowPacket {
  t = WIDE_ZERO;
  ver = 0;
  /** The protocol number the flow is keyed by (0 for "other" in cic2017). */
  proto = 0;
  sport = 0;
  dport = 0;
  s0 = WIDE_ZERO;
  s1 = WIDE_ZERO;
  s2 = WIDE_ZERO;
  s3 = WIDE_ZERO;
  d0 = WIDE_ZERO;
  d1 = WIDE_ZERO;
  d2 = WIDE_ZERO;
  d3 = WIDE_ZERO;
  /** Source and destination addresses are equal. */
  sameAddress = false;
  payload = 0;
  hdr = 0;
  flags = 0;
  isTcp = false;
  /** Raw TCP window, −1 for anything else (the Java default, spec §2.2). */
  window = -1;
  /** ICMP type/code, −1 when not ICMP. */
  icmpType = -1;
  icmpCode = -1;

  /**
   * Fills this record from `pkt` under `rules`; returns the reason when the
   * packet is not used for flows, or null.
   */
  load(pkt: PacketInfo, rules: PacketRules): IgnoreReason | null {
    const java = rules.java;
    if (java && (pkt.ipVersion !== 6 || pkt.undecodable !== null || (java.rawFallback && !rules.ipv6))) {
      return this.#loadJava(pkt, java);
    }
    if (pkt.undecodable !== null) return "undecodable";
    if (pkt.ipVersion === 0) return "not-ip";
    if (pkt.ipVersion === 6 && !rules.ipv6) return "ipv6-disabled";
    if (!Number.isSafeInteger(pkt.tsUs)) return "bad-timestamp";
    const laterFragment = pkt.isFragment && pkt.fragmentOffset > 0;
    if (laterFragment && !rules.fragments && !rules.legacyProtocols) return "later-fragment";
    this.t = pkt.tsUs;
    this.ver = pkt.ipVersion;
    if (pkt.ipVersion === 4) {
      this.s0 = pkt.srcV4;
      this.d0 = pkt.dstV4;
      this.s1 =
        this.s2 =
        this.s3 =
        this.d1 =
        this.d2 =
        this.d3 =
          0;
    } else {
      const s = pkt.src, d = pkt.dst;
      this.s0 = word(s, 0);
      this.s1 = word(s, 4);
      this.s2 = word(s, 8);
      this.s3 = word(s, 12);
      this.d0 = word(d, 0);
      this.d1 = word(d, 4);
      this.d2 = word(d, 8);
      this.d3 = word(d, 12);
    }
    this.sameAddress = this.s0 === this.d0 && this.s1 === this.d1 && this.s2 === this.d2 &&
      this.s3 === this.d3;
    const proto = pkt.protocol;
    const transport = !laterFragment && pkt.hasPorts && (proto === IpProto.TCP || proto === IpProto.UDP);
    this.icmpType = -1;
    this.icmpCode = -1;
    if (pkt.isFragment && rules.fragments && (transport || laterFragment)) {
      const key = fragmentKey(
        this.s0,
        this.s1,
        this.s2,
        this.s3,
        this.d0,
        this.d1,
        this.d2,
        this.d3,
        proto,
        pkt.ipId,
      );
      if (!laterFragment) {
        rules.fragments.remember(key, pkt.srcPort, pkt.dstPort, pkt.tsUs);
      } else {
        const ports = rules.fragments.lookup(key, pkt.tsUs);
        if (ports < 0) return "later-fragment";
        // The rest of the datagram: all of it is transport payload, with no header, flags or window.
        this.proto = proto;
        // Integer operators keep the ports small integers: a double here would change the
        // field's representation and deoptimise every function that reads a FlowPacket.
        this.sport = ports >>> 16;
        this.dport = ports & 0xffff;
        this.hdr = 0;
        this.payload = pkt.ipPayloadLength;
        this.isTcp = false;
        this.flags = 0;
        this.window = -1;
        return null;
      }
    }
    if (transport) {
      this.proto = proto;
      this.sport = pkt.srcPort;
      this.dport = pkt.dstPort;
      this.hdr = pkt.transportHeaderLength;
      this.payload = rules.trimPadding
        ? trimmedPayload(pkt, rules.wholePacketLengths)
        : framePayload(pkt, rules.wholePacketLengths);
      this.isTcp = proto === IpProto.TCP;
      this.flags = this.isTcp ? pkt.tcpFlags : 0;
      this.window = this.isTcp ? pkt.tcpWindow : -1;
      return null;
    }
    // Everything else: no ports, no payload, no header (Java's protocol-0 packet; E for ICMP).
    this.proto = rules.legacyProtocols ? 0 : proto;
    this.sport = 0;
    this.dport = 0;
    this.hdr = 0;
    this.payload = 0;
    this.isTcp = false;
    this.flags = 0;
    this.window = -1;
    if (!laterFragment && (proto === IpProto.ICMP || proto === IpProto.ICMPV6)) {
      this.icmpType = pkt.icmpType;
      this.icmpCode = pkt.icmpCode;
    }
    return null;
  }

  /** The J3 packet of an IPv4 (or, with `rawFallback`, any) frame. */
  #loadJava(pkt: PacketInfo, java: JavaRules): IgnoreReason | null {
    if (!decodeJavaPacket(pkt, this, java)) {
      return pkt.undecodable !== null ? "undecodable" : pkt.ipVersion === 6 ? "ipv6-disabled" : "not-ip";
    }
    if (!Number.isSafeInteger(pkt.tsUs)) return "bad-timestamp";
    this.t = pkt.tsUs;
    this.ver = 4;
    this.s1 =
      this.s2 =
      this.s3 =
      this.d1 =
      this.d2 =
      this.d3 =
        0;
    this.sameAddress = this.s0 === this.d0;
    return null;
  }
}

function word(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** Bytes after the transport header up to the end of the frame as it was on the wire (link trailer excluded). */
function payloadOnWire(pkt: PacketInfo): number {
  return pkt.wireLength - pkt.linkTrailer - (pkt.l4Offset - pkt.frameOffset) - pkt.transportHeaderLength;
}

/**
 * cic2017: the bytes after the transport header to the end of the frame,
 * padding included (spec §2.3). For a packet cut by the snaplen, `whole`
 * takes the frame's original length: what the Java program counts on the
 * whole packet (the IP header's payload, plus a trailer if the frame had
 * one); otherwise the captured bytes, as it counts on a truncated file.
 */
function framePayload(pkt: PacketInfo, whole: boolean): number {
  if (!whole || pkt.capturedLength >= pkt.wireLength) return pkt.capturedPayloadLength;
  return Math.max(pkt.capturedPayloadLength, payloadOnWire(pkt));
}

/**
 * Payload from the IP lengths (padding excluded). When the IP total length
 * claims more than the frame carried on the wire, the header lies
 * (malformed packets): then only the captured bytes count, as the Engelen
 * fork does (checked on ndpi-badpackets.pcap). A capture cut by the snaplen
 * keeps the real payload size unless `whole` is false (then at most the
 * captured bytes count).
 */
function trimmedPayload(pkt: PacketInfo, whole: boolean): number {
  return pkt.payloadLength <= payloadOnWire(pkt) && (whole || pkt.capturedLength >= pkt.wireLength)
    ? pkt.payloadLength
    : Math.min(pkt.payloadLength, pkt.capturedPayloadLength);
}
