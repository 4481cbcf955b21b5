/**
 * Seeded mutations of real captures for the fuzz tests: bit flips,
 * truncation, length fields set to extremes (record caplen, pcapng block
 * lengths, IPv4 total length and IHL, IPv6 payload length, TCP data offset,
 * UDP length), duplicated records or blocks, timestamps going backwards or
 * jumping years, garbage tails. Each mutation says from which byte the input
 * is damaged, so the test knows which packets must still come out unchanged.
 */

/** mulberry32: small, fast, reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mutation {
  kind: string;
  bytes: Uint8Array;
  /** Bytes before this offset are unchanged. */
  damageAt: number;
}

/** Where a decoded packet's headers sit in the undamaged file (absolute offsets, -1 if none). */
export interface PacketSite {
  ipVersion: number;
  protocol: number;
  l3: number;
  l4: number;
}

/** One record (classic pcap) or block (pcapng) of a capture. */
export interface Unit {
  offset: number;
  /** Byte order of the unit's fields. */
  little: boolean;
  /** pcapng block type; -1 for a classic pcap record. */
  type: number;
}

/** Records (pcap) or blocks (pcapng) of `b`, walked without trusting much. */
export function units(b: Uint8Array): Unit[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Unit[] = [];
  if (b.length < 24) return out;
  const magic = v.getUint32(0, false);
  if (magic === 0x0a0d0d0a) {
    let little = true;
    for (let o = 0; o + 12 <= b.length && out.length < 100000;) {
      // The section header block's type reads the same either way; its byte-order magic decides.
      if (v.getUint32(o, false) === 0x0a0d0d0a) little = v.getUint32(o + 8, false) === 0x4d3c2b1a;
      const len = v.getUint32(o + 4, little);
      if (len < 12 || len % 4 !== 0) break;
      out.push({ offset: o, little, type: v.getUint32(o, little) });
      o += len;
    }
    return out;
  }
  const little = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  for (let o = 24; o + 16 <= b.length && out.length < 100000;) {
    out.push({ offset: o, little, type: -1 });
    o += 16 + v.getUint32(o + 8, little);
  }
  return out;
}

/** Offsets of record (pcap) or block (pcapng) starts. */
export function unitOffsets(b: Uint8Array): number[] {
  return units(b).map((u) => u.offset);
}

const EXTREMES_32 = [0, 1, 0xffff, 0x10000, 0x40001, 0x7fffffff, 0xffffffff];
const EXTREMES_16 = [0, 1, 7, 8, 19, 20, 21, 39, 40, 0x7fff, 0xfffe, 0xffff];
const YEAR_SEC = 365 * 86400;

export const MUTATION_KINDS = [
  "flip",
  "flips",
  "truncate",
  "extreme-length",
  "header-field",
  "duplicate",
  "timestamp-back",
  "timestamp-jump",
  "garbage-tail",
  "zero-run",
] as const;

/**
 * One random mutation of `original`. `sites` (from a parse of `original`)
 * lets it aim at IP and transport header fields; without them a header-field
 * mutation becomes a bit flip.
 */
