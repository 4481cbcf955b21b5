/**
 * Flow boundaries and per-profile semantics (spec §3): timeouts and their
 * continuations, FIN/RST termination, which flows are written, protocols.
 */
import assert from "node:assert/strict";
import { assertFields, F, meterRows, type TestPacket } from "./flow_harness.ts";

const C: [string, number] = ["10.0.0.1", 40000];
const S: [string, number] = ["10.0.0.2", 443];

Deno.test("a flow splits when a packet comes more than the flow timeout after the first one", () => {
  const packets: TestPacket[] = [
    { t: 0, from: C, to: S },
    { t: 1_000, from: S, to: C },
    { t: 120_000_000, from: C, to: S }, // exactly the timeout: same flow (strictly greater splits)
    { t: 120_000_001, from: C, to: S },
    { t: 120_000_500, from: S, to: C },
  ];
  for (const profile of ["cic2017", "corrected"] as const) {
    const rows = meterRows(packets, { profile });
    assert.equal(rows.length, 2, profile);
    assertFields(rows[0], { totalFwdPackets: 2, totalBwdPackets: 1, flowDuration: 120_000_000 });
    assertFields(rows[1], { totalFwdPackets: 1, totalBwdPackets: 1, flowDuration: 499, srcIp: "10.0.0.1" });
    assert.equal(rows[0].endReason, "timeout");
  }
});

Deno.test("cic2017 files a timeout continuation's first packet forward even when the old destination sent it (Q15)", () => {
  const packets: TestPacket[] = [
    { t: 0, from: C, to: S, win: 100 },
    { t: 10, from: S, to: C, win: 200 },
    { t: 60_000_000, from: C, to: S, win: 100 },
    { t: 130_000_000, from: S, to: C, win: 300, pl: 10 },
    { t: 130_000_010, from: S, to: C, win: 400 },
    { t: 130_000_020, from: C, to: S, win: 500 },
  ];
  const legacy = meterRows(packets, { profile: "cic2017" });
  assert.equal(legacy.length, 2);
  // Source inherited (C), first packet forward, later S packets backward.
  assertFields(legacy[1], {
    srcIp: "10.0.0.1",
    totalFwdPackets: 2,
    totalBwdPackets: 1,
    totalLengthFwd: 10,
    initWinBytesFwd: 300,
    initWinBytesBwd: 400,
  });
  // After a silence longer than the timeout the idle sweep has already emitted the flow; its
  // continuation still inherits the direction, so the rows are those of no sweep.
  const silent = [packets[0], packets[1], ...packets.slice(3)];
  const swept = meterRows(silent);
  assertFields(swept[1], { srcIp: "10.0.0.1", totalFwdPackets: 2 });
  assert.deepEqual(swept, meterRows(silent, { sweepIdle: false }));
  const corrected = meterRows(packets, { profile: "corrected" });
  // E checks the real direction against the inherited source.
  assertFields(corrected[1], {
    srcIp: "10.0.0.1",
    totalFwdPackets: 1,
    totalBwdPackets: 2,
    totalLengthBwd: 10,
  });
});

Deno.test("cic2017 ignores RST, so a new connection on the same 5-tuple joins the old flow (Q14)", () => {
  const packets: TestPacket[] = [
    { t: 0, from: C, to: S, flags: F.SYN },
    { t: 100, from: S, to: C, flags: F.RST | F.ACK },
    { t: 200, from: C, to: S, flags: F.SYN },
    { t: 300, from: S, to: C, flags: F.SYN | F.ACK },
  ];
  const legacy = meterRows(packets, { profile: "cic2017" });
  assert.equal(legacy.length, 1);
  assertFields(legacy[0], { totalFwdPackets: 2, totalBwdPackets: 2 });
  // corrected: the RST marks the flow; the next SYN starts a new one.
  const corrected = meterRows(packets, { profile: "corrected" });
  assert.equal(corrected.length, 2);
  assert.equal(corrected[0].endReason, "rst");
  assertFields(corrected[0], { totalFwdPackets: 1, totalBwdPackets: 1, rstFlagCount: 1 });
  assertFields(corrected[1], { totalFwdPackets: 1, totalBwdPackets: 1, synFlagCount: 2 });
});

