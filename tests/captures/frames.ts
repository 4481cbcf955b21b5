/**
 * Building blocks of the project's own test captures: conversations written
 * as a list of steps (time, sender, flags, payload), turned into IP packets,
 * then framed for any link type the reader supports. Deterministic: the same
 * steps always give the same bytes.
 */
import { concat, ethernet, ipv4, ipv6, tcp, udp } from "../pcap/build_capture.ts";

export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

/** One packet of a capture: time in µs from the capture's start, the IP packet, and how it was captured. */
export interface TimedPacket {
  t: number;
  ip: Uint8Array;
  /** Ethernet: pad the frame to the 60-byte minimum (what a NIC receives). */
  pad?: boolean;
  /** Keep only this many bytes of the framed packet (a snaplen cut); the wire length stays. */
  caplen?: number;
}

export interface Endpoint {
  /** 4 bytes for IPv4, 16 for IPv6. */
  ip: number[];
  port: number;
}

export interface Step {
  /** µs from the capture's start. */
  t: number;
  from: "c" | "s";
  flags?: number;
  /** Payload bytes. */
  pl?: number;
  win?: number;
  /** TCP header length (20..60). */
  hdr?: number;
  /** Send again the sender's previous data segment's sequence number (a retransmission). */
  retransmit?: boolean;
  pad?: boolean;
}

export const v4 = (a: number, b: number, c: number, d: number) => [a, b, c, d];
export const v6 = (last: number) => [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), last];

/** Deterministic payload bytes (printable, so tcpdump -A shows something). */
export function payload(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 0x61 + ((i + seed) % 26);
  return out;
}

