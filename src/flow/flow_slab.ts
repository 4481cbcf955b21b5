/**
 * Per-flow state as fixed-size slots in Float64Array chunks ("slab"), so a
 * flow costs a constant ~1 KiB, creating one allocates no object, and the
 * packet loop touches only typed-array cells. A slot's cells are reached as
 * `slab.cellsOf(slot)` (its chunk) plus `flowBase(slot)` (its offset there).
 *
 * Every offset is derived from one declared layout, FLOW_SCHEMA. Offsets are
 * branded by group, and cells are reached only through the accessors below,
 * so the compiler rejects an offset used where another kind is meant: a bulk
 * block's inner cell as a flow cell, a statistic as a counter, a raw number
 * as either. The accessors are plain functions on the array with numeric
 * offsets: the optimizer inlines them, and nothing is allocated per packet.
 *
 * @example Reading and writing a flow's cells
 * ```ts
 * import assert from "node:assert/strict";
 * import { accAdd, BULK, BULK_CELL, bulkGet, COUNT, FlowSlab, flowBase, get, increment, LENGTH, STAT_CELL, statGet } from "./flow_slab.ts";
 * const slab = new FlowSlab();
 * const slot = slab.allocate();
 * const c = slab.cellsOf(slot), b = flowBase(slot);
 * increment(c, b, COUNT.fwdPackets);
 * accAdd(c, b, LENGTH.fwd, 40);
 * assert.equal(get(c, b, COUNT.fwdPackets), 1);
 * assert.equal(statGet(c, b, LENGTH.fwd, STAT_CELL.max), 40);
 * assert.equal(bulkGet(c, b, BULK.fwd, BULK_CELL.count), 0);
 * ```
 */

/** Cells of one running statistic: a Welford accumulator (spec §0: Java's SummaryStatistics). */
const STAT_CELLS = ["n", "mean", "m2", "min", "max", "sum"] as const;

/** Cells of one direction's bulk state machine (spec §3.9). */
const BULK_CELLS = [
  "hasCandidate",
  "candidateStart",
  "candidateCount",
  "candidateBytes",
  "lastData",
  "count",
  "packets",
  "bytes",
] as const;

/**
 * The layout of a flow slot, group by group in storage order: each name of a
 * group takes `width` cells. `key` and `link` come first and stay when a flow
 * is restarted in its slot (clearFlowState); everything after them is the
 * flow's own state.
 */
export const FLOW_SCHEMA = {
  /** The flow key, oriented sender → receiver; addresses as 32-bit words (IPv4: word 0 only). */
  key: {
    width: 1,
    names: ["ver", "proto", "sport", "dport", "s0", "s1", "s2", "s3", "d0", "d1", "d2", "d3", "hash"],
  },
  /** Table links: the next slot in the same hash bucket (−1 at the end); 1 while the slot holds an open flow. */
  link: { width: 1, names: ["next", "live"] },
  /** Times (µs): first and last packet, last packet per direction, the current active period. */
  time: { width: 1, names: ["first", "last", "fwdLast", "bwdLast", "activeStart", "activeEnd"] },
  /** Counters; fwdDataPackets: forward packets with payload; subflowGaps: gaps longer than 1 s. */
  count: {
    width: 1,
    names: [
      "fwdPackets",
      "bwdPackets",
      "fwdBytes",
      "bwdBytes",
      "fwdHeaderBytes",
      "bwdHeaderBytes",
      "fwdDataPackets",
      "subflowGaps",
    ],
  },
  /**
   * TCP parameters (spec §3.10): the smallest forward transport header (set by
   * the first forward packet), the initial windows (−1 until seen), and 1
   * once initWinBwd holds the first backward TCP window (corrected).
   */
  window: { width: 1, names: ["minFwdHeader", "initWinFwd", "initWinBwd", "bwdWinSet"] },
  /** Packets carrying each flag, per-direction PSH/URG, and the first packet's flag byte. */
  flag: {
    width: 1,
    names: [
      "fin",
      "syn",
      "rst",
      "psh",
      "ack",
      "urg",
      "cwr",
      "ece",
      "fwdPsh",
      "bwdPsh",
      "fwdUrg",
      "bwdUrg",
      "first",
    ],
  },
  /** The TCP termination state (tcp_termination.ts), changed only by updateTcpState. */
  tcp: { width: 1, names: ["state"] },
  /** The first packet's ICMP type and code (−1 when not ICMP). */
  icmp: { width: 1, names: ["type", "code"] },
  /** Payload length statistics per direction and of all packets. */
  length: { width: STAT_CELLS.length, names: ["fwd", "bwd", "all"] },
  /** Inter-arrival time statistics of the flow and per direction. */
  iat: { width: STAT_CELLS.length, names: ["flow", "fwd", "bwd"] },
  /** Active and idle period statistics (spec §3.7). */
  activity: { width: STAT_CELLS.length, names: ["active", "idle"] },
  /** Bulk state per direction (spec §3.9): one block of BULK_CELLS each. */
  bulk: { width: BULK_CELLS.length, names: ["fwd", "bwd"] },
  /** Bulk duration per direction (µs). */
  bulkTime: { width: 1, names: ["fwd", "bwd"] },
} as const;