Deno.test("corrected closes a finished flow after 1 s without packets, so a live meter lets it go", () => {
  const packets: TestPacket[] = [
    { t: 0, from: C, to: S, flags: F.SYN },
    { t: 100, from: S, to: C, flags: F.SYN | F.ACK },
    { t: 200, from: C, to: S, flags: F.FIN | F.ACK },
    { t: 300, from: S, to: C, flags: F.FIN | F.ACK },
    { t: 400, from: C, to: S, flags: F.ACK }, // ready for termination
    { t: 900_000, from: S, to: C, flags: F.ACK }, // a late retransmission stays in the flow
    // Another conversation moves the packet clock past the grace period.
    { t: 2_000_000, from: ["10.0.0.3", 5000], to: ["10.0.0.4", 53], proto: "udp", pl: 30 },
  ];
  const order: string[] = [];
  const rows = meterRows(packets, { profile: "corrected" });
  for (const r of rows) order.push(`${r.srcIp}:${r.endReason}`);
  assert.deepEqual(order, ["10.0.0.1:fin", "10.0.0.3:end"]);
  assertFields(rows[0], { totalFwdPackets: 3, totalBwdPackets: 3 });
  // With no grace period (the Engelen fork's behaviour) the flow waits for the end of input.
  const waiting = meterRows(packets, { profile: "corrected", terminationGraceUs: 0 });
  assert.deepEqual(waiting.map((r) => r.srcIp), ["10.0.0.1", "10.0.0.3"].sort());
});

Deno.test("corrected reverses a flow that starts with a SYN-ACK (E e9a9875)", () => {
  const rows = meterRows([
    { t: 0, from: S, to: C, flags: F.SYN | F.ACK, win: 65160 },
    { t: 10, from: C, to: S, flags: F.ACK, win: 502 },
  ], { profile: "corrected" });
  assertFields(rows[0], {
    srcIp: "10.0.0.1",
    srcPort: 40000,
    totalFwdPackets: 1,
    totalBwdPackets: 1,
    initWinBytesFwd: 502,
    initWinBytesBwd: 65160,
  });
  const legacy = meterRows([
    { t: 0, from: S, to: C, flags: F.SYN | F.ACK },
    { t: 10, from: C, to: S, flags: F.ACK },
  ]);
  assertFields(legacy[0], { srcIp: "10.0.0.2", totalFwdPackets: 1 });
});

Deno.test("one-packet flows are dropped in cic2017 and kept in corrected (Q16)", () => {
  const packets: TestPacket[] = [{ t: 0, from: C, to: S, proto: "udp", pl: 20 }];
  assert.equal(meterRows(packets, { profile: "cic2017" }).length, 0);
  assert.equal(meterRows(packets, { profile: "cic2017", keepSinglePacketFlows: true }).length, 1);
  const [row] = meterRows(packets, { profile: "corrected" });
  assertFields(row, {
    totalFwdPackets: 1,
    flowDuration: 0,
    flowBytesPerSec: -1,
    flowPacketsPerSec: -1,
    flowIatMean: 0,
    minSegSizeFwd: 8,
    initWinBytesFwd: -1,
  });
});

Deno.test("cic2017 writes NaN and Infinity for rates at duration 0 (Q20)", () => {
  const rows = meterRows([
    { t: 5, from: C, to: S, pl: 0 },
    { t: 5, from: S, to: C, pl: 0 },
  ]);
  assert.ok(Number.isNaN(rows[0].flowBytesPerSec));
  assert.equal(rows[0].flowPacketsPerSec, Infinity);
  assert.equal(rows[0].fwdPacketsPerSec, 0);
  const withBytes = meterRows([
    { t: 5, from: C, to: S, pl: 10 },
    { t: 5, from: S, to: C, pl: 0 },
  ]);
  assert.equal(withBytes[0].flowBytesPerSec, Infinity);
});

