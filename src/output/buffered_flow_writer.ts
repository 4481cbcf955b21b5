/**
 * The FlowWriter of the text formats (CSV, NDJSON): rows are encoded into a
 * large reused buffer and full buffers are written to a ByteSink by a chain
 * of async writes, so memory stays bounded while the caller awaits `ready()`.
 */
import type { FlowRecord } from "../flow/flow_record.ts";
import type { ByteSink } from "./byte_sink.ts";
import type { FlowWriter, RowEncoder } from "./flow_writer_types.ts";

/** Tuning of `BufferedFlowWriter`. */
export interface BufferOptions {
  flushIntervalMs?: number;
  flushRows?: number;
  bufferSize?: number;
  highWaterMark?: number;
}

const MIB = 1 << 20;
const MAX_POOLED_BUFFERS = 4;

/** The FlowWriter over any ByteSink and RowEncoder. */
export class BufferedFlowWriter implements FlowWriter {
  #sink: ByteSink;
  #encoder: RowEncoder;
  #textEncoder = new TextEncoder();
  #bufferSize: number;
  #highWaterMark: number;
  #flushIntervalMs: number | undefined;
  #flushRows: number | undefined;
  #buffer: Uint8Array;
  #used = 0;
  #pool: Uint8Array[] = [];
  #pending = 0;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown = undefined;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #rowsSinceFlush = 0;
  #rows = 0;
  #bytes = 0;

  constructor(sink: ByteSink, encoder: RowEncoder, options: BufferOptions = {}) {
    this.#sink = sink;
    this.#encoder = encoder;
    this.#bufferSize = options.bufferSize ?? MIB;
    this.#highWaterMark = options.highWaterMark ?? 4 * MIB;
    this.#flushIntervalMs = options.flushIntervalMs;
    this.#flushRows = options.flushRows;
    this.#buffer = new Uint8Array(this.#bufferSize);
    if (sink.needsHeader && encoder.header !== null) this.#append(encoder.header);
  }

  get rows(): number {
    return this.#rows;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get backlogged(): boolean {
    return this.#pending > this.#highWaterMark;
  }

  write(r: FlowRecord): void {
    if (this.#closed) throw new Error(`${this.#sink.name}: write after close`);
    if (this.#error !== undefined) throw this.#failure();
    this.#appendRow(r);
    this.#rows++;
    this.#rowsSinceFlush++;
    if (this.#flushRows !== undefined && this.#rowsSinceFlush >= this.#flushRows) {
      this.#handOff();
    } else if (this.#flushIntervalMs !== undefined && this.#timer === undefined) {
      const timer = setTimeout(() => {
        this.#timer = undefined;
        this.#handOff();
      }, this.#flushIntervalMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  async ready(): Promise<void> {
    if (this.#pending > this.#highWaterMark) await this.#chain;
    if (this.#error !== undefined) throw this.#failure();
  }

  async flush(): Promise<void> {
    this.#handOff();
    await this.#chain;
    if (this.#error !== undefined) throw this.#failure();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handOff();
    await this.#chain;
    if (this.#error !== undefined) {
      await this.#sink.abort();
      throw this.#failure();
    }
    await this.#sink.close();
  }

  async abort(): Promise<void> {
    this.#closed = true;
    this.#stopTimer();
    this.#used = 0;
    await this.#chain;
    await this.#sink.abort();
  }

  /** Encodes one record, directly into the buffer when the encoder can. */
  #appendRow(r: FlowRecord): void {
    const encoder = this.#encoder;
    if (encoder.encodeInto) {
      let end = encoder.encodeInto(r, this.#buffer, this.#used);
      if (end < 0 && this.#used > 0) {
        this.#handOff();
        end = encoder.encodeInto(r, this.#buffer, 0);
      }
      if (end >= 0) {
        this.#bytes += end - this.#used;
        this.#used = end;
        return;
      }
    }
    this.#append(encoder.row(r));
  }

  /** Encodes `text` into the current buffer, handing full buffers to the sink. */
  #append(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const worst = text.length * 3;
    if (worst > this.#bufferSize - this.#used) {
      this.#handOff();
      if (worst > this.#bufferSize) {
        const bytes = this.#textEncoder.encode(text);
        this.#bytes += bytes.length;
        this.#enqueue(bytes, undefined);
        return;
      }
    }
    const { written } = this.#textEncoder.encodeInto(text, this.#buffer.subarray(this.#used));
    this.#used += written;
    this.#bytes += written;
  }

  /** Queues the current buffer's bytes for writing and switches to a free buffer. */
  #handOff(): void {
    this.#stopTimer();
    this.#rowsSinceFlush = 0;
    if (this.#used === 0) return;
    const full = this.#buffer;
    this.#enqueue(full.subarray(0, this.#used), full);
    this.#buffer = this.#pool.pop() ?? new Uint8Array(this.#bufferSize);
    this.#used = 0;
  }

  #enqueue(bytes: Uint8Array, recycle: Uint8Array | undefined): void {
    this.#pending += bytes.length;
    this.#chain = this.#chain.then(async () => {
      try {
        if (this.#error === undefined) await this.#sink.write(bytes);
      } catch (err) {
        this.#error = err;
      } finally {
        this.#pending -= bytes.length;
        if (recycle && this.#pool.length < MAX_POOLED_BUFFERS) this.#pool.push(recycle);
      }
    });
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #failure(): Error {
    const err = this.#error;
    const message = err instanceof Error ? err.message : String(err);
    return new Error(`${this.#sink.name}: writing flows failed: ${message}`, { cause: err });
  }
}
