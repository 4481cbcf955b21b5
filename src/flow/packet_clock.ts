/**
 * The meter's packet clock (spec §9.3: timeouts, the idle sweep and the
 * termination grace follow packet time): the time of the latest packet,
 * moving only forward packet by packet. A packet more than the flow timeout
 * away from it, either way, moves it only when the next packet confirms it:
 * beyond the timeout on the same side too, and not earlier than it by more
 * than the timeout (so sparse traffic, a packet every few minutes, still
 * moves it, one packet late):
 *
 * - one stray stamp (a corrupt record, a packet stamped decades ahead) must
 *   not move it: the clock would stand still at that time for the rest of the
 *   input, with no sweep and no grace ending any flow again (a `live` run would
 *   stop writing finished flows and grow until it is stopped);
 * - a step of the time base must: captures concatenated out of order, or a
 *   host clock that NTP sets back by hours while `live` runs.
 */

/** What the clock did with a packet: stayed, moved forward to it, or stepped back to it. */
export type ClockMove = "stay" | "forward" | "back";

export class PacketClock {
  /** The clock (µs); −Infinity before the first packet. */
  now = -Infinity;
  readonly #limitUs: number;
  /** A far packet waiting for the next one to confirm it: its time and its number. */
  #farT = NaN;
  #farAt = -1;

  /** `limitUs`: how far a packet may be from the clock and still move it at once (the flow timeout). */
  constructor(limitUs: number) {
    this.#limitUs = limitUs;
  }

  /** True when `t` moves the clock at once: the common case, checked inline per packet. */
  near(t: number): boolean {
    const d = t - this.now;
    return d >= 0 && d <= this.#limitUs;
  }

  /**
   * For packet number `n` at `t` that is not `near`: where the clock goes.
   *
   * @example A stray stamp does not move the clock; a step confirmed by the next packet does
   * ```ts
   * import assert from "node:assert/strict";
   * import { PacketClock } from "./packet_clock.ts";
   * const clock = new PacketClock(120e6);
   * assert.equal(clock.far(1000e6, 1), "forward"); // the first packet sets it
   * clock.now = 1000e6; // (the meter moves it)
   * assert.equal(clock.far(5e15, 2), "stay"); // decades ahead, alone
   * assert.equal(clock.near(1001e6), true);
   * clock.now = 1001e6;
   * assert.equal(clock.far(10e6, 4), "stay"); // far back: wait for the next packet
   * assert.equal(clock.far(11e6, 5), "back"); // it confirms the step
   * clock.now = 11e6;
   * assert.equal(clock.far(311e6, 6), "stay"); // sparse traffic: five minutes later…
   * assert.equal(clock.far(611e6, 7), "forward"); // …and five more: the clock moves
   * ```
   */
  far(t: number, n: number): ClockMove {
    if (this.now === -Infinity) return "forward";
    if (Math.abs(t - this.now) <= this.#limitUs) return "stay"; // slightly out of order
    const confirmed = this.#farAt === n - 1 && t >= this.#farT - this.#limitUs &&
      (t < this.now) === (this.#farT < this.now);
    if (!confirmed) {
      this.#farT = t;
      this.#farAt = n;
      return "stay";
    }
    this.#farAt = -1; // the clock moves to it: it is no candidate for the next packet
    return t < this.now ? "back" : "forward";
  }
}
