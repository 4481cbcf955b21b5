/**
 * Gzip-compressed captures (`trace.pcap.gz`, as MAWI and CAIDA publish them),
 * decompressed as they are read. node:zlib's gunzip, not the web
 * DecompressionStream: in Deno 2.9 that one fails on a file of several gzip
 * members (`cat a.gz b.gz`), which gzip itself reads whole. The gunzip stream
 * is driven by its events, never paused, and fed only while the reader keeps
 * up: a Node stream that errors drops the output it still buffers (as
 * `Duplex.toWeb` or a paused stream would hold it), so what survived a cut
 * would depend on timing.
 *
 * An error inside a write also drops what that write had decompressed: all
 * of a small file when garbage follows its last gzip member (GNU gzip keeps
 * the data and warns), up to a write's worth of a corrupt one. So a file
 * that can seek is decompressed again up to that write, and the write's
 * bytes are then fed one at a time: everything before the bad byte comes
 * out. (A pipe cannot be read again; from one that write's output is lost.)
 */
import zlib from "node:zlib";

/** Decompressed bytes of a gzip file, and how it went. */
export interface GunzipInput {
  /** The decompressed bytes. Ends normally when the gzip data breaks; `error()` then says why. */
  stream: ReadableStream<Uint8Array>;
  /** Compressed bytes read from the file so far. */
  compressedBytes(): number;
  /** Why the gzip data could not be decompressed to its end (cut short, corrupt), or null. */
  error(): string | null;
}

/** Read size and output chunks of the decompressor, as large as the plain reader's reads. */
const CHUNK_BYTES = 256 * 1024;
/** Decompressed chunks held for the reader before no more compressed bytes are fed in. */
const QUEUED_CHUNKS = 8;

/** Where gzip data comes from: a file (which can be read again after a break), or a pipe. */
export interface GzipSource {
  read(buffer: Uint8Array): Promise<number | null>;
  seek?(offset: number, whence: Deno.SeekMode): Promise<number>;
}

/** Decompresses `head` (the first bytes, already read) and the rest of `file` as it is read. */
export function gunzip(file: GzipSource, head: Uint8Array): GunzipInput {
  let compressed = head.length;
  let failure: string | null = null;
  let finished = false;
  let cancelled = false;
  /** Decompressed bytes handed to the reader so far. */
  let delivered = 0;
  const queue: Uint8Array[] = [];
  const reader = new Waiter(); // waits for a decompressed chunk or the end
  const feeder = new Waiter(); // waits for room in the queue or the end
  const finish = (error?: string) => {
    if (error !== undefined) failure ??= error;
    finished = true;
    reader.wake();
    feeder.wake();
  };
  const deliver = (chunk: Uint8Array) => {
    delivered += chunk.length;
    queue.push(chunk);
    reader.wake();
  };
  const inflate = inflater(deliver);

  // The gzip data broke inside the write of `bytes` (from `start` in the file): what that write
  // held before the bad byte is recovered, and the rest of the file is not read.
  const broke = async (start: number, bytes: Uint8Array) =>
    finish((await recover(file, start, bytes, delivered, deliver, () => cancelled)) ?? inflate.error());

  let feeding: Promise<void> | null = null;
  const feed = async () => {
    // Each chunk is decompressed (its output emitted) before the next is written, and the end
    // comes after the last: when the gzip data breaks at the end, only the end's own flush fails.
    if (head.length > 0 && (await inflate.write(head)) !== null) return broke(0, head);
    for (;;) {
      while (queue.length >= QUEUED_CHUNKS && !finished) await feeder.wait();
      if (finished) return; // cancelled
      const buffer = new Uint8Array(CHUNK_BYTES);
      const n = await file.read(buffer);
      if (n === null) break;
      const start = compressed;
      compressed += n;
      if ((await inflate.write(buffer.subarray(0, n))) !== null) return broke(start, buffer.subarray(0, n));
    }
    finish(await inflate.end() ?? undefined);
  };

  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      feeding ??= feed().catch((err) => finish(err instanceof Error ? err.message : String(err)));
      while (queue.length === 0 && !finished) await reader.wait();
      const chunk = queue.shift();
      if (chunk !== undefined) {
        feeder.wake();
        controller.enqueue(chunk);
      } else {
        controller.close();
      }
    },
    cancel() {
      cancelled = true;
      inflate.destroy();
      finish();
    },
  });
  return { stream, compressedBytes: () => compressed, error: () => failure };
}