Deno.test("cic2017 meters other IPv4 protocols as protocol 0 between a host pair; corrected keeps the number (Q22)", () => {
  const a: [string, number] = ["10.1.1.1", 0];
  const b: [string, number] = ["10.1.1.2", 0];
  const packets: TestPacket[] = [
    { t: 0, from: a, to: b, proto: 1, pl: 56 }, // ICMP echo-like
    { t: 10, from: b, to: a, proto: 1, pl: 56 },
    { t: 20, from: a, to: b, proto: 47, pl: 100 }, // GRE
  ];
  const legacy = meterRows(packets);
  assert.equal(legacy.length, 1);
  assertFields(legacy[0], {
    flowId: "10.1.1.1-10.1.1.2-0-0-0",
    protocol: 0,
    totalFwdPackets: 2,
    totalBwdPackets: 1,
    totalLengthFwd: 0,
    fwdHeaderLength: 0,
    initWinBytesFwd: -1,
  });
  const corrected = meterRows(packets, { profile: "corrected" });
  assert.deepEqual(corrected.map((r) => r.protocol).sort(), [1, 47]);
});

Deno.test("cic2017 counts Ethernet padding as payload; corrected trims it (Q21)", () => {
  const packets: TestPacket[] = [
    { t: 0, from: C, to: S, pad: 6 },
    { t: 1, from: S, to: C, pad: 6, pl: 2 },
  ];
  assertFields(meterRows(packets)[0], { totalLengthFwd: 6, totalLengthBwd: 8 });
  assertFields(meterRows(packets, { profile: "corrected" })[0], { totalLengthFwd: 0, totalLengthBwd: 2 });
});

Deno.test("the cic2017 Flow ID orders endpoints by signed address bytes; corrected's is directional", () => {
  const inside: [string, number] = ["192.168.10.5", 50000];
  const outside: [string, number] = ["8.8.8.8", 53];
  const packets: TestPacket[] = [
    { t: 0, from: outside, to: inside, proto: "udp", pl: 40 },
    { t: 1, from: inside, to: outside, proto: "udp", pl: 40 },
  ];
  assert.equal(meterRows(packets)[0].flowId, "192.168.10.5-8.8.8.8-50000-53-17");
  assert.equal(meterRows(packets, { profile: "corrected" })[0].flowId, "8.8.8.8-192.168.10.5-53-50000-17");
});

Deno.test("cic2017 keys a host talking to itself by orientation; corrected finds one flow", () => {
  const a: [string, number] = ["127.0.0.1", 5000];
  const b: [string, number] = ["127.0.0.1", 6000];
  const packets: TestPacket[] = [
    { t: 0, from: a, to: b },
    { t: 1, from: b, to: a },
    { t: 2, from: a, to: b },
    { t: 3, from: b, to: a },
  ];
  assert.equal(meterRows(packets).length, 2);
  // Direction compares addresses only in cic2017 (spec §3.2): every packet is forward.
  assertFields(meterRows(packets)[0], { totalFwdPackets: 2, totalBwdPackets: 0 });
  const corrected = meterRows(packets, { profile: "corrected" });
  assert.equal(corrected.length, 1);
  // corrected lets the ports decide when the addresses are equal, so both sides are seen.
  assertFields(corrected[0], { totalFwdPackets: 2, totalBwdPackets: 2 });
});

Deno.test("corrected closes a loopback TCP connection on its FIN exchange (same address both sides)", () => {
  const a: [string, number] = ["127.0.0.1", 40000];
  const b: [string, number] = ["127.0.0.1", 8080];
  const rows = meterRows([
    { t: 0, from: a, to: b, flags: F.SYN },
    { t: 10, from: b, to: a, flags: F.SYN | F.ACK },
    { t: 20, from: a, to: b, flags: F.FIN | F.ACK },
    { t: 30, from: b, to: a, flags: F.FIN | F.ACK },
    { t: 40, from: a, to: b, flags: F.ACK },
    { t: 3_000_000, from: ["127.0.0.1", 40001], to: b, flags: F.SYN },
  ], { profile: "corrected" });
  assert.equal(rows[0].endReason, "fin");
  assertFields(rows[0], { srcPort: 40000, totalFwdPackets: 3, totalBwdPackets: 2, initWinBytesBwd: 512 });
});