export function mutate(original: Uint8Array, random: () => number, sites: PacketSite[] = []): Mutation {
  const pick = (n: number) => Math.floor(random() * n);
  const all = units(original);
  const unit: Unit = all.length ? all[pick(all.length)] : { offset: 0, little: true, type: -1 };
  const kind = MUTATION_KINDS[pick(MUTATION_KINDS.length)];
  const bytes = original.slice();
  const view = new DataView(bytes.buffer);
  const flipAt = (at: number): Mutation => {
    bytes[at] ^= 1 << pick(8);
    return { kind: "flip", bytes, damageAt: at };
  };
  if (bytes.length === 0) return { kind: "empty", bytes, damageAt: 0 };
  switch (kind) {
    case "flip":
      return flipAt(pick(bytes.length));
    case "flips": {
      let first = bytes.length;
      for (let i = 0; i < 1 + pick(16); i++) {
        const at = pick(bytes.length);
        bytes[at] ^= 1 << pick(8);
        first = Math.min(first, at);
      }
      return { kind, bytes, damageAt: first };
    }
    case "truncate": {
      const at = pick(bytes.length);
      return { kind, bytes: bytes.slice(0, at), damageAt: at };
    }
    case "extreme-length": {
      // pcap: the record's caplen (8) or wire length (12); pcapng: the block's leading length (4),
      // its trailing copy, or an EPB's caplen (20).
      let field: number;
      if (unit.type === -1) field = unit.offset + (random() < 0.75 ? 8 : 12);
      else {
        const len = unit.offset + 8 <= bytes.length ? view.getUint32(unit.offset + 4, unit.little) : 0;
        const choice = pick(3);
        field = choice === 0 || len < 12
          ? unit.offset + 4
          : choice === 1 && unit.type === 6
          ? unit.offset + 20
          : unit.offset + len - 4;
      }
      if (field + 4 > bytes.length) return { kind, bytes, damageAt: bytes.length };
      view.setUint32(
        field,
        EXTREMES_32[pick(EXTREMES_32.length)],
        random() < 0.8 ? unit.little : !unit.little,
      );
      return { kind, bytes, damageAt: field };
    }
    case "header-field":
      return headerField(bytes, view, sites, pick) ?? flipAt(pick(bytes.length));
    case "duplicate": {
      const next = all.find((u) => u.offset > unit.offset)?.offset ?? original.length;
      const copy = original.subarray(unit.offset, next);
      const out = new Uint8Array(original.length + copy.length);
      out.set(original.subarray(0, next));
      out.set(copy, next);
      out.set(original.subarray(next), next + copy.length);
      return { kind, bytes: out, damageAt: next };
    }
    case "timestamp-back":
    case "timestamp-jump": {
      const packetUnits = all.filter((u) => u.type === -1 || u.type === 6);
      if (packetUnits.length === 0) return flipAt(pick(bytes.length));
      const u = packetUnits[pick(packetUnits.length)];
      return timestamp(kind, bytes, view, u, pick);
    }
    case "garbage-tail": {
      const tail = new Uint8Array(1 + pick(64)).map(() => pick(256));
      const out = new Uint8Array(original.length + tail.length);
      out.set(original);
      out.set(tail, original.length);
      return { kind, bytes: out, damageAt: original.length };
    }
    case "zero-run": {
      const at = pick(bytes.length);
      bytes.fill(0, at, at + 1 + pick(32));
      return { kind, bytes, damageAt: at };
    }
  }
}

/** Sets one IP or transport length field of a decoded packet to an extreme. */
function headerField(
  bytes: Uint8Array,
  view: DataView,
  sites: PacketSite[],
  pick: (n: number) => number,
): Mutation | null {
  const withIp = sites.filter((s) => s.l3 >= 0);
  if (withIp.length === 0) return null;
  const s = withIp[pick(withIp.length)];
  const fields: Array<[string, number]> = [];
  if (s.ipVersion === 4) fields.push(["ipv4-total-length", s.l3 + 2], ["ipv4-ihl", s.l3]);
  if (s.ipVersion === 6) fields.push(["ipv6-payload-length", s.l3 + 4]);
  if (s.l4 >= 0 && s.protocol === 6) fields.push(["tcp-data-offset", s.l4 + 12]);
  if (s.l4 >= 0 && s.protocol === 17) fields.push(["udp-length", s.l4 + 4]);
  if (fields.length === 0) return null;
  const [name, at] = fields[pick(fields.length)];
  if (at + 2 > bytes.length) return null;
  if (name === "ipv4-ihl") bytes[at] = (bytes[at] & 0xf0) | pick(16);
  else if (name === "tcp-data-offset") bytes[at] = (bytes[at] & 0x0f) | (pick(16) << 4);
  else view.setUint16(at, EXTREMES_16[pick(EXTREMES_16.length)], false);
  return { kind: `header-field:${name}`, bytes, damageAt: at };
}

/** Moves one packet's timestamp back (a little, to 0) or forward by years (up to the field's maximum). */
function timestamp(
  kind: "timestamp-back" | "timestamp-jump",
  bytes: Uint8Array,
  view: DataView,
  u: Unit,
  pick: (n: number) => number,
): Mutation {
  const pcapng = u.type === 6;
  const at = u.offset + (pcapng ? 12 : 0);
  if (at + 8 > bytes.length) return { kind, bytes, damageAt: bytes.length };
  // pcap: seconds; pcapng: the high 32 bits of the (usually µs) timestamp, ~71.6 min each.
  const old = view.getUint32(at, u.little);
  const unitSec = pcapng ? 4294.967296 : 1;
  let value: number;
  if (kind === "timestamp-back") {
    const choice = pick(3);
    value = choice === 0
      ? 0
      : choice === 1
      ? Math.max(0, old - 1)
      : Math.max(0, old - Math.ceil(YEAR_SEC / unitSec));
  } else {
    const choice = pick(3);
    const years = 1 + pick(40);
    value = choice === 0 ? 0xffffffff : Math.min(0xffffffff, old + Math.ceil((years * YEAR_SEC) / unitSec));
    if (choice === 2) value = Math.min(0xffffffff, old + 1);
  }
  view.setUint32(at, value >>> 0, u.little);
  return { kind, bytes, damageAt: at };
}