/** A gunzip stream written one chunk at a time; each write resolves once its output is out. */
interface Inflater {
  /** Writes `chunk`; resolves with null, or with the error that broke the gzip data. */
  write(chunk: Uint8Array): Promise<string | null>;
  /** Ends the input; resolves with null, or the error of the end (data cut short). */
  end(): Promise<string | null>;
  /** The error that broke the gzip data, once one has. */
  error(): string | undefined;
  destroy(): void;
}

function inflater(onData: (chunk: Uint8Array) => void): Inflater {
  const inflate = zlib.createGunzip({ chunkSize: CHUNK_BYTES });
  let error: string | undefined;
  inflate.on("data", onData);
  inflate.on("error", (err: Error) => error ??= err.message);
  // A broken or destroyed stream calls back with its error, or closes.
  // The error of a write is emitted just after the write's callback: it is read once the
  // promise has resolved, not in the callback.
  const settle = (start: (done: () => void) => void) =>
    new Promise<void>((resolve) => {
      const done = () => {
        inflate.off("close", done);
        inflate.off("end", done);
        resolve();
      };
      inflate.once("close", done);
      inflate.once("end", done);
      start(done);
    }).then(() => error ?? null);
  return {
    write: (chunk) =>
      error !== undefined
        ? Promise.resolve(error)
        : settle((done) =>
          inflate.write(chunk, (err?: Error | null) => {
            if (err) error ??= err.message;
            done();
          })
        ),
    end: () => error !== undefined ? Promise.resolve(error) : settle(() => inflate.end()),
    error: () => error,
    destroy: () => inflate.destroy(),
  };
}

/**
 * After the gzip data broke inside the write of `failing` (which started at `start` in the
 * file): decompresses the file again up to `start`, passing on nothing of the `delivered` bytes
 * already out, then `failing` one byte at a time, so what it held before the bad byte comes
 * out too. Resolves with the error that stopped it, or null when the file cannot be read again
 * (a pipe) and nothing was recovered.
 */
async function recover(
  file: GzipSource,
  start: number,
  failing: Uint8Array,
  delivered: number,
  deliver: (chunk: Uint8Array) => void,
  cancelled: () => boolean,
): Promise<string | null> {
  try {
    if (!file.seek) return null;
    await file.seek(0, Deno.SeekMode.Start);
  } catch {
    return null; // not seekable
  }
  let skip = delivered;
  const again = inflater((chunk) => {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      return;
    }
    deliver(chunk.subarray(skip));
    skip = 0;
  });
  try {
    const buffer = new Uint8Array(CHUNK_BYTES);
    for (let at = 0; at < start && !cancelled();) {
      const n = await file.read(buffer.subarray(0, Math.min(CHUNK_BYTES, start - at)));
      if (n === null) return null; // the file shrank
      at += n;
      if ((await again.write(buffer.slice(0, n))) !== null) return again.error() ?? null;
    }
    for (let i = 0; i < failing.length && !cancelled(); i++) {
      if ((await again.write(failing.subarray(i, i + 1))) !== null) return again.error() ?? null;
    }
    return null;
  } finally {
    again.destroy();
  }
}

/** One side waiting for the other: `wait()` resolves at the next `wake()`. */
class Waiter {
  #resolve: (() => void) | null = null;

  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.#resolve = resolve);
  }

  wake(): void {
    this.#resolve?.();
    this.#resolve = null;
  }
}
