/**
 * `flushPartly(n)`, the end-of-input flush a batch at a time (convert awaits
 * its writer between batches): the same rows in the same order and the same
 * counts as one `flush()`, and a meter that goes on afterwards as after one.
 */
import assert from "node:assert/strict";
import { CaptureParser } from "../../src/pcap/capture_parser.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { FlowRecord, ProfileName } from "../../src/flow/flow_record.ts";
import { F, pcapOf, type TestPacket } from "./flow_harness.ts";

const server: [string, number] = ["10.9.0.1", 80];

/** 300 connections: every third closed with FINs (corrected queues it for the grace period), some UDP, the rest open. */
function traffic(start: number): TestPacket[] {
  const packets: TestPacket[] = [];
  for (let i = 0; i < 300; i++) {
    const client: [string, number] = [`10.8.${i >> 8}.${i & 255}`, 40000 + i];
    const t = start + i * 10;
    if (i % 7 === 0) {
      packets.push({ t, from: client, to: server, proto: "udp", pl: 30 });
      continue;
    }
    packets.push({ t, from: client, to: server, flags: F.SYN });
    packets.push({ t: t + 1, from: server, to: client, flags: F.SYN | F.ACK });
    packets.push({ t: t + 2, from: client, to: server, flags: F.PSH | F.ACK, pl: 100 + i });
    if (i % 3 === 0) {
      packets.push({ t: t + 3, from: client, to: server, flags: F.FIN | F.ACK });
      packets.push({ t: t + 4, from: server, to: client, flags: F.FIN | F.ACK });
      packets.push({ t: t + 5, from: client, to: server, flags: F.ACK });
    }
  }
  return packets.sort((a, b) => a.t - b.t);
}

/** Gives the meter the packets as one capture. */
function feed(meter: FlowMeter, packets: TestPacket[]): void {
  const parser = new CaptureParser(meter.addPacket);
  parser.push(pcapOf(packets));
  parser.end();
}

/** Rows and stats of a meter fed `before`, flushed (all at once, or `step` flows at a time), then fed `after`. */
function run(profile: ProfileName, step: number | null, before: TestPacket[], after: TestPacket[]) {
  const rows: FlowRecord[] = [];
  const meter = new FlowMeter({ profile }, (r) => rows.push(r));
  feed(meter, before);
  const open = meter.activeFlows;
  let steps = 0;
  if (step === null) meter.flush();
  else while (!meter.flushPartly(step)) steps++;
  const atFlush = rows.length;
  assert.equal(meter.activeFlows, 0, "the table is empty after the last step");
  feed(meter, after);
  meter.flush();
  return { rows: rows.map((r) => JSON.stringify(r)), atFlush, open, stats: meter.stats, steps };
}

for (const profile of ["cic2017", "corrected", "engelen"] as const) {
  Deno.test(`${profile}: flushPartly in steps of 7 gives flush()'s rows, order and counts, and the meter goes on the same`, () => {
    const before = traffic(0);
    const after = traffic(5_000_000).map((p) => ({ ...p, from: p.to, to: p.from })); // the same keys again, reversed
    const whole = run(profile, null, before, after);
    const partly = run(profile, 7, before, after);
    assert.ok(whole.open > 100, `many flows open at the flush (${whole.open})`);
    assert.equal(partly.steps, Math.ceil(whole.open / 7) - 1, "it stopped after every 7 flows");
    assert.equal(partly.atFlush, whole.atFlush);
    assert.deepEqual(partly.rows, whole.rows);
    assert.deepEqual(partly.stats, whole.stats);
  });

  Deno.test(`${profile}: after a flush the same keys start new flows, as in a fresh meter`, () => {
    // The flush frees every slot at once and empties the buckets: a stale chain would
    // lead a later packet of the same key to a freed slot. (Rows are compared as sets:
    // a flush ends flows in slot order, and reused slots come in another order.)
    const after = traffic(5_000_000).map((p) => ({ ...p, from: p.to, to: p.from }));
    for (const step of [null, 7]) {
      const flushed = run(profile, step, traffic(0), after);
      const fresh = run(profile, null, [], after);
      assert.ok(fresh.rows.length > 100);
      assert.deepEqual(flushed.rows.slice(flushed.atFlush).sort(), fresh.rows.toSorted());
    }
  });
}

Deno.test("flushPartly on an empty meter is done at once; a step of 0 ends nothing until a later call", () => {
  const rows: FlowRecord[] = [];
  const meter = new FlowMeter({ profile: "corrected" }, (r) => rows.push(r));
  assert.equal(meter.flushPartly(1), true);
  feed(meter, traffic(0).slice(0, 20));
  const open = meter.activeFlows;
  assert.equal(meter.flushPartly(0), false);
  assert.equal(meter.activeFlows, open);
  assert.equal(meter.flushPartly(Infinity), true);
  assert.equal(meter.activeFlows, 0);
});

Deno.test("a consumer that throws during a flush loses no packet: the flows not ended stay open and findable", () => {
  const rows: FlowRecord[] = [];
  let throwAt = 5;
  const meter = new FlowMeter({ profile: "corrected" }, (r) => {
    if (rows.length === throwAt) {
      throwAt = -1;
      throw new Error("disk full");
    }
    rows.push(r);
  });
  feed(meter, traffic(0));
  const open = meter.activeFlows;
  assert.throws(() => meter.flush(), /disk full/);
  assert.equal(rows.length, 5);
  assert.equal(meter.activeFlows, open - 5, "the flow whose row failed and the rest are still open");
  feed(meter, traffic(5_000_000)); // the same keys: ended flows start anew, the others go on
  meter.flush();
  const counted = rows.reduce((n, r) => n + r.totalFwdPackets + r.totalBwdPackets, 0);
  assert.equal(counted, meter.stats.packets, "every packet is in exactly one row");
});
