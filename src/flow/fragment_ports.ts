/**
 * Later IP fragments carry no transport header. The corrected profile files
 * them under the ports of their first fragment (spec §2.2), found by
 * (addresses, protocol, IP ID). Entries live for two generations of 30 s of
 * packet time, so memory stays bounded however many fragments go missing.
 */

const GENERATION_US = 30_000_000;
/** A generation holds at most this many first fragments; beyond, it rotates early. */
const MAX_ENTRIES = 1 << 16;

export class FragmentPorts {
  #current = new Map<number, number>();
  #previous = new Map<number, number>();
  #generationStart = -Infinity;

  /** Remembers the ports of a first fragment. */
  remember(key: number, sport: number, dport: number, t: number): void {
    this.#rotate(t);
    this.#current.set(key, sport * 65536 + dport);
  }

  /** Ports (sport × 65536 + dport) of the first fragment with this key, or −1. */
  lookup(key: number, t: number): number {
    this.#rotate(t);
    return this.#current.get(key) ?? this.#previous.get(key) ?? -1;
  }

  #rotate(t: number): void {
    if (t - this.#generationStart < GENERATION_US && this.#current.size < MAX_ENTRIES) return;
    this.#previous = this.#current;
    this.#current = new Map();
    this.#generationStart = t;
  }
}

/**
 * Numeric key of a fragmented datagram: a 32-bit hash of the addresses and
 * protocol, times 2^20, plus the IP ID folded to 20 bits (collisions need the
 * same hash and ID within a minute).
 */
export function fragmentKey(
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  d0: number,
  d1: number,
  d2: number,
  d3: number,
  proto: number,
  ipId: number,
): number {
  let h = Math.imul(proto + 0x9e37, 0x85ebca6b);
  h = Math.imul(h ^ s0 ^ (h >>> 15), 0xcc9e2d51);
  h = Math.imul(h ^ s1 ^ (h >>> 15), 0xcc9e2d51);
  h = Math.imul(h ^ s2 ^ (h >>> 15), 0xcc9e2d51);
  h = Math.imul(h ^ s3 ^ (h >>> 15), 0xcc9e2d51);
  h = Math.imul(h ^ d0 ^ (h >>> 13), 0x1b873593);
  h = Math.imul(h ^ d1 ^ (h >>> 13), 0x1b873593);
  h = Math.imul(h ^ d2 ^ (h >>> 13), 0x1b873593);
  h = Math.imul(h ^ d3 ^ (h >>> 13), 0x1b873593);
  const id20 = (ipId ^ (ipId >>> 20)) & 0xfffff;
  return (h >>> 0) * 1048576 + id20;
}
