/**
 * Seeded mutations of real captures for the fuzz tests: bit flips, truncation,
 * length fields set to extremes, duplicated records, garbage tails. Each
 * mutation says from which byte the input is damaged, so the test knows which
 * packets must still come out unchanged.
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

/** Offsets of record (pcap) or block (pcapng) starts, walked without trusting much. */
export function unitOffsets(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const offsets: number[] = [];
  if (b.length < 24) return offsets;
  const magic = v.getUint32(0, false);
  if (magic === 0x0a0d0d0a) {
    const little = v.getUint32(8, false) === 0x4d3c2b1a;
    for (let o = 0; o + 12 <= b.length && offsets.length < 100000;) {
      const len = v.getUint32(o + 4, little);
      if (len < 12 || len % 4 !== 0) break;
      offsets.push(o);
      o += len;
    }
    return offsets;
  }
  const little = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  for (let o = 24; o + 16 <= b.length && offsets.length < 100000;) {
    offsets.push(o);
    o += 16 + v.getUint32(o + 8, little);
  }
  return offsets;
}

const EXTREMES = [0, 1, 0xffff, 0x10000, 0x40001, 0x7fffffff, 0xffffffff];

/** One random mutation of `original`. */
export function mutate(original: Uint8Array, random: () => number): Mutation {
  const pick = (n: number) => Math.floor(random() * n);
  const units = unitOffsets(original);
  const unit = units.length ? units[pick(units.length)] : 0;
  const kind =
    ["flip", "flips", "truncate", "extreme-length", "duplicate", "garbage-tail", "zero-run"][pick(7)];
  const bytes = original.slice();
  switch (kind) {
    case "flip": {
      const at = pick(bytes.length);
      bytes[at] ^= 1 << pick(8);
      return { kind, bytes, damageAt: at };
    }
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
      // caplen of a pcap record (offset 8) or total length of a pcapng block (offset 4)
      const field = unit + (original[0] === 0x0a ? 4 : 8);
      if (field + 4 > bytes.length) return { kind, bytes, damageAt: bytes.length };
      new DataView(bytes.buffer).setUint32(field, EXTREMES[pick(EXTREMES.length)], random() < 0.5);
      return { kind, bytes, damageAt: field };
    }
    case "duplicate": {
      const next = units.find((o) => o > unit) ?? original.length;
      const copy = original.subarray(unit, next);
      const out = new Uint8Array(original.length + copy.length);
      out.set(original.subarray(0, next));
      out.set(copy, next);
      out.set(original.subarray(next), next + copy.length);
      return { kind, bytes: out, damageAt: next };
    }
    case "garbage-tail": {
      const tail = new Uint8Array(1 + pick(64)).map(() => pick(256));
      const out = new Uint8Array(original.length + tail.length);
      out.set(original);
      out.set(tail, original.length);
      return { kind, bytes: out, damageAt: original.length };
    }
    default: { // zero-run
      const at = pick(bytes.length);
      const length = 1 + pick(32);
      bytes.fill(0, at, at + length);
      return { kind: "zero-run", bytes, damageAt: at };
    }
  }
}
