/**
 * Gzip-compressed captures read as the plain file, whole or in several gzip
 * members; gzip data cut short is damage reported at the decompressed offset,
 * with every packet before it delivered.
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import {
  type ByteReader,
  readCaptureFile,
  readCaptureReader,
  type ReadStats,
} from "../../src/pcap/reader.ts";
import { concat, pcapFile, type Record, tcpFrame } from "./build_capture.ts";

const records: Record[] = Array.from({ length: 400 }, (_, i) => ({
  sec: 1_700_000_000 + i,
  frac: i,
  data: tcpFrame({ sport: 1000 + i, payload: (i * 37) % 900 }),
}));
const plain = pcapFile(records);

async function readBytes(
  bytes: Uint8Array,
  chunkSize?: number,
): Promise<{ ports: number[]; stats: ReadStats }> {
  const path = await Deno.makeTempFile({ suffix: ".pcap.gz" });
  try {
    await Deno.writeFile(path, bytes);
    const ports: number[] = [];
    const stats = await readCaptureFile(path, (p) => ports.push(p.srcPort), { chunkSize });
    return { ports, stats };
  } finally {
    await Deno.remove(path);
  }
}

const allPorts = records.map((_, i) => 1000 + i);

Deno.test("a gzip-compressed capture reads as the plain one, and says it was compressed", async () => {
  const asIs = await readBytes(plain);
  assert.equal(asIs.stats.format.compression, "none");
  const gz = await readBytes(zlib.gzipSync(plain));
  assert.deepEqual(gz.ports, allPorts);
  assert.equal(gz.stats.packets, 400);
  assert.equal(gz.stats.bytesRead, plain.length);
  assert.equal(gz.stats.format.compression, "gzip");
  assert.equal(gz.stats.damage, null);
});

Deno.test("several gzip members (cat a.gz b.gz) are all read", async () => {
  const half = 24 + records.slice(0, 200).reduce((n, r) => n + 16 + r.data.length, 0);
  const members = concat(zlib.gzipSync(plain.subarray(0, half)), zlib.gzipSync(plain.subarray(half)));
  const { ports, stats } = await readBytes(members);
  assert.deepEqual(ports, allPorts);
  assert.equal(stats.damage, null);
});

Deno.test("gzip data cut short: every packet decompressible before the cut, and damage at its offset", async () => {
  const gz = zlib.gzipSync(plain, { level: 1 });
  const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
  // All that the cut data holds, decompressed at once: the packets the reader must deliver.
  const partial = zlib.gunzipSync(cut, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  let complete = 0;
  for (let at = 24; at + 16 <= partial.length; complete++) {
    at += 16 + new DataView(partial.buffer, partial.byteOffset).getUint32(at + 8, true);
    if (at > partial.length) break;
  }
  assert.ok(complete > 50 && complete < 400, `${complete} packets before the cut`);
  for (const chunkSize of [undefined, 1000]) {
    // Several times: what survives the cut must not depend on timing.
    for (let run = 0; run < 5; run++) {
      const { ports, stats } = await readBytes(cut, chunkSize);
      assert.deepEqual(ports, allPorts.slice(0, complete), "every packet before the cut, unchanged");
      assert.match(
        stats.damage?.what ?? "",
        /the gzip data is cut short or corrupt \(unexpected end of file/,
      );
      assert.equal(stats.damage?.offset, stats.bytesRead);
      assert.equal(stats.damage?.unreadBytes, null);
    }
  }
});

Deno.test("a path that is a pipe (convert <(zcat …)) reads plain and gzip captures alike", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const bytes of [plain, zlib.gzipSync(plain)]) {
      await Deno.writeFile(`${dir}/source`, bytes);
      const fifo = `${dir}/fifo`;
      await new Deno.Command("mkfifo", { args: [fifo] }).output();
      const writer = new Deno.Command("sh", { args: ["-c", `cat '${dir}/source' > '${fifo}'`] }).spawn();
      const ports: number[] = [];
      const stats = await readCaptureFile(fifo, (p) => ports.push(p.srcPort));
      await writer.status;
      await Deno.remove(fifo);
      assert.deepEqual(ports, allPorts);
      assert.equal(stats.damage, null);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** 1 200 packets: its gzip in stored blocks (level 0) is over 256 KiB, more than one read. */
