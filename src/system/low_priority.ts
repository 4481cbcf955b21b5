/**
 * Capture first: the pipeline's conversions run at a lower CPU priority than
 * tcpdump, so a conversion never takes the CPU tcpdump needs to empty its
 * kernel buffer. Linux keeps the nice value per thread: the builtin meter
 * lowers its own worker thread (the pipeline's main thread, which watches
 * files and signals, keeps its priority); an external meter's process is
 * lowered right after it starts, and its later threads and child processes
 * inherit the value. Without an explicit I/O class, Linux derives a
 * thread's I/O priority from its nice value (best effort, level
 * (nice + 20) / 5), so the conversions' disk reads also yield to tcpdump's
 * writes on schedulers that honour priorities (BFQ).
 */
import { setPriority } from "node:os";

/** Niceness of conversions in the pipeline (tcpdump runs at 0). */
export const CONVERSION_NICENESS = 10;

/**
 * Sets the niceness of process `pid`, or of the calling thread when `pid`
 * is 0. Returns null, or why it could not (a missing `sys` permission, a
 * process that has exited): the conversion then runs at normal priority.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONVERSION_NICENESS, lowerPriority } from "./low_priority.ts";
 * assert.deepEqual(lowerPriority(0, CONVERSION_NICENESS), null); // this thread now runs at nice 10
 * ```
 */
export function lowerPriority(pid: number, niceness: number): string | null {
  try {
    setPriority(pid, niceness);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
