/**
 * Keys of flows the idle sweep emitted early, with their orientation. The
 * Java meters keep such a flow in their table until its next packet, which
 * then starts a continuation that inherits the flow's source and destination
 * (spec §3.3). Remembering only the key (14 numbers instead of a whole flow
 * slot) lets the sweep free memory and still give the rows of no sweep.
 * Lookups allocate nothing.
 */
import { type FlowBase, get, KEY } from "./flow_slab.ts";
import type { FlowPacket } from "./flow_packet.ts";

// Cells of one entry.
const K_VER = 0, K_PROTO = 1, K_SPORT = 2, K_DPORT = 3, K_S = 4, K_D = 8, K_HASH = 12, K_NEXT = 13;
const K_STRIDE = 14;
const FROM_SLAB = [
  KEY.ver,
  KEY.proto,
  KEY.sport,
  KEY.dport,
  KEY.s0,
  KEY.s1,
  KEY.s2,
  KEY.s3,
  KEY.d0,
  KEY.d1,
  KEY.d2,
  KEY.d3,
  KEY.hash,
] as const;

/** A dormant key matched the packet in the flow's own orientation. */
export const SAME_ORIENTATION = 1;
/** A dormant key matched the packet reversed (the packet comes from the flow's destination). */
export const REVERSED = -1;

export class DormantKeys {
  #cells = new Float64Array(256 * K_STRIDE);
  #buckets = new Int32Array(512).fill(-1);
  #free: number[] = [];
  #used = 0;
  /** Keys held. */
  size = 0;
  readonly #orientedWhenSameAddress: boolean;

  /** `orientedWhenSameAddress`: as FlowTable (cic2017 keys with equal addresses keep their orientation). */
  constructor(orientedWhenSameAddress: boolean) {
    this.#orientedWhenSameAddress = orientedWhenSameAddress;
  }

  /** Remembers the key of the flow slot at `b` of the slab `c`, in its orientation. */
  add(c: Float64Array, b: FlowBase): void {
    if (this.size + 1 > this.#buckets.length * 0.75) this.#rehash(this.#buckets.length * 2);
    let entry = this.#free.pop();
    if (entry === undefined) {
      if ((this.#used + 1) * K_STRIDE > this.#cells.length) {
        const cells = new Float64Array(this.#cells.length * 2);
        cells.set(this.#cells);
        this.#cells = cells;
      }
      entry = this.#used++;
    }
    const k = entry * K_STRIDE;
    for (let i = 0; i < FROM_SLAB.length; i++) this.#cells[k + i] = get(c, b, FROM_SLAB[i]);
    const bucket = this.#cells[k + K_HASH] & (this.#buckets.length - 1);
    this.#cells[k + K_NEXT] = this.#buckets[bucket];
    this.#buckets[bucket] = entry;
    this.size++;
  }

  /**
   * Removes and reports the key the packet belongs to: SAME_ORIENTATION,
   * REVERSED, or 0 when there is none.
   */
  take(p: FlowPacket, hash: number): number {
    const k = this.#cells;
    const bucket = hash & (this.#buckets.length - 1);
    let previous = -1;
    let entry = this.#buckets[bucket];
    while (entry >= 0) {
      const e = entry * K_STRIDE;
      let found = 0;
      if (k[e + K_HASH] === hash && k[e + K_VER] === p.ver && k[e + K_PROTO] === p.proto) {
        if (
          k[e + K_SPORT] === p.sport && k[e + K_DPORT] === p.dport &&
          k[e + K_S] === p.s0 && k[e + K_D] === p.d0 && k[e + K_S + 1] === p.s1 && k[e + K_D + 1] === p.d1 &&
          k[e + K_S + 2] === p.s2 && k[e + K_D + 2] === p.d2 && k[e + K_S + 3] === p.s3 &&
          k[e + K_D + 3] === p.d3
        ) {
          found = SAME_ORIENTATION;
        } else if (
          k[e + K_SPORT] === p.dport && k[e + K_DPORT] === p.sport &&
          k[e + K_S] === p.d0 && k[e + K_D] === p.s0 && k[e + K_S + 1] === p.d1 && k[e + K_D + 1] === p.s1 &&
          k[e + K_S + 2] === p.d2 && k[e + K_D + 2] === p.s2 && k[e + K_S + 3] === p.d3 &&
          k[e + K_D + 3] === p.s3 &&
          !(this.#orientedWhenSameAddress && p.sameAddress)
        ) {
          found = REVERSED;
        }
      }
      const next = k[e + K_NEXT];
      if (found !== 0) {
        if (previous < 0) this.#buckets[bucket] = next;
        else k[previous * K_STRIDE + K_NEXT] = next;
        this.#free.push(entry);
        this.size--;
        return found;
      }
      previous = entry;
      entry = next;
    }
    return 0;
  }

  /** Forgets every key (end of input: no flow can continue). */
  clear(): void {
    this.#buckets.fill(-1);
    this.#free = [];
    this.#used = 0;
    this.size = 0;
  }

  #rehash(size: number): void {
    const buckets = new Int32Array(size).fill(-1);
    const k = this.#cells;
    for (let bucket = 0; bucket < this.#buckets.length; bucket++) {
      let entry = this.#buckets[bucket];
      while (entry >= 0) {
        const e = entry * K_STRIDE;
        const next = k[e + K_NEXT];
        const to = k[e + K_HASH] & (size - 1);
        k[e + K_NEXT] = buckets[to];
        buckets[to] = entry;
        entry = next;
      }
    }
    this.#buckets = buckets;
  }
}
