/**
 * Runs one external program (a flow meter) under supervision: argument array
 * (never a shell), a timeout, an AbortSignal, stdout/stderr drained into
 * bounded tails, and a kill that escalates from SIGTERM to SIGKILL.
 *
 * Process groups: the Python meters start children of their own
 * (multiprocessing pools). When the program may signal process groups —
 * `Deno.kill(-pgid)` needs the unrestricted `--allow-run` permission — the
 * child is spawned `detached` (Deno calls setsid, so it leads a new process
 * group) and the whole group is killed. Under a restricted run permission
 * (the compiled pipeline allows only tcpdump and the meters), Deno refuses
 * group signals, so only the direct child is killed; its own children are left
 * to exit when their pipes close. `canKillProcessGroups()` says which applies.
 */

import { lowerPriority } from "../system/low_priority.ts";

/** Default bytes kept from the end of stderr (and stdout). */
export const DEFAULT_TAIL_BYTES = 4096;
/** Default wait between SIGTERM and SIGKILL. */
export const DEFAULT_GRACE_MS = 2000;

/** Options of `runProcess`. */
export interface RunOptions {
  /** Arguments, passed as they are (no shell). */
  args: string[];
  /** Kill the process after this long; no limit when undefined. */
  timeoutMs?: number;
  /** Kill the process when aborted. */
  signal?: AbortSignal;
  /** Wait between SIGTERM and SIGKILL (default 2 s). */
  graceMs?: number;
  /** Bytes kept from the end of stderr and of stdout (default 4 KiB). */
  tailBytes?: number;
  cwd?: string;
  /** Extra environment variables (the rest is inherited). */
  env?: Record<string, string>;
  /** CPU niceness set on the process right after it starts (see low_priority.ts). */
  niceness?: number;
}

/** How a supervised process ended. */
export interface RunResult {
  /** Exit code; 128+n when killed by signal n (as a shell reports it). */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** The last `tailBytes` of stderr, decoded as UTF-8. */
  stderrTail: string;
  /** The last `tailBytes` of stdout (the meters print their errors there). */
  stdoutTail: string;
  /** Killed because `timeoutMs` expired. */
  timedOut: boolean;
  /** Killed because `signal` was aborted. */
  aborted: boolean;
  /** The whole process group was signalled (see the module comment). */
  groupKill: boolean;
  elapsedMs: number;
}

/**
 * True when this process may signal process groups (`Deno.kill` with a
 * negative pid), i.e. `--allow-run` is granted without a program list.
 *
 * @example
 * canKillProcessGroups() // true under `deno test -A`, false under the pipeline's permission set
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
 * Runs `program` to completion, or kills it on timeout or abort (SIGTERM to
 * its process group, SIGKILL after `graceMs`). Never rejects for a non-zero
 * exit; rejects only when the program cannot be started (message names it).
 *
 * @example
 * const r = await runProcess("cicflowmeter", { args: ["-f", "in.pcap", "-c", "out.csv"], timeoutMs: 300_000 });
 * if (r.code !== 0) log.error(`cicflowmeter failed (${r.code}): ${r.stderrTail}`);
 */
export async function runProcess(program: string, options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const tailBytes = options.tailBytes ?? DEFAULT_TAIL_BYTES;
  const useGroup = canKillProcessGroups();
  if (options.signal?.aborted) {
    return {
      code: 143,
      signal: null,
      stderrTail: "",
      stdoutTail: "",
      timedOut: false,
      aborted: true,
      groupKill: useGroup,
      elapsedMs: 0,
    };
  }

  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args: options.args,
      cwd: options.cwd,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: useGroup,
    }).spawn();
  } catch (err) {
    throw new Error(`${program}: cannot start: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }

  // Best effort: a process that cannot be lowered still runs.
  if (options.niceness !== undefined) lowerPriority(child.pid, options.niceness);

  let exited = false;
  let timedOut = false;
  let aborted = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const send = (sig: Deno.Signal) => {
    try {
      if (useGroup) Deno.kill(-child.pid, sig);
      else if (!exited) child.kill(sig);
    } catch {
      // Already gone (ESRCH) — nothing to kill.
    }
  };
  const stop = () => {
    if (killTimer !== undefined) return;
    send("SIGTERM");
    killTimer = setTimeout(() => send("SIGKILL"), graceMs);
  };

  const timeout = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  const onAbort = () => {
    aborted = true;
    stop();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const stderr = new TailBuffer(tailBytes);
  const stdout = new TailBuffer(tailBytes);
  const drains = [drain(child.stderr, stderr), drain(child.stdout, stdout)];

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    exited = true;
    clearTimeout(timeout);
    options.signal?.removeEventListener("abort", onAbort);
  }
  // Leftover group members (a meter's workers) must not outlive a killed run.
  if (killTimer !== undefined && useGroup) send("SIGKILL");
  clearTimeout(killTimer);
  // A grandchild that inherited the pipes may keep them open; do not wait for it forever.
  await waitAtMost(Promise.all(drains.map((d) => d.done)), Math.min(graceMs, 1000));
  await Promise.all(drains.map((d) => d.cancel()));

  return {
    code: status.code,
    signal: status.signal,
    stderrTail: stderr.text(),
    stdoutTail: stdout.text(),
    timedOut,
    aborted,
    groupKill: useGroup,
    elapsedMs: performance.now() - started,
  };
}

/** Keeps the last `limit` bytes written to it. */
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

interface Drain {
  done: Promise<void>;
  cancel(): Promise<void>;
}

/** Reads `stream` into `into` until it ends; `cancel()` stops a read still pending. */
function drain(stream: ReadableStream<Uint8Array>, into: TailBuffer): Drain {
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

async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => timer = setTimeout(resolve, ms))]);
  clearTimeout(timer);
}
