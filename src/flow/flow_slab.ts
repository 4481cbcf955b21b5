/**
 * Per-flow state as fixed-size slots in one Float64Array ("slab"), so a flow
 * costs a constant ~1 KiB, creating one allocates no object, and the packet
 * loop touches only typed-array cells. Field offsets are named below; a slot
 * is `index * STRIDE`.
 *
 * Running statistics are Welford accumulators of six cells (spec §0: Java's
 * SummaryStatistics, sample standard deviation).
 */

let next = 0;
const field = () => next++;
/** Reserves an accumulator (n, mean, m2, min, max, sum) and returns its base. */
const acc = () => {
  const base = next;
  next += 6;
  return base;
};

// Key and table links. Addresses are stored as 32-bit words (IPv4: word 0 only).
export const VER = field();
export const PROTO = field();
export const SPORT = field();
export const DPORT = field();
export const S0 = field();
export const S1 = field();
export const S2 = field();
export const S3 = field();
export const D0 = field();
export const D1 = field();
export const D2 = field();
export const D3 = field();
export const HASH = field();
/** Next slot in the same hash bucket, −1 at the end. */
export const NEXT = field();
/** 1 while the slot holds an open flow. */
export const LIVE = field();

// Times (µs).
export const T_FIRST = field();
export const T_LAST = field();
export const FWD_LAST = field();
export const BWD_LAST = field();
export const ACT_START = field();
export const ACT_END = field();

// Counters.
export const FWD_PKTS = field();
export const BWD_PKTS = field();
export const FWD_BYTES = field();
export const BWD_BYTES = field();
export const FWD_HDR = field();
export const BWD_HDR = field();
export const ACT_DATA_FWD = field();
/** Minimum forward transport header; −1 until a forward packet is seen. */
export const MIN_SEG_FWD = field();
export const INIT_WIN_FWD = field();
export const INIT_WIN_BWD = field();
/** 1 once INIT_WIN_BWD holds the first backward TCP window (corrected). */
export const BWD_WIN_SET = field();
export const SUBFLOW_GAPS = field();

// Flags: packets carrying each flag, per-direction PSH/URG, the first packet's flag byte.
export const N_FIN = field();
export const N_SYN = field();
export const N_RST = field();
export const N_PSH = field();
export const N_ACK = field();
export const N_URG = field();
export const N_CWR = field();
export const N_ECE = field();
export const FWD_PSH = field();
export const BWD_PSH = field();
export const FWD_URG = field();
export const BWD_URG = field();
export const FIRST_FLAGS = field();

// Termination state (corrected, spec §3.4): FIN seen per direction, ready to close.
export const FIN_FWD = field();
export const FIN_BWD = field();
export const READY = field();

export const ICMP_TYPE = field();
export const ICMP_CODE = field();

// Statistics.
export const ACC_FWD_LEN = acc();
export const ACC_BWD_LEN = acc();
export const ACC_ALL_LEN = acc();
export const ACC_FLOW_IAT = acc();
export const ACC_FWD_IAT = acc();
export const ACC_BWD_IAT = acc();
export const ACC_ACTIVE = acc();
export const ACC_IDLE = acc();

// Bulk (spec §3.9), one block per direction: forward at BULK_FWD, backward at BULK_BWD.
const bulk = () => {
  const base = next;
  next += 8;
  return base;
};
export const BULK_FWD = bulk();
export const BULK_BWD = bulk();
/** Offsets inside a bulk block. */
export const B_HAS_CAND = 0;
export const B_CAND_START = 1;
export const B_CAND_COUNT = 2;
export const B_CAND_BYTES = 3;
export const B_LAST_DATA = 4;
export const B_COUNT = 5;
export const B_PKTS = 6;
export const B_BYTES = 7;
/** Bulk duration lives in a field of its own per direction. */
export const BULK_DUR_FWD = field();
export const BULK_DUR_BWD = field();
/** engelen: the fork's TCP state (0 none, 1 first FIN, 2 FIN both ways; ready is READY). */
export const E_TCP_STATE = field();

/** Doubles per flow slot. */
export const STRIDE = next;

// Accumulator cell offsets.
export const A_N = 0;
export const A_MEAN = 1;
export const A_M2 = 2;
export const A_MIN = 3;
export const A_MAX = 4;
export const A_SUM = 5;

/** Adds one value to the accumulator at `base` (Welford's update). */
export function accAdd(s: Float64Array, base: number, x: number): void {
  const n = s[base + A_N] + 1;
  s[base + A_N] = n;
  const delta = x - s[base + A_MEAN];
  const mean = s[base + A_MEAN] + delta / n;
  s[base + A_MEAN] = mean;
  s[base + A_M2] += delta * (x - mean);
  if (n === 1 || x < s[base + A_MIN]) s[base + A_MIN] = x;
  if (n === 1 || x > s[base + A_MAX]) s[base + A_MAX] = x;
  s[base + A_SUM] += x;
}

/** Sample standard deviation; 0 for fewer than two values. */
export function accStd(s: Float64Array, base: number): number {
  const n = s[base + A_N];
  return n > 1 ? Math.sqrt(s[base + A_M2] / (n - 1)) : 0;
}

/**
 * The flow slots with a free list. Slots are reused after a flow ends, and
 * the slab doubles when full (the only allocation, amortised over flows).
 */
export class FlowSlab {
  cells: Float64Array;
  #capacity: number;
  #free: Int32Array;
  #freeCount = 0;
  /** Slots ever handed out; slots ≥ this were never used. */
  highWater = 0;
  live = 0;

  constructor(initialCapacity = 1024) {
    this.#capacity = initialCapacity;
    this.cells = new Float64Array(initialCapacity * STRIDE);
    this.#free = new Int32Array(initialCapacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** A zeroed slot index. */
  allocate(): number {
    let slot: number;
    if (this.#freeCount > 0) {
      slot = this.#free[--this.#freeCount];
      this.cells.fill(0, slot * STRIDE, (slot + 1) * STRIDE);
    } else {
      if (this.highWater === this.#capacity) this.#grow();
      slot = this.highWater++;
    }
    this.live++;
    return slot;
  }

  release(slot: number): void {
    this.cells[slot * STRIDE + LIVE] = 0;
    this.#free[this.#freeCount++] = slot;
    this.live--;
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    const cells = new Float64Array(capacity * STRIDE);
    cells.set(this.cells);
    this.cells = cells;
    const free = new Int32Array(capacity);
    free.set(this.#free.subarray(0, this.#freeCount));
    this.#free = free;
    this.#capacity = capacity;
  }
}
