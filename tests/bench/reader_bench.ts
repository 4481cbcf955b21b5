/**
 * Read + decode throughput of the pcap reader (a step of `deno task bench`,
 * tests/bench/run.ts), and the fallback builder of the benchmark capture.
 */
import { readCaptureFile } from "../../src/pcap/reader.ts";
import { median } from "./process_timing.ts";

/**
 * Builds a little-endian µs Ethernet pcap from the records of the given
 * files, repeated until `targetPackets`. With `shiftSecondsPerRound`, each
 * round's timestamps move that much later (new flows, as a long capture has).
 */
export async function buildBenchPcap(
  files: string[],
  targetPackets: number,
  shiftSecondsPerRound = 0,
): Promise<{ path: string; packets: number }> {
  const bodies: Uint8Array[] = [];
  let perRound = 0;
  for (const file of files) {
    const bytes = await Deno.readFile(file);
    const view = new DataView(bytes.buffer);
    if (view.getUint32(0, true) !== 0xa1b2c3d4 || view.getUint32(20, true) !== 1) continue;
    bodies.push(bytes.subarray(24));
    let n = 0;
    for (let o = 24; o + 16 <= bytes.length; o += 16 + view.getUint32(o + 8, true)) n++;
    perRound += n;
  }
  const path = await Deno.makeTempFile({ prefix: "pcap-bench-", suffix: ".pcap" });
  using file = await Deno.open(path, { write: true });
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 0xa1b2c3d4, true);
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  hv.setUint32(16, 262144, true);
  hv.setUint32(20, 1, true);
  await file.write(header);
  let packets = 0;
  for (let round = 0; packets < targetPackets; round++) {
    for (const body of bodies) {
      const out = shiftSecondsPerRound > 0 ? shifted(body, round * shiftSecondsPerRound) : body;
      for (let o = 0; o < out.length;) o += await file.write(out.subarray(o));
    }
    packets += perRound;
  }
  return { path, packets };
}

/** A copy of pcap records with every timestamp `seconds` later. */
function shifted(records: Uint8Array, seconds: number): Uint8Array {
  const copy = records.slice();
  const v = new DataView(copy.buffer);
  for (let o = 0; o + 16 <= copy.length; o += 16 + v.getUint32(o + 8, true)) {
    v.setUint32(o, v.getUint32(o, true) + seconds, true);
  }
  return copy;
}

/**
 * In-process read + decode of `path`: one warm-up pass (JIT, page cache), then
 * the median of `times` passes, in seconds, and the records read.
 */
export async function benchRead(path: string, times = 3): Promise<{ seconds: number; packets: number }> {
  let payload = 0;
  await readCaptureFile(path, (p) => payload += p.payloadLength);
  const runs: number[] = [];
  let packets = 0;
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    const stats = await readCaptureFile(path, (p) => payload += p.payloadLength);
    runs.push((performance.now() - start) / 1000);
    packets = stats.packets;
  }
  return { seconds: median(runs), packets };
}
