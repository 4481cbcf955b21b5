/**
 * The list of local files whose rows are in the spool (one base name a
 * line, append-only, fsynced), so a restart can tell a finished file that
 * was never spooled (the process died between the two) from one that was.
 * Its first line is the time streaming was first enabled: files older than
 * that are not streamed after the fact.
 */
import { join } from "node:path";

const FILE = "spooled-files";

/** An open ledger. */
export class FileLedger {
  #path: string;
  #names: Set<string>;
  #since: number;
  #fileMode: number;

  private constructor(path: string, names: Set<string>, since: number, fileMode: number) {
    this.#path = path;
    this.#names = names;
    this.#since = since;
    this.#fileMode = fileMode;
  }

  /** Opens the ledger in `dir` (the spool directory), creating it stamped with `now`. */
  static async open(dir: string, now = Date.now(), fileMode = 0o600): Promise<FileLedger> {
    const path = join(dir, FILE);
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (text === undefined) {
      await Deno.writeTextFile(path, `since ${now}\n`, { mode: fileMode });
      return new FileLedger(path, new Set(), now, fileMode);
    }
    const lines = text.split("\n");
    const since = Number(/^since (\d+)$/.exec(lines[0])?.[1] ?? now);
    // A last line cut short by a crash names no file we rely on.
    const names = new Set(lines.slice(1, text.endsWith("\n") ? -1 : -2).filter((l) => l !== ""));
    return new FileLedger(path, names, since, fileMode);
  }

  /** When streaming was first enabled (ms since the epoch). */
  get since(): number {
    return this.#since;
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** Records `name` durably. */
  async add(name: string): Promise<void> {
    if (this.#names.has(name)) return;
    const file = await Deno.open(this.#path, { append: true, create: true, mode: this.#fileMode });
    try {
      await file.write(new TextEncoder().encode(`${name}\n`));
      await file.syncData();
    } finally {
      file.close();
    }
    this.#names.add(name);
  }

  /** Forgets names not in `existing` (files retention has deleted), rewriting the ledger when it shrank a lot. */
  async prune(existing: Set<string>): Promise<void> {
    const gone = [...this.#names].filter((n) => !existing.has(n));
    if (gone.length < 1000) return;
    for (const n of gone) this.#names.delete(n);
    const text = `since ${this.#since}\n` + [...this.#names].map((n) => `${n}\n`).join("");
    const tmp = `${this.#path}.tmp`;
    await Deno.writeTextFile(tmp, text, { mode: this.#fileMode });
    await Deno.rename(tmp, this.#path);
  }
}