Deno.test("corrected bulk: four data packets one way within 1 s make a bulk (spec §3.9)", () => {
  const packets: TestPacket[] = [
    { t: 0, from: C, to: S, pl: 100 },
    { t: 100_000, from: C, to: S, pl: 100 },
    { t: 200_000, from: C, to: S, pl: 100 },
    { t: 300_000, from: C, to: S, pl: 100 },
    { t: 400_000, from: C, to: S, pl: 100 },
    { t: 500_000, from: S, to: C, pl: 50 },
    { t: 600_000, from: C, to: S, pl: 100 },
  ];
  const [row] = meterRows(packets, { profile: "corrected" });
  assertFields(row, {
    fwdAvgBytesPerBulk: 500,
    fwdAvgPacketsPerBulk: 5,
    fwdAvgBulkRate: 500 / 0.4,
    bwdAvgBytesPerBulk: 0,
  });
  assertFields(meterRows(packets)[0], { fwdAvgBytesPerBulk: 0, fwdAvgPacketsPerBulk: 0, fwdAvgBulkRate: 0 });
});

Deno.test("open flows idle for longer than the timeout are emitted while reading, not kept to the end", () => {
  const emitted: string[] = [];
  const packets: TestPacket[] = [
    { t: 0, from: C, to: S },
    { t: 5, from: S, to: C },
  ];
  // A later, unrelated conversation far in the future.
  for (let i = 0; i < 5; i++) {
    packets.push({
      t: 200_000_000 + i * 40_000_000,
      from: ["10.9.9.9", 1000 + i],
      to: ["10.9.9.8", 53],
      proto: "udp",
    });
  }
  const rows = meterRows(packets, { profile: "corrected" });
  for (const r of rows) emitted.push(`${r.srcIp}:${r.endReason}`);
  assert.equal(emitted[0], "10.0.0.1:timeout");
  assert.equal(rows.length, 6);
});

Deno.test("corrected files later IPv4 fragments under their first fragment's ports; unmatched ones are counted", async () => {
  const { concat, ethernet, ipv4, pcapFile, udp } = await import("../pcap/build_capture.ts");
  const { CaptureParser } = await import("../../src/pcap/capture_parser.ts");
  const { FlowMeter } = await import("../../src/flow/meter.ts");
  const src = [10, 0, 0, 1], dst = [10, 0, 0, 2];
  const datagram = udp(5353, 53, new Uint8Array(2000)); // 2008 bytes of UDP
  const part = (offset: number, bytes: Uint8Array, more: boolean, id = 7) =>
    ethernet(
      0x0800,
      ipv4({ protocol: 17, src, dst, id, fragmentOffset: offset, moreFragments: more }, bytes),
    );
  const frames = [
    part(0, datagram.subarray(0, 1480), true),
    part(1480, datagram.subarray(1480), false),
    part(1480, new Uint8Array(100), false, 99), // its first fragment never came
  ];
  const bytes = pcapFile(frames.map((data, i) => ({ sec: 1_700_000_000, frac: i * 10, data })));
  const run = (profile: "cic2017" | "corrected") => {
    const rows: import("../../src/flow/flow_record.ts").FlowRecord[] = [];
    const meter = new FlowMeter({ profile, keepSinglePacketFlows: true }, (r) => rows.push(r));
    const parser = new CaptureParser(meter.addPacket);
    parser.push(concat(bytes));
    parser.end();
    meter.flush();
    return { rows, meter };
  };
  const corrected = run("corrected");
  assert.equal(corrected.rows.length, 1);
  assertFields(corrected.rows[0], {
    srcPort: 5353,
    dstPort: 53,
    protocol: 17,
    totalFwdPackets: 2,
    totalLengthFwd: 2000,
  });
  assert.equal(corrected.meter.stats.ignored["later-fragment"], 1);
  // cic2017 (like every Java build) puts later fragments into a protocol-0 flow of the host pair.
  const legacy = run("cic2017");
  assert.deepEqual(legacy.rows.map((r) => `${r.protocol}:${r.totalFwdPackets}`).sort(), ["0:2", "17:1"]);
});
