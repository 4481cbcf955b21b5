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

import {
  canKillProcessGroups,
  type Child,
  drainInto,
  startChild,
  TailBuffer,
} from "../system/child_process.ts";

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
 * Runs `program` to completion, or kills it on timeout or abort (SIGTERM to
 * its process group, SIGKILL after `graceMs`). Never rejects for a non-zero
 * exit; rejects only when the program cannot be started (message names it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runProcess } from "./process_runner.ts";
 * const r = await runProcess("sh", { args: ["-c", "echo 'no such file: in.pcap' >&2; exit 2"], timeoutMs: 300_000 });
 * assert.deepEqual([r.code, r.stderrTail, r.timedOut], [2, "no such file: in.pcap", false]);
 * const slow = await runProcess("sleep", { args: ["30"], timeoutMs: 100, graceMs: 200 });
 * assert.equal(slow.timedOut, true);
 * ```
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

  const child: Child = startChild(program, {
    args: options.args,
    cwd: options.cwd,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
    processGroup: useGroup,
    niceness: options.niceness,
  });

  let timedOut = false;
  let aborted = false;
  let stopped: Promise<unknown> | undefined;
  const stop = () => stopped ??= child.stop(graceMs);
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
  const drains = [drainInto(child.process.stderr, stderr), drainInto(child.process.stdout, stdout)];

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    clearTimeout(timeout);
    options.signal?.removeEventListener("abort", onAbort);
  }
  // A stop also kills what is left of the group once the leader has exited.
  await stopped;
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

async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => timer = setTimeout(resolve, ms))]);
  clearTimeout(timer);
}
