/**
 * The open-flow table (src/flow/flow_table.ts) on its own: lookups in both
 * directions, hash collisions, removal from a bucket chain, slot reuse,
 * growth, reversal and copying keys between tables.
 */
import assert from "node:assert/strict";
import { FlowPacket } from "../../src/flow/flow_packet.ts";
import { flowHash, FlowTable, fromFlowSource } from "../../src/flow/flow_table.ts";
import { flowBase, get, KEY, LINK, TIME } from "../../src/flow/flow_slab.ts";

/** A TCP packet between IPv4 addresses given as 32-bit numbers. */
function packet(src: number, sport: number, dst: number, dport: number, proto = 6): FlowPacket {
  const p = new FlowPacket();
  p.ver = 4;
  p.proto = proto;
  p.s0 = src;
  p.sport = sport;
  p.d0 = dst;
  p.dport = dport;
  p.sameAddress = src === dst;
  return p;
}

const A = 0x0a000001, B = 0x0a000002;

Deno.test("a flow is found from either direction and stored as its first packet was oriented", () => {
  const table = new FlowTable(false);
  const out = packet(A, 40000, B, 443);
  const back = packet(B, 443, A, 40000);
  assert.equal(flowHash(out), flowHash(back), "the hash is symmetric");
  assert.equal(table.find(out, flowHash(out)), -1);
  const slot = table.insert(out, flowHash(out));
  assert.equal(table.size, 1);
  assert.equal(table.find(out, flowHash(out)), slot);
  assert.equal(table.find(back, flowHash(back)), slot);
  const c = table.slab.cellsOf(slot), b = flowBase(slot);
  assert.deepEqual([get(c, b, KEY.s0), get(c, b, KEY.sport), get(c, b, KEY.d0), get(c, b, KEY.dport)], [
    A,
    40000,
    B,
    443,
  ]);
  assert.equal(get(c, b, LINK.live), 1);
  assert.ok(fromFlowSource(c, b, out, true));
  assert.ok(!fromFlowSource(c, b, back, false));
});

Deno.test("another port, protocol or address is another flow", () => {
  const table = new FlowTable(false);
  const p = packet(A, 40000, B, 443);
  table.insert(p, flowHash(p));
  for (
    const other of [packet(A, 40001, B, 443), packet(A, 40000, B, 443, 17), packet(A, 40000, B + 1, 443)]
  ) {
    assert.equal(table.find(other, flowHash(other)), -1);
  }
});

Deno.test("with orientedWhenSameAddress, A:1→A:2 and A:2→A:1 are two flows (cic2017 keys)", () => {
  const there = packet(A, 1, A, 2), back = packet(A, 2, A, 1);
  const oriented = new FlowTable(true);
  oriented.insert(there, flowHash(there));
  assert.equal(oriented.find(back, flowHash(back)), -1);
  const directional = new FlowTable(false);
  const slot = directional.insert(there, flowHash(there));
  assert.equal(directional.find(back, flowHash(back)), slot);
});

Deno.test("flows whose hashes collide share a bucket and each is still found and removed on its own", () => {
  const table = new FlowTable(false, 16);
  const hash = 7; // forced: three keys in one chain
  const flows = [packet(A, 1, B, 80), packet(A, 2, B, 80), packet(A, 3, B, 80)];
  const slots = flows.map((p) => table.insert(p, hash));
  flows.forEach((p, i) => assert.equal(table.find(p, hash), slots[i]));
  table.remove(slots[1]); // the middle of the chain
  assert.equal(table.find(flows[1], hash), -1);
  assert.equal(table.find(flows[0], hash), slots[0]);
  assert.equal(table.find(flows[2], hash), slots[2]);
  table.remove(slots[2]); // the head (last inserted)
  assert.equal(table.find(flows[0], hash), slots[0]);
  table.remove(slots[0]);
  assert.equal(table.size, 0);
  for (const p of flows) assert.equal(table.find(p, hash), -1);
});

