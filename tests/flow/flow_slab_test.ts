/**
 * The flow slab (src/flow/flow_slab.ts): the layout derived from
 * FLOW_SCHEMA, the accessors, slot reuse and growth, and the branded offsets
 * the compiler checks (the `@ts-expect-error` lines below fail `deno check`
 * and `deno test` when a brand stops rejecting a misuse).
 */
import assert from "node:assert/strict";
import {
  accAdd,
  accStd,
  ACTIVITY,
  add,
  BULK,
  BULK_CELL,
  BULK_TIME,
  BULK_WIDTH,
  bulkAdd,
  bulkGet,
  bulkIncrement,
  bulkSet,
  CHUNK_SLOTS,
  clearFlowState,
  copyKey,
  COUNT,
  FLAG,
  FLOW,
  FLOW_SCHEMA,
  flowBase,
  FlowSlab,
  get,
  GROUP_START,
  IAT,
  increment,
  KEY,
  KEY_CELLS,
  LENGTH,
  LINK,
  set,
  STAT_CELL,
  STAT_WIDTH,
  statGet,
  STRIDE,
  TCP,
  TIME,
  WINDOW,
} from "../../src/flow/flow_slab.ts";

type AnyOffsets = Record<string, Record<string, number>>;
const offsets = FLOW as unknown as AnyOffsets;
const groups = Object.entries(FLOW_SCHEMA);

Deno.test("every schema name gets its own cells, the groups in order and together exactly one slot", () => {
  const owner = new Array<string | undefined>(STRIDE);
  let expectedStart = 0;
  for (const [group, { width, names }] of groups) {
    assert.equal(
      GROUP_START[group as keyof typeof GROUP_START],
      expectedStart,
      `${group} starts after the last group`,
    );
    for (const [i, name] of names.entries()) {
      const at = offsets[group][name];
      assert.equal(at, expectedStart + i * width, `${group}.${name} follows the name before it`);
      for (let cell = at; cell < at + width; cell++) {
        assert.equal(owner[cell], undefined, `${group}.${name} overlaps ${owner[cell]}`);
        owner[cell] = `${group}.${name}`;
      }
    }
    expectedStart += width * names.length;
  }
  assert.equal(expectedStart, STRIDE);
  assert.equal(owner.filter((o) => o !== undefined).length, STRIDE, "no cell left unnamed");
});

Deno.test("the key opens the slot and the links follow it: what a restarted flow keeps", () => {
  assert.deepEqual(Object.keys(FLOW_SCHEMA).slice(0, 3), ["key", "link", "time"]);
  assert.equal(KEY.ver, 0);
  assert.equal(KEY.hash, KEY_CELLS - 1);
  assert.equal(GROUP_START.link, KEY_CELLS);
  assert.equal(GROUP_START.time, KEY_CELLS + 2);
});

Deno.test("cells inside a statistic and a bulk block number from 0 up to their width", () => {
  assert.deepEqual(Object.values(STAT_CELL), [...Array(STAT_WIDTH).keys()]);
  assert.deepEqual(Object.values(BULK_CELL), [...Array(BULK_WIDTH).keys()]);
  assert.equal(FLOW_SCHEMA.length.width, STAT_WIDTH);
  assert.equal(FLOW_SCHEMA.bulk.width, BULK_WIDTH);
});

Deno.test("a flow slot is 115 doubles: the TCP termination state is one cell (four before)", () => {
  assert.equal(STRIDE, 115);
  assert.equal(TCP.state, GROUP_START.tcp);
  assert.equal(BULK_TIME.bwd, BULK_TIME.fwd + 1);
});

