/**
 * Gzip-compressed captures (`trace.pcap.gz`, as MAWI and CAIDA publish them),
 * decompressed as they are read. node:zlib's gunzip, not the web
 * DecompressionStream: in Deno 2.9 that one fails on a file of several gzip
 * members (`cat a.gz b.gz`), which gzip itself reads whole. The gunzip stream
 * is driven by its events, never paused, and fed only while the reader keeps
 * up: a Node stream that errors drops the output it still buffers (as
 * `Duplex.toWeb` or a paused stream would hold it), so what survived a cut
 * would depend on timing.
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

/** Decompresses `head` (the file's first bytes, already read) and the rest of `file` as it is read. */
export function gunzip(file: Deno.FsFile, head: Uint8Array): GunzipInput {
  let compressed = head.length;
  let failure: string | null = null;
  let finished = false;
  const queue: Uint8Array[] = [];
  const reader = new Waiter(); // waits for a decompressed chunk or the end
  const feeder = new Waiter(); // waits for room in the queue or the end
  const finish = (error?: string) => {
    if (error !== undefined) failure ??= error;
    finished = true;
    reader.wake();
    feeder.wake();
  };
  const inflate = zlib.createGunzip({ chunkSize: CHUNK_BYTES });
  inflate.on("data", (chunk: Uint8Array) => {
    queue.push(chunk);
    reader.wake();
  });
  inflate.on("error", (err: Error) => finish(err.message));
  inflate.on("end", () => finish());

  let feeding: Promise<void> | null = null;
  const feed = async () => {
    // Each chunk is decompressed (its output emitted) before the next is written, and the end
    // comes after the last: when the gzip data breaks at the end, only the end's own flush fails.
    // A broken or cancelled stream calls back with its error, or closes.
    const write = (chunk: Uint8Array) =>
      new Promise<void>((resolve) => {
        const done = () => {
          inflate.off("close", done);
          resolve();
        };
        inflate.once("close", done);
        inflate.write(chunk, done);
      });
    if (head.length > 0) await write(head);
    for (;;) {
      while (queue.length >= QUEUED_CHUNKS && !finished) await feeder.wait();
      if (finished) return; // the gzip data broke: the rest of the file is not read
      const buffer = new Uint8Array(CHUNK_BYTES);
      const n = await file.read(buffer);
      if (n === null) break;
      compressed += n;
      await write(buffer.subarray(0, n));
    }
    inflate.end();
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
      inflate.destroy();
      finish();
    },
  });
  return { stream, compressedBytes: () => compressed, error: () => failure };
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