/** IPv4 header checksum, so Wireshark shows the packets as valid. */
export function withIpv4Checksum(packet: Uint8Array): Uint8Array {
  const ihl = (packet[0] & 0x0f) * 4;
  let sum = 0;
  for (let i = 0; i < ihl; i += 2) sum += (packet[i] << 8) | packet[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff;
  packet[10] = ck >> 8;
  packet[11] = ck & 0xff;
  return packet;
}

/** An IP packet (version from the address length) carrying `l4` with protocol `proto`. */
export function ipPacket(
  src: number[],
  dst: number[],
  proto: number,
  l4: Uint8Array,
  o: { id?: number; extensions?: Uint8Array; firstExtension?: number } = {},
): Uint8Array {
  if (src.length === 16) {
    return ipv6(o.firstExtension ?? proto, l4, o.extensions ?? new Uint8Array(), { src, dst });
  }
  return withIpv4Checksum(ipv4({ src, dst, protocol: proto, id: o.id ?? 1 }, l4));
}

/** A TCP conversation: each step becomes one segment between client and server. */
export function tcpConversation(client: Endpoint, server: Endpoint, steps: Step[]): TimedPacket[] {
  const seq = { c: 1000, s: 5000 };
  const lastDataSeq = { c: 1000, s: 5000 };
  return steps.map((s, i) => {
    const [a, b] = s.from === "c" ? [client, server] : [server, client];
    const pl = s.pl ?? 0;
    const segment = tcp(
      {
        sport: a.port,
        dport: b.port,
        flags: s.flags ?? ACK,
        window: s.win ?? (s.from === "c" ? 502 : 509),
        headerLength: s.hdr ?? 32,
        seq: s.retransmit ? lastDataSeq[s.from] : seq[s.from],
      },
      payload(pl, i),
    );
    if (!s.retransmit) {
      if (pl > 0) lastDataSeq[s.from] = seq[s.from];
      seq[s.from] += pl + ((s.flags ?? 0) & (SYN | FIN) ? 1 : 0);
    }
    return { t: s.t, ip: ipPacket(a.ip, b.ip, 6, segment, { id: i + 1 }), pad: s.pad };
  });
}

/** A UDP conversation: each step one datagram. */
export function udpConversation(client: Endpoint, server: Endpoint, steps: Step[]): TimedPacket[] {
  return steps.map((s, i) => {
    const [a, b] = s.from === "c" ? [client, server] : [server, client];
    return {
      t: s.t,
      ip: ipPacket(a.ip, b.ip, 17, udp(a.port, b.port, payload(s.pl ?? 0, i)), { id: 100 + i }),
    };
  });
}

/** An ICMP message (IPv4) or ICMPv6 message (IPv6) with 8 header bytes and `pl` data bytes. */
export function icmpPacket(
  t: number,
  src: number[],
  dst: number[],
  type: number,
  code: number,
  pl: number,
  id = 7,
): TimedPacket {
  const body = concat(new Uint8Array([type, code, 0, 0, 0, 1, 0, id]), payload(pl));
  return { t, ip: ipPacket(src, dst, src.length === 16 ? 58 : 1, body, { id }) };
}

/** All packets of several conversations, in time order (stable for equal times). */
export function merge(...parts: TimedPacket[][]): TimedPacket[] {
  return parts.flat().map((p, i) => ({ p, i })).sort((a, b) => a.p.t - b.p.t || a.i - b.i).map((x) => x.p);
}

/** Link layers the reader decodes, with the link type (DLT) each is written under. */
export const LINKS = {
  ether: 1,
  vlan: 1,
  qinq: 1,
  mpls: 1,
  "mpls-pseudowire": 1,
  pppoe: 1,
  sll: 113,
  sll2: 276,
  raw101: 101,
  raw12: 12,
  raw14: 14,
  ipv4: 228,
  ipv6: 229,
  null: 0,
  loop: 108,
  "ieee802-11": 105,
  radiotap: 127,
  ppp: 9,
  "ppp-hdlc": 50,
  pppoes: 51,
  chdlc: 104,
  nflog: 239,
  "nflog-be": 239,
  pflog: 117,
  enc: 109,
  "llc-snap": 1,
} as const;
export type Link = keyof typeof LINKS;

const be16 = (v: number) => [v >> 8 & 0xff, v & 0xff];
const mac = [0x02, 0, 0, 0, 0, 1];
const mplsLabel = (
  label: number,
  bottom: boolean,
) => [label >> 12, label >> 4 & 0xff, (label & 0x0f) << 4 | (bottom ? 1 : 0), 64];

/**
 * An NFLOG frame as the Linux kernel builds one: the header (family, version, group 7), then
 * the packet header (hardware protocol, hook), the log prefix and the payload attributes, each
 * padded to 4 bytes; lengths and types in the byte order of the host.
 */
function nflog(ip: Uint8Array, ethertype: number, little: boolean): Uint8Array {
  const u16 = (v: number) => little ? [v & 0xff, v >> 8 & 0xff] : be16(v);
  const attribute = (type: number, value: Uint8Array) => {
    const length = 4 + value.length;
    return concat(new Uint8Array(u16(length)), new Uint8Array(u16(type)), value, new Uint8Array(-length & 3));
  };
  return concat(
    new Uint8Array([ethertype === 0x86dd ? 10 : 2, 0, ...be16(7)]),
    attribute(1, new Uint8Array([...be16(ethertype), 3, 0])), // NFULA_PACKET_HDR, hook 3 (output)
    attribute(10, new TextEncoder().encode("test\0")), // NFULA_PREFIX
    attribute(9, ip), // NFULA_PAYLOAD
  );
}

/** A pf log header as OpenBSD 3.x–4.x writes it: 61 bytes (interface "em0", rule 7, inbound pass), padded to 64. */
function pflogHeader(family: number): Uint8Array {
  const header = new Uint8Array(64);
  header.set([61, family]); // length, address family; action 0 (pass), reason 0 (match)
  header.set(new TextEncoder().encode("em0"), 4); // interface name, 16 bytes
  header.set([0, 0, 0, 7], 36); // rule number
  header[60] = 1; // direction: in
  return header;
}

/** Frames an IP packet for `link`. */
export function frame(link: Link, ip: Uint8Array, pad = false): Uint8Array {
  const version6 = ip[0] >> 4 === 6;
  const ethertype = version6 ? 0x86dd : 0x0800;
  const llcSnap = [0xaa, 0xaa, 0x03, 0, 0, 0, ...be16(ethertype)];
  const wifi = [0x08, 0x01, 0, 0, ...mac, ...mac.map((x) => x ^ 1), ...mac.map((x) => x ^ 2), 0x10, 0];
  switch (link) {
    case "ether": {
      const f = ethernet(ethertype, ip);
      return pad && f.length < 60 ? concat(f, new Uint8Array(60 - f.length)) : f;
    }
    case "vlan":
      return ethernet(ethertype, ip, [0x8100]);
    case "llc-snap": // 802.3: a length field, then LLC (aa aa 03) and SNAP (OUI 0, the ethertype)
      return concat(
        new Uint8Array([...mac, ...mac.map((x) => x ^ 1), ...be16(8 + ip.length)]),
        new Uint8Array([0xaa, 0xaa, 0x03, 0, 0, 0, ...be16(ethertype)]),
        ip,
      );
    case "qinq":
      return ethernet(ethertype, ip, [0x88a8, 0x8100]);
    case "mpls":
      return ethernet(
        0x8847,
        concat(new Uint8Array([...mplsLabel(100, false), ...mplsLabel(200, true)]), ip),
      );
    case "mpls-pseudowire": // label, control word, then the customer's Ethernet frame
      return ethernet(
        0x8847,
        concat(new Uint8Array([...mplsLabel(300, true), 0, 0, 0, 0]), ethernet(ethertype, ip)),
      );
    case "pppoe":
      return ethernet(
        0x8864,
        concat(
          new Uint8Array([0x11, 0, 0x00, 0x2a, ...be16(ip.length + 2), ...be16(version6 ? 0x57 : 0x21)]),
          ip,
        ),
      );
    case "sll":
      return concat(new Uint8Array([0, 0, 0, 1, 0, 6, ...mac, 0, 0, ...be16(ethertype)]), ip);
    case "sll2":
      return concat(new Uint8Array([...be16(ethertype), 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, ...mac, 0, 0]), ip);
    case "raw101":
    case "raw12":
    case "raw14":
    case "ipv4":
    case "ipv6":
      return ip;
    case "null": // address family in host (here little-endian) order: 2 = AF_INET, 24 = AF_INET6 (NetBSD)
      return concat(new Uint8Array([version6 ? 24 : 2, 0, 0, 0]), ip);
    case "loop": // network order
      return concat(new Uint8Array([0, 0, 0, version6 ? 24 : 2]), ip);
    case "ieee802-11":
      return concat(new Uint8Array([...wifi, ...llcSnap]), ip);
    case "ppp": // RFC 1661 without framing: the protocol first
      return concat(new Uint8Array(be16(version6 ? 0x57 : 0x21)), ip);
    case "ppp-hdlc": // RFC 1662 framing: address ff, control 03, protocol
      return concat(new Uint8Array([0xff, 0x03, ...be16(version6 ? 0x57 : 0x21)]), ip);
    case "pppoes": // the PPPoE session header and PPP protocol, no Ethernet header
      return concat(
        new Uint8Array([0x11, 0, 0x00, 0x2a, ...be16(ip.length + 2), ...be16(version6 ? 0x57 : 0x21)]),
        ip,
      );
    case "chdlc": // unicast address 0f, control 00, ethertype
      return concat(new Uint8Array([0x0f, 0x00, ...be16(ethertype)]), ip);
    case "nflog": // attributes in little-endian order, as an x86 host logs them
    case "nflog-be": // and in big-endian order, from a big-endian host (whose file is big-endian too)
      return nflog(ip, ethertype, link === "nflog");
    case "pflog": // OpenBSD's 61-byte header (length 61, AF_INET 2 or AF_INET6 24, pass, "em0", rule 7), padded to 64
      return concat(pflogHeader(version6 ? 24 : 2), ip);
    case "enc": // address family (host order), SPI, flags (authenticated and encrypted)
      return concat(new Uint8Array([version6 ? 24 : 2, 0, 0, 0, 0, 0, 0x10, 0x01, 0x03, 0, 0, 0]), ip);
    case "radiotap": // 8-byte radiotap header with no fields present
      return concat(new Uint8Array([0, 0, 8, 0, 0, 0, 0, 0, ...wifi, ...llcSnap]), ip);
  }
}
