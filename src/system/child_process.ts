/**
 * One way to start, stop and kill a child process, used by every owner of
 * one (the flow meters' runner, the rotating tcpdump, the streaming tcpdump):
 * start it (optionally under a parent-death signal, optionally leading its
 * own process group, optionally at a lower priority), stop it with SIGTERM
 * and SIGKILL after a grace period, and keep bounded tails of its output.
 */
import { lowerPriority } from "./low_priority.ts";
import { underParentDeath } from "./parent_death.ts";

/** How to start a child. */
export interface StartOptions {
  /** Arguments, passed as they are (no shell). */
  args: string[];
  /** Default "null". */
  stdout?: "piped" | "null";
  /** Default "null". */
  stderr?: "piped" | "null";
  cwd?: string;
  /** Extra environment variables (the rest is inherited). */
  env?: Record<string, string>;
  /**
   * Path of `setpriv`: the child gets SIGTERM when we die (see parent_death.ts), and runs in a
   * session of its own, out of reach of the terminal's signals.
   */
  parentDeathHelper?: string;
  /**
   * Lead a new process group and signal the whole group (its own children
   * too). Needs the unrestricted run permission (see canKillProcessGroups).
   */
  processGroup?: boolean;
  /** CPU niceness set right after the start (best effort; see low_priority.ts). */
  niceness?: number;
}

/** How a stop ended. */
export interface StopOutcome {
  status: Deno.CommandStatus;
  /** SIGTERM was not enough: SIGKILL was sent after the grace period. */
  killed: boolean;
}

/**
 * Starts `program`. Throws an Error naming the program when it cannot be
 * started (not installed, not permitted).
 *
 * @example A child that exits by itself
 * ```ts
 * import assert from "node:assert/strict";
 * import { startChild } from "./child_process.ts";
 * const child = startChild("true", { args: [] });
 * assert.equal((await child.status).code, 0);
 * ```
 */
export function startChild(program: string, options: StartOptions): Child {
  const [command, args] = underParentDeath(options.parentDeathHelper, program, options.args);
  let process: Deno.ChildProcess;
  try {
    process = new Deno.Command(command, {
      args,
      cwd: options.cwd,
      env: options.env,
      stdin: "null",
      stdout: options.stdout ?? "null",
      stderr: options.stderr ?? "null",
      // A child that dies with us through the kernel (the parent-death helper) gets a session of its
      // own: a terminal's Ctrl+C, sent to the whole foreground job, then reaches only us, and we stop
      // it in our own time (tcpdump after the stop's drain, with its last packets read).
      detached: options.processGroup === true || options.parentDeathHelper !== undefined,
    }).spawn();
  } catch (err) {
    throw new Error(`${program}: cannot start: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (options.niceness !== undefined) lowerPriority(process.pid, options.niceness);
  return new Child(process, options.processGroup === true);
}

/** A started child process. */
export class Child {
  readonly process: Deno.ChildProcess;
  /** Resolves when the child has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  readonly #group: boolean;
  #exited = false;
  #stopping: Promise<StopOutcome> | undefined;

  constructor(process: Deno.ChildProcess, group: boolean) {
    this.process = process;
    this.#group = group;
    this.status = process.status.finally(() => this.#exited = true);
  }

  get pid(): number {
    return this.process.pid;
  }

  /** True once the child has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** True once `stop()` has been called. */
  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /**
   * Sends `sig` to the child (to its whole group when it leads one; the group
   * may outlive its leader). Returns false when nothing was signalled.
   */
  signal(sig: Deno.Signal): boolean {
    try {
      if (this.#group) Deno.kill(-this.process.pid, sig);
      else if (!this.#exited) this.process.kill(sig);
      else return false;
      return true;
    } catch {
      return false; // already gone (ESRCH)
    }
  }

  /**
   * Stops the child: SIGTERM, then SIGKILL if it has not exited after
   * `graceMs`. A group's members left after its leader exited are killed
   * too. Resolves once the child has exited; calling it again returns the
   * same stop.
   *
   * @example A child that ignores SIGTERM is killed after the grace period
   * ```ts
   * import assert from "node:assert/strict";
   * import { startChild } from "./child_process.ts";
   * const child = startChild("sh", { args: ["-c", "trap '' TERM; exec sleep 30"] });
   * await new Promise((resolve) => setTimeout(resolve, 100)); // let the shell set its trap
   * const { killed, status } = await child.stop(200);
   * assert.equal(killed, true);
   * assert.equal(status.signal, "SIGKILL");
   * ```
   */
  stop(graceMs: number): Promise<StopOutcome> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<StopOutcome> {
    this.signal("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      this.status.then(() => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), graceMs)),
    ]);
    clearTimeout(timer);
    if (timedOut) this.signal("SIGKILL");
    const status = await this.status;
    // Leftover group members (a meter's workers) must not outlive a stopped run.
    if (this.#group && !timedOut) this.signal("SIGKILL");
    return { status, killed: timedOut };
  }
}

/**
 * True when this process may signal process groups (`Deno.kill` with a
 * negative pid), i.e. `--allow-run` is granted without a program list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canKillProcessGroups } from "./child_process.ts";
 * assert.equal(typeof canKillProcessGroups(), "boolean"); // true under `deno test -A`
 * ```
 */
export function canKillProcessGroups(): boolean {
  if (Deno.build.os === "windows") return false;
  try {
    return Deno.permissions.querySync({ name: "run" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Keeps the last `limit` bytes written to it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TailBuffer } from "./child_process.ts";
 * const tail = new TailBuffer(5);
 * tail.push(new TextEncoder().encode("hello world"));
 * assert.equal(tail.text(), "…world");
 * ```
 */
export class TailBuffer {
  #chunks: Uint8Array[] = [];
  #size = 0;
  /** Bytes seen in total (kept or not). */
  total = 0;

  constructor(readonly limit: number) {}

  /** Appends `chunk`, dropping the oldest bytes beyond the limit. */
  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (chunk.length >= this.limit) {
      this.#chunks = [chunk.slice(chunk.length - this.limit)];
      this.#size = this.limit;
      return;
    }
    this.#chunks.push(chunk.slice());
    this.#size += chunk.length;
    while (this.#size - this.#chunks[0].length >= this.limit) {
      this.#size -= this.#chunks.shift()!.length;
    }
  }

  /** The kept bytes as text (a cut multi-byte character becomes U+FFFD), trimmed. */
  text(): string {
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    const start = Math.max(0, this.#size - this.limit);
    const text = new TextDecoder().decode(all.subarray(start)).trim();
    return this.total > this.limit ? `…${text}` : text;
  }
}

/** A stream being read to its end; `cancel()` stops a read still pending. */
export interface Drain {
  done: Promise<void>;
  cancel(): Promise<void>;
}

/** Reads `stream` into `into` until it ends. */
export function drainInto(stream: ReadableStream<Uint8Array>, into: TailBuffer): Drain {
  const reader = stream.getReader();
  const done = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        into.push(value);
      }
    } catch {
      // Cancelled, or the pipe broke: the tail so far is what we have.
    }
  })();
  return {
    done,
    async cancel() {
      try {
        await reader.cancel();
      } catch {
        // already closed
      }
      await done;
    },
  };
}

/** Calls `onLine` with each line of `stream` (line end removed) until it ends. */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        onLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    }
  } catch { /* stream closed */ }
  if (rest !== "") onLine(rest);
}