type Schema = typeof FLOW_SCHEMA;
/** A group of FLOW_SCHEMA. */
export type Group = keyof Schema;
/** Groups of single cells, read with `get`. */
export type CellGroup = { [G in Group]: Schema[G]["width"] extends 1 ? G : never }[Group];
/** Groups of running statistics, read with `statGet`. */
export type StatGroup = {
  [G in Group]: Schema[G]["width"] extends typeof STAT_CELLS.length ? G : never;
}[Group];

declare const kind: unique symbol;
/** An offset that only the accessors of kind `K` accept. */
type Branded<K extends string> = number & { readonly [kind]: K };

/** Offset of a cell of group `G` from a flow's base. */
export type Cell<G extends CellGroup> = Branded<`cell:${G}`>;
/** Offset of a statistic of group `G` (a block of STAT_CELLS) from a flow's base. */
export type Stat<G extends StatGroup> = Branded<`stat:${G}`>;
/** Offset of a direction's bulk block from a flow's base. */
export type BulkBlock = Branded<"bulk-block">;
/** Offset of a cell inside a statistic's block, relative to the block. */
export type StatCell = Branded<"stat-cell">;
/** Offset of a cell inside a bulk block, relative to the block. */
export type BulkCell = Branded<"bulk-cell">;
/** Index of a flow slot's first cell in its chunk of the slab: `flowBase(slot)`. */
export type FlowBase = Branded<"flow-base">;

/** The offset type of group `G`. */
type OffsetOf<G extends Group> = G extends CellGroup ? Cell<G> : G extends StatGroup ? Stat<G> : BulkBlock;
/** Offsets of the names of group `G`. */
type GroupOffsets<G extends Group> = { readonly [N in Schema[G]["names"][number]]: OffsetOf<G> };

/** Offsets of every name, and where each group starts, in schema order. */
function deriveLayout() {
  const offsets: Record<string, Record<string, number>> = {};
  const starts: Record<string, number> = {};
  let next = 0;
  for (const [group, { width, names }] of Object.entries(FLOW_SCHEMA)) {
    starts[group] = next;
    const named: Record<string, number> = {};
    for (const name of names) {
      named[name] = next;
      next += width;
    }
    offsets[group] = Object.freeze(named);
  }
  return {
    offsets: offsets as unknown as { readonly [G in Group]: GroupOffsets<G> },
    starts: starts as Record<Group, number>,
    size: next,
  };
}

function innerOffsets<K extends string, const N extends readonly string[]>(names: N): {
  readonly [I in N[number]]: Branded<K>;
} {
  return Object.freeze(Object.fromEntries(names.map((name, i) => [name, i]))) as {
    readonly [I in N[number]]: Branded<K>;
  };
}

const LAYOUT = deriveLayout();
/** Offsets of every group, derived from FLOW_SCHEMA: `FLOW.count.fwdPackets`. */
export const FLOW: { readonly [G in Group]: GroupOffsets<G> } = LAYOUT.offsets;
/** Where each group's first cell is in a slot. */
export const GROUP_START: Readonly<Record<Group, number>> = Object.freeze(LAYOUT.starts);
/** Doubles per flow slot. */
export const STRIDE: number = LAYOUT.size;
/** Cells of the key group: the leading cells of a slot that identify the flow. */
export const KEY_CELLS: number = FLOW_SCHEMA.key.names.length;

