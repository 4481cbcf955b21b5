/**
 * File formats: the four classic pcap magics, pcapng sections and interfaces
 * with timestamp resolutions, and bad input that must never crash or hang.
 */
import assert from "node:assert/strict";
import { CaptureFormatError, CaptureParser, readCaptureFile } from "../../src/pcap/reader.ts";
import type { PacketInfo } from "../../src/pcap/packet.ts";
import { concat, epb, idb, pcapFile, pcapngBlock, shb, tcpFrame } from "./build_capture.ts";

function parse(bytes: Uint8Array, maxPackets = 0) {
  const seen: { sec: number; nsec: number; us: number; link: number; ifid: number; sport: number }[] = [];
  const parser = new CaptureParser(
    (p: PacketInfo) =>
      seen.push({
        sec: p.tsSec,
        nsec: p.tsNsec,
        us: p.tsUs,
        link: p.linkType,
        ifid: p.interfaceId,
        sport: p.srcPort,
      }),
    { maxPackets },
  );
  parser.push(bytes);
  return { seen, stats: parser.end() };
}

Deno.test("all four classic pcap magics: µs/ns × little/big endian", () => {
  for (const little of [true, false]) {
    for (const nano of [false, true]) {
      const frac = nano ? 123456789 : 123456;
      const { seen, stats } = parse(
        pcapFile([{ sec: 1700000000, frac, data: tcpFrame({ sport: 4242 }) }], { little, nano }),
      );
      assert.equal(stats.format.kind, "pcap");
      assert.equal(stats.format.byteOrder, little ? "little" : "big");
      assert.equal(stats.format.resolution, nano ? "ns" : "us");
      assert.equal(seen.length, 1);
      assert.equal(seen[0].sport, 4242);
      assert.equal(seen[0].nsec, nano ? 123456789 : 123456000);
      assert.equal(seen[0].us, 1700000000_123456);
    }
  }
});

Deno.test("pcapng: several sections of either byte order, interfaces with their own link type and resolution", () => {
  const ts = 1700000000_123456789n;
  const file = concat(
    shb(true),
    idb(1, { tsresol: 9 }),
    idb(101),
    epb(0, ts, tcpFrame({ sport: 1 })),
    epb(1, 1700000000_123456n, tcpFrame({ sport: 2 }).subarray(14)),
    shb(false),
    idb(1, { little: false, tsoffset: 100 }),
    epb(0, 5_000001n, tcpFrame({ sport: 3 }), false),
  );
  const { seen, stats } = parse(file);
  assert.equal(stats.format.kind, "pcapng");
  assert.equal(stats.format.byteOrder, "mixed");
  assert.deepEqual(stats.linkTypes, [1, 101]);
  assert.deepEqual(seen.map((s) => s.sport), [1, 2, 3]);
  assert.deepEqual([seen[0].sec, seen[0].nsec], [1700000000, 123456789]);
  assert.deepEqual([seen[1].sec, seen[1].nsec, seen[1].link, seen[1].ifid], [1700000000, 123456000, 101, 1]);
  assert.deepEqual([seen[2].sec, seen[2].nsec], [105, 1000], "if_tsoffset adds seconds");
});

Deno.test("pcapng blocks other than packets are skipped; garbage after the last block is counted", () => {
  const nameResolution = pcapngBlock(4, new Uint8Array(8));
  const garbage = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 9, 9, 9, 9, 9, 9, 9, 9]);
  const { seen, stats } = parse(concat(shb(), idb(1), nameResolution, epb(0, 1n, tcpFrame({})), garbage));
  assert.equal(seen.length, 1);
  assert.equal(stats.skipped["bad-block"], 1);
});

Deno.test("zero-length records are skipped and counted; later packets are kept", () => {
  const frame = tcpFrame({ sport: 77, payload: 20 }); // 74 bytes
  const file = pcapFile([
    { sec: 1, frac: 0, data: new Uint8Array(0) },
    { sec: 3, frac: 0, data: frame.subarray(0, 54) },
  ], { snaplen: 60 });
  const { seen, stats } = parse(file);
  assert.equal(stats.packets, 2);
  assert.equal(stats.skipped["zero-length"], 1);
  assert.deepEqual(seen.map((s) => s.sec), [3]);
});

