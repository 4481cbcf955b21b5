/**
 * A file read on a second thread (split_read.ts, `convert`'s default with a
 * core to spare) gives the same bytes and the same counts as one thread, for
 * every profile, and fails, stops and counts the way one thread does.
 */
import assert from "node:assert/strict";
import { convertCaptureFile, type ConvertFileResult } from "../../src/convert/convert_file.ts";
import { readIntoMeterSplit } from "../../src/convert/split_read.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import { CaptureFormatError } from "../../src/pcap/format_error.ts";
import type { ProfileName } from "../../src/flow/flow_record.ts";
import { listOwnCaptures, ownCapture } from "../captures/own_captures.ts";
import { pcapFile, type Record } from "../pcap/build_capture.ts";

const PROFILES: ProfileName[] = ["cic2017", "corrected", "engelen"];
const sanitizers = { sanitizeOps: true, sanitizeResources: true };

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "split-read-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function bothWays(input: string, options: Parameters<typeof convertCaptureFile>[2] = {}) {
  return inTempDir(async (dir) => {
    const one = await convertCaptureFile(input, `${dir}/one.csv`, { ...options, readerThread: false });
    const two = await convertCaptureFile(input, `${dir}/two.csv`, { ...options, readerThread: true });
    return {
      one: { result: comparable(one), bytes: await Deno.readFile(`${dir}/one.csv`) },
      two: { result: comparable(two), bytes: await Deno.readFile(`${dir}/two.csv`) },
    };
  });
}

function comparable(r: ConvertFileResult): Omit<ConvertFileResult, "elapsedMs" | "output"> {
  const { elapsedMs: _elapsed, output: _output, ...rest } = r;
  return rest;
}

/**
 * The Ethernet classic-pcap captures of testdata, one after the other, the
 * whole round repeated `rounds` times 200 s later each time (flows time out
 * and continue): enough packets for many batches.
 */
async function repeatedCapture(path: string, rounds: number): Promise<number> {
  const round: Record[] = [];
  for (const name of listOwnCaptures()) {
    const bytes = await Deno.readFile(ownCapture(name));
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 24 || v.getUint32(0, true) !== 0xa1b2c3d4 || v.getUint32(20, true) !== 1) continue;
    for (let at = 24; at + 16 <= bytes.length;) {
      const caplen = v.getUint32(at + 8, true);
      round.push({
        sec: v.getUint32(at, true),
        frac: v.getUint32(at + 4, true),
        wire: v.getUint32(at + 12, true),
        data: bytes.subarray(at + 16, at + 16 + caplen),
      });
      at += 16 + caplen;
    }
  }
  const records: Record[] = [];
  for (let i = 0; i < rounds; i++) for (const r of round) records.push({ ...r, sec: r.sec + i * 200 });
  await Deno.writeFile(path, pcapFile(records, { linkType: 1 }));
  return records.length;
}

Deno.test({
  name: "split read: every own capture, every profile: the same bytes and counts as one thread",
  ...sanitizers,
  async fn() {
    for (const name of listOwnCaptures()) {
      for (const profile of PROFILES) {
        const { one, two } = await bothWays(ownCapture(name), { profile });
        assert.deepEqual(two.result, one.result, `${name} ${profile}: counts`);
        assert.deepEqual(two.bytes, one.bytes, `${name} ${profile}: rows`);
      }
    }
  },
});

Deno.test({
  name: "split read: many batches (captures repeated to 29 k packets), every profile, and --count",
  ...sanitizers,
  async fn() {
    await inTempDir(async (dir) => {
      const input = `${dir}/repeated.pcap`;
      const packets = await repeatedCapture(input, 80);
      assert(packets > 5 * 4096, `${packets} packets: more than the batches in flight`);
      for (const profile of PROFILES) {
        const { one, two } = await bothWays(input, { profile });
        assert.equal(one.result.packets, packets);
        assert(one.result.flows > 1000, `${profile}: ${one.result.flows} flows`);
        assert.deepEqual(two.result, one.result, `${profile}: counts`);
        assert.deepEqual(two.bytes, one.bytes, `${profile}: rows`);
      }
      const { one, two } = await bothWays(input, { profile: "corrected", maxPackets: 10_000 });
      assert.equal(two.result.packets, 10_000);
      assert.deepEqual(two.bytes, one.bytes, "--count: rows");
    });
  },
});

Deno.test({
  name: "split read: errors keep their class; no output appears",
  ...sanitizers,
  async fn() {
    await inTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/notes.txt`, "this is not a capture\n".repeat(10));
      await assert.rejects(
        convertCaptureFile(`${dir}/notes.txt`, `${dir}/a.csv`, { readerThread: true }),
        (err: Error) => err instanceof CaptureFormatError && err.message.includes("notes.txt"),
      );
      await assert.rejects(
        convertCaptureFile(`${dir}/missing.pcap`, `${dir}/b.csv`, { readerThread: true }),
        Deno.errors.NotFound,
      );
      const left = [];
      for await (const e of Deno.readDir(dir)) left.push(e.name);
      assert.deepEqual(left, ["notes.txt"]);
    });
  },
});

Deno.test({
  name: "split read: an abort stops the reader thread and rejects with the reason",
  ...sanitizers,
  async fn() {
    await inTempDir(async (dir) => {
      const input = `${dir}/repeated.pcap`;
      await repeatedCapture(input, 80);
      const abort = new AbortController();
      const meter = new FlowMeter({ profile: "corrected" }, () => {});
      let batches = 0;
      const reason = new Error("stop here");
      await assert.rejects(
        readIntoMeterSplit(input, meter, { profile: "corrected" }, {
          signal: abort.signal,
          onProgress: () => {
            if (++batches === 2) abort.abort(reason);
          },
        }),
        (err) => err === reason,
      );
      assert(
        meter.stats.packets >= 2 * 4096 && meter.stats.packets < 29_000,
        `${meter.stats.packets} packets`,
      );
    });
  },
});
