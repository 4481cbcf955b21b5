/**
 * In-process steps of `deno task bench` (tests/bench/run.ts): flow meter
 * without output, `convert` to CSV, and the memory cost of one million
 * concurrent flows.
 */
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import { STRIDE } from "../../src/flow/flow_slab.ts";
import { PacketInfo } from "../../src/pcap/packet.ts";
import type { ProfileName } from "../../src/flow/flow_record.ts";
import { readCaptureFile } from "../../src/pcap/reader.ts";
import { median } from "./process_timing.ts";

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

/**
 * In-process `convert` of `path` to a CSV file (pcap → flows → CSV, the
 * library call the CLI makes): one warm-up, then the median of `times` runs.
 */
export async function benchConvert(
  path: string,
  profile: ProfileName,
  readerThread = false,
  times = 3,
): Promise<{ seconds: number; packets: number; flows: number }> {
  const out = `${path}.${profile}.csv`;
  try {
    const runs: number[] = [];
    let packets = 0, flows = 0;
    for (let i = 0; i <= times; i++) {
      const r = await convertCaptureFile(path, out, { profile, readerThread });
      if (i > 0) runs.push(r.elapsedMs / 1000);
      packets = r.packets;
      flows = r.flows;
    }
    return { seconds: median(runs), packets, flows };
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}

/**
 * In-process read + decode + flow meter of `path`, the flows built as records
 * but not formatted or written: the step between the reader and `convert`.
 */
export async function benchMeter(path: string, profile: ProfileName, times = 3): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i <= times; i++) {
    let flows = 0;
    const meter = new FlowMeter({ profile }, () => flows++);
    const start = performance.now();
    await readCaptureFile(path, meter.addPacket);
    meter.flush();
    if (i > 0) runs.push((performance.now() - start) / 1000);
  }
  return median(runs);
}

/** Peak RSS of this process so far, in MB. */
export function peakRssMb(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return Deno.memoryUsage().rss / 1048576;
  }
}
