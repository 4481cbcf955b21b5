/**
 * End-to-end `convert` throughput (pcap → flows → CSV) on the public medium
 * captures, their records repeated into ~1 M packets with each round shifted
 * 200 s later (so rounds make new flows, as a long capture would), plus the
 * memory cost of one million concurrent flows.
 */
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import { STRIDE } from "../../src/flow/flow_slab.ts";
import { PacketInfo } from "../../src/pcap/packet.ts";
import { buildBenchPcap } from "./reader_bench.ts";
import { haveSharedPcaps, listSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";

function peakRssMb(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return Deno.memoryUsage().rss / 1048576;
  }
}

/** Heap + array-buffer bytes per open flow with one million concurrent synthetic flows. */
export function benchFlowMemory(flows = 1_000_000): { bytesPerFlow: number; slabBytesPerFlow: number } {
  const before = Deno.memoryUsage();
  const meter = new FlowMeter({ profile: "corrected", sweepIdle: false }, () => {});
  const p = new PacketInfo();
  p.ipVersion = 4;
  p.protocol = 6;
  p.hasPorts = true;
  p.tcpFlags = 0x10;
  p.transportHeaderLength = 20;
  p.dstV4 = 0x0a000001;
  p.dstPort = 80;
  for (let i = 0; i < flows; i++) {
    p.srcV4 = (0x0b000000 + (i >>> 10)) >>> 0;
    p.srcPort = 1024 + (i & 1023);
    p.tsUs = 1_700_000_000_000_000 + i;
    meter.addPacket(p);
  }
  const after = Deno.memoryUsage();
  if (meter.activeFlows !== flows) throw new Error(`expected ${flows} open flows, got ${meter.activeFlows}`);
  const used = (after.heapUsed - before.heapUsed) + (after.external - before.external);
  return { bytesPerFlow: used / flows, slabBytesPerFlow: STRIDE * 8 };
}

export async function runConvertBench(): Promise<void> {
  if (!haveSharedPcaps) {
    console.log("convert: ../shared/testdata not found; skipped");
    return;
  }
  const files = listSharedPcaps("medium").map(sharedPcap);
  const { path, packets } = await buildBenchPcap(files, 1_000_000, 200);
  const size = (await Deno.stat(path)).size;
  const out = `${path}.csv`;
  try {
    for (const profile of ["cic2017", "corrected"] as const) {
      let best = Infinity, flows = 0;
      for (let i = 0; i < 3; i++) {
        const r = await convertCaptureFile(path, out, { profile });
        best = Math.min(best, r.elapsedMs);
        flows = r.flows;
      }
      const seconds = best / 1000;
      console.log(
        `convert (${profile}): ${packets} packets, ${(size / 1e6).toFixed(1)} MB → ${flows} flows in ${
          seconds.toFixed(2)
        } s: ${(packets / seconds / 1e6).toFixed(2)} M packets/s, ${
          (size / 1e6 / seconds).toFixed(0)
        } MB/s (best of 3)`,
      );
    }
    console.log(`convert: peak RSS ${peakRssMb().toFixed(0)} MB`);
  } finally {
    await Deno.remove(path).catch(() => {});
    await Deno.remove(out).catch(() => {});
  }
  const mem = benchFlowMemory();
  console.log(
    `flow memory: ${mem.bytesPerFlow.toFixed(0)} bytes per open flow with 1 000 000 concurrent flows ` +
      `(slab ${mem.slabBytesPerFlow} bytes/flow); peak RSS ${peakRssMb().toFixed(0)} MB`,
  );
}

if (import.meta.main) await runConvertBench();
