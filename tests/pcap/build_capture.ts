/**
 * Tiny builders for hand-made frames and capture files, so a test can say
 * exactly which bytes it feeds the reader.
 */

export function concat(...parts: Uint8Array[]): Uint8Array {
  return join(parts);
}

/** `concat` of an array of any length (a spread of tens of thousands of parts overflows the stack). */
function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const be16 = (v: number) => [v >> 8 & 0xff, v & 0xff];

export function ethernet(ethertype: number, payload: Uint8Array, tags: number[] = []): Uint8Array {
  const header = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  let inner = ethertype;
  const tagBytes: number[] = [];
  // tags: outer TPIDs; each tag carries VLAN id 100 + index.
  for (let i = 0; i < tags.length; i++) {
    const next = i + 1 < tags.length ? tags[i + 1] : ethertype;
    tagBytes.push(...be16(100 + i), ...be16(next));
    inner = tags[0];
  }
  return concat(new Uint8Array([...header, ...be16(tags.length ? inner : ethertype), ...tagBytes]), payload);
}

export interface Ipv4Options {
  src?: number[];
  dst?: number[];
  protocol: number;
  /** IP options bytes (a multiple of 4). */
  options?: number[];
  /** Fragment offset in bytes and more-fragments flag. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  /** Overrides the IHL nibble (to make a broken header). */
  ihl?: number;
  id?: number;
}

export function ipv4(o: Ipv4Options, payload: Uint8Array): Uint8Array {
  const opts = o.options ?? [];
  const headerLength = 20 + opts.length;
  const total = headerLength + payload.length;
  const frag = ((o.fragmentOffset ?? 0) / 8) | (o.moreFragments ? 0x2000 : 0);
  const h = [
    0x40 | (o.ihl ?? headerLength / 4),
    0,
    ...be16(total),
    ...be16(o.id ?? 1),
    ...be16(frag),
    64,
    o.protocol,
    0,
    0,
    ...(o.src ?? [10, 0, 0, 1]),
    ...(o.dst ?? [10, 0, 0, 2]),
    ...opts,
  ];
  return concat(new Uint8Array(h), payload);
}

export function ipv6(
  nextHeader: number,
  payload: Uint8Array,
  extensions: Uint8Array = new Uint8Array(),
  addresses: { src?: number[]; dst?: number[] } = {},
): Uint8Array {
  const src = addresses.src ?? Array.from({ length: 16 }, (_, i) => (i === 0 ? 0x20 : i === 15 ? 1 : 0));
  const dst = addresses.dst ?? Array.from({ length: 16 }, (_, i) => (i === 0 ? 0x20 : i === 15 ? 2 : 0));
  const h = [0x60, 0, 0, 0, ...be16(extensions.length + payload.length), nextHeader, 64, ...src, ...dst];
  return concat(new Uint8Array(h), extensions, payload);
}

export interface TcpOptions {
  sport?: number;
  dport?: number;
  flags?: number;
  window?: number;
  /** Header length in bytes (20..60); extra bytes are NOP options. */
  headerLength?: number;
  /** Overrides the data-offset nibble (to make a broken header). */
  dataOffset?: number;
  seq?: number;
}

export function tcp(o: TcpOptions, payload: Uint8Array = new Uint8Array()): Uint8Array {
  const len = o.headerLength ?? 20;
  const seq = o.seq ?? 1000;
  const h = [
    ...be16(o.sport ?? 1234),
    ...be16(o.dport ?? 80),
    seq >>> 24 & 0xff,
    seq >>> 16 & 0xff,
    seq >>> 8 & 0xff,
    seq & 0xff,
    0,
    0,
    0,
    0,
    (o.dataOffset ?? len / 4) << 4,
    o.flags ?? 0x10,
    ...be16(o.window ?? 512),
    0,
    0,
    0,
    0,
    ...new Array(len - 20).fill(1),
  ];
  return concat(new Uint8Array(h), payload);
}

export function udp(sport: number, dport: number, payload: Uint8Array = new Uint8Array()): Uint8Array {
  return concat(new Uint8Array([...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0]), payload);
}

