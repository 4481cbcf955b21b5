/**
 * The ordered writes of a flow writer to its ByteSink: encoded bytes are
 * queued as one chain of async writes, the bytes waiting are counted for
 * backpressure, and the first failure is kept and reported by every later
 * call. Finishing closes the sink, or aborts it after a failure, so a
 * partial file never takes the final name. Used by the text writers
 * (BufferedFlowWriter) and the Parquet writer alike.
 */
import type { ByteSink } from "./byte_sink.ts";

export class WriteChain {
  readonly #sink: ByteSink;
  readonly #what: string;
  readonly #highWaterMark: number;
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;
  #error: unknown = undefined;
  /** Callers of `ready()` waiting for the backlog to fall to the high-water mark. */
  #waiting: (() => void)[] = [];

  /** `what` names the data in messages ("writing flows failed"). */
  constructor(sink: ByteSink, what: string, highWaterMark: number) {
    this.#sink = sink;
    this.#what = what;
    this.#highWaterMark = highWaterMark;
  }

  /** True when more bytes wait than the high-water mark: callers should await `ready()`. */
  get backlogged(): boolean {
    return this.#pending > this.#highWaterMark;
  }

  get failed(): boolean {
    return this.#error !== undefined;
  }

  /** Records a failure found outside the writes (e.g. while encoding); the first one is kept. */
  fail(err: unknown): void {
    if (this.#error === undefined) this.#error = err;
  }

  /** Throws the failure, if any, naming the sink. */
  check(): void {
    if (this.#error !== undefined) throw this.#failure();
  }

  /** Queues `bytes`; `done` runs once they are written or given up (e.g. to reuse the buffer). */
  enqueue(bytes: Uint8Array, done?: () => void): void {
    this.#pending += bytes.length;
    this.#chain = this.#chain.then(async () => {
      try {
        if (this.#error === undefined) await this.#sink.write(bytes);
      } catch (err) {
        this.fail(err);
      } finally {
        this.#pending -= bytes.length;
        done?.();
        if (!this.backlogged && this.#waiting.length > 0) {
          for (const wake of this.#waiting.splice(0)) wake();
        }
      }
    });
  }

  /**
   * Waits while backlogged, until the bytes waiting fall to the high-water
   * mark (not until every write is done: the caller then encodes the next
   * rows while the rest are written, and the writes never run dry); throws a
   * failure.
   */
  async ready(): Promise<void> {
    if (this.backlogged) await new Promise<void>((wake) => this.#waiting.push(wake));
    this.check();
  }

  /** Waits for every queued write; throws a failure. */
  async settle(): Promise<void> {
    await this.#chain;
    this.check();
  }

  /** Waits for the writes, then closes the sink; after a failure aborts it and throws. */
  async close(): Promise<void> {
    await this.#chain;
    if (this.#error !== undefined) {
      await this.#sink.abort();
      throw this.#failure();
    }
    await this.#sink.close();
  }

  /** Waits for the writes under way, then aborts the sink (a temp file is removed). */
  async abort(): Promise<void> {
    await this.#chain;
    await this.#sink.abort();
  }

  #failure(): Error {
    const err = this.#error;
    const message = err instanceof Error ? err.message : String(err);
    return new Error(`${this.#sink.name}: writing ${this.#what} failed: ${message}`, { cause: err });
  }
}