export const KEY = FLOW.key;
export const LINK = FLOW.link;
export const TIME = FLOW.time;
export const COUNT = FLOW.count;
export const WINDOW = FLOW.window;
export const FLAG = FLOW.flag;
export const TCP = FLOW.tcp;
export const ICMP = FLOW.icmp;
export const LENGTH = FLOW.length;
export const IAT = FLOW.iat;
export const ACTIVITY = FLOW.activity;
export const BULK = FLOW.bulk;
export const BULK_TIME = FLOW.bulkTime;
/** Cells inside a statistic: `statGet(c, b, LENGTH.fwd, STAT_CELL.mean)`. */
export const STAT_CELL = innerOffsets<"stat-cell", typeof STAT_CELLS>(STAT_CELLS);
/** Cells inside a bulk block: `bulkGet(c, b, BULK.fwd, BULK_CELL.lastData)`. */
export const BULK_CELL = innerOffsets<"bulk-cell", typeof BULK_CELLS>(BULK_CELLS);
/** Cells per statistic and per bulk block. */
export const STAT_WIDTH: number = STAT_CELLS.length;
export const BULK_WIDTH: number = BULK_CELLS.length;

// Plain numbers for accAdd, which reaches the cells of one block at `base`.
const STAT_N = STAT_CELL.n as number;
const STAT_MEAN = STAT_CELL.mean as number;
const STAT_M2 = STAT_CELL.m2 as number;
const STAT_MIN = STAT_CELL.min as number;
const STAT_MAX = STAT_CELL.max as number;
const STAT_SUM = STAT_CELL.sum as number;

/**
 * Slots per slab chunk (~1 MiB of cells). The slab grows a chunk at a time:
 * nothing is copied, and memory follows the open flows (a doubling array
 * would hold its old and new copies at once, 3× the flows, at every step).
 */
export const CHUNK_SLOTS = 1024;
const CHUNK_SHIFT = 10;
const SLOT_IN_CHUNK = CHUNK_SLOTS - 1;

/** The base of a slot: the index of its first cell in its chunk (`FlowSlab.cellsOf(slot)`). */
export function flowBase(slot: number): FlowBase {
  return (slot & SLOT_IN_CHUNK) * STRIDE as FlowBase;
}

/** The value of a cell. */
export function get<G extends CellGroup>(c: Float64Array, b: FlowBase, f: Cell<G>): number {
  return c[b + f];
}

/** Sets a cell. The TCP state is not set here: updateTcpState (tcp_termination.ts) alone moves it. */
export function set<G extends Exclude<CellGroup, "tcp">>(
  c: Float64Array,
  b: FlowBase,
  f: Cell<G>,
  value: number,
): void {
  c[b + f] = value;
}

/** Adds `x` to a counter, flag count or bulk duration. */
export function add(c: Float64Array, b: FlowBase, f: Cell<"count" | "flag" | "bulkTime">, x: number): void {
  c[b + f] += x;
}

/** Adds one to a counter or flag count; returns the new count. */
export function increment(c: Float64Array, b: FlowBase, f: Cell<"count" | "flag">): number {
  return ++c[b + f];
}

/** A cell of a direction's bulk block. */
export function bulkGet(c: Float64Array, b: FlowBase, block: BulkBlock, f: BulkCell): number {
  return c[b + block + f];
}

export function bulkSet(c: Float64Array, b: FlowBase, block: BulkBlock, f: BulkCell, value: number): void {
  c[b + block + f] = value;
}

export function bulkAdd(c: Float64Array, b: FlowBase, block: BulkBlock, f: BulkCell, x: number): void {
  c[b + block + f] += x;
}

/** Adds one to a cell of a bulk block; returns the new value. */
export function bulkIncrement(c: Float64Array, b: FlowBase, block: BulkBlock, f: BulkCell): number {
  return ++c[b + block + f];
}