Deno.test("the accessors reach the cell at slot base + offset, and only that cell", () => {
  const slab = new FlowSlab(4);
  slab.allocate();
  const slot = slab.allocate();
  const b = flowBase(slot);
  assert.equal(b, STRIDE);
  const c = slab.cellsOf(slot);

  set(c, b, TIME.last, 123);
  assert.equal(c[STRIDE + TIME.last], 123);
  c[STRIDE + WINDOW.initWinBwd] = 77;
  assert.equal(get(c, b, WINDOW.initWinBwd), 77);
  assert.equal(increment(c, b, COUNT.fwdPackets), 1);
  assert.equal(increment(c, b, COUNT.fwdPackets), 2);
  add(c, b, COUNT.fwdBytes, 40);
  add(c, b, FLAG.psh, 2);
  add(c, b, BULK_TIME.bwd, 5);
  assert.equal(c[STRIDE + COUNT.fwdBytes], 40);
  assert.equal(c[STRIDE + FLAG.psh], 2);
  assert.equal(c[STRIDE + BULK_TIME.bwd], 5);

  bulkSet(c, b, BULK.bwd, BULK_CELL.lastData, 9);
  assert.equal(c[STRIDE + BULK.bwd + BULK_CELL.lastData], 9);
  assert.equal(bulkGet(c, b, BULK.fwd, BULK_CELL.lastData), 0, "the other direction's block is untouched");
  assert.equal(bulkIncrement(c, b, BULK.fwd, BULK_CELL.count), 1);
  bulkAdd(c, b, BULK.fwd, BULK_CELL.bytes, 1000);
  assert.equal(c[STRIDE + BULK.fwd + BULK_CELL.bytes], 1000);

  // Everything written landed in slot 1; slot 0 and slot 2 are still zero.
  assert.ok(c.subarray(0, STRIDE).every((x) => x === 0));
  assert.ok(c.subarray(2 * STRIDE).every((x) => x === 0));
  const written = [...c.subarray(STRIDE, 2 * STRIDE)].filter((x) => x !== 0).length;
  assert.equal(written, 9);
});

Deno.test("a statistic keeps count, mean, sample std, min, max and sum in its own block", () => {
  const slab = new FlowSlab(1);
  const slot = slab.allocate();
  const c = slab.cellsOf(slot), b = flowBase(slot);
  for (const x of [2, 4, 9]) accAdd(c, b, IAT.fwd, x);
  accAdd(c, b, IAT.bwd, 100);
  assert.equal(statGet(c, b, IAT.fwd, STAT_CELL.n), 3);
  assert.equal(statGet(c, b, IAT.fwd, STAT_CELL.mean), 5);
  assert.equal(statGet(c, b, IAT.fwd, STAT_CELL.min), 2);
  assert.equal(statGet(c, b, IAT.fwd, STAT_CELL.max), 9);
  assert.equal(statGet(c, b, IAT.fwd, STAT_CELL.sum), 15);
  assert.ok(Math.abs(accStd(c, b, IAT.fwd) - Math.sqrt(13)) < 1e-12);
  assert.equal(accStd(c, b, IAT.bwd), 0, "one value has no sample deviation");
  assert.equal(statGet(c, b, IAT.bwd, STAT_CELL.min), 100);
  assert.equal(accStd(c, b, ACTIVITY.idle), 0);
  assert.equal(statGet(c, b, LENGTH.all, STAT_CELL.n), 0);
});

Deno.test("clearFlowState zeroes the flow's own state and keeps its key and links", () => {
  const slab = new FlowSlab(2);
  const slot = slab.allocate();
  const c = slab.cellsOf(slot), b = flowBase(slot);
  c.fill(7, b, b + STRIDE);
  clearFlowState(c, b);
  assert.ok(c.subarray(b, b + GROUP_START.time).every((x) => x === 7));
  assert.ok(c.subarray(b + GROUP_START.time, b + STRIDE).every((x) => x === 0));
});

Deno.test("copyKey copies the key cells and nothing else", () => {
  const from = new FlowSlab(1);
  const to = new FlowSlab(2);
  const fromSlot = from.allocate();
  const fc = from.cellsOf(fromSlot), fb = flowBase(fromSlot);
  fc.fill(5, fb, fb + STRIDE);
  to.allocate();
  const toSlot = to.allocate();
  const tc = to.cellsOf(toSlot), tb = flowBase(toSlot);
  copyKey(fc, fb, tc, tb);
  assert.ok(tc.subarray(tb, tb + KEY_CELLS).every((x) => x === 5));
  assert.ok(tc.subarray(tb + KEY_CELLS).every((x) => x === 0));
  assert.ok(tc.subarray(0, tb).every((x) => x === 0));
});

Deno.test("a released slot is handed out again, zeroed; the slab doubles when full and keeps its flows", () => {
  const slab = new FlowSlab(2);
  const a = slab.allocate(), b = slab.allocate();
  assert.deepEqual([a, b, slab.live, slab.highWater], [0, 1, 2, 2]);
  set(slab.cellsOf(a), flowBase(a), LINK.live, 1);
  set(slab.cellsOf(a), flowBase(a), TIME.first, 11);
  set(slab.cellsOf(b), flowBase(b), TIME.first, 22);

  slab.release(a);
  assert.equal(get(slab.cellsOf(a), flowBase(a), LINK.live), 0, "release marks the slot free");
  assert.equal(slab.live, 1);
  const again = slab.allocate();
  assert.equal(again, a);
  assert.equal(get(slab.cellsOf(again), flowBase(again), TIME.first), 0, "a reused slot starts zeroed");
  assert.equal(slab.highWater, 2);

  const grown = slab.allocate();
  assert.equal(grown, 2);
  assert.equal(slab.capacity, 4);
  assert.equal(slab.cellsOf(grown).length, 4 * STRIDE);
  assert.equal(get(slab.cellsOf(b), flowBase(b), TIME.first), 22, "growth keeps the open flows");
  assert.equal(slab.live, 3);
});