Deno.test("a record longer than the file's snaplen is kept cut to the snaplen (as libpcap) and counted", () => {
  const frame = tcpFrame({ sport: 77, payload: 20 }); // 74 bytes
  const lengths: number[] = [];
  const parser = new CaptureParser((p) => lengths.push(p.capturedLength, p.wireLength, p.srcPort));
  parser.push(pcapFile([
    { sec: 2, frac: 0, data: frame }, // caplen 74 > snaplen 60
    { sec: 3, frac: 0, data: frame.subarray(0, 54) }, // found after the 14 skipped bytes
  ], { snaplen: 60 }));
  const stats = parser.end();
  assert.deepEqual(lengths, [60, 74, 77, 54, 54, 77]);
  assert.equal(stats.cutToSnaplen, 1);
  assert.equal(stats.skipped["oversized-record"], 0);

  const ng = new CaptureParser((p) => lengths.push(p.capturedLength));
  ng.push(concat(shb(), idb(1, { snaplen: 60 }), epb(0, 1n, frame)));
  assert.equal(ng.end().cutToSnaplen, 1);
  assert.equal(lengths.at(-1), 60);
});

Deno.test("a record claiming more than 256 KiB stops the file without a crash; earlier packets are kept", () => {
  const good = pcapFile([{ sec: 1, frac: 0, data: tcpFrame({}) }]);
  const bogusHeader = new Uint8Array(16);
  new DataView(bogusHeader.buffer).setUint32(8, 0x7fffffff, true);
  const { seen, stats } = parse(concat(good, bogusHeader, new Uint8Array(100)));
  assert.equal(seen.length, 1);
  assert.equal(stats.skipped["oversized-record"], 1);
});

Deno.test("a file that is not a capture is a one-line error naming it and what it holds", () => {
  const parser = new CaptureParser(() => {}, { source: "flows.csv" });
  assert.throws(
    () => parser.push(new TextEncoder().encode("Flow ID,Source IP\n")),
    (e: unknown) =>
      e instanceof CaptureFormatError &&
      /^flows\.csv: not a pcap or pcapng file \(starts with text/.test(e.message),
  );
});

Deno.test("compressed data and other capture formats are named by their first bytes, with what to do", () => {
  const heads: [number[], RegExp][] = [
    [
      [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04],
      /\(xz-compressed data: decompress it first \(xz -dc FILE \|/,
    ],
    [[0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26], /\(bzip2-compressed data: .*bzip2 -dc FILE/],
    [[0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x05, 0x29, 0x00], /\(zstd-compressed data: .*zstd -dc FILE/],
    [[0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x00], /\(lz4-compressed data/],
    [[0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00], /\(a zip archive\)/],
    [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04], /\(a 7-Zip archive\)/],
    // As editcap writes them: snoop, Network Monitor 2.x and 1.x.
    [[0x73, 0x6e, 0x6f, 0x6f, 0x70, 0x00, 0x00, 0x00, 0, 0, 0, 2], /\(a snoop capture: .*editcap -F pcapng/],
    [[0x47, 0x4d, 0x42, 0x55, 0x00, 0x02, 0x01, 0x00], /\(a Network Monitor capture: .*editcap/],
    [[0x52, 0x54, 0x53, 0x53, 0x01, 0x01, 0x01, 0x00], /\(a Network Monitor capture: .*editcap/],
  ];
  for (const [head, message] of heads) {
    const parser = new CaptureParser(() => {}, { source: "trace" });
    const bytes = concat(new Uint8Array(head), new Uint8Array(64));
    assert.throws(
      () => parser.push(bytes),
      (e: unknown) => e instanceof CaptureFormatError && message.test(e.message),
    );
  }
});

Deno.test("an empty file is 0 packets, not an error", async () => {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    const stats = await readCaptureFile(path, () => {});
    assert.equal(stats.packets, 0);
    assert.equal(stats.skipped["truncated-record"], 0);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("maxPackets stops after N records", () => {
  const records = Array.from({ length: 10 }, (_, i) => ({ sec: i, frac: 0, data: tcpFrame({}) }));
  const { seen, stats } = parse(pcapFile(records), 4);
  assert.equal(seen.length, 4);
  assert.equal(stats.packets, 4);
});

Deno.test("nanosecond pcapng timestamps beyond 2^53 units split exactly", () => {
  const ts = 4102444800_999999999n; // 2100-01-01, nanoseconds
  const { seen } = parse(concat(shb(), idb(1, { tsresol: 9 }), epb(0, ts, tcpFrame({}))));
  assert.deepEqual([seen[0].sec, seen[0].nsec], [4102444800, 999999999]);
});
