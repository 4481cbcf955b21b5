/**
 * The open-flow table: a bucket array over slab slots, chained through each
 * slot's `link.next` cell. The hash is symmetric in the two endpoints, so both
 * directions of a conversation land in one bucket; lookups allocate nothing.
 */
import { type Cell, copyKey, type FlowBase, flowBase, FlowSlab, get, KEY, LINK, set } from "./flow_slab.ts";
import type { FlowPacket } from "./flow_packet.ts";

// Key and link offsets read from the schema once: lookups load no property per cell.
const { ver, proto, sport, dport, s0, s1, s2, s3, d0, d1, d2, d3, hash: hashCell } = KEY;
const { next: nextCell, live: liveCell } = LINK;

export class FlowTable {
  readonly slab: FlowSlab;
  #buckets: Int32Array;
  #mask: number;
  /**
   * cic2017 keys are canonical strings (spec §3.1): when both addresses are
   * equal the orientation is part of the key, so A:1→A:2 and A:2→A:1 are
   * two flows. The directional lookup of JM/E finds one flow for both.
   */
  readonly #orientedWhenSameAddress: boolean;

  constructor(orientedWhenSameAddress: boolean, initialCapacity = 1024) {
    this.slab = new FlowSlab(initialCapacity);
    this.#buckets = new Int32Array(initialCapacity * 2).fill(-1);
    this.#mask = this.#buckets.length - 1;
    this.#orientedWhenSameAddress = orientedWhenSameAddress;
  }

  get size(): number {
    return this.slab.live;
  }

