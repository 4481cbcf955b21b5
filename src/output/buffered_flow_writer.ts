/**
 * The FlowWriter of the text formats (CSV, NDJSON): rows are encoded into a
 * large reused buffer and full buffers are written to a ByteSink by a chain
 * of async writes, so memory stays bounded while the caller awaits `ready()`.
 */
import type { FlowRecord } from "../flow/flow_record.ts";
import type { ByteSink } from "./byte_sink.ts";
import type { FlowWriter, RowEncoder } from "./flow_writer_types.ts";
import { WriteChain } from "./write_chain.ts";

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
  #writes: WriteChain;
  #textEncoder = new TextEncoder();
  #bufferSize: number;
  #flushIntervalMs: number | undefined;
  #flushRows: number | undefined;
  #buffer: Uint8Array;
  #used = 0;
  #pool: Uint8Array[] = [];
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #rowsSinceFlush = 0;
  #rows = 0;
  #bytes = 0;

  constructor(sink: ByteSink, encoder: RowEncoder, options: BufferOptions = {}) {
    this.#sink = sink;
    this.#encoder = encoder;
    this.#bufferSize = options.bufferSize ?? MIB;
    this.#writes = new WriteChain(sink, "flows", options.highWaterMark ?? 4 * MIB);
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
    return this.#writes.backlogged;
  }

  write(r: FlowRecord): void {
    if (this.#closed) throw new Error(`${this.#sink.name}: write after close`);
    this.#writes.check();
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

  ready(): Promise<void> {
    return this.#writes.ready();
  }

  flush(): Promise<void> {
    this.#handOff();
    return this.#writes.settle();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handOff();
    await this.#writes.close();
  }

  async abort(): Promise<void> {
    this.#closed = true;
    this.#stopTimer();
    this.#used = 0;
    await this.#writes.abort();
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
        this.#writes.enqueue(bytes);
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
    this.#writes.enqueue(full.subarray(0, this.#used), () => {
      if (this.#pool.length < MAX_POOLED_BUFFERS) this.#pool.push(full);
    });
    this.#buffer = this.#pool.pop() ?? new Uint8Array(this.#bufferSize);
    this.#used = 0;
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
