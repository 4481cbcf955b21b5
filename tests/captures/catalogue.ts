/**
 * The project's own test captures: every link type and file format the
 * reader supports, and the flow cases that decide the numbers (spec
 * ../shared/spec/flow-features.md). Written to testdata/captures/ by
 * `deno task captures`; the golden CSVs in testdata/golden/ are made from them.
 */
import {
  concat,
  epb,
  idb,
  ipv4,
  pcapFile,
  type PcapFileOptions,
  type Record,
  shb,
  udp,
} from "../pcap/build_capture.ts";
import {
  ACK,
  type Endpoint,
  FIN,
  frame,
  icmpPacket,
  ipPacket,
  type Link,
  LINKS,
  merge,
  payload,
  PSH,
  RST,
  type Step,
  SYN,
  tcpConversation,
  type TimedPacket,
  udpConversation,
  v4,
  v6,
  withIpv4Checksum,
} from "./frames.ts";

/** Every capture starts at this second (2023-11-14T22:13:20Z). */
export const BASE_SEC = 1_700_000_000;

export interface CaptureSpec {
  /** File name under testdata/captures/. */
  file: string;
  /** What it covers (printed by the generator, read by reviewers). */
  about: string;
  bytes: () => Uint8Array;
}

type PcapOptions = Pick<PcapFileOptions, "little" | "nano" | "snaplen" | "modified" | "version">;

/** A classic pcap of `packets` framed for `link`. */
export function pcapOf(packets: TimedPacket[], link: Link, o: PcapOptions = {}): Uint8Array {
  const records: Record[] = packets.map((p, i) => {
    const framed = frame(link, p.ip, p.pad);
    const data = p.caplen !== undefined ? framed.subarray(0, p.caplen) : framed;
    const sec = BASE_SEC + Math.floor(p.t / 1e6);
    const us = p.t % 1e6;
    return { sec, frac: o.nano ? us * 1000 + (i * 37) % 1000 : us, data, wire: framed.length };
  });
  return pcapFile(records, { ...o, linkType: LINKS[link] });
}

// ---- conversations used by several captures ----

const C4: Endpoint = { ip: v4(10, 0, 0, 1), port: 40000 };
const S4: Endpoint = { ip: v4(10, 0, 0, 2), port: 80 };
const C6: Endpoint = { ip: v6(1), port: 40001 };
const S6: Endpoint = { ip: v6(2), port: 443 };

/** The client closes at t: its FIN-ACK, the server's FIN-ACK 1 ms later, the client's last ACK. */
function clientCloses(t: number): Step[] {
  return [
    { t, from: "c", flags: FIN | ACK },
    { t: t + 1000, from: "s", flags: FIN | ACK },
    { t: t + 2000, from: "c" },
  ];
}

/** Handshake, a request and a reply, FIN from the client first, final ACK (starting at t0). */
function basicTcpSteps(t0: number): Step[] {
  return [
    { t: t0, from: "c", flags: SYN, win: 64240, hdr: 40 },
    { t: t0 + 1000, from: "s", flags: SYN | ACK, win: 65160, hdr: 40 },
    { t: t0 + 2000, from: "c" },
    { t: t0 + 3000, from: "c", flags: PSH | ACK, pl: 100 },
    { t: t0 + 10_000, from: "s", flags: PSH | ACK, pl: 300 },
    { t: t0 + 11_000, from: "c" },
    ...clientCloses(t0 + 20_000),
  ];
}

function basicV4(): TimedPacket[] {
  return merge(
    tcpConversation(C4, S4, basicTcpSteps(0)),
    udpConversation({ ip: v4(10, 0, 0, 1), port: 50000 }, { ip: v4(10, 0, 0, 2), port: 53 }, [
      { t: 30_000, from: "c", pl: 40 },
      { t: 31_000, from: "s", pl: 120 },
    ]),
  );
}

function basicV6(): TimedPacket[] {
  return tcpConversation(C6, S6, basicTcpSteps(40_000));
}

/** The same traffic for every link type: IPv4 TCP + UDP, then an IPv6 TCP session. */
function basic(): TimedPacket[] {
  return merge(basicV4(), basicV6());
}

// ---- link types and file formats ----

function linkCaptures(): CaptureSpec[] {
  return (Object.keys(LINKS) as Link[]).map((link) => ({
    file: `link-${link}.pcap`,
    about: `the basic session (IPv4 TCP+UDP, IPv6 TCP) framed as ${link} (link type ${LINKS[link]})`,
    bytes: () =>
      pcapOf(link === "ipv4" ? basicV4() : link === "ipv6" ? basicV6() : basic(), link, {
        little: link !== "nflog-be",
      }),
  }));
}

