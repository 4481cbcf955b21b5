/**
 * Completed-capture detection. tcpdump writes one `capture_*.pcap` at a time,
 * so:
 *  - while it runs, every capture file older than the newest one is
 *    complete: a new file means the previous one is done. Newest by time,
 *    not by name: names go back with the host's clock, and files an earlier
 *    version named in local time may sort after today's UTC names;
 *  - files already there at start-up (left by an earlier run), and every file
 *    present when tcpdump exits (`settle()`), are complete once their size
 *    has not changed for the stability delay.
 *
 * `Deno.watchFs` triggers a scan of the directory on every event; a periodic
 * re-scan is the safety net for dropped events. Each complete file is handed
 * to `onComplete` once, unless `isDone` says it already has its output.
 * Temporary and other files are ignored.
 */
import { CAPTURE_NAME } from "../capture/tcpdump_rotate.ts";
import type { Logger } from "../log.ts";

export interface WatcherOptions {
  dir: string;
  /** Size unchanged for this long = complete (start-up leftovers and settled files). */
  stabilityMs: number;
  /** Safety-net re-scan period (default 5 s). */
  rescanMs?: number;
  /** True when the pcap needs no conversion (its CSV exists, or it failed for good). */
  isDone(pcapPath: string): Promise<boolean>;
  /** A complete capture to convert. Called once per file. */
  onComplete(pcapPath: string): void;
  log: Logger;
  /** Use Deno.watchFs (default true; tests turn it off to prove the re-scan alone finds files). */
  useWatchFs?: boolean;
}

interface Pending {
  size: number;
  mtime: number;
  /** When the size was last seen to change. */
  since: number;
}

/** Watches the pcap directory and reports each completed capture once. */
export class CaptureWatcher {
  #o: WatcherOptions;
  /** Names handed to onComplete (or found done), never reported again. */
  #handled = new Set<string>();
  /** Names that are complete once stable (start-up leftovers, settled files), with their last size. */
  #settling = new Map<string, Pending | undefined>();
  #watcher: Deno.FsWatcher | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stabilityTimer: ReturnType<typeof setTimeout> | undefined;
  #scanning: Promise<void> | undefined;
  #settles = new Set<Promise<void>>();
  #again = false;
  #closed = false;
  #completed = 0;
  #newest: string | undefined;

  constructor(options: WatcherOptions) {
    this.#o = options;
  }

  /** Files reported complete so far. */
  get completed(): number {
    return this.#completed;
  }

  /** The capture being written (the newest file), if any. */
  get current(): string | undefined {
    return this.#newest;
  }

  /** Files waiting to be stable. */
  get settling(): number {
    return this.#settling.size;
  }

  /**
   * Takes note of the files already there (left by an earlier run: complete
   * once stable) and starts watching. Call before tcpdump starts.
   */
  async start(): Promise<void> {
    for (const name of await this.#list()) this.#settling.set(name, undefined);
    if (this.#o.useWatchFs ?? true) {
      try {
        this.#watcher = Deno.watchFs(this.#o.dir, { recursive: false });
        this.#pump(this.#watcher);
      } catch (err) {
        this.#o.log.warn(
          `cannot watch ${this.#o.dir} (${(err as Error).message}); re-scanning every few seconds`,
        );
      }
    }
    this.#timer = setInterval(() => this.scan(), this.#o.rescanMs ?? 5000);
    await this.scan();
  }

  /**
   * tcpdump has exited: every capture file now present is complete once
   * stable (the one it was writing included). Resolves after a scan.
   */
  settle(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    // Tracked so that close() waits for it: tcpdump's exit may call this while the pipeline stops.
    const settling = this.#settle().finally(() => this.#settles.delete(settling));
    this.#settles.add(settling);
    return settling;
  }

  async #settle(): Promise<void> {
    try {
      for (const name of await this.#list()) {
        if (!this.#handled.has(name) && !this.#settling.has(name)) this.#settling.set(name, undefined);
      }
    } catch (err) {
      this.#o.log.error(`scanning ${this.#o.dir}: ${(err as Error).message}`);
      return;
    }
    await this.scan();
  }

