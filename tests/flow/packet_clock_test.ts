/**
 * The packet clock (src/flow/packet_clock.ts) through the meter: one stray
 * timestamp does not stop the idle sweep or the termination grace for the
 * rest of the input, and a step of the time base (captures concatenated out
 * of order, a clock set back) is followed. Observed as the rows a meter
 * emits while reading, before its final flush.
 */
import assert from "node:assert/strict";
import type { FlowRecord } from "../../src/flow/flow_record.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { MeterOptions } from "../../src/flow/profile.ts";
import { CaptureParser } from "../../src/pcap/capture_parser.ts";
import { F, pcapOf, type TestPacket } from "./flow_harness.ts";

const C: [string, number] = ["10.0.0.1", 40000];
const S: [string, number] = ["10.0.0.2", 443];
const C2: [string, number] = ["10.0.0.3", 40001];
const X: [string, number] = ["10.9.9.9", 53];
const Y: [string, number] = ["10.9.9.8", 53];
const Z: [string, number] = ["10.9.9.7", 123];
/** µs in 46 years: a timestamp far in the future. */
const DECADES = 1_450_000_000_000_000;
const DAY = 86_400_000_000;

/** The source ports of the flows emitted while reading, and of those only the final flush emitted. */
function emitted(packets: TestPacket[], options: MeterOptions): { reading: number[]; flush: number[] } {
  const rows: FlowRecord[] = [];
  const meter = new FlowMeter(options, (r) => rows.push(r));
  const parser = new CaptureParser(meter.addPacket);
  parser.push(pcapOf(packets));
  parser.end();
  const reading = rows.map((r) => r.srcPort);
  meter.flush();
  return { reading, flush: rows.slice(reading.length).map((r) => r.srcPort) };
}

/** A TCP connection from `from` to S opened and closed (FIN both ways, then ACK) from `t` on. */
function closedConnection(t: number, from: [string, number]): TestPacket[] {
  return [
    { t, from, to: S, flags: F.SYN },
    { t: t + 1_000, from: S, to: from, flags: F.SYN | F.ACK },
    { t: t + 2_000, from, to: S, flags: F.ACK },
    { t: t + 3_000, from, to: S, flags: F.FIN | F.ACK },
    { t: t + 4_000, from: S, to: from, flags: F.FIN | F.ACK },
    { t: t + 5_000, from, to: S, flags: F.ACK },
  ];
}

Deno.test("corrected: after one packet stamped decades ahead, a finished connection still ends after the grace", () => {
  const packets: TestPacket[] = [
    { t: 0, from: X, to: Y, proto: "udp" },
    { t: 500, from: X, to: Y, proto: "udp", pl: 1 },
    { t: DECADES, from: Z, to: Y, proto: "udp" },
    ...closedConnection(1_000, C),
    // Later traffic moves the clock past the connection's grace period (1 s).
    { t: 3_000_000, from: C2, to: S, proto: "udp" },
    { t: 3_500_000, from: C2, to: S, proto: "udp" },
  ];
  const { reading } = emitted(packets, { profile: "corrected" });
  // The stray packet did not end the connection early either: all six packets are in its row.
  assert.deepEqual(reading, [40000]);
});

Deno.test("after one packet stamped decades ahead, the idle sweep still emits flows silent for longer than the timeout", () => {
  const packets: TestPacket[] = [
    { t: 0, from: C, to: S, flags: F.SYN },
    { t: 1_000, from: S, to: C, flags: F.SYN | F.ACK },
    { t: DECADES, from: X, to: Y, proto: "udp" },
    { t: 200_000_000, from: C2, to: S, proto: "udp" },
    { t: 200_001_000, from: C2, to: S, proto: "udp" },
  ];
  for (const profile of ["cic2017", "corrected"] as const) {
    const { reading, flush } = emitted(packets, { profile });
    assert.deepEqual(reading, [40000], profile);
    assert.ok(!flush.includes(40000), profile);
  }
});

Deno.test("corrected: the clock follows a step back to a new time base (concatenated captures, a clock set back)", () => {
  const packets: TestPacket[] = [
    // A connection that closes a day later than everything after it.
    ...closedConnection(DAY, C),
    // The time base steps back a day: the connection above waits for no grace of the old base, and
    // one closing in the new base ends after its own grace period.
    ...closedConnection(0, C2),
    { t: 3_000_000, from: X, to: Y, proto: "udp" },
    { t: 3_500_000, from: X, to: Y, proto: "udp" },
  ];
  const { reading, flush } = emitted(packets, { profile: "corrected" });
  assert.deepEqual(reading, [40000, 40001]);
  assert.deepEqual(flush, [53]);
});

Deno.test("a lone packet stamped far back does not move the clock: the flows around it are not ended early", () => {
  const packets: TestPacket[] = [
    ...closedConnection(DAY, C),
    { t: 0, from: X, to: Y, proto: "udp" },
    { t: DAY + 100_000, from: C2, to: S, proto: "udp" },
  ];
  const { reading, flush } = emitted(packets, { profile: "corrected" });
  assert.deepEqual(reading, []);
  assert.deepEqual(flush.sort(), [40000, 40001, 53]);
});

Deno.test("corrected: sparse traffic (a packet every five minutes) still moves the clock past a connection's grace", () => {
  const packets: TestPacket[] = [
    ...closedConnection(0, C),
    { t: 300_000_000, from: X, to: Y, proto: "udp" },
    { t: 600_000_000, from: Z, to: Y, proto: "udp" },
    { t: 900_000_000, from: C2, to: Y, proto: "udp" },
  ];
  const { reading } = emitted(packets, { profile: "corrected" });
  // The connection after its grace; then the sweep, ten minutes on, emits the first sparse flow.
  assert.deepEqual(reading, [40000, 53]);
});