Deno.test("past its first chunk the slab grows a chunk at a time and never moves a slot", () => {
  const slab = new FlowSlab(8);
  const slots = Array.from({ length: 3 * CHUNK_SLOTS + 5 }, () => slab.allocate());
  assert.deepEqual(slots, slots.map((_, i) => i));
  assert.equal(slab.capacity, 4 * CHUNK_SLOTS, "whole chunks once the first is full");
  const firstChunk = slab.cellsOf(0);
  for (const slot of slots) set(slab.cellsOf(slot), flowBase(slot), TIME.first, slot + 0.5);
  // Each chunk holds CHUNK_SLOTS slots; a slot's cells stay where they were put.
  assert.equal(slab.cellsOf(CHUNK_SLOTS - 1), firstChunk);
  assert.notEqual(slab.cellsOf(CHUNK_SLOTS), firstChunk);
  assert.equal(slab.cellsOf(CHUNK_SLOTS).length, CHUNK_SLOTS * STRIDE);
  assert.equal(flowBase(CHUNK_SLOTS + 3), 3 * STRIDE);
  for (let i = 0; i < 8; i++) slab.allocate(); // a new chunk: nothing moves
  assert.equal(slab.cellsOf(0), firstChunk);
  for (const slot of slots) assert.equal(get(slab.cellsOf(slot), flowBase(slot), TIME.first), slot + 0.5);
  // Released slots of any chunk are reused, zeroed, before the slab grows again.
  const capacity = slab.capacity;
  slab.release(2 * CHUNK_SLOTS + 1);
  assert.equal(slab.allocate(), 2 * CHUNK_SLOTS + 1);
  assert.equal(get(slab.cellsOf(2 * CHUNK_SLOTS + 1), flowBase(2 * CHUNK_SLOTS + 1), TIME.first), 0);
  assert.equal(slab.capacity, capacity);
});

/**
 * Misuses the compiler must reject. Never called: each line is a type error
 * that `@ts-expect-error` asserts; if a brand is weakened so that a line
 * compiles, the unused directive is itself an error.
 */
function _misusesTheCompilerRejects(c: Float64Array): void {
  const b = flowBase(0);
  // @ts-expect-error a bulk block's inner cell is not a flow cell
  get(c, b, BULK_CELL.lastData);
  // @ts-expect-error a bulk block is not a flow cell
  get(c, b, BULK.fwd);
  // @ts-expect-error a statistic is not a flow cell
  set(c, b, IAT.flow, 0);
  // @ts-expect-error a statistic's inner cell is not a flow cell
  get(c, b, STAT_CELL.mean);
  // @ts-expect-error a counter is not a statistic
  accAdd(c, b, COUNT.fwdPackets, 1);
  // @ts-expect-error a bulk block is not a statistic
  accStd(c, b, BULK.fwd);
  // @ts-expect-error a statistic is not a bulk block
  bulkGet(c, b, IAT.fwd, BULK_CELL.count);
  // @ts-expect-error a flow cell is not a bulk block's inner cell
  bulkGet(c, b, BULK.fwd, TIME.last);
  // @ts-expect-error a statistic's inner cell is not a bulk block's inner cell
  bulkSet(c, b, BULK.bwd, STAT_CELL.n, 0);
  // @ts-expect-error a bulk block's inner cell is not a statistic's inner cell
  statGet(c, b, LENGTH.fwd, BULK_CELL.count);
  // @ts-expect-error a time is neither a counter, a flag count nor a bulk duration
  add(c, b, TIME.last, 1);
  // @ts-expect-error a window is not a counter
  increment(c, b, WINDOW.initWinFwd);
  // @ts-expect-error the TCP state moves only through updateTcpState (tcp_termination.ts)
  set(c, b, TCP.state, 0);
  // @ts-expect-error a raw number is no offset
  get(c, b, 3);
  // @ts-expect-error a slot index is no flow base
  get(c, 1, COUNT.fwdPackets);
  // @ts-expect-error a flow cell is no flow base
  get(c, TIME.first, COUNT.fwdPackets);
}
void _misusesTheCompilerRejects;