function formatCaptures(): CaptureSpec[] {
  return [
    {
      file: "format-pcap-us-be.pcap",
      about: "classic pcap, µs, big-endian",
      bytes: () => pcapOf(basic(), "ether", { little: false }),
    },
    {
      file: "format-pcap-ns-le.pcap",
      about: "classic pcap, ns (sub-µs digits truncated by the meter), little-endian",
      bytes: () => pcapOf(basic(), "ether", { nano: true }),
    },
    {
      file: "format-pcap-ns-be.pcap",
      about: "classic pcap, ns, big-endian",
      bytes: () => pcapOf(basic(), "ether", { nano: true, little: false }),
    },
    {
      file: "format-pcap-modified-be.pcap",
      about: "Kuznetsov's modified pcap (magic a1b2cd34: 24-byte record headers), big-endian",
      bytes: () => pcapOf(basic(), "ether", { modified: true, little: false }),
    },
    {
      file: "format-pcap-v2.2.pcap",
      about: "classic pcap version 2.2 (records hold len before caplen); every record cut to 90 bytes",
      bytes: () =>
        pcapOf(basic().map((p) => ({ ...p, caplen: 90 })), "ether", { version: [2, 2], snaplen: 90 }),
    },
    {
      file: "format-pcapng-interfaces.pcapng",
      about:
        "pcapng, one section, three interfaces: Ethernet (µs), SLL2 (if_tsresol ns), raw IP (if_tsoffset)",
      bytes: pcapngInterfaces,
    },
    {
      file: "format-pcapng-sections.pcapng",
      about:
        "pcapng, two sections (little- then big-endian) with their own interfaces; a TCP flow spans both",
      bytes: pcapngSections,
    },
  ];
}

function pcapngInterfaces(): Uint8Array {
  const tcp4 = tcpConversation(C4, S4, basicTcpSteps(0));
  const udp4 = udpConversation({ ip: v4(10, 0, 0, 1), port: 50000 }, { ip: v4(10, 0, 0, 2), port: 53 }, [
    { t: 4000, from: "c", pl: 40 },
    { t: 5000, from: "s", pl: 120 },
  ]);
  const tcp6 = basicV6();
  const tagged = merge(
    tcp4.map((p) => ({ ...p, ifid: 0 })),
    udp4.map((p) => ({ ...p, ifid: 1 })),
    tcp6.map((p) => ({ ...p, ifid: 2 })),
  ) as (TimedPacket & { ifid: number })[];
  const blocks = [shb(), idb(1), idb(276, { tsresol: 9 }), idb(101, { tsoffset: BASE_SEC })];
  for (const p of tagged) {
    const us = BigInt(p.t);
    const ts = p.ifid === 0
      ? BigInt(BASE_SEC) * 1_000_000n + us
      : p.ifid === 1
      ? (BigInt(BASE_SEC) * 1_000_000n + us) * 1000n + 500n
      : us; // if_tsoffset adds BASE_SEC seconds
    const link: Link = p.ifid === 0 ? "ether" : p.ifid === 1 ? "sll2" : "raw101";
    blocks.push(epb(p.ifid, ts, frame(link, p.ip)));
  }
  return concat(...blocks);
}

function pcapngSections(): Uint8Array {
  const packets = tcpConversation(C4, S4, basicTcpSteps(0));
  const ts = (p: TimedPacket) => BigInt(BASE_SEC) * 1_000_000n + BigInt(p.t);
  return concat(
    shb(true),
    idb(1, { little: true }),
    ...packets.slice(0, 5).map((p) => epb(0, ts(p), frame("ether", p.ip), true)),
    shb(false),
    idb(101, { little: false }),
    ...packets.slice(5).map((p) => epb(0, ts(p), frame("raw101", p.ip), false)),
  );
}

// ---- flow cases ----

