/**
 * Read + decode throughput of the pcap reader, next to `tcpdump -r FILE -w /dev/null`
 * on the same file. The input is the public medium captures, their records
 * repeated into one temporary pcap of about a million packets, so the timing is
 * not dominated by start-up.
 */
import { readCaptureFile } from "../../src/pcap/reader.ts";
import { haveSharedPcaps, listSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";

const TARGET_PACKETS = 1_000_000;

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

async function timeTcpdump(path: string): Promise<number | null> {
  try {
    const start = performance.now();
    const out = await new Deno.Command("tcpdump", { args: ["-r", path, "-w", "/dev/null"], stderr: "null" })
      .output();
    return out.success ? (performance.now() - start) / 1000 : null;
  } catch {
    return null; // tcpdump not installed
  }
}

export async function runReaderBench(): Promise<void> {
  if (!haveSharedPcaps) {
    console.log("reader bench: skipped (../shared/testdata/pcaps not found)");
    return;
  }
  const files = listSharedPcaps("medium").map(sharedPcap);
  const { path, packets: built } = await buildBenchPcap(files, TARGET_PACKETS);
  try {
    const size = (await Deno.stat(path)).size;
    let payload = 0;
    await readCaptureFile(path, (p) => payload += p.payloadLength); // warm-up: JIT and page cache
    const runs: number[] = [];
    let packets = 0;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const stats = await readCaptureFile(path, (p) => payload += p.payloadLength);
      runs.push((performance.now() - start) / 1000);
      packets = stats.packets;
    }
    const best = Math.min(...runs);
    const tcpdump = await timeTcpdump(path);
    console.log(
      `reader: ${files.length} medium captures repeated into ${built} packets, ${(size / 1e6).toFixed(1)} MB`,
    );
    console.log(
      `reader: read+decode ${(packets / best / 1e6).toFixed(2)} M packets/s, ${
        (size / best / 1e6).toFixed(0)
      } MB/s ` +
        `(best of 3: ${best.toFixed(3)} s)`,
    );
    if (tcpdump !== null) {
      console.log(
        `tcpdump -r FILE -w /dev/null: ${(packets / tcpdump / 1e6).toFixed(2)} M packets/s, ` +
          `${(size / tcpdump / 1e6).toFixed(0)} MB/s (${tcpdump.toFixed(3)} s); reader = ${
            (tcpdump / best * 100).toFixed(0)
          }% of tcpdump`,
      );
    } else {
      console.log("tcpdump: not found, no comparison");
    }
  } finally {
    await Deno.remove(path);
  }
}

if (import.meta.main) await runReaderBench();
