/**
 * The one reusable record every decoded packet is written into.
 *
 * The reader owns a single `PacketInfo` and overwrites it for each packet, so
 * the loop over millions of packets allocates nothing. A consumer that needs a
 * value after its callback returns must copy it (numbers are copied by value;
 * the `src`/`dst` byte arrays and `bytes` are reused).
 */

/** IP protocol numbers the decoder knows by name. */
export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** TCP flag bits as they sit in byte 13 of the TCP header. */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/**
 * Why a record was not decoded (or not read). Counted per reason by the reader;
 * the packet is skipped, earlier and later packets are kept.
 */
export const SKIP_REASONS = [
  "truncated-record", // the input ends inside a record (tcpdump killed mid-write)
  "oversized-record", // caplen > 256 KiB (libpcap's maximum): the record is not trusted
  "zero-length", // a record with 0 captured bytes
  "truncated-header", // a link/IP/transport header cut short by the snaplen
  "bad-ip-header", // IPv4 IHL < 5 or version mismatch, IPv6 chain broken
  "bad-tcp-offset", // TCP data offset < 5 or beyond the captured bytes
  "unknown-link-type", // a link type this reader does not decode
  "bad-block", // pcapng block with an impossible length, or garbage after the last record
] as const;
export type SkipReason = typeof SKIP_REASONS[number];

/** Result of decoding one record: the packet is usable, or why not. */
export type DecodeResult = "ok" | SkipReason;

/**
 * Initial value of number fields that will hold values beyond 31 bits
 * (unsigned 32-bit words, µs timestamps): a double (−0, equal to 0), so V8
 * gives the field a double representation at once. A field that starts out
 * as a small integer changes representation at its first large value, and
 * every function compiled against the class is deoptimised then (issue 15:
 * bursts of "wrong map" deopts tens of thousands of packets into a run).
 */
export const WIDE_ZERO = -0;

export class PacketInfo {
  /** Whole seconds of the capture timestamp (UTC epoch). */
  tsSec = WIDE_ZERO;
  /** Fraction of the second in nanoseconds (0..999 999 999). */
  tsNsec = 0;
  /** Timestamp in integer microseconds (nanoseconds truncated), the flow meter's clock. */
  tsUs = WIDE_ZERO;

  /** pcapng interface index (0 for classic pcap). */
  interfaceId = 0;
  /** Link type of the interface the packet came from. */
  linkType = 0;
  /** Bytes captured (the record's caplen). */
  capturedLength = 0;
  /** Bytes on the wire (the record's original length). */
  wireLength = 0;

  /** 4 for IPv4, 6 for IPv6, 0 when the frame carries no IP packet. */
  ipVersion = 0;
  /** Source address bytes: 4 used for IPv4, 16 for IPv6. Reused: copy to keep. */
  readonly src: Uint8Array = new Uint8Array(16);
  /** Destination address bytes: 4 used for IPv4, 16 for IPv6. Reused: copy to keep. */
  readonly dst: Uint8Array = new Uint8Array(16);
  /** IPv4 source as an unsigned 32-bit number (0 for IPv6), for cheap hashing. */
  srcV4 = WIDE_ZERO;
  /** IPv4 destination as an unsigned 32-bit number (0 for IPv6). */
  dstV4 = WIDE_ZERO;
  /** IP header bytes: IHL×4 for IPv4; 40 + extension headers for IPv6. */
  ipHeaderLength = 0;
  /** IP packet length from the header: IPv4 total length; IPv6 40 + payload length. */
  ipTotalLength = 0;
  /** ipTotalLength − ipHeaderLength, never negative. */
  ipPayloadLength = 0;
  /** IPv4 identification (or IPv6 fragment identification). */
  ipId = WIDE_ZERO;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl = 0;
  /** True for any fragment (first or later). */
  isFragment = false;
  /** Fragment offset in bytes (0 for the first fragment). */
  fragmentOffset = 0;
  /** The more-fragments flag. */
  moreFragments = false;

  /** Transport protocol number (after IPv6 extension headers); 0 when not IP. */
  protocol = 0;
  /** True when srcPort/dstPort were read (TCP or UDP, not a later fragment). */
  hasPorts = false;
  srcPort = 0;
  dstPort = 0;
  /** TCP flag byte (FIN..CWR, see TcpFlag); 0 for other protocols. */
  tcpFlags = 0;
  tcpSeq = WIDE_ZERO;
  tcpAck = WIDE_ZERO;
  /** Raw 16-bit TCP window field (not scaled); 0 for other protocols. */
  tcpWindow = 0;
  /** TCP data offset × 4, 8 for UDP, 8 for ICMP/ICMPv6 (type, code, checksum, rest); 0 otherwise. */
  transportHeaderLength = 0;
  /** Transport payload from the IP lengths: IP payload − transport header, never negative. Padding excluded. */
  payloadLength = 0;
  /**
   * Captured bytes after the transport header up to the end of the captured frame,
   * including any Ethernet padding (CICFlowMeter 2017 quirk, spec §2.3).
   */
  capturedPayloadLength = 0;
  icmpType = 0;
  icmpCode = 0;

  /** Number of 802.1Q/802.1ad tags, and the outermost VLAN id (0 if none). */
  vlanDepth = 0;
  vlanId = 0;

  /** The buffer holding this record; valid only during the callback. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Offset of the record's first captured byte in `bytes`. */
  frameOffset = 0;
  /** Offset of the IP header in `bytes` (−1 if none). */
  l3Offset = -1;
  /** Offset of the transport header in `bytes` (−1 if none). */
  l4Offset = -1;
  /**
   * Bytes at the end of the frame that belong to the link layer, not to the IP packet: the
   * attributes and padding after an NFLOG payload. 0 for every other link type.
   */
  linkTrailer = 0;
  /**
   * Why this record could not be decoded, or null. Such records are still handed to the
   * consumer (which should skip them unless it decodes raw frames itself); the other
   * decoded fields are then unreliable.
   */
  undecodable: SkipReason | null = null;

  /** Resets every decoded field; called by the decoder before each packet. */
  reset(): void {
    this.ipVersion = 0;
    this.srcV4 = 0;
    this.dstV4 = 0;
    this.ipHeaderLength = 0;
    this.ipTotalLength = 0;
    this.ipPayloadLength = 0;
    this.ipId = 0;
    this.ttl = 0;
    this.isFragment = false;
    this.fragmentOffset = 0;
    this.moreFragments = false;
    this.protocol = 0;
    this.hasPorts = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.transportHeaderLength = 0;
    this.payloadLength = 0;
    this.capturedPayloadLength = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.vlanDepth = 0;
    this.vlanId = 0;
    this.l3Offset = -1;
    this.l4Offset = -1;
    this.linkTrailer = 0;
    this.undecodable = null;
  }
}
