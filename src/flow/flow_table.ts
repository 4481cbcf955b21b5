/**
 * The open-flow table: a bucket array over slab slots, chained through each
 * slot's NEXT cell. The hash is symmetric in the two endpoints, so both
 * directions of a conversation land in one bucket; lookups allocate nothing.
 */
import {
  D0,
  D1,
  D2,
  D3,
  DPORT,
  FlowSlab,
  HASH,
  LIVE,
  NEXT,
  PROTO,
  S0,
  S1,
  S2,
  S3,
  SPORT,
  STRIDE,
  VER,
} from "./flow_slab.ts";
import type { FlowPacket } from "./flow_packet.ts";

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
    const c = this.slab.cells;
    let slot = this.#buckets[hash & this.#mask];
    while (slot >= 0) {
      const b = slot * STRIDE;
      if (c[b + HASH] === hash && c[b + VER] === p.ver && c[b + PROTO] === p.proto) {
        if (
          c[b + SPORT] === p.sport && c[b + DPORT] === p.dport &&
          c[b + S0] === p.s0 && c[b + D0] === p.d0 && c[b + S1] === p.s1 && c[b + D1] === p.d1 &&
          c[b + S2] === p.s2 && c[b + D2] === p.d2 && c[b + S3] === p.s3 && c[b + D3] === p.d3
        ) return slot;
        if (
          c[b + SPORT] === p.dport && c[b + DPORT] === p.sport &&
          c[b + S0] === p.d0 && c[b + D0] === p.s0 && c[b + S1] === p.d1 && c[b + D1] === p.s1 &&
          c[b + S2] === p.d2 && c[b + D2] === p.s2 && c[b + S3] === p.d3 && c[b + D3] === p.s3 &&
          !(this.#orientedWhenSameAddress && p.sameAddress)
        ) return slot;
      }
      slot = c[b + NEXT];
    }
    return -1;
  }

  /** A new zeroed slot holding the packet's key (oriented sender → receiver), linked into its bucket. */
  insert(p: FlowPacket, hash: number): number {
    if (this.slab.live + 1 > this.#buckets.length * 0.75) this.#rehash(this.#buckets.length * 2);
    const slot = this.slab.allocate();
    const c = this.slab.cells;
    const b = slot * STRIDE;
    c[b + VER] = p.ver;
    c[b + PROTO] = p.proto;
    c[b + SPORT] = p.sport;
    c[b + DPORT] = p.dport;
    c[b + S0] = p.s0;
    c[b + S1] = p.s1;
    c[b + S2] = p.s2;
    c[b + S3] = p.s3;
    c[b + D0] = p.d0;
    c[b + D1] = p.d1;
    c[b + D2] = p.d2;
    c[b + D3] = p.d3;
    c[b + HASH] = hash;
    this.#link(slot);
    return slot;
  }

  /**
   * A new slot holding a copy of the key (orientation and hash) of the flow
   * at `b` in `cells`, another table's slab: remembers flows by key alone.
   */
  insertKeyOf(cells: Float64Array, b: number): number {
    if (this.slab.live + 1 > this.#buckets.length * 0.75) this.#rehash(this.#buckets.length * 2);
    const slot = this.slab.allocate();
    // VER through HASH are the first, contiguous cells of a slot (flow_slab.ts).
    this.slab.cells.set(cells.subarray(b + VER, b + HASH + 1), slot * STRIDE + VER);
    this.#link(slot);
    return slot;
  }

  #link(slot: number): void {
    const c = this.slab.cells;
    const b = slot * STRIDE;
    c[b + LIVE] = 1;
    const bucket = c[b + HASH] & this.#mask;
    c[b + NEXT] = this.#buckets[bucket];
    this.#buckets[bucket] = slot;
  }

  /** Unlinks the slot from its bucket and frees it. */
  remove(slot: number): void {
    const c = this.slab.cells;
    const bucket = c[slot * STRIDE + HASH] & this.#mask;
    let at = this.#buckets[bucket];
    if (at === slot) {
      this.#buckets[bucket] = c[slot * STRIDE + NEXT];
    } else {
      while (at >= 0) {
        const next = c[at * STRIDE + NEXT];
        if (next === slot) {
          c[at * STRIDE + NEXT] = c[slot * STRIDE + NEXT];
          break;
        }
        at = next;
      }
    }
    this.slab.release(slot);
  }

  /** Swaps the stored orientation (E: a flow that starts with a SYN-ACK is reversed). */
  reverse(slot: number): void {
    const c = this.slab.cells;
    const b = slot * STRIDE;
    swap(c, b + SPORT, b + DPORT);
    swap(c, b + S0, b + D0);
    swap(c, b + S1, b + D1);
    swap(c, b + S2, b + D2);
    swap(c, b + S3, b + D3);
  }

  #rehash(size: number): void {
    const buckets = new Int32Array(size).fill(-1);
    const mask = size - 1;
    const c = this.slab.cells;
    for (let slot = 0; slot < this.slab.highWater; slot++) {
      const b = slot * STRIDE;
      if (c[b + LIVE] !== 1) continue;
      const bucket = c[b + HASH] & mask;
      c[b + NEXT] = buckets[bucket];
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

function swap(c: Float64Array, i: number, j: number): void {
  const t = c[i];
  c[i] = c[j];
  c[j] = t;
}
