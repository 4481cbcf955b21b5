/**
 * Timestamps going backwards inside a flow (a capture out of time order,
 * spec §3.12 and Q25). corrected: a packet older than its flow's last one
 * counts with an IAT of 0 and does not move the flow's last-seen time back,
 * so no duration, IAT, rate or Active/Idle value is ever negative.
 * cic2017 keeps what the datasets' Java code did (negative values).
 * Both count such packets in the meter's statistics.
 */
import assert from "node:assert/strict";
import { type Endpoint, F, pcapOf, type TestPacket } from "./flow_harness.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import { CaptureParser } from "../../src/pcap/capture_parser.ts";
import type { FlowRecord, ProfileName } from "../../src/flow/flow_record.ts";
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { describeResult } from "../../src/cli/convert.ts";

const C: Endpoint = ["10.0.0.1", 40000];
const S: Endpoint = ["10.0.0.2", 80];

// Packet 5 is 2 s older than the flow's first packet; packet 7 is 0.5 ms older than packet 6.
const PACKETS: TestPacket[] = [
  { t: 5_000_000, from: C, to: S, flags: F.SYN },
  { t: 5_001_000, from: S, to: C, flags: F.SYN | F.ACK },
  { t: 5_002_000, from: C, to: S },
  { t: 5_003_000, from: C, to: S, flags: F.PSH | F.ACK, pl: 100 },
  { t: 3_003_000, from: S, to: C, flags: F.PSH | F.ACK, pl: 300 },
  { t: 5_004_000, from: C, to: S },
  { t: 5_003_500, from: S, to: C },
  { t: 5_010_000, from: C, to: S, flags: F.PSH | F.ACK, pl: 50 },
];

function run(profile: ProfileName) {
  const rows: FlowRecord[] = [];
  const meter = new FlowMeter({ profile }, (r) => rows.push(r));
  const parser = new CaptureParser(meter.addPacket);
  parser.push(pcapOf(PACKETS));
  parser.end();
  meter.flush();
  return { rows, stats: meter.stats };
}

const TIME_FIELDS = [
  "flowDuration",
  "flowBytesPerSec",
  "flowPacketsPerSec",
  "flowIatMean",
  "flowIatMax",
  "flowIatMin",
  "fwdIatTotal",
  "fwdIatMean",
  "fwdIatMax",
  "fwdIatMin",
  "bwdIatTotal",
  "bwdIatMean",
  "bwdIatMax",
  "bwdIatMin",
  "fwdPacketsPerSec",
  "bwdPacketsPerSec",
  "activeMean",
  "activeMin",
  "idleMean",
  "idleMin",
] as const;

Deno.test("corrected: a packet older than its flow's last one counts with IAT 0; nothing is ever negative", () => {
  const { rows, stats } = run("corrected");
  assert.equal(rows.length, 1);
  const r = rows[0];
  for (const field of TIME_FIELDS) assert.ok(r[field] >= 0, `${field} = ${r[field]}`);
  // Last-seen stays at the latest time: 5.000 s → 5.010 s.
  assert.equal(r.flowDuration, 10_000);
  // Flow gaps: 1000, 1000, 1000, 0 (packet 5), 1000, 0 (packet 7), 6000.
  assert.equal(r.flowIatMin, 0);
  assert.equal(r.flowIatMax, 6000);
  assert.ok(Math.abs(r.flowIatMean - 10_000 / 7) < 1e-6, `flowIatMean ${r.flowIatMean}`);
  // Backward packets at 5.001, then 5.003 (clamped to the flow's last, 5.003), then 5.004 (clamped).
  assert.equal(r.bwdIatTotal, 3000);
  assert.equal(r.totalLengthBwd, 300);
  assert.equal(stats.earlierThanFlow, 2);
});

Deno.test("cic2017 keeps the Java datasets' negative IATs (spec Q25) and counts the packets too", () => {
  const { rows, stats } = run("cic2017");
  const r = rows[0];
  assert.equal(r.flowIatMin, 3_003_000 - 5_003_000);
  assert.equal(stats.earlierThanFlow, 2);
});

Deno.test("convert's final statistics name the packets older than their flow's last one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "backwards_" });
  try {
    await Deno.writeFile(`${dir}/in.pcap`, pcapOf(PACKETS));
    const r = await convertCaptureFile(`${dir}/in.pcap`, `${dir}/out.csv`, { profile: "corrected" });
    assert.equal(r.earlierThanFlow, 2);
    assert.match(describeResult(r), /2 packets older than their flow's last packet/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