const big = pcapFile(
  Array.from({ length: 1200 }, (_, i) => ({ sec: 1_700_000_000, frac: i, data: records[i % 400].data })),
);
const bigPorts = Array.from({ length: 1200 }, (_, i) => 1000 + (i % 400));

/** Complete records at the start of the decompressed capture `bytes`. */
function completeRecords(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let n = 0;
  for (let at = 24; at + 16 <= bytes.length && at + 16 + view.getUint32(at + 8, true) <= bytes.length; n++) {
    at += 16 + view.getUint32(at + 8, true);
  }
  return n;
}

Deno.test("garbage after the last gzip member: every packet is read (as gzip keeps the data), and the file is damaged", async () => {
  // A small file (one read) and one of several reads (stored blocks, so the compressed data passes
  // 256 KiB): garbage used to lose all of the last read's packets.
  const big = pcapFile(
    Array.from({ length: 1200 }, (_, i) => ({ sec: 1_700_000_000, frac: i, data: records[i % 400].data })),
  );
  const garbage = new TextEncoder().encode("<html>404 Not Found</html>\n");
  for (const [capture, level] of [[plain, 6], [big, 0]] as const) {
    const gz = zlib.gzipSync(capture, { level });
    for (const chunkSize of [undefined, 1000]) {
      const { ports, stats } = await readBytes(concat(gz, garbage), chunkSize);
      assert.equal(ports.length, completeRecords(capture), `level ${level}: every packet`);
      assert.equal(stats.bytesRead, capture.length);
      assert.match(
        stats.damage?.what ?? "",
        /the gzip data is cut short or corrupt \(incorrect header check/,
      );
    }
  }
});

Deno.test("gzip data corrupt midway: every packet decompressible before the bad block, unchanged", async () => {
  // Stored blocks (level 0): a block header is 5 bytes (type, length, its complement), so the third
  // block's length can be broken on purpose; inflating stops there ("invalid stored block lengths").
  const gz = zlib.gzipSync(big, { level: 0 });
  let block = 10; // after the gzip header (no file name)
  for (let i = 0; i < 2; i++) block += 5 + (gz[block + 1] | (gz[block + 2] << 8));
  const corrupt = gz.slice();
  corrupt[block + 3] ^= 0xff;
  const before = completeRecords(
    zlib.gunzipSync(gz.subarray(0, block), { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
  );
  assert.ok(before > 100 && before < 1200, `${before} packets before the bad block`);
  for (const chunkSize of [undefined, 1000]) {
    const { ports, stats } = await readBytes(corrupt, chunkSize);
    assert.equal(ports.length, before, "every packet before the bad block, none after");
    assert.deepEqual(ports, bigPorts.slice(0, before));
    assert.match(
      stats.damage?.what ?? "",
      /the gzip data is cut short or corrupt \(invalid stored block lengths/,
    );
  }
});

/** A pipe's reads over `bytes`, 1 000 bytes at a time (no seeking). */
function pipeOf(bytes: Uint8Array): ByteReader {
  let at = 0;
  return {
    read(buffer) {
      if (at >= bytes.length) return Promise.resolve(null);
      const n = Math.min(buffer.length, 1000, bytes.length - at);
      buffer.set(bytes.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
  };
}

Deno.test("gzip from standard input (cat trace.pcap.gz | convert -) reads as the plain stream", async () => {
  const ports: number[] = [];
  const stats = await readCaptureReader(pipeOf(zlib.gzipSync(plain)), (p) => ports.push(p.srcPort));
  assert.deepEqual(ports, allPorts);
  assert.equal(stats.format.compression, "gzip");
  assert.equal(stats.damage, null);
  // A pipe cannot be read again after a break: the damage is still reported.
  const cut = zlib.gzipSync(plain).subarray(0, 2000);
  const broken = await readCaptureReader(pipeOf(cut), () => {});
  assert.match(broken.damage?.what ?? "", /the gzip data is cut short or corrupt/);
});