export interface Record {
  sec: number;
  frac: number;
  data: Uint8Array;
  /** Original length; defaults to the data length. */
  wire?: number;
  /** Captured length written in the header; defaults to the data length. */
  caplen?: number;
}

/** A classic pcap file. */
export interface PcapFileOptions {
  linkType?: number;
  little?: boolean;
  nano?: boolean;
  snaplen?: number;
  /** Kuznetsov's modified format: magic a1b2cd34, 24-byte record headers (ifindex 2, protocol 0x0800, type 0). */
  modified?: boolean;
  /** File version (default 2.4); before 2.3 the records hold len before caplen, as libpcap reads them. */
  version?: [number, number];
}

export function pcapFile(records: Record[], o: PcapFileOptions = {}): Uint8Array {
  const little = o.little ?? true;
  const u32 = (v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, little);
    return b;
  };
  const u16 = (v: number) => {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, little);
    return b;
  };
  const magic = o.modified ? 0xa1b2cd34 : o.nano ? 0xa1b23c4d : 0xa1b2c3d4;
  const [major, minor] = o.version ?? [2, 4];
  const parts: Uint8Array[] = [
    u32(magic),
    u16(major),
    u16(minor),
    u32(0),
    u32(0),
    u32(o.snaplen ?? 262144),
    u32(o.linkType ?? 1),
  ];
  const lenFirst = major === 2 && minor < 3;
  for (const r of records) {
    const caplen = u32(r.caplen ?? r.data.length);
    const wire = u32(r.wire ?? r.data.length);
    parts.push(u32(r.sec), u32(r.frac), lenFirst ? wire : caplen, lenFirst ? caplen : wire);
    if (o.modified) parts.push(u32(2), u16(0x0800), new Uint8Array([0, 0]));
    parts.push(r.data);
  }
  return join(parts);
}

/** pcapng building blocks. */
export function pcapngBlock(type: number, body: Uint8Array, little = true): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, little);
  v.setUint32(4, total, little);
  b.set(body, 8);
  v.setUint32(total - 4, total, little);
  return b;
}

export function shb(little = true): Uint8Array {
  const body = new Uint8Array(16);
  const v = new DataView(body.buffer);
  v.setUint32(0, 0x1a2b3c4d, little);
  v.setUint16(4, 1, little);
  v.setBigInt64(8, -1n, little);
  return pcapngBlock(0x0a0d0d0a, body, little);
}

export function idb(
  linkType: number,
  o: { tsresol?: number; tsoffset?: number; snaplen?: number; little?: boolean } = {},
): Uint8Array {
  const little = o.little ?? true;
  const opts: number[] = [];
  const push16 = (x: number) => little ? opts.push(x & 0xff, x >> 8) : opts.push(x >> 8, x & 0xff);
  if (o.tsresol !== undefined) {
    push16(9), push16(1), opts.push(o.tsresol, 0, 0, 0);
  }
  if (o.tsoffset !== undefined) {
    push16(14), push16(8);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(o.tsoffset), little);
    opts.push(...b);
  }
  if (opts.length) push16(0), push16(0);
  const body = new Uint8Array(8 + opts.length);
  const v = new DataView(body.buffer);
  v.setUint16(0, linkType, little);
  v.setUint32(4, o.snaplen ?? 262144, little);
  body.set(opts, 8);
  return pcapngBlock(1, body, little);
}

export function epb(
  ifid: number,
  timestamp: bigint,
  data: Uint8Array,
  little = true,
  wire?: number,
): Uint8Array {
  const body = new Uint8Array(20 + ((data.length + 3) & ~3));
  const v = new DataView(body.buffer);
  v.setUint32(0, ifid, little);
  v.setUint32(4, Number(timestamp >> 32n), little);
  v.setUint32(8, Number(timestamp & 0xffffffffn), little);
  v.setUint32(12, data.length, little);
  v.setUint32(16, wire ?? data.length, little);
  body.set(data, 20);
  return pcapngBlock(6, body, little);
}

/** A simple Ethernet/IPv4/TCP frame. */
export function tcpFrame(o: TcpOptions & { payload?: number } = {}): Uint8Array {
  return ethernet(0x0800, ipv4({ protocol: 6 }, tcp(o, new Uint8Array(o.payload ?? 0))));
}