function flowCaptures(): CaptureSpec[] {
  const ether = (file: string, about: string, packets: () => TimedPacket[], o: PcapOptions = {}) => ({
    file,
    about,
    bytes: () => pcapOf(packets(), "ether", o),
  });
  return [
    ether(
      "spec-v3-session.pcap",
      "spec §8 V3: a 9-packet TCP session with a 7 s pause",
      () =>
        tcpConversation({ ip: v4(10, 0, 0, 1), port: 1234 }, { ip: v4(10, 0, 0, 2), port: 80 }, [
          { t: 0, from: "c", flags: SYN, win: 64240, hdr: 40 },
          { t: 1000, from: "s", flags: SYN | ACK, win: 65160, hdr: 40 },
          { t: 2000, from: "c", win: 502 },
          { t: 3000, from: "c", flags: PSH | ACK, pl: 100, win: 502 },
          { t: 10_000, from: "s", flags: PSH | ACK, pl: 200, win: 509 },
          { t: 7_020_000, from: "c", win: 502 },
          { t: 7_021_000, from: "c", flags: FIN | ACK, win: 502 },
          { t: 7_022_000, from: "s", flags: FIN | ACK, win: 509 },
          { t: 7_023_000, from: "c", win: 502 },
        ]),
    ),
    ether(
      "spec-v1-v2-ethernet-padding.pcap",
      "spec §8 V1 and V2: bare ACK and FIN-ACK in padded 60-byte frames",
      () =>
        merge(
          tcpConversation(
            { ip: v4(104, 16, 207, 165), port: 443 },
            { ip: v4(192, 168, 10, 5), port: 54865 },
            [
              { t: 0, from: "c", flags: ACK, hdr: 20, win: 33, pad: true },
              { t: 3, from: "c", flags: ACK, hdr: 20, win: 33, pad: true },
            ],
          ),
          tcpConversation({ ip: v4(104, 16, 28, 216), port: 80 }, { ip: v4(192, 168, 10, 5), port: 55054 }, [
            { t: 1_000_000, from: "c", flags: FIN | ACK, hdr: 20, win: 29, pad: true },
            { t: 1_000_109, from: "s", flags: ACK, hdr: 20, win: 256, pad: true },
          ]),
        ),
    ),
    ether(
      "spec-v4-activity-timeout.pcap",
      "spec §8 V4: idle gaps over the 5 s activity timeout (Active/Idle)",
      () =>
        tcpConversation(
          { ip: v4(172, 16, 0, 5), port: 60000 },
          { ip: v4(192, 168, 50, 1), port: 80 },
          [0, 1, 17_686_188, 17_686_189, 33_957_022, 33_957_023].map((t) => ({
            t,
            from: "c" as const,
            flags: ACK,
            hdr: 20,
            win: 5840,
          })),
        ),
    ),
    ether(
      "tcp-fin-server-first.pcap",
      "the server closes first: FIN from the server, then from the client",
      () =>
        tcpConversation(C4, S4, [
          ...basicTcpSteps(0).slice(0, 6),
          { t: 20_000, from: "s", flags: FIN | ACK },
          { t: 21_000, from: "c" },
          { t: 22_000, from: "c", flags: FIN | ACK },
          { t: 23_000, from: "s" },
        ]),
    ),
    ether(
      "tcp-rst-client.pcap",
      "the client resets a connection, then opens a new one on the same 5-tuple 3 s later",
      () =>
        tcpConversation(C4, S4, [
          ...basicTcpSteps(0).slice(0, 5),
          { t: 12_000, from: "c", flags: RST, win: 0 },
          ...basicTcpSteps(3_000_000),
        ]),
    ),
    ether(
      "tcp-rst-server.pcap",
      "a refused SYN (RST-ACK from the server), and a server reset mid-transfer",
      () =>
        merge(
          tcpConversation({ ip: v4(10, 0, 0, 1), port: 40100 }, { ip: v4(10, 0, 0, 2), port: 81 }, [
            { t: 0, from: "c", flags: SYN, win: 64240, hdr: 40 },
            { t: 300, from: "s", flags: RST | ACK, win: 0, hdr: 20 },
          ]),
          tcpConversation({ ip: v4(10, 0, 0, 1), port: 40101 }, S4, [
            ...basicTcpSteps(100_000).slice(0, 5),
            { t: 115_000, from: "s", flags: RST | ACK, win: 0 },
          ]),
        ),
    ),
    ether(
      "tcp-retransmission.pcap",
      "a request and a reply each sent twice (same sequence number)",
      () =>
        tcpConversation(C4, S4, [
          ...basicTcpSteps(0).slice(0, 4),
          { t: 203_000, from: "c", flags: PSH | ACK, pl: 100, retransmit: true },
          { t: 204_000, from: "s" },
          { t: 210_000, from: "s", flags: PSH | ACK, pl: 300 },
          { t: 410_000, from: "s", flags: PSH | ACK, pl: 300, retransmit: true },
          { t: 411_000, from: "c" },
          ...clientCloses(420_000),
        ]),
    ),
    ether(
      "flow-timeout.pcap",
      "a UDP flow longer than the 120 s flow timeout: a packet at exactly 120 s stays, the next (from the server) starts the continuation",
      () =>
        udpConversation({ ip: v4(10, 0, 0, 1), port: 5000 }, { ip: v4(10, 0, 0, 2), port: 5001 }, [
          { t: 0, from: "c", pl: 10 },
          { t: 30_000_000, from: "s", pl: 20 },
          { t: 60_000_000, from: "c", pl: 10 },
          { t: 90_000_000, from: "s", pl: 20 },
          { t: 120_000_000, from: "c", pl: 10 },
          { t: 120_000_001, from: "s", pl: 20 },
          { t: 130_000_000, from: "c", pl: 10 },
          { t: 140_000_000, from: "s", pl: 20 },
        ]),
    ),
    ether(
      "tcp-bulk.pcap",
      "bulk transfers: 8 server segments, then 5 client segments, then 3 server segments after a 1.4 s gap",
      () =>
        tcpConversation(C4, S4, [
          ...basicTcpSteps(0).slice(0, 4),
          ...[0, 1, 2, 3].map((k) => ({ t: 10_000 + k * 1000, from: "s" as const, pl: 1448 })),
          { t: 14_000, from: "c" },
          ...[4, 5, 6, 7].map((k) => ({ t: 10_000 + k * 1000, from: "s" as const, pl: 1448 })),
          { t: 18_000, from: "c" },
          ...[0, 1, 2, 3, 4].map((k) => ({ t: 30_000 + k * 1000, from: "c" as const, pl: 1000 })),
          { t: 36_000, from: "s" },
          ...[0, 1, 2].map((k) => ({ t: 1_436_000 + k * 1000, from: "s" as const, pl: 500 })),
          ...clientCloses(1_600_000),
        ]),
    ),
    ether("udp.pcap", "two DNS-like exchanges and a single syslog datagram (a 1-packet flow)", () =>
      merge(
        udpConversation({ ip: v4(10, 0, 0, 1), port: 50001 }, { ip: v4(10, 0, 0, 53), port: 53 }, [
          { t: 0, from: "c", pl: 30 },
          { t: 800, from: "s", pl: 90 },
        ]),
        udpConversation({ ip: v4(10, 0, 0, 1), port: 50002 }, { ip: v4(10, 0, 0, 53), port: 53 }, [
          { t: 100_000, from: "c", pl: 31 },
          { t: 100_900, from: "s", pl: 150 },
        ]),
        udpConversation({ ip: v4(10, 0, 0, 1), port: 50003 }, { ip: v4(10, 0, 0, 9), port: 514 }, [
          { t: 200_000, from: "c", pl: 60 },
        ]),
      )),
    ether(
      "icmp.pcap",
      "three pings with replies, then a port-unreachable back (type and code both change)",
      () => {
        const a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2);
        return [
          ...[0, 1, 2].flatMap((k) => [
            icmpPacket(k * 1_000_000, a, b, 8, 0, 56),
            icmpPacket(k * 1_000_000 + 500, b, a, 0, 0, 56),
          ]),
          icmpPacket(2_500_000, b, a, 3, 3, 28),
        ];
      },
    ),
    ether(
      "ipv4-fragments.pcap",
      "a 2000-byte UDP datagram in two IPv4 fragments, its reply, and a later fragment whose first never came",
      ipv4Fragments,
    ),
    ether(
      "ipv6-extension-headers.pcap",
      "an IPv6 TCP session with hop-by-hop and destination options headers, and a UDP datagram in two IPv6 fragments",
      ipv6Extensions,
    ),
    {
      file: "snaplen-cut.pcap",
      about:
        "snaplen 68: data segments cut after the TCP header (wire length kept), and one record whose caplen (100) exceeds the snaplen",
      bytes: snaplenCut,
    },
    ether(
      "timestamps-backwards.pcap",
      "a TCP session where one packet is 2 s older than the flow's first and another 0.5 ms older than the one before it",
      () =>
        tcpConversation(C4, S4, [
          { t: 5_000_000, from: "c", flags: SYN, win: 64240, hdr: 40 },
          { t: 5_001_000, from: "s", flags: SYN | ACK, win: 65160, hdr: 40 },
          { t: 5_002_000, from: "c" },
          { t: 5_003_000, from: "c", flags: PSH | ACK, pl: 100 },
          { t: 3_003_000, from: "s", flags: PSH | ACK, pl: 300 },
          { t: 5_004_000, from: "c" },
          { t: 5_003_500, from: "s" },
          ...clientCloses(5_010_000),
        ]),
    ),
    ether(
      "gre-tunnel.pcap",
      "a TCP session inside a GRE tunnel between two routers (the reader does not look inside GRE)",
      greTunnel,
    ),
  ];
}

