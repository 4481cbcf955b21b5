/**
 * Gzip-compressed captures (`trace.pcap.gz`, as MAWI and CAIDA publish them),
 * decompressed as they are read. node:zlib's gunzip, not the web
 * DecompressionStream: in Deno 2.9 that one fails on a file of several gzip
 * members (`cat a.gz b.gz`), which gzip itself reads whole.
 */
import zlib from "node:zlib";
import { Duplex } from "node:stream";

/** Decompressed bytes of a gzip file, and how it went. */
export interface GunzipInput {
  /** The decompressed bytes. Ends normally when the gzip data breaks; `error()` then says why. */
  stream: ReadableStream<Uint8Array>;
  /** Compressed bytes read from the file so far. */
  compressedBytes(): number;
  /** Why the gzip data could not be decompressed to its end (cut short, corrupt), or null. */
  error(): string | null;
}

/** Output chunks of the decompressor, as large as the plain reader's reads (its default is 16 KiB). */
const CHUNK_BYTES = 256 * 1024;

/** Decompresses `head` (the file's first bytes, already read) and the rest of `file` as it is read. */
export function gunzip(file: Deno.FsFile, head: Uint8Array): GunzipInput {
  let compressed = head.length;
  let failure: string | null = null;
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const buffer = new Uint8Array(CHUNK_BYTES);
      const n = await file.read(buffer);
      if (n === null) controller.close();
      else {
        compressed += n;
        controller.enqueue(buffer.subarray(0, n));
      }
    },
  });
  const inflate = Duplex.toWeb(zlib.createGunzip({ chunkSize: CHUNK_BYTES })) as unknown as TransformStream<
    Uint8Array,
    Uint8Array
  >;
  const plain = source.pipeThrough(inflate).getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await plain.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        // What was decompressed before the break is already out; the reader reports the break.
        failure = err instanceof Error ? err.message : String(err);
        controller.close();
      }
    },
    cancel: (reason) => plain.cancel(reason),
  });
  return { stream, compressedBytes: () => compressed, error: () => failure };
}
