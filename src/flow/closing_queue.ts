/**
 * Flows whose TCP termination is complete, waiting out the grace period in
 * which late packets still join them (spec §3.4): corrected, and engelen only
 * when a grace period is set (its default is none). Entries are (slot,
 * first-packet time, last-packet time when queued) in one flat array, so
 * queuing allocates nothing per flow.
 */
import type { FlowEndReason } from "./flow_record.ts";
import { flowBase, type FlowSlab, get, LINK, TIME } from "./flow_slab.ts";
import { closeReason, isReadyToClose, tcpState } from "./tcp_termination.ts";

export class ClosingQueue {
  #queue: number[] = [];
  #head = 0;

  /** True while a flow waits (checked per packet: a plain comparison). */
  get waiting(): boolean {
    return this.#head < this.#queue.length;
  }

  /** Queues the flow in `slot` (first and last packet times as they are now). */
  add(slot: number, first: number, last: number): void {
    this.#queue.push(slot, first, last);
  }

  /**
   * Ends, with `end`, the queued flows of `slab` quiet for longer than `grace`
   * µs at time `t`. An entry whose flow saw packets since is queued again
   * behind the others, so the head is always the quietest candidate; an entry
   * whose slot ended or was reused (its start time tells) is dropped.
   */
  endQuiet(
    t: number,
    grace: number,
    slab: FlowSlab,
    end: (slot: number, reason: FlowEndReason) => void,
  ): void {
    const queue = this.#queue;
    const stop = queue.length;
    while (this.#head < stop) {
      const at = this.#head;
      const slot = queue[at], first = queue[at + 1], last = queue[at + 2];
      const c = slab.cellsOf(slot), b = flowBase(slot);
      if (get(c, b, LINK.live) !== 1 || get(c, b, TIME.first) !== first || !isReadyToClose(tcpState(c, b))) {
        this.#head += 3;
        continue;
      }
      if (get(c, b, TIME.last) !== last) {
        queue.push(slot, first, get(c, b, TIME.last));
        this.#head += 3;
        continue;
      }
      if (t - last <= grace) break;
      this.#head += 3;
      end(slot, closeReason(tcpState(c, b)));
    }
    if (this.#head > 4096 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Ends every queued flow still waiting (the packet clock stepped back to a new time base). */
  endAll(slab: FlowSlab, end: (slot: number, reason: FlowEndReason) => void): void {
    const queue = this.#queue;
    for (let at = this.#head; at < queue.length; at += 3) {
      const slot = queue[at];
      const c = slab.cellsOf(slot), b = flowBase(slot);
      // A flow queued twice (it saw packets since) is ended once: it is no longer live after that.
      if (
        get(c, b, LINK.live) === 1 && get(c, b, TIME.first) === queue[at + 1] &&
        isReadyToClose(tcpState(c, b))
      ) {
        end(slot, closeReason(tcpState(c, b)));
      }
    }
    this.clear();
  }

  /** Forgets every entry (the table was flushed). */
  clear(): void {
    this.#queue = [];
    this.#head = 0;
  }
}
