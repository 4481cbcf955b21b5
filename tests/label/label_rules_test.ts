/**
 * Window labeling rules on hand-built flows: HTTP flood (threshold edge,
 * server exclusion, several attackers) and SYN flood.
 */
import assert from "node:assert/strict";
import { HttpFloodRule } from "../../src/label/http_flood.ts";
import { SynFloodRule } from "../../src/label/syn_flood.ts";
import type { LabelFlow } from "../../src/label/rule.ts";
import { F, meterRows, type TestPacket } from "../flow/flow_harness.ts";

let nextPort = 40000;
function conn(src: string, dst: string, dstPort = 80, extra: Partial<LabelFlow> = {}): LabelFlow {
  return { srcIp: src, dstIp: dst, srcPort: nextPort++, dstPort, protocol: 6, totalBwdPackets: 3, ...extra };
}
function many(n: number, src: string, dst = "10.0.0.1", dstPort = 80): LabelFlow[] {
  return Array.from({ length: n }, () => conn(src, dst, dstPort));
}

Deno.test("49 connections to a web port are Benign, 50 are Attack", () => {
  const rule = new HttpFloodRule();
  const below = rule.label(many(49, "10.0.0.9"));
  assert.deepEqual(below.attackers, []);
  assert.ok(below.labels.every((l) => l === "Benign"));
  const at = rule.label(many(50, "10.0.0.9"));
  assert.deepEqual(at.attackers, [{ ip: "10.0.0.9", connections: 50 }]);
  assert.ok(at.labels.every((l) => l === "Attack"));
});

Deno.test("a server is never an attacker, however many flows it starts to web ports", () => {
  const server = "10.0.0.1";
  // The server answers a client (it sends from port 80) and also opens 100 connections to port 443.
  const flows = [conn("10.0.0.5", server), ...many(100, server, "10.0.0.7", 443)];
  const { labels, attackers } = new HttpFloodRule().label(flows);
  assert.deepEqual(attackers, []);
  assert.ok(labels.every((l) => l === "Benign"));
});

Deno.test("a flow that starts from a web port marks its source as a server", () => {
  const flows = [
    { srcIp: "10.0.0.3", dstIp: "10.0.0.4", srcPort: 8080, dstPort: 5555, protocol: 6 },
    ...many(60, "10.0.0.3"),
  ];
  assert.deepEqual(new HttpFloodRule().label(flows).attackers, []);
});

Deno.test("several attackers are reported by connection count, polite clients stay Benign", () => {
  const flows = [
    ...many(70, "10.0.0.20"),
    ...many(55, "10.0.0.21", "10.0.0.1", 443),
    ...many(5, "10.0.0.30"),
  ];
  const { labels, attackers } = new HttpFloodRule().label(flows);
  assert.deepEqual(attackers, [{ ip: "10.0.0.20", connections: 70 }, { ip: "10.0.0.21", connections: 55 }]);
  assert.equal(labels.filter((l) => l === "Attack").length, 125);
  assert.deepEqual(labels.slice(125), ["Benign", "Benign", "Benign", "Benign", "Benign"]);
});

Deno.test("connections to non-web ports do not count; --web-ports and threshold are configurable", () => {
  const flows = many(60, "10.0.0.9", "10.0.0.1", 22);
  assert.deepEqual(new HttpFloodRule().label(flows).attackers, []);
  const rule = new HttpFloodRule({ webPorts: [22], threshold: 10 });
  assert.deepEqual(rule.label(flows).attackers, [{ ip: "10.0.0.9", connections: 60 }]);
  assert.throws(() => new HttpFloodRule({ threshold: 0 }), /positive integer/);
});

Deno.test("SYN flood: unanswered SYN flows at the threshold make an attacker, answered ones do not", () => {
  const rule = new SynFloodRule({ threshold: 10 });
  const halfOpen = (n: number, src: string) =>
    Array.from(
      { length: n },
      () => conn(src, "10.0.0.1", 80, { flagPackets: { syn: 1 }, totalBwdPackets: 0 }),
    );
  const answered = Array.from(
    { length: 20 },
    () => conn("10.0.0.8", "10.0.0.1", 80, { flagPackets: { syn: 1 } }),
  );
  const { labels, attackers } = rule.label([
    ...halfOpen(10, "10.0.0.6"),
    ...halfOpen(9, "10.0.0.7"),
    ...answered,
  ]);
  assert.deepEqual(attackers, [{ ip: "10.0.0.6", connections: 10 }]);
  assert.equal(labels.filter((l) => l === "Attack").length, 10);
});

