/**
 * Classic pcap as found in the wild beyond the four magics: Kuznetsov's
 * modified format, old file versions whose records hold len before caplen,
 * captures joined with `cat`, and a file whose framing breaks midway (where
 * reading stops, and where it says it stopped).
 */
import assert from "node:assert/strict";
import { CaptureParser, readCaptureFile, type ReadStats } from "../../src/pcap/reader.ts";
import { describeDamage } from "../../src/pcap/read_stats.ts";
import { concat, epb, idb, pcapFile, type Record, shb, tcpFrame } from "./build_capture.ts";

interface Seen {
  sec: number;
  nsec: number;
  link: number;
  sport: number;
  caplen: number;
  wire: number;
}

/** Parses `bytes` pushed in pieces of `step` bytes (0: all at once). */
function parse(bytes: Uint8Array, step = 0): { seen: Seen[]; stats: ReadStats } {
  const seen: Seen[] = [];
  const parser = new CaptureParser((p) =>
    seen.push({
      sec: p.tsSec,
      nsec: p.tsNsec,
      link: p.linkType,
      sport: p.srcPort,
      caplen: p.capturedLength,
      wire: p.wireLength,
    })
  );
  if (step === 0) parser.push(bytes);
  else for (let at = 0; at < bytes.length; at += step) parser.push(bytes.subarray(at, at + step));
  return { seen, stats: parser.end() };
}

const records = (n: number, first = 1000): Record[] =>
  Array.from(
    { length: n },
    (_, i) => ({ sec: 1_700_000_000 + i, frac: 500 + i, data: tcpFrame({ sport: first + i, payload: 100 }) }),
  );

Deno.test("Kuznetsov's modified pcap (magic a1b2cd34, 24-byte record headers) reads as the plain file does", () => {
  for (const little of [true, false]) {
    const plain = parse(pcapFile(records(3), { little }));
    const modified = parse(pcapFile(records(3), { little, modified: true }));
    assert.equal(modified.stats.packets, 3);
    assert.deepEqual(modified.seen, plain.seen);
    assert.equal(modified.stats.format.byteOrder, little ? "little" : "big");
    // As libpcap: such an Ethernet capture may be cooked with a made-up Ethernet header, 14 bytes over the snaplen.
    assert.equal(modified.stats.format.snaplen, 262144 + 14);
  }
});

Deno.test("old file versions: len before caplen before 2.3, either order in 2.3 (as libpcap reads them)", () => {
  const cut: Record[] = records(2).map((r) => ({ ...r, data: r.data.subarray(0, 60), wire: r.data.length }));
  const full = cut[0].wire!;
  for (const version of [[2, 2], [2, 0]] as [number, number][]) {
    const { seen, stats } = parse(pcapFile(cut, { version }));
    assert.equal(stats.packets, 2);
    assert.deepEqual(seen.map((p) => [p.caplen, p.wire]), [[60, full], [60, full]], `version ${version}`);
  }
  // 2.3: written either way; a caplen larger than len means the two were swapped.
  const lenFirst = parse(pcapFile(cut, { version: [2, 2] })).seen;
  const asV23 = pcapFile(cut, { version: [2, 2] });
  asV23[6] = 3; // minor version (little-endian u16 at byte 6)
  assert.deepEqual(parse(asV23).seen, lenFirst);
  const capFirst = pcapFile(cut, { version: [2, 4] });
  capFirst[6] = 3;
  assert.deepEqual(parse(capFirst).seen, lenFirst);
});

Deno.test("captures joined with cat are read through, each part in its own byte order, resolution and link type", () => {
  const a = pcapFile(records(2, 1000));
  const b = pcapFile(records(3, 2000), { little: false, nano: true });
  const c = pcapFile(records(1, 3000), { linkType: 1, snaplen: 96 });
  for (const step of [0, 1, 7, 25]) {
    const { seen, stats } = parse(concat(a, b, c), step);
    assert.deepEqual(seen.map((p) => p.sport), [1000, 1001, 2000, 2001, 2002, 3000], `step ${step}`);
    assert.deepEqual(seen.map((p) => p.nsec), [500_000, 501_000, 500, 501, 502, 500_000]);
    assert.equal(stats.joinedCaptures, 2);
    assert.equal(stats.skipped["zero-length"], 0, "no header is taken for a record");
    assert.equal(stats.damage, null);
    assert.equal(stats.format.byteOrder, "mixed");
    assert.equal(stats.format.resolution, "us,ns");
  }
});

Deno.test("a zero-length record is not mistaken for a joined capture's header", () => {
  const empty: Record = { sec: 1_700_000_000, frac: 0, data: new Uint8Array(0) };
  const { seen, stats } = parse(pcapFile([empty, ...records(1)]));
  assert.equal(stats.joinedCaptures, 0);
  assert.equal(stats.skipped["zero-length"], 1);
  assert.equal(seen.length, 1);
});

Deno.test("where classic pcap framing breaks: the bad record's offset, however the bytes arrive", async () => {
  const good = pcapFile(records(2));
  const bogus = new Uint8Array(16);
  new DataView(bogus.buffer).setUint32(8, 1_700_000_030, true);
  const file = concat(good, bogus, pcapFile(records(5)).subarray(24));
  for (const step of [0, 1, 5, 16, 100]) {
    const { seen, stats } = parse(file, step);
    assert.equal(seen.length, 2, `step ${step}`);
    assert.equal(stats.skipped["oversized-record"], 1);
    assert.equal(stats.damage?.offset, good.length, `step ${step}`);
    assert.match(stats.damage!.what, /a record claims 1700000030 captured bytes/);
  }
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(path, file);
    const stats = await readCaptureFile(path, () => {}, { chunkSize: 64 });
    assert.equal(stats.damage?.unreadBytes, file.length - good.length);
    assert.match(
      describeDamage(stats.damage!),
      new RegExp(`^damaged at byte ${good.length}, .*\\(${file.length - good.length} bytes\\)$`),
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("where pcapng framing breaks: the bad block's offset", () => {
  const head = concat(shb(), idb(1), epb(0, 1n, tcpFrame({ sport: 7 })));
  const broken = pcapngBlockWithLength(6, 13); // not a multiple of 4
  for (const step of [0, 3]) {
    const { seen, stats } = parse(concat(head, broken, epb(0, 2n, tcpFrame({}))), step);
    assert.deepEqual(seen.map((p) => p.sport), [7]);
    assert.equal(stats.skipped["bad-block"], 1);
    assert.equal(stats.damage?.offset, head.length);
    assert.match(stats.damage!.what, /a block claims 13 bytes/);
  }
});

/** A pcapng block header of `type` claiming `length` bytes, followed by a few bytes. */
function pcapngBlockWithLength(type: number, length: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, length, true);
  return b;
}
