/**
 * `collect`'s crash safety in one small file, `DIR/.collect-state.json`,
 * replaced atomically:
 *
 * - `written`: stream sequences whose rows are durably in the output but
 *   whose acknowledgement the server has not confirmed. A redelivered
 *   message in this set is acknowledged without writing it again.
 * - `undo`: while a batch is being appended, each touched file's size
 *   before it (-1: the file did not exist). Present only between "about to
 *   write" and "written"; on start, files are cut back to these sizes, so a
 *   crash mid-batch leaves no row that will also be redelivered.
 *
 * Together: a row is in the output exactly once, whenever `collect` dies.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../system/atomic_write.ts";
import type { Logger } from "../log.ts";

/** The saved state. */
export interface CollectState {
  written: number[];
  undo?: Record<string, number>;
}

const FILE = ".collect-state.json";

/** Path of the state file in output directory `dir`. */
export function statePath(dir: string): string {
  return join(dir, FILE);
}

/** Reads the state (empty when there is none); a broken file is an error naming it. */
export async function loadState(dir: string): Promise<CollectState> {
  let text: string;
  try {
    text = await Deno.readTextFile(statePath(dir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { written: [] };
    throw err;
  }
  try {
    const state = JSON.parse(text) as CollectState;
    if (!Array.isArray(state.written)) throw new Error("no written list");
    return state;
  } catch (err) {
    throw new Error(`${statePath(dir)}: not a collect state file (${(err as Error).message})`);
  }
}

/** Saves the state atomically (fsync, rename). */
export async function saveState(dir: string, state: CollectState): Promise<void> {
  await writeFileAtomic(statePath(dir), JSON.stringify(state));
}

/**
 * Cuts files back to their sizes before an unfinished batch (removing
 * files that batch created); paths are relative to `dir`.
 */
export async function applyUndo(dir: string, undo: Record<string, number>, log: Logger): Promise<void> {
  for (const [rel, size] of Object.entries(undo)) {
    const path = join(dir, rel);
    try {
      if (size < 0) await Deno.remove(path);
      else await Deno.truncate(path, size);
      log.info(
        `collect: undid an unfinished batch in ${rel} (${size < 0 ? "removed" : `cut to ${size} bytes`})`,
      );
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
}