function ipv4Fragments(): TimedPacket[] {
  const a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2);
  const datagram = udp(6000, 7000, payload(2000));
  const fragment = (
    t: number,
    src: number[],
    dst: number[],
    id: number,
    offset: number,
    more: boolean,
    bytes: Uint8Array,
  ) => ({
    t,
    ip: withIpv4Checksum(
      ipv4({ src, dst, protocol: 17, id, fragmentOffset: offset, moreFragments: more }, bytes),
    ),
  });
  return [
    fragment(0, a, b, 0x1234, 0, true, datagram.subarray(0, 1480)),
    fragment(10, a, b, 0x1234, 1480, false, datagram.subarray(1480)),
    { t: 5000, ip: ipPacket(b, a, 17, udp(7000, 6000, payload(100)), { id: 0x4321 }) },
    fragment(1_000_000, a, b, 0x9999, 1480, false, payload(200)),
  ];
}

function ipv6Extensions(): TimedPacket[] {
  // Hop-by-hop (0) then destination options (60), each 8 bytes of PadN, then TCP.
  const withOptions = (p: TimedPacket): TimedPacket => {
    const ip = p.ip;
    const ext = new Uint8Array([60, 0, 1, 4, 0, 0, 0, 0, ip[6], 0, 1, 4, 0, 0, 0, 0]);
    const out = concat(ip.subarray(0, 40), ext, ip.subarray(40));
    out[6] = 0;
    const length = (ip[4] << 8 | ip[5]) + ext.length;
    out[4] = length >> 8;
    out[5] = length & 0xff;
    return { ...p, ip: out };
  };
  const session = tcpConversation(C6, S6, basicTcpSteps(0)).map(withOptions);
  const datagram = udp(6000, 7000, payload(1600));
  const fragment = (t: number, offset: number, more: boolean, bytes: Uint8Array): TimedPacket => {
    const header = new Uint8Array([17, 0, offset >> 8, (offset & 0xf8) | (more ? 1 : 0), 0, 0, 0x56, 0x78]);
    return { t, ip: ipPacket(v6(1), v6(2), 44, bytes, { firstExtension: 44, extensions: header }) };
  };
  return merge(session, [
    fragment(50_000, 0, true, datagram.subarray(0, 1232)),
    fragment(50_010, 1232, false, datagram.subarray(1232)),
  ]);
}

