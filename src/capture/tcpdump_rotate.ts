/**
 * Rotating capture: tcpdump writes `PCAPDIR/capture_%Y%m%d_%H%M%S.pcap`
 * (UTC), a new file every `rotateSeconds`, supervised: when it dies it is restarted
 * with backoff (1 s, 2 s, 4 s … 60 s, back to 1 s after a healthy minute),
 * it can be paused (disk full) and resumed, and stopping sends SIGTERM, then
 * SIGKILL if it does not exit in time. Its stderr goes to the log.
 *
 * When `parentDeathSignal` is given (the path of util-linux `setpriv`),
 * tcpdump runs as `setpriv --pdeathsig TERM -- tcpdump …`, so it stops even
 * if the pipeline is killed with SIGKILL instead of writing on, orphaned.
 */
import { STOP_DRAIN_MS } from "./tcpdump_stream.ts";
import { type Child, readLines, startChild } from "../system/child_process.ts";
import type { Logger } from "../log.ts";
import { parseTcpdumpCounts, type TcpdumpCounts } from "./tcpdump_counts.ts";

/** File names tcpdump writes (strftime pattern) and the matching regexp. */
export const CAPTURE_PATTERN = "capture_%Y%m%d_%H%M%S.pcap";
export const CAPTURE_NAME = /^capture_\d{8}_\d{6}\.pcap$/;
/** How long an outside stop of tcpdump (exit code 0) waits for our own stop before it counts as a crash. */
const OUTSIDE_STOP_GRACE_MS = 300;

export interface RotatingCaptureOptions {
  iface: string;
  snaplen: number;
  rotateSeconds: number;
  pcapDir: string;
  /** BPF filter; "" = all traffic. Passed as its own argument (never through a shell). */
  filter: string;
  log: Logger;
  /** tcpdump to run (path or name); default "tcpdump". */
  tcpdump?: string;
  /** Path of `setpriv` to run tcpdump under `--pdeathsig TERM`; none = run tcpdump directly. */
  parentDeathSignal?: string;
  /** Restart backoff; defaults 1 s doubling to 60 s, reset after 60 s of healthy running. */
  backoff?: { initialMs?: number; maxMs?: number; healthyMs?: number };
  /** How long stop/pause wait after SIGTERM before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
  /**
   * How long a stop for good waits before SIGTERM, so that the kernel hands
   * tcpdump the packets of its last block (default STOP_DRAIN_MS; without it
   * the last second before a Ctrl+C is received but never written).
   */
  drainMs?: number;
  /** Kernel capture buffer in KiB (tcpdump -B; default ROTATING_BUFFER_KIB). */
  bufferKiB?: number;
  /** Called when tcpdump has exited, whatever the reason (its last file is then complete). */
  onExit?: (info: { code: number; signal: Deno.Signal | null; expected: boolean }) => void;
}

/**
 * Kernel buffer of the rotating capture: tcpdump's default 2 MiB holds about
 * 0.2 s at 50 k packets/s; 16 MiB holds over a second while a conversion
 * or the disk holds tcpdump up.
 */
export const ROTATING_BUFFER_KIB = 16384;

/**
 * tcpdump's arguments for a rotating capture.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rotatingCaptureArgs } from "./tcpdump_rotate.ts";
 * assert.deepEqual(
 *   rotatingCaptureArgs({ iface: "eth0", snaplen: 128, rotateSeconds: 60, pcapDir: "data/pcaps", filter: "tcp" }),
 *   ["-i", "eth0", "-s", "128", "-G", "60", "-w", "data/pcaps/capture_%Y%m%d_%H%M%S.pcap", "-Z", "root", "-U", "-n",
 *    "-B", "16384", "--", "tcp"],
 * );
 * ```
 */
export function rotatingCaptureArgs(
  o: Pick<RotatingCaptureOptions, "iface" | "snaplen" | "rotateSeconds" | "pcapDir" | "filter" | "bufferKiB">,
): string[] {
  const args = [
    "-i",
    o.iface,
    "-s",
    String(o.snaplen),
    "-G",
    String(o.rotateSeconds),
    "-w",
    `${o.pcapDir}/${CAPTURE_PATTERN}`,
    "-Z",
    "root",
    "-U",
    "-n",
    "-B",
    String(o.bufferKiB ?? ROTATING_BUFFER_KIB),
  ];
  // "--": a filter starting with "-" must not be read as options (-w FILE, -z COMMAND).
  if (o.filter.trim() !== "") args.push("--", o.filter);
  return args;
}

