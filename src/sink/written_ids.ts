/**
 * Which rows `collect` has written, by message id (`sensor/source/row`),
 * kept per output file in a hidden sidecar beside it
 * (`SENSOR/.KIND_YYYYmmdd_HH.csv.ids`, shared by the hour's parts) that is
 * appended in the same batch as the rows, so collect_state.ts's undo covers
 * both.
 *
 * JetStream's own de-duplication is not enough: it forgets an id after its
 * window (a sensor back after a long outage publishes again the messages
 * whose acknowledgement it never got), and nats-server before 2.11 (Debian 12
 * ships 2.9.10) can store one message twice when a stream's leader changes
 * during a retry (nats-io/nats-server#6415; our fleet test saw ~200 rows
 * twice after a whole-cluster restart). A copy always goes to the same file
 * as the original: the time and header that choose the file travel with it.
 *
 * Each sidecar line is JSON: `[source, first, last]` for a run of numbered
 * rows, `[source, row]` for any other row name.
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";

/**
 * The sidecar of output file `rel` (relative to the output directory); the
 * parts of an hour (hour_files.ts) share their first part's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { idsSidecar } from "./written_ids.ts";
 * assert.equal(idsSidecar("lab1/flows_20261202_08.csv"), "lab1/.flows_20261202_08.csv.ids");
 * assert.equal(idsSidecar("lab1/flows_20261202_08.2.csv"), "lab1/.flows_20261202_08.csv.ids");
 * ```
 */
export function idsSidecar(rel: string): string {
  const slash = rel.lastIndexOf("/");
  const name = rel.slice(slash + 1).replace(/\.\d+\.csv$/, ".csv");
  return join(rel.slice(0, slash + 1), `.${name}.ids`);
}

const ROW_NUMBER = /^[1-9][0-9]{0,14}$/;

/** The row ids of one file: numbered rows as runs, others by name. */
class IdSet {
  /** source → [first, last, first, last, …]. */
  readonly runs = new Map<string, number[]>();
  /** source → names of rows that are not numbers (a window summary's `summary`). */
  readonly named = new Map<string, Set<string>>();

  has(source: string, row: string): boolean {
    if (!ROW_NUMBER.test(row)) return this.named.get(source)?.has(row) ?? false;
    const r = Number(row);
    const runs = this.runs.get(source);
    if (runs === undefined) return false;
    for (let i = 0; i < runs.length; i += 2) if (r >= runs[i] && r <= runs[i + 1]) return true;
    return false;
  }

  add(source: string, row: string): void {
    if (!ROW_NUMBER.test(row)) {
      let names = this.named.get(source);
      if (!names) this.named.set(source, names = new Set());
      names.add(row);
      return;
    }
    this.addRun(source, Number(row), Number(row));
  }

  addRun(source: string, first: number, last: number): void {
    let runs = this.runs.get(source);
    if (!runs) this.runs.set(source, runs = []);
    // Rows mostly arrive in order: extend a neighbouring run rather than start one.
    for (let i = 0; i < runs.length; i += 2) {
      if (first === runs[i + 1] + 1) {
        runs[i + 1] = last;
        return;
      }
      if (last === runs[i] - 1) {
        runs[i] = first;
        return;
      }
    }
    runs.push(first, last);
  }

  /** Every member of `other` added to this set. */
  merge(other: IdSet): void {
    for (const [source, runs] of other.runs) {
      for (let i = 0; i < runs.length; i += 2) this.addRun(source, runs[i], runs[i + 1]);
    }
    for (const [source, names] of other.named) for (const name of names) this.add(source, name);
  }

  /** The sidecar lines of this set. */
  lines(): string {
    let text = "";
    for (const [source, runs] of this.runs) {
      for (let i = 0; i < runs.length; i += 2) text += JSON.stringify([source, runs[i], runs[i + 1]]) + "\n";
    }
    for (const [source, names] of this.named) {
      for (const name of names) text += JSON.stringify([source, name]) + "\n";
    }
    return text;
  }
}

/**
 * The written ids of recently used files in memory (at most `cached` files;
 * others are read from their sidecar again when a row for them arrives),
 * and the ids of the batch being written.
 */
export class WrittenIds {
  #dir: string;
  #log: Logger;
  #cached: number;
  #files = new Map<string, IdSet>();
  #batch = new Map<string, IdSet>();

  constructor(dir: string, log: Logger, cached = 64) {
    this.#dir = dir;
    this.#log = log;
    this.#cached = cached;
  }

  /** True when row `source`/`row` is already in sidecar `ids` (see idsSidecar), or in this batch. */
  async has(ids: string, source: string, row: string): Promise<boolean> {
    if (this.#batch.get(ids)?.has(source, row)) return true;
    return (await this.#written(ids)).has(source, row);
  }

  /** Adds a row to the batch being written. */
  add(ids: string, source: string, row: string): void {
    let set = this.#batch.get(ids);
    if (!set) this.#batch.set(ids, set = new IdSet());
    set.add(source, row);
  }

  /** The text the batch appends to sidecar `ids` ("" when none). */
  batchLines(ids: string): string {
    return this.#batch.get(ids)?.lines() ?? "";
  }

  /** The batch is on disk: its ids count as written. */
  commit(): void {
    for (const [ids, set] of this.#batch) this.#files.get(ids)?.merge(set);
    this.#batch.clear();
    for (const ids of this.#files.keys()) {
      if (this.#files.size <= this.#cached) break;
      this.#files.delete(ids);
    }
  }

  /** The batch was not written (it was cut back, or failed before writing): forget its ids. */
  discard(): void {
    this.#batch.clear();
  }

  async #written(ids: string): Promise<IdSet> {
    const cached = this.#files.get(ids);
    if (cached) {
      // Most recently used last: eviction takes the oldest first.
      this.#files.delete(ids);
      this.#files.set(ids, cached);
      return cached;
    }
    const set = new IdSet();
    const path = join(this.#dir, ids);
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    let broken = 0;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        const entry = JSON.parse(line);
        if (entry.length === 3) set.addRun(String(entry[0]), Number(entry[1]), Number(entry[2]));
        else set.add(String(entry[0]), String(entry[1]));
      } catch {
        broken++;
      }
    }
    if (broken > 0) {
      this.#log.warn(`collect: ${broken} unreadable lines in ${path}; rows they named may be written again`);
    }
    this.#files.set(ids, set);
    return set;
  }
}