  /**
   * Waits (bounded) until no file is left settling: the last capture has
   * been reported. Returns false on timeout.
   */
  async waitSettled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#settling.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(200, this.#o.stabilityMs)));
      await this.scan();
    }
    return this.#settling.size === 0;
  }

  /** Scans the directory now (serialised: a scan asked for during a scan runs right after it). */
  scan(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#scanning) {
      this.#again = true;
      return this.#scanning;
    }
    this.#scanning = (async () => {
      try {
        do {
          this.#again = false;
          await this.#scanOnce();
        } while (this.#again && !this.#closed);
      } catch (err) {
        this.#o.log.error(`scanning ${this.#o.dir}: ${(err as Error).message}`);
      } finally {
        this.#scanning = undefined;
      }
    })();
    return this.#scanning;
  }

  /** Stops watching and re-scanning. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#stabilityTimer);
    try {
      this.#watcher?.close();
    } catch { /* closed */ }
    await Promise.all([this.#scanning, ...this.#settles]);
  }

  async #pump(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const event of watcher) {
        if (event.paths.some((p) => CAPTURE_NAME.test(p.slice(p.lastIndexOf("/") + 1)))) this.scan();
      }
    } catch (err) {
      if (!this.#closed) this.#o.log.warn(`watching ${this.#o.dir} stopped: ${(err as Error).message}`);
    }
  }

  async #list(): Promise<string[]> {
    const names: string[] = [];
    for await (const entry of Deno.readDir(this.#o.dir)) {
      if (entry.isFile && CAPTURE_NAME.test(entry.name)) names.push(entry.name);
    }
    return names.sort();
  }

  async #scanOnce(): Promise<void> {
    const names = await this.#list();
    const present = new Set(names);
    // Forget what is gone (converted and deleted by retention, moved to failed/).
    for (const name of this.#handled) if (!present.has(name)) this.#handled.delete(name);
    for (const name of this.#settling.keys()) if (!present.has(name)) this.#settling.delete(name);

    const newest = await this.#newestWritten(
      names.filter((n) => !this.#handled.has(n) && !this.#settling.has(n)),
    );
    this.#newest = newest;
    const now = Date.now();
    let waiting = false;
    for (const name of names) {
      if (this.#handled.has(name)) continue;
      if (this.#settling.has(name)) {
        const stable = await this.#isStable(name, now);
        if (stable === undefined) continue;
        if (!stable) {
          waiting = true;
          continue;
        }
      } else if (name === newest) {
        continue; // being written by tcpdump
      }
      await this.#complete(name);
    }
    clearTimeout(this.#stabilityTimer);
    if (waiting && !this.#closed) {
      this.#stabilityTimer = setTimeout(() => this.scan(), Math.max(100, this.#o.stabilityMs / 2));
    }
  }

  /** Of `names`, the one written last (mtime, then name): the file tcpdump is writing. */
  async #newestWritten(names: string[]): Promise<string | undefined> {
    let newest: string | undefined;
    let newestMtime = -Infinity;
    for (const name of names) {
      let mtime: number;
      try {
        mtime = (await Deno.stat(`${this.#o.dir}/${name}`)).mtime?.getTime() ?? 0;
      } catch {
        continue; // gone since the listing
      }
      if (mtime > newestMtime || (mtime === newestMtime && name > newest!)) {
        newest = name;
        newestMtime = mtime;
      }
    }
    return newest;
  }

  /** True when the size has not changed for the stability delay; undefined when the file is gone. */
  async #isStable(name: string, now: number): Promise<boolean | undefined> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(`${this.#o.dir}/${name}`);
    } catch {
      this.#settling.delete(name);
      return undefined;
    }
    const mtime = info.mtime?.getTime() ?? 0;
    const seen = this.#settling.get(name);
    if (!seen || seen.size !== info.size || seen.mtime !== mtime) {
      this.#settling.set(name, { size: info.size, mtime, since: now });
      return false;
    }
    return now - seen.since >= this.#o.stabilityMs;
  }

  async #complete(name: string): Promise<void> {
    this.#handled.add(name);
    this.#settling.delete(name);
    const path = `${this.#o.dir}/${name}`;
    if (await this.#o.isDone(path)) {
      this.#o.log.debug(`${name} already converted`);
      return;
    }
    this.#completed++;
    this.#o.onComplete(path);
  }
}