Deno.test("a removed flow's slot is reused, zeroed, for the next new flow", () => {
  const table = new FlowTable(false, 4);
  const p = packet(A, 1, B, 80), q = packet(A, 2, B, 80);
  const slot = table.insert(p, flowHash(p));
  table.slab.cellsOf(slot)[flowBase(slot) + TIME.last] = 99;
  table.remove(slot);
  assert.equal(get(table.slab.cellsOf(slot), flowBase(slot), LINK.live), 0);
  const reused = table.insert(q, flowHash(q));
  assert.equal(reused, slot);
  assert.equal(get(table.slab.cellsOf(reused), flowBase(reused), TIME.last), 0);
  assert.equal(get(table.slab.cellsOf(reused), flowBase(reused), KEY.sport), 2);
  assert.equal(table.find(p, flowHash(p)), -1);
  assert.equal(table.find(q, flowHash(q)), reused);
});

Deno.test("the table grows past its first capacity and every flow stays findable", () => {
  const table = new FlowTable(false, 4);
  // 3000 flows: more than two of the slab's chunks.
  const flows = Array.from({ length: 3000 }, (_, i) => packet(A + (i >>> 8), 1024 + (i & 255), B, 80));
  const slots = flows.map((p) => table.insert(p, flowHash(p)));
  assert.equal(table.size, 3000);
  assert.ok(table.slab.capacity >= 3000);
  assert.equal(new Set(slots).size, 3000, "one slot per flow");
  flows.forEach((p, i) => assert.equal(table.find(p, flowHash(p)), slots[i]));
  for (let i = 0; i < 3000; i += 2) table.remove(slots[i]);
  flows.forEach((p, i) => assert.equal(table.find(p, flowHash(p)), i % 2 === 0 ? -1 : slots[i]));
});

Deno.test("reverse swaps the stored source and destination", () => {
  const table = new FlowTable(false);
  const p = packet(A, 40000, B, 443);
  const slot = table.insert(p, flowHash(p));
  table.reverse(slot);
  const c = table.slab.cellsOf(slot), b = flowBase(slot);
  assert.deepEqual([get(c, b, KEY.s0), get(c, b, KEY.sport), get(c, b, KEY.d0), get(c, b, KEY.dport)], [
    B,
    443,
    A,
    40000,
  ]);
  assert.equal(table.find(p, flowHash(p)), slot, "still found from both sides");
  assert.ok(!fromFlowSource(c, b, p, false));
});

Deno.test("insertKeyOf remembers another table's flow by its key and orientation", () => {
  const table = new FlowTable(false);
  const p = packet(A, 40000, B, 443);
  const slot = table.insert(p, flowHash(p));
  table.reverse(slot);
  const keys = new FlowTable(false, 16);
  const copy = keys.insertKeyOf(table.slab.cellsOf(slot), flowBase(slot));
  assert.equal(keys.find(p, flowHash(p)), copy);
  const c = keys.slab.cellsOf(copy), b = flowBase(copy);
  assert.equal(get(c, b, KEY.s0), B, "oriented as the original");
  assert.equal(get(c, b, KEY.hash), flowHash(p));
  assert.equal(get(c, b, TIME.first), 0, "only the key is copied");
});

Deno.test("unlinkAll empties the buckets once every slot is freed, and refuses while a flow is open", () => {
  const table = new FlowTable(false, 4);
  const flows = Array.from({ length: 50 }, (_, i) => packet(A, 1000 + i, B, 80));
  const slots = flows.map((p) => table.insert(p, flowHash(p)));
  table.slab.release(slots[0]);
  assert.throws(() => table.unlinkAll(), /49 open flows/);
  for (const slot of slots.slice(1)) table.slab.release(slot); // as a flush frees them: not unlinked
  table.unlinkAll();
  for (const p of flows) assert.equal(table.find(p, flowHash(p)), -1, "no chain leads to a freed slot");
  const again = flows.map((p) => table.insert(p, flowHash(p)));
  assert.equal(table.size, 50);
  flows.forEach((p, i) => assert.equal(table.find(p, flowHash(p)), again[i]));
});