function snaplenCut(): Uint8Array {
  const snaplen = 68;
  const packets = tcpConversation(C4, S4, [
    ...basicTcpSteps(0).slice(0, 3),
    { t: 3000, from: "c", flags: PSH | ACK, pl: 1000 },
    { t: 10_000, from: "s", flags: PSH | ACK, pl: 1400 },
    { t: 11_000, from: "s", flags: PSH | ACK, pl: 1400 },
    { t: 12_000, from: "c" },
    ...clientCloses(20_000),
  ]);
  const records: Record[] = packets.map((p, i) => {
    const framed = frame("ether", p.ip);
    // Record 6 (the second server segment) claims 100 captured bytes, more than the snaplen:
    // a writer that ignored its own snaplen. libpcap keeps its first 68 bytes.
    const keep = i === 5 ? 100 : Math.min(snaplen, framed.length);
    return {
      sec: BASE_SEC + Math.floor(p.t / 1e6),
      frac: p.t % 1e6,
      data: framed.subarray(0, keep),
      wire: framed.length,
    };
  });
  return pcapFile(records, { snaplen });
}

function greTunnel(): TimedPacket[] {
  const r1 = v4(192, 168, 1, 1), r2 = v4(192, 168, 1, 2);
  const inner = tcpConversation(
    { ip: v4(10, 1, 0, 1), port: 40000 },
    { ip: v4(10, 1, 0, 2), port: 80 },
    basicTcpSteps(0),
  );
  return inner.map((p, i) => {
    const fromClient = p.ip[15] === 1; // inner source 10.1.0.1
    const gre = concat(new Uint8Array([0, 0, 0x08, 0x00]), p.ip);
    return { t: p.t, ip: ipPacket(fromClient ? r1 : r2, fromClient ? r2 : r1, 47, gre, { id: 200 + i }) };
  });
}

/** Every generated capture, in the order the generator writes them. */
export function catalogue(): CaptureSpec[] {
  return [...linkCaptures(), ...formatCaptures(), ...flowCaptures()];
}