Deno.test("SYN flood counts real SYN packets, not the cic2017 synFlagCount column", () => {
  const rule = new SynFloodRule({ threshold: 5 });
  // cic2017 writes the first packet's flags permuted under the flag headers: a bare ACK shows as "SYN 1".
  const permuted = Array.from(
    { length: 8 },
    () => ({
      ...conn("10.0.0.6", "10.0.0.1", 80, { totalBwdPackets: 0 }),
      synFlagCount: 1,
      flagPackets: { syn: 0 },
    }),
  );
  assert.deepEqual(rule.label(permuted).attackers, []);
  assert.throws(() => new SynFloodRule({ threshold: 1.5 }), /positive integer/);
});

Deno.test("HTTP flood: a connection's tail flow without a SYN is not counted as another connection", () => {
  // 49 connections, each split by cic2017 into the SYN part and the FIN tail (no SYN).
  const flows = Array.from({ length: 49 }, () => {
    const f = conn("10.0.0.9", "10.0.0.1", 80, { flagPackets: { syn: 1 } });
    return [f, { ...f, flagPackets: { syn: 0 } }];
  }).flat();
  const below = new HttpFloodRule().label(flows);
  assert.deepEqual(below.attackers, []);
  const one = conn("10.0.0.9", "10.0.0.1", 80, { flagPackets: { syn: 1 } });
  const at = new HttpFloodRule().label([...flows, one]);
  assert.deepEqual(at.attackers, [{ ip: "10.0.0.9", connections: 50 }]);
  assert.equal(at.labels.filter((l) => l === "Attack").length, 99, "tails from the attacker are Attack too");
});

Deno.test("HTTP flood on real meter flows: 50 cic2017 connections (two flows each) make one attacker", () => {
  const packets: TestPacket[] = [];
  const server: [string, number] = ["10.0.0.1", 80];
  const connect = (ip: string, port: number, t: number) => {
    const c: [string, number] = [ip, port];
    packets.push(
      { t, from: c, to: server, flags: F.SYN },
      { t: t + 10, from: server, to: c, flags: F.SYN | F.ACK },
      { t: t + 20, from: c, to: server, flags: F.ACK },
      { t: t + 30, from: c, to: server, flags: F.PSH | F.ACK, pl: 18 },
      { t: t + 40, from: server, to: c, flags: F.PSH | F.ACK, pl: 200 },
      // The server closes first: cic2017 ends the flow here; the rest is a second flow from the client.
      { t: t + 50, from: server, to: c, flags: F.FIN | F.ACK },
      { t: t + 60, from: c, to: server, flags: F.FIN | F.ACK },
      { t: t + 70, from: server, to: c, flags: F.ACK },
    );
  };
  for (let i = 0; i < 50; i++) connect("10.0.0.9", 30000 + i, i * 1000);
  for (let i = 0; i < 3; i++) connect("10.0.0.5", 31000 + i, 60_000 + i * 1000);
  const rows = meterRows(packets, { profile: "cic2017" });
  assert.equal(rows.length, 106, "two flows per connection in cic2017");
  const { labels, attackers } = new HttpFloodRule().label(rows);
  assert.deepEqual(attackers, [{ ip: "10.0.0.9", connections: 50 }]);
  for (const [i, r] of rows.entries()) {
    assert.equal(labels[i], r.srcIp === "10.0.0.9" ? "Attack" : "Benign", `${r.srcIp}:${r.srcPort}`);
  }
  // One connection fewer is below the threshold.
  const fewer = meterRows(packets.filter((p) => p.from[1] !== 30049 && p.to[1] !== 30049), {
    profile: "cic2017",
  });
  assert.deepEqual(new HttpFloodRule().label(fewer).attackers, []);
});
