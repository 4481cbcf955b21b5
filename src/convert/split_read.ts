/**
 * A capture file read on a second thread: a Web Worker
 * (packet_reader_worker.ts) reads, decodes and loads the packets, and this
 * thread runs the flow meter (and the writer behind it) on the batches it
 * sends. On two cores both halves run at once; `convert` of one file gets
 * about a third faster (issue 15). The rows, and every count, are the same
 * as with `readCaptureFile` feeding `meter.addPacket`.
 */
import type { FlowMeter } from "../flow/meter.ts";
import type { IgnoreReason } from "../flow/flow_packet.ts";
import type { MeterOptions } from "../flow/profile.ts";
import type { ReadStats } from "../pcap/reader.ts";
import type { BatchReturn, ReaderMessage, ReaderRequest } from "./packet_reader_worker.ts";
import { fromWorkerError } from "./worker_error.ts";

export interface SplitReadOptions {
  /** Stop after this many records (0 = all). */
  maxPackets?: number;
  /** Stops reading: the promise rejects with the signal's reason and the worker ends. */
  signal?: AbortSignal;
  /** Called after each batch with the reader's progress. */
  onProgress?: (bytesRead: number, packets: number) => void;
  /** Awaited after each batch, before its buffer goes back to the reader (a writer draining). */
  afterBatch?: () => Promise<void> | void;
}

const READER_MODULE = new URL("./packet_reader_worker.ts", import.meta.url);

/**
 * Whether a reader thread can start: Deno loads a worker's module with the
 * read permission of its creator, and a narrow permission set (the `binary`
 * set run from source) does not grant reading the program's own files.
 * Then the file is read on one thread instead of failing.
 */
export function readerThreadAvailable(): boolean {
  return READER_MODULE.protocol !== "file:" ||
    Deno.permissions.querySync({ name: "read", path: READER_MODULE }).state === "granted";
}

/** Packets per batch: 4096 × 22 doubles, 704 KiB. */
const BATCH_PACKETS = 4096;
/** Batches with this thread at once (then the reader waits): bounds memory to a few MB. */
const IN_FLIGHT = 4;

/**
 * Reads `input` on a worker thread into `meter`, which was made with
 * `meterOptions` (the reader applies the same packet rules); resolves with
 * the read statistics. Errors keep their class (CaptureFormatError,
 * Deno.errors.NotFound, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowMeter } from "../flow/meter.ts";
 * import { readIntoMeterSplit } from "./split_read.ts";
 * const input = new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname;
 * let flows = 0;
 * const meter = new FlowMeter({ profile: "cic2017" }, () => flows++);
 * const stats = await readIntoMeterSplit(input, meter, { profile: "cic2017" });
 * meter.flush();
 * assert.equal(`${stats.packets} packets, ${meter.stats.packetsUsed} used, ${flows} flows`, "5 packets, 5 used, 2 flows");
 * ```
 */
export function readIntoMeterSplit(
  input: string,
  meter: FlowMeter,
  meterOptions: MeterOptions,
  options: SplitReadOptions = {},
): Promise<ReadStats> {
  const { signal } = options;
  const worker = new Worker(READER_MODULE, { type: "module" });
  return new Promise<ReadStats>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      worker.terminate();
      fn();
    };
    const fail = (err: unknown) => settle(() => reject(err));
    const onAbort = () => fail(signal?.reason ?? new DOMException("conversion aborted", "AbortError"));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.onerror = (event) => {
      event.preventDefault();
      fail(new Error(`${input}: the reader thread crashed: ${event.message}`));
    };
    // Messages are handled one at a time, in order: a batch may wait for the writer.
    let queue = Promise.resolve();
    worker.onmessage = (event: MessageEvent<ReaderMessage>) => {
      const m = event.data;
      queue = queue.then(async () => {
        if (settled) return;
        if (m.kind === "batch") {
          meter.addBatch(new Float64Array(m.buffer), m.count);
          options.onProgress?.(m.bytesRead, m.packets);
          await options.afterBatch?.();
          if (!settled) worker.postMessage({ buffer: m.buffer } satisfies BatchReturn, [m.buffer]);
        } else if (m.kind === "done") {
          for (const [reason, n] of Object.entries(m.ignored)) {
            if (n > 0) meter.countIgnored(reason as IgnoreReason, n);
          }
          settle(() => resolve(m.stats));
        } else {
          fail(fromWorkerError(m));
        }
      }).catch(fail);
    };
    worker.postMessage(
      {
        input,
        meter: meterOptions,
        maxPackets: options.maxPackets,
        batchPackets: BATCH_PACKETS,
        inFlight: IN_FLIGHT,
      } satisfies ReaderRequest,
    );
  });
}
