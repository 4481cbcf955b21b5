/**
 * One FlowWriter that writes every row to several (the pipeline's CSV and
 * Parquet side by side). Closing finishes them in the order given, so the
 * last one's file appearing means all are complete.
 */
import type { FlowRecord } from "../flow/flow_record.ts";
import type { FlowWriter } from "./flow_writer_types.ts";

/**
 * Opens the writers in order; if one fails to open, those already open are
 * aborted (no file appears) and the error is thrown.
 *
 * @example A writer that cannot open leaves no file of the others
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildLayout } from "./columns.ts";
 * import { openFlowWriter } from "./flow_writer.ts";
 * import { openTeeWriter } from "./tee_writer.ts";
 * const dir = await Deno.makeTempDir();
 * const layout = buildLayout("cic2017");
 * await assert.rejects(openTeeWriter([
 *   () => openFlowWriter({ path: `${dir}/a.parquet`, layout, format: "parquet" }),
 *   () => openFlowWriter({ path: `${dir}/missing/a.csv`, layout }),
 * ]));
 * assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openTeeWriter(openers: (() => Promise<FlowWriter>)[]): Promise<FlowWriter> {
  const writers: FlowWriter[] = [];
  try {
    for (const open of openers) writers.push(await open());
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort().catch(() => {})));
    throw err;
  }
  return new TeeFlowWriter(writers);
}

/** Writes each row to every writer; `rows` and `bytes` are the last writer's. */
export class TeeFlowWriter implements FlowWriter {
  #writers: FlowWriter[];

  constructor(writers: FlowWriter[]) {
    if (writers.length === 0) throw new Error("a tee writer needs at least one writer");
    this.#writers = writers;
  }

  write(r: FlowRecord): void {
    for (const w of this.#writers) w.write(r);
  }

  get backlogged(): boolean {
    return this.#writers.some((w) => w.backlogged);
  }

  async ready(): Promise<void> {
    for (const w of this.#writers) await w.ready();
  }

  async flush(): Promise<void> {
    for (const w of this.#writers) await w.flush();
  }

  /** Closes in order; if one fails, the rest are aborted and the error is thrown. */
  async close(): Promise<void> {
    for (let i = 0; i < this.#writers.length; i++) {
      try {
        await this.#writers[i].close();
      } catch (err) {
        await Promise.all(this.#writers.slice(i + 1).map((w) => w.abort().catch(() => {})));
        throw err;
      }
    }
  }

  async abort(): Promise<void> {
    await Promise.all(this.#writers.map((w) => w.abort()));
  }

  get rows(): number {
    return this.#writers[this.#writers.length - 1].rows;
  }

  get bytes(): number {
    return this.#writers[this.#writers.length - 1].bytes;
  }
}
