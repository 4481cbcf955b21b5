/**
 * Where a flow writer's bytes go: a file written atomically, a file that is
 * appended to as flows end (live mode), or standard output.
 */
import { DEFAULT_FILE_MODE, openAtomicFile, writeAll } from "../system/atomic_write.ts";

/** A destination for encoded rows. Writes are issued one at a time, in order. */
export interface ByteSink {
  /** Writes every byte of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Finishes: fsync and publish (atomic file), fsync (append), nothing (stdout). */
  close(): Promise<void>;
  /** Gives up: removes the temp file (atomic); closes without more data (append, stdout). */
  abort(): Promise<void>;
  /** True when the destination holds no rows yet, so a header must be written first. */
  readonly needsHeader: boolean;
  /** For messages: the file name or "stdout". */
  readonly name: string;
}

/**
 * A file that appears under `path` only when closed (temp file + rename).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openAtomicSink } from "./byte_sink.ts";
 * const dir = await Deno.makeTempDir();
 * const sink = await openAtomicSink(`${dir}/flows.csv`);
 * await sink.write(new TextEncoder().encode("a,b\n"));
 * await assert.rejects(Deno.stat(`${dir}/flows.csv`)); // not there until closed
 * await sink.close();
 * assert.equal(await Deno.readTextFile(`${dir}/flows.csv`), "a,b\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openAtomicSink(path: string, mode = DEFAULT_FILE_MODE): Promise<ByteSink> {
  const out = await openAtomicFile(path, { mode });
  return {
    name: path,
    needsHeader: true,
    write: (bytes) => writeAll(out.file, bytes),
    close: () => out.commit(),
    abort: () => out.abort(),
  };
}

/**
 * A file that grows as flows end (the `live` command). A new or empty file
 * gets the header; an existing one must start with exactly `header` (else an
 * error names the file), and a partial last line left by a crash is cut off
 * so new rows start on a line of their own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openAppendSink } from "./byte_sink.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/live.csv`, "Flow ID,Src IP\n1,10.0.0.1\n2,10.0"); // a crash cut the last line
 * const sink = await openAppendSink(`${dir}/live.csv`, "Flow ID,Src IP\n");
 * assert.equal(sink.needsHeader, false);
 * await sink.write(new TextEncoder().encode("3,10.0.0.3\n"));
 * await sink.close();
 * assert.equal(await Deno.readTextFile(`${dir}/live.csv`), "Flow ID,Src IP\n1,10.0.0.1\n3,10.0.0.3\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openAppendSink(
  path: string,
  header: string | null,
  mode = DEFAULT_FILE_MODE,
): Promise<ByteSink> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, append: true, create: true, mode });
  } catch (err) {
    throw new Error(`${path}: cannot open for appending: ${err instanceof Error ? err.message : err}`, {
      cause: err,
    });
  }
  let needsHeader: boolean;
  try {
    const size = (await file.stat()).size;
    needsHeader = size === 0;
    if (size > 0) {
      if (header !== null) await checkHeader(file, path, header);
      await cutPartialLine(file, path, size);
    }
  } catch (err) {
    file.close();
    throw err;
  }
  let closed = false;
  return {
    name: path,
    needsHeader,
    write: (bytes) => writeAll(file, bytes),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await file.sync();
      } finally {
        file.close();
      }
    },
    abort() {
      if (!closed) {
        closed = true;
        file.close();
      }
      return Promise.resolve();
    },
  };
}

/**
 * Standard output (`-o -`). Close leaves stdout open.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stdoutSink } from "./byte_sink.ts";
 * const sink = stdoutSink();
 * assert.equal(sink.name, "stdout");
 * await sink.close(); // stdout stays open
 * ```
 */
export function stdoutSink(): ByteSink {
  return {
    name: "stdout",
    needsHeader: true,
    write: async (bytes) => {
      let at = 0;
      while (at < bytes.length) at += await Deno.stdout.write(bytes.subarray(at));
    },
    close: () => Promise.resolve(),
    abort: () => Promise.resolve(),
  };
}

async function checkHeader(file: Deno.FsFile, path: string, header: string): Promise<void> {
  const want = new TextEncoder().encode(header);
  const got = new Uint8Array(want.length);
  await file.seek(0, Deno.SeekMode.Start);
  let n = 0;
  while (n < got.length) {
    const r = await file.read(got.subarray(n));
    if (r === null) break;
    n += r;
  }
  if (n < want.length || !want.every((b, i) => b === got[i])) {
    const firstLine = new TextDecoder().decode(got.subarray(0, n)).split("\n")[0];
    throw new Error(
      `${path}: existing file has a different header than the chosen layout (starts "${
        firstLine.slice(0, 60)
      }"); ` +
        `pick another file or the layout it was written with`,
    );
  }
}

/** If the file does not end in a newline (crash mid-row), truncate after its last newline. */
async function cutPartialLine(file: Deno.FsFile, path: string, size: number): Promise<void> {
  const window = Math.min(size, 1 << 20);
  const tail = new Uint8Array(window);
  await file.seek(size - window, Deno.SeekMode.Start);
  let n = 0;
  while (n < window) {
    const r = await file.read(tail.subarray(n));
    if (r === null) break;
    n += r;
  }
  if (tail[n - 1] === 0x0a) return;
  const lastNewline = tail.lastIndexOf(0x0a, n - 1);
  if (lastNewline < 0) {
    throw new Error(`${path}: last line is longer than 1 MiB and incomplete; not appending to it`);
  }
  await file.truncate(size - window + lastNewline + 1);
}