/** A cell of a statistic (raw: min, max and mean are 0 before the first value). */
export function statGet<G extends StatGroup>(c: Float64Array, b: FlowBase, s: Stat<G>, f: StatCell): number {
  return c[b + s + f];
}

/** Adds one value to the statistic `s` (Welford's update). */
export function accAdd<G extends StatGroup>(c: Float64Array, b: FlowBase, s: Stat<G>, x: number): void {
  const base = b + s;
  const n = c[base + STAT_N] + 1;
  c[base + STAT_N] = n;
  const delta = x - c[base + STAT_MEAN];
  const mean = c[base + STAT_MEAN] + delta / n;
  c[base + STAT_MEAN] = mean;
  c[base + STAT_M2] += delta * (x - mean);
  if (n === 1 || x < c[base + STAT_MIN]) c[base + STAT_MIN] = x;
  if (n === 1 || x > c[base + STAT_MAX]) c[base + STAT_MAX] = x;
  c[base + STAT_SUM] += x;
}

/** Sample standard deviation of the statistic `s`; 0 for fewer than two values. */
export function accStd<G extends StatGroup>(c: Float64Array, b: FlowBase, s: Stat<G>): number {
  const n = c[b + s + STAT_N];
  return n > 1 ? Math.sqrt(c[b + s + STAT_M2] / (n - 1)) : 0;
}

/** Zeroes a flow's own state and keeps its key and links: the slot starts a new flow of the same key. */
export function clearFlowState(c: Float64Array, b: FlowBase): void {
  c.fill(0, b + GROUP_START.time, b + STRIDE);
}

/** Copies the key cells of the flow at `from` in `source` to the flow at `to` in `target`. */
export function copyKey(source: Float64Array, from: FlowBase, target: Float64Array, to: FlowBase): void {
  const start = GROUP_START.key;
  target.set(source.subarray(from + start, from + start + KEY_CELLS), to + start);
}

/**
 * The flow slots with a free list. Slots are reused after a flow ends. The
 * first chunk starts at `initialCapacity` slots and doubles up to
 * CHUNK_SLOTS; after that the slab adds whole chunks (the only allocation,
 * amortised over flows).
 */
export class FlowSlab {
  #chunks: Float64Array[];
  #capacity: number;
  #free: Int32Array;
  #freeCount = 0;
  /** Slots ever handed out; slots ≥ this were never used. */
  highWater = 0;
  live = 0;

  constructor(initialCapacity = CHUNK_SLOTS) {
    this.#capacity = Math.min(Math.max(1, initialCapacity), CHUNK_SLOTS);
    this.#chunks = [new Float64Array(this.#capacity * STRIDE)];
    this.#free = new Int32Array(this.#capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The chunk holding the slot's cells; the slot's own start there is `flowBase(slot)`. */
  cellsOf(slot: number): Float64Array {
    return this.#chunks[slot >>> CHUNK_SHIFT];
  }

  /** A zeroed slot index. */
  allocate(): number {
    let slot: number;
    if (this.#freeCount > 0) {
      slot = this.#free[--this.#freeCount];
      const b = flowBase(slot);
      this.cellsOf(slot).fill(0, b, b + STRIDE);
    } else {
      if (this.highWater === this.#capacity) this.#grow();
      slot = this.highWater++;
    }
    this.live++;
    return slot;
  }

  release(slot: number): void {
    set(this.cellsOf(slot), flowBase(slot), LINK.live, 0);
    if (this.#freeCount === this.#free.length) {
      const free = new Int32Array(this.#free.length * 2);
      free.set(this.#free);
      this.#free = free;
    }
    this.#free[this.#freeCount++] = slot;
    this.live--;
  }

  #grow(): void {
    if (this.#capacity < CHUNK_SLOTS) {
      // The first chunk doubles (small tables stay small) until it is a whole chunk.
      const capacity = Math.min(this.#capacity * 2, CHUNK_SLOTS);
      const first = new Float64Array(capacity * STRIDE);
      first.set(this.#chunks[0]);
      this.#chunks[0] = first;
      this.#capacity = capacity;
    } else {
      this.#chunks.push(new Float64Array(CHUNK_SLOTS * STRIDE));
      this.#capacity += CHUNK_SLOTS;
    }
  }
}
