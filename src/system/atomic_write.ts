/**
 * The one atomic-write helper of the project: every file we produce is
 * written under a temporary name in the same directory, fsynced, then renamed
 * over the final name. A crash never leaves a half-written file under the
 * final name; at worst a `.NAME.tmp-<pid>-<rand>` file is left behind
 * (`isAtomicTempName` recognises those for cleanup).
 */

/** Options of the atomic writers. */
export interface AtomicWriteOptions {
  /** Permission bits of the final file; default 0o600 (captures and flows are sensitive). */
  mode?: number;
}

/** Default file mode: owner read/write only. */
export const DEFAULT_FILE_MODE = 0o600;
/** Directories the program creates for captures and flows: owner only. */
export const DEFAULT_DIR_MODE = 0o700;

const TEMP_PATTERN = /^\..+\.tmp-\d+-[0-9a-z]+$/;

/**
 * A file being written under a temporary name. `commit()` makes it appear
 * under the final name; `abort()` removes it. Both close the file and may be
 * called once; a second call of either is a no-op.
 */
export interface AtomicFile {
  /** The open temporary file, positioned at its start. */
  readonly file: Deno.FsFile;
  /** Where the data goes until commit. */
  readonly tempPath: string;
  /** The name the file gets on commit. */
  readonly path: string;
  /** fsync, close, rename to `path` (replacing any existing file), fsync the directory. */
  commit(): Promise<void>;
  /** Close and remove the temporary file; never throws. */
  abort(): Promise<void>;
}

/**
 * Name of the temporary file for `path`: same directory, hidden, unique.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { atomicTempPath } from "./atomic_write.ts";
 * assert.match(atomicTempPath("out/flows.csv"), /^out\/\.flows\.csv\.tmp-\d+-\w+$/); // e.g. "out/.flows.csv.tmp-4242-k3j9x0"
 * ```
 */
export function atomicTempPath(path: string): string {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash + 1) : "";
  const base = path.slice(slash + 1);
  if (base === "" || base === "." || base === "..") {
    throw new Error(`${path}: not a file name`);
  }
  const rand = Math.floor(Math.random() * 36 ** 6).toString(36);
  return `${dir}.${base}.tmp-${Deno.pid}-${rand}`;
}

/**
 * True for names made by `atomicTempPath` (leftovers of a crash).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isAtomicTempName } from "./atomic_write.ts";
 * assert.deepEqual(isAtomicTempName(".flows.csv.tmp-4242-k3j9x0"), true);
 * assert.deepEqual(isAtomicTempName("flows.csv"), false);
 * ```
 */
export function isAtomicTempName(name: string): boolean {
  return TEMP_PATTERN.test(name);
}

/**
 * Opens a temporary file beside `path` for writing. The caller writes to
 * `file` and then calls `commit()` or `abort()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openAtomicFile } from "./atomic_write.ts";
 * const dir = await Deno.makeTempDir();
 * const out = await openAtomicFile(`${dir}/flows.csv`);
 * try {
 *   await out.file.write(new TextEncoder().encode("a,b\n1,2\n"));
 *   assert.deepEqual(await Array.fromAsync(Deno.readDir(dir), (e) => e.name.startsWith(".flows.csv.tmp-")), [true]);
 *   await out.commit();
 * } catch (err) {
 *   await out.abort(); // no flows.csv, no temp file
 *   throw err;
 * }
 * assert.equal(await Deno.readTextFile(`${dir}/flows.csv`), "a,b\n1,2\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openAtomicFile(path: string, options: AtomicWriteOptions = {}): Promise<AtomicFile> {
  const mode = options.mode ?? DEFAULT_FILE_MODE;
  const tempPath = atomicTempPath(path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(tempPath, { write: true, createNew: true, mode });
  } catch (err) {
    throw new Error(`${path}: cannot create temporary file ${tempPath}: ${messageOf(err)}`, { cause: err });
  }
  let done = false;
  const abort = async (): Promise<void> => {
    if (done) return;
    done = true;
    closeQuietly(file);
    await Deno.remove(tempPath).catch(() => {});
  };
  const commit = async (): Promise<void> => {
    if (done) return;
    try {
      // The process umask may have narrowed `mode` at creation; set it exactly.
      await Deno.chmod(tempPath, mode);
      await file.sync();
      file.close();
      done = true;
      await Deno.rename(tempPath, path);
    } catch (err) {
      done = false;
      await abort();
      throw new Error(`${path}: cannot write file: ${messageOf(err)}`, { cause: err });
    }
    await syncDirectory(path);
  };
  return { file, tempPath, path, commit, abort };
}

/**
 * Writes `data` to `path` atomically: temp file in the same directory, write,
 * fsync, rename. On error the temp file is removed and the error rethrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/summary.json`, JSON.stringify({ flows: 3 }));
 * assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/summary.json`)), { flows: 3 });
 * assert.equal((await Deno.stat(`${dir}/summary.json`)).mode! & 0o777, 0o600);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  await withAtomicFile(path, (file) => writeAll(file, bytes), options);
}

/**
 * Runs `fn` with a temporary file beside `path`, then fsyncs and renames it to
 * `path`. If `fn` throws, the temp file is removed and the error rethrown;
 * `path` is untouched.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withAtomicFile } from "./atomic_write.ts";
 * const dir = await Deno.makeTempDir();
 * await assert.rejects(withAtomicFile(`${dir}/flows.csv`, () => Promise.reject(new Error("meter died"))), /meter died/);
 * assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []); // neither flows.csv nor a temp file
 * await withAtomicFile(`${dir}/flows.csv`, async (file) => {
 *   await file.write(new TextEncoder().encode("a,b\n1,2\n"));
 * });
 * assert.equal(await Deno.readTextFile(`${dir}/flows.csv`), "a,b\n1,2\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withAtomicFile(
  path: string,
  fn: (file: Deno.FsFile) => Promise<void>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const out = await openAtomicFile(path, options);
  try {
    await fn(out.file);
  } catch (err) {
    await out.abort();
    throw err;
  }
  await out.commit();
}

/** Writes every byte of `bytes` (FsFile.write may write fewer). */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await file.write(bytes.subarray(at));
}

/** fsync the directory holding `path` so the rename survives a power loss; best effort. */
function syncDirectory(path: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  return syncDir(slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".");
}

/** fsync directory `dir` so a file created or renamed in it survives a power loss; best effort. */
export async function syncDir(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Some platforms/filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (handle) closeQuietly(handle);
  }
}

function closeQuietly(file: Deno.FsFile): void {
  try {
    file.close();
  } catch {
    // already closed
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