  /** The slot of the open flow this packet belongs to, or −1. */
  find(p: FlowPacket, hash: number): number {
    const slab = this.slab;
    let slot = this.#buckets[hash & this.#mask];
    while (slot >= 0) {
      const c = slab.cellsOf(slot), b = flowBase(slot);
      if (get(c, b, hashCell) === hash && get(c, b, ver) === p.ver && get(c, b, proto) === p.proto) {
        if (sameOrientation(c, b, p)) return slot;
        if (reverseOrientation(c, b, p) && !(this.#orientedWhenSameAddress && p.sameAddress)) return slot;
      }
      slot = get(c, b, nextCell);
    }
    return -1;
  }

  /** A new zeroed slot holding the packet's key (oriented sender → receiver), linked into its bucket. */
  insert(p: FlowPacket, hash: number): number {
    if (this.slab.live + 1 > this.#buckets.length * 0.75) this.#rehash(this.#buckets.length * 2);
    const slot = this.slab.allocate();
    const c = this.slab.cellsOf(slot), b = flowBase(slot);
    set(c, b, ver, p.ver);
    set(c, b, proto, p.proto);
    set(c, b, sport, p.sport);
    set(c, b, dport, p.dport);
    set(c, b, s0, p.s0);
    set(c, b, s1, p.s1);
    set(c, b, s2, p.s2);
    set(c, b, s3, p.s3);
    set(c, b, d0, p.d0);
    set(c, b, d1, p.d1);
    set(c, b, d2, p.d2);
    set(c, b, d3, p.d3);
    set(c, b, hashCell, hash);
    this.#link(slot);
    return slot;
  }

  /**
   * A new slot holding a copy of the key (orientation and hash) of the flow
   * at `b` in `cells`, another table's slab: remembers flows by key alone.
   */
  insertKeyOf(cells: Float64Array, b: FlowBase): number {
    if (this.slab.live + 1 > this.#buckets.length * 0.75) this.#rehash(this.#buckets.length * 2);
    const slot = this.slab.allocate();
    copyKey(cells, b, this.slab.cellsOf(slot), flowBase(slot));
    this.#link(slot);
    return slot;
  }

  #link(slot: number): void {
    const c = this.slab.cellsOf(slot), b = flowBase(slot);
    set(c, b, liveCell, 1);
    const bucket = get(c, b, hashCell) & this.#mask;
    set(c, b, nextCell, this.#buckets[bucket]);
    this.#buckets[bucket] = slot;
  }

  /** Unlinks the slot from its bucket and frees it. */
  remove(slot: number): void {
    const slab = this.slab;
    const c = slab.cellsOf(slot), b = flowBase(slot);
    const bucket = get(c, b, hashCell) & this.#mask;
    let at = this.#buckets[bucket];
    if (at === slot) {
      this.#buckets[bucket] = get(c, b, nextCell);
    } else {
      while (at >= 0) {
        const atCells = slab.cellsOf(at), atBase = flowBase(at);
        const next = get(atCells, atBase, nextCell);
        if (next === slot) {
          set(atCells, atBase, nextCell, get(c, b, nextCell));
          break;
        }
        at = next;
      }
    }
    this.slab.release(slot);
  }

  /**
   * Empties every bucket once no slot holds an open flow (a flush freed each with
   * `slab.release`, without unlinking it): the chains would otherwise lead to freed slots.
   */
  unlinkAll(): void {
    if (this.slab.live !== 0) throw new Error(`unlinkAll with ${this.slab.live} open flows`);
    this.#buckets.fill(-1);
  }

  /** Rebuilds every bucket chain from the slots that hold an open flow (freed ones drop out). */
  relink(): void {
    this.#rehash(this.#buckets.length);
  }

  /** Swaps the stored orientation (E: a flow that starts with a SYN-ACK is reversed). */
  reverse(slot: number): void {
    const c = this.slab.cellsOf(slot), b = flowBase(slot);
    swap(c, b, sport, dport);
    swap(c, b, s0, d0);
    swap(c, b, s1, d1);
    swap(c, b, s2, d2);
    swap(c, b, s3, d3);
  }

  #rehash(size: number): void {
    const buckets = new Int32Array(size).fill(-1);
    const mask = size - 1;
    const slab = this.slab;
    for (let slot = 0; slot < slab.highWater; slot++) {
      const c = slab.cellsOf(slot), b = flowBase(slot);
      if (get(c, b, liveCell) !== 1) continue;
      const bucket = get(c, b, hashCell) & mask;
      set(c, b, nextCell, buckets[bucket]);
      buckets[bucket] = slot;
    }
    this.#buckets = buckets;
    this.#mask = mask;
  }
}

/**
 * Symmetric 31-bit hash of a packet's flow key: the same for both directions.
 */
export function flowHash(p: FlowPacket): number {
  const a = endpointHash(p.s0, p.s1, p.s2, p.s3, p.sport);
  const b = endpointHash(p.d0, p.d1, p.d2, p.d3, p.dport);
  let h = (a + b) ^ Math.imul(a ^ b, 0x27d4eb2d) ^ Math.imul(p.proto + 1, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & 0x7fffffff;
}

function endpointHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = Math.imul(w0 ^ 0x5bd1e995, 0xcc9e2d51);
  h = Math.imul(h ^ (h >>> 16) ^ w1, 0x1b873593);
  h = Math.imul(h ^ (h >>> 16) ^ w2, 0xcc9e2d51);
  h = Math.imul(h ^ (h >>> 16) ^ w3, 0x1b873593);
  h = Math.imul(h ^ (h >>> 16) ^ port, 0xe6546b64);
  return (h ^ (h >>> 13)) >>> 0;
}

function swap(c: Float64Array, b: FlowBase, i: Cell<"key">, j: Cell<"key">): void {
  const t = get(c, b, i);
  set(c, b, i, get(c, b, j));
  set(c, b, j, t);
}

/** The flow's key is the packet's, sender → receiver. */
function sameOrientation(c: Float64Array, b: FlowBase, p: FlowPacket): boolean {
  return get(c, b, sport) === p.sport && get(c, b, dport) === p.dport &&
    get(c, b, s0) === p.s0 && get(c, b, d0) === p.d0 && get(c, b, s1) === p.s1 &&
    get(c, b, d1) === p.d1 && get(c, b, s2) === p.s2 && get(c, b, d2) === p.d2 &&
    get(c, b, s3) === p.s3 && get(c, b, d3) === p.d3;
}

/** The flow's key is the packet's reversed (the packet comes from the flow's destination). */
function reverseOrientation(c: Float64Array, b: FlowBase, p: FlowPacket): boolean {
  return get(c, b, sport) === p.dport && get(c, b, dport) === p.sport &&
    get(c, b, s0) === p.d0 && get(c, b, d0) === p.s0 && get(c, b, s1) === p.d1 &&
    get(c, b, d1) === p.s1 && get(c, b, s2) === p.d2 && get(c, b, d2) === p.s2 &&
    get(c, b, s3) === p.d3 && get(c, b, d3) === p.s3;
}

/**
 * The packet's source address is the flow's source address; with `port`, its
 * source port too (spec §3.2).
 */
export function fromFlowSource(c: Float64Array, b: FlowBase, p: FlowPacket, port: boolean): boolean {
  return get(c, b, s0) === p.s0 && get(c, b, s1) === p.s1 && get(c, b, s2) === p.s2 &&
    get(c, b, s3) === p.s3 && (!port || get(c, b, sport) === p.sport);
}
