/**
 * The hot path allocates nothing per packet (issue 15): reading, decoding and
 * metering a capture of many packets in few flows allocates a few bytes per
 * flow and per read, not per packet. Measured with V8's sampling heap
 * profiler (node:inspector) after warm-up passes, so the optimised code is
 * what is measured: the interpreter boxes numbers that optimised code keeps
 * unboxed.
 */
import assert from "node:assert/strict";
import { Session } from "node:inspector";
import { readCaptureFile } from "../../src/pcap/reader.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { ProfileName } from "../../src/flow/flow_record.ts";
import { ethernet, ipv4, pcapFile, type Record, tcp, udp } from "./build_capture.ts";

const PACKETS = 100_000;
/** 2024-03-01: past 2^30 seconds, where a number stops fitting V8's small integers and a stray one is boxed. */
const START_SEC = 1_709_251_200;

/**
 * A capture of PACKETS packets in 8 long TCP and UDP conversations, 1 ms
 * apart, except that every 997th packet is stamped 20 ms early (earlier
 * than its flow's last packet: real captures have a few, and the path that
 * handles them once made the meter box every packet's time).
 */
function manyPacketsFewFlows(): Uint8Array {
  const records: Record[] = [];
  for (let i = 0; i < PACKETS; i++) {
    const flow = i % 8, reply = (i >> 3) % 2 === 1;
    const [sport, dport] = reply ? [80, 40000 + flow] : [40000 + flow, 80];
    const src = reply ? [10, 0, 1, 2] : [10, 0, 0, 1 + flow];
    const dst = reply ? [10, 0, 0, 1 + flow] : [10, 0, 1, 2];
    const payload = new Uint8Array(i % 5 === 0 ? 0 : 100 + (i % 300));
    const transport = flow < 6
      ? tcp({ sport, dport, flags: 0x18, seq: i }, payload)
      : udp(sport, dport, payload);
    const frame = ethernet(0x0800, ipv4({ protocol: flow < 6 ? 6 : 17, src, dst }, transport));
    const ms = i % 997 === 996 ? i - 20 : i;
    records.push({ sec: START_SEC + Math.floor(ms / 1000), frac: (ms % 1000) * 1000, data: frame });
  }
  return pcapFile(records);
}

/** Bytes allocated by `run` (sampled), the least of three runs after three warm-up runs. */
async function allocatedBytes(run: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 3; i++) await run();
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, result) => err ? reject(err) : resolve(result))
    );
  try {
    await post("HeapProfiler.enable");
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await post("HeapProfiler.startSampling", {
        samplingInterval: 256,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      await run();
      const { profile } = await post("HeapProfiler.stopSampling") as { profile: { head: ProfileNode } };
      runs.push(totalSelfSize(profile.head));
    }
    return Math.min(...runs);
  } finally {
    session.disconnect();
  }
}

interface ProfileNode {
  selfSize: number;
  children: ProfileNode[];
}

function totalSelfSize(node: ProfileNode): number {
  return node.children.reduce((sum, child) => sum + totalSelfSize(child), node.selfSize);
}

/** Bytes `run` allocates per packet of the capture (written to a temporary file), after warm-up. */
async function bytesPerPacket(run: (path: string) => Promise<void>): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/many.pcap`;
    await Deno.writeFile(path, manyPacketsFewFlows());
    return await allocatedBytes(() => run(path)) / PACKETS;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// A number boxed per packet is 12–16 bytes; what a run allocates once is under 1 byte a packet here.
const MAX_BYTES_PER_PACKET = 4;

Deno.test({
  name: "reading and decoding allocate nothing per packet",
  fn: async () => {
    let seen = 0;
    const bytes = await bytesPerPacket(async (path) => {
      seen = 0;
      await readCaptureFile(path, () => seen++);
    });
    assert.equal(seen, PACKETS);
    assert.ok(bytes < MAX_BYTES_PER_PACKET, `${bytes.toFixed(1)} bytes allocated per packet`);
  },
});

for (const profile of ["cic2017", "engelen", "corrected"] satisfies ProfileName[]) {
  Deno.test({
    name: `the ${profile} flow meter allocates nothing per packet of an open flow`,
    fn: async () => {
      let flows = 0;
      const bytes = await bytesPerPacket(async (path) => {
        const meter = new FlowMeter({ profile }, () => flows++);
        await readCaptureFile(path, meter.addPacket);
        meter.flush();
      });
      assert.ok(flows > 0);
      assert.ok(bytes < MAX_BYTES_PER_PACKET, `${bytes.toFixed(1)} bytes allocated per packet`);
    },
  });
}