export type CaptureState = "idle" | "running" | "backoff" | "paused" | "stopped";

/** A supervised rotating tcpdump. */
export class RotatingCapture {
  #o: RotatingCaptureOptions;
  #child: Child | undefined;
  #state: CaptureState = "idle";
  #restarts = 0;
  #loop: Promise<void> | undefined;
  /** Wakes the loop from a backoff wait or a pause. */
  #wake: (() => void) | undefined;
  /** True while a stop/pause is killing tcpdump on purpose. */
  #intentional = false;
  /**
   * Set when `stop()` begins: tcpdump exiting from then on is part of the stop (a service
   * manager stopping the whole unit sends its SIGTERM to tcpdump too), and it is not restarted.
   */
  #stopping = false;
  /** The running tcpdump has said "listening on" (its SIGUSR1 handler is set). */
  #listening = false;
  /** Counters of the running tcpdump (last SIGUSR1 reply), and the sum over earlier runs. */
  #current: TcpdumpCounts | null = null;
  #earlier: TcpdumpCounts | null = null;
  #countWaiters = new Set<() => void>();

  constructor(options: RotatingCaptureOptions) {
    this.#o = options;
  }

  get state(): CaptureState {
    return this.#state;
  }

  /** Times tcpdump was restarted after dying on its own. */
  get restarts(): number {
    return this.#restarts;
  }

  /** The running tcpdump's process id (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** tcpdump's counters over this run (restarts summed), as last printed; null before any. */
  get counts(): TcpdumpCounts | null {
    return addCounts(this.#earlier, this.#current);
  }

  /**
   * Asks the running tcpdump for its counters (SIGUSR1) and resolves with
   * `counts` once it answered or after `timeoutMs`.
   */
  async refreshCounts(timeoutMs = 1000): Promise<TcpdumpCounts | null> {
    const child = this.#child;
    if (!child || !this.#listening) return this.counts;
    let done!: () => void;
    const answered = new Promise<void>((resolve) => done = resolve);
    this.#countWaiters.add(done);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (child.signal("SIGUSR1")) {
        await Promise.race([answered, new Promise((resolve) => timer = setTimeout(resolve, timeoutMs))]);
      }
    } finally {
      clearTimeout(timer);
      this.#countWaiters.delete(done);
    }
    return this.counts;
  }

