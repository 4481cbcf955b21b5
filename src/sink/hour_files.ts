/**
 * Where `collect` puts a row: `DIR/SENSOR/KIND_YYYYmmdd_HH.csv` (UTC hour of
 * the row's local write time), so files rotate by hour and stay apart per
 * sensor and kind. A row whose header differs from the one already in that
 * file goes to `KIND_YYYYmmdd_HH_<hash>.csv` (a sensor changed its layout
 * within the hour): one file, one header.
 *
 * A closed hour whose CSV was deleted after its Parquet file was written
 * (the README allows it) gets its late rows in a part file,
 * `KIND_YYYYmmdd_HH.2.csv` (then `.3`, …): rebuilt from a CSV that lost its
 * earlier rows, the hour's Parquet file would lose them too.
 */
import { join } from "node:path";
import { pathExists } from "../paths.ts";

/**
 * The base name for `kind` and a time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hourFileName } from "./hour_files.ts";
 * assert.deepEqual(hourFileName("flows", Date.UTC(2026, 11, 2, 8, 15)), "flows_20261202_08.csv");
 * ```
 */
export function hourFileName(kind: string, timeMs: number, suffix = ""): string {
  const d = new Date(timeMs);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${kind}_${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}` +
    `${suffix}.csv`;
}

/** A short stable hash of a header line (FNV-1a, 8 hex digits). */
export function headerHash(header: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < header.length; i++) {
    h ^= header.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** Remembers each output file's header line so the choice of file costs no reads after the first. */
export class HourFiles {
  #dir: string;
  #headers = new Map<string, string | null>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The path (relative to the output directory) for one row. */
  async pathFor(sensor: string, kind: string, timeMs: number, header: string): Promise<string> {
    const plain = await this.#part(join(sensor, hourFileName(kind, timeMs)));
    const existing = await this.#headerOf(plain);
    if (existing === null) {
      // This batch creates it: later rows of the batch with another header go elsewhere.
      this.#headers.set(plain, header);
      return plain;
    }
    if (existing === header) return plain;
    return await this.#part(join(sensor, hourFileName(kind, timeMs, `_${headerHash(header)}`)));
  }

  /** The part of the file `rel` that takes rows: the first whose CSV exists or that has no Parquet file either. */
  async #part(rel: string): Promise<string> {
    for (let n = 1;; n++) {
      const part = n === 1 ? rel : rel.replace(/\.csv$/, `.${n}.csv`);
      if (this.#headers.has(part) || await pathExists(join(this.#dir, part))) return part;
      if (!await pathExists(join(this.#dir, part.replace(/\.csv$/, ".parquet")))) return part;
    }
  }

  /** Forgets what is known (after an undo changed files). */
  reset(): void {
    this.#headers.clear();
  }

  async #headerOf(rel: string): Promise<string | null> {
    if (this.#headers.has(rel)) return this.#headers.get(rel)!;
    let header: string | null = null;
    try {
      const file = await Deno.open(join(this.#dir, rel), { read: true });
      try {
        const buf = new Uint8Array(64 * 1024);
        const n = await file.read(buf) ?? 0;
        const text = new TextDecoder().decode(buf.subarray(0, n));
        const nl = text.indexOf("\n");
        header = nl >= 0 ? text.slice(0, nl) : null;
      } finally {
        file.close();
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    // Only remember files that exist with a header; an absent one may be created by this batch.
    if (header !== null) this.#headers.set(rel, header);
    return header;
  }
}