  /** Starts tcpdump and its supervision. */
  start(): void {
    if (this.#loop) return;
    this.#state = "running";
    this.#loop = this.#supervise();
  }

  /** Stops tcpdump and keeps it stopped until `resume()` (e.g. the disk is full). */
  async pause(): Promise<void> {
    if (this.#state === "stopped" || this.#state === "paused") return;
    this.#state = "paused";
    this.#wake?.();
    await this.#terminate();
  }

  /** Starts tcpdump again after `pause()`. */
  resume(): void {
    if (this.#state !== "paused") return;
    this.#state = "running";
    this.#wake?.();
  }

  /**
   * Stops for good: waits `drainMs` for the last packets, then SIGTERM, up to
   * `stopTimeoutMs`, then SIGKILL. Resolves once tcpdump has exited.
   */
  async stop(timeoutMs = this.#o.stopTimeoutMs ?? 5000): Promise<void> {
    this.#stopping = true;
    const drainMs = this.#o.drainMs ?? STOP_DRAIN_MS;
    if (this.#child && this.#state === "running" && drainMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, drainMs));
    }
    this.#state = "stopped";
    this.#wake?.();
    await this.#terminate(timeoutMs);
    await this.#loop;
  }

  #stoppedOrPaused(): boolean {
    return this.#state === "stopped" || this.#state === "paused";
  }

  async #terminate(timeoutMs = this.#o.stopTimeoutMs ?? 5000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#intentional = true;
    const { killed } = await child.stop(timeoutMs);
    if (killed) this.#o.log.warn(`tcpdump (pid ${child.pid}) did not stop within ${timeoutMs} ms; killed it`);
    // Exited: no longer "the running tcpdump", even before the supervisor loop has caught up.
    if (this.#child === child) this.#child = undefined;
  }

  async #supervise(): Promise<void> {
    const o = this.#o;
    const initial = o.backoff?.initialMs ?? 1000;
    const max = o.backoff?.maxMs ?? 60_000;
    const healthy = o.backoff?.healthyMs ?? 60_000;
    let delay = initial;
    while (this.#state !== "stopped") {
      if (this.#state === "paused" || this.#stopping) {
        await new Promise<void>((resolve) => this.#wake = resolve);
        this.#wake = undefined;
        continue;
      }
      this.#state = "running";
      this.#intentional = false;
      const startedAt = Date.now();
      const { code, signal, lastLine } = await this.#runOnce();
      // tcpdump exits 0 by itself only on a signal from outside (SIGINT, SIGTERM, SIGHUP). A
      // service manager stopping the whole unit sends it to tcpdump and us at once: our stop
      // gets a moment to begin before the exit counts as a crash.
      if (
        code === 0 && signal === null && !this.#intentional && !this.#stoppedOrPaused() && !this.#stopping
      ) {
        await new Promise((resolve) => setTimeout(resolve, OUTSIDE_STOP_GRACE_MS));
      }
      const expected = this.#intentional || this.#stoppedOrPaused() || this.#stopping;
      o.onExit?.({ code, signal, expected });
      if (expected) continue;
      if (Date.now() - startedAt >= healthy) delay = initial;
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      o.log.error(
        `tcpdump on ${o.iface} died (${how}${lastLine ? `: ${lastLine}` : ""}); restarting in ${
          delay / 1000
        } s`,
      );
      this.#state = "backoff";
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      delay = Math.min(delay * 2, max);
      if (!this.#stoppedOrPaused() && !this.#stopping) {
        this.#restarts++;
        this.#state = "running";
      }
    }
    this.#child = undefined;
  }

  /** Runs tcpdump once until it exits; its stderr lines go to the log. */
  async #runOnce(): Promise<{ code: number; signal: Deno.Signal | null; lastLine: string }> {
    const o = this.#o;
    const tcpdump = o.tcpdump ?? "tcpdump";
    const args = rotatingCaptureArgs(o);
    let child: Child;
    try {
      child = startChild(tcpdump, {
        args,
        // tcpdump names files in the process's time zone: in local time a name comes back when
        // daylight saving time ends, and tcpdump truncates the file that has it.
        env: { TZ: "UTC0" },
        stderr: "piped",
        parentDeathHelper: o.parentDeathSignal,
      });
    } catch (err) {
      return { code: -1, signal: null, lastLine: (err as Error).message };
    }
    this.#child = child;
    o.log.info(`tcpdump started (pid ${child.pid}): ${tcpdump} ${args.map(quoteArg).join(" ")}`);
    // A stop requested while spawning must still reach this child.
    if (this.#stoppedOrPaused()) {
      this.#intentional = true;
      child.signal("SIGTERM");
    }
    let lastLine = "";
    let finalCounts = "";
    this.#listening = false;
    this.#current = null;
    const lines = readLines(child.process.stderr, (line) => {
      const text = line.trimEnd().replace(/^tcpdump: /, "");
      if (text === "") return;
      // The one-line reply to SIGUSR1: counters for the status line, not the log.
      const counts = text.includes("captured,") ? parseTcpdumpCounts(text) : null;
      if (counts) {
        this.#current = counts;
        for (const done of this.#countWaiters) done();
        return;
      }
      if (text.startsWith("listening on")) this.#listening = true;
      if (/^\d+ packets? /.test(text)) finalCounts += `${text}\n`;
      if (!text.startsWith("listening on")) lastLine = text;
      if (/ [1-9]\d* packets? dropped by kernel/.test(` ${text}`)) o.log.warn(`tcpdump: ${text}`);
      else o.log.info(`tcpdump: ${text}`);
    });
    const status = await child.status;
    await lines;
    if (this.#child === child) this.#child = undefined;
    this.#listening = false;
    this.#earlier = addCounts(this.#earlier, parseTcpdumpCounts(finalCounts) ?? this.#current);
    this.#current = null;
    return { code: status.code, signal: status.signal, lastLine };
  }
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function addCounts(a: TcpdumpCounts | null, b: TcpdumpCounts | null): TcpdumpCounts | null {
  if (!a || !b) return a ?? b;
  return {
    captured: a.captured + b.captured,
    received: a.received + b.received,
    dropped: a.dropped + b.dropped,
  };
}
