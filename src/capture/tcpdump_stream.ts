/**
 * Live capture as a stream: runs `tcpdump -i IFACE -s SNAPLEN -U -n -w - [filter]`
 * and feeds its stdout, read in large chunks, through the pcap parser. No
 * files are written.
 *
 * Why these options (measured over a veth with tcpreplay, see
 * tests/bench/capture_load.ts): with `--immediate-mode` libpcap uses a ring of
 * fixed slots sized from the snaplen, so `-B 16384 -s 65535` holds only about
 * 256 packets and drops at 50 k packets/s; without it the kernel fills
 * variable-size blocks and the same 16 MiB holds tens of thousands of
 * packets, and hands a block over when it is full or after tcpdump's 1 s
 * buffer timeout. So a packet reaches us at most about 1 s after it arrived.
 * `-U` writes each handed-over packet to the pipe at once (no stdio buffer
 * waiting for 4 KiB on a quiet link).
 *
 * Stopping (AbortSignal) waits STOP_DRAIN_MS first, so the block holding the
 * last packets before the stop is handed over, then sends SIGTERM; the
 * packets already in the pipe are still delivered. A tcpdump that has not
 * exited STOP_GRACE_MS after the SIGTERM (stuck) is killed with SIGKILL, so a
 * stop never waits on it for ever. tcpdump's own counters
 * (received, captured, dropped) are asked for with SIGUSR1 while it runs.
 */
import { startChild } from "../system/child_process.ts";
import { type PacketCallback, readCaptureStream, type ReadStats } from "../pcap/reader.ts";
import { parseTcpdumpCounts, type TcpdumpCounts } from "./tcpdump_counts.ts";

/** tcpdump failed before delivering a capture (bad interface, bad filter, no permission). */
export class TcpdumpStartError extends Error {
  constructor(readonly iface: string, readonly stderr: string, readonly exitCode: number) {
    super(`tcpdump could not capture on ${iface}: ${lastLine(stderr) || `exit code ${exitCode}`}`);
    this.name = "TcpdumpStartError";
  }
}

/**
 * How long a stop waits before SIGTERM: tcpdump's buffer timeout (1000 ms)
 * plus a margin. Packets of a kernel block not yet handed over when tcpdump
 * exits are lost (received, never captured).
 */
export const STOP_DRAIN_MS = 1200;

/** How long a stopped tcpdump may take to exit after SIGTERM before it is killed. */
export const STOP_GRACE_MS = 5000;

export interface TcpdumpStreamOptions {
  iface: string;
  /** Bytes captured per packet (default 65535). */
  snaplen?: number;
  /** BPF filter expression, passed to tcpdump as one argument. */
  filter?: string;
  /** Stop the capture: after STOP_DRAIN_MS, SIGTERM to tcpdump, then the rest of the pipe is read. */
  signal?: AbortSignal;
  /** Stop after this many packets (0 = no limit). */
  maxPackets?: number;
  onProgress?: (bytesRead: number, stats: ReadStats) => void;
  /** Program to run (tests); default "tcpdump". */
  command?: string;
  /** Arguments before tcpdump's own (tests: `["netns", "exec", NS, "tcpdump"]` with command "ip"). */
  prefixArgs?: string[];
  /** Path of `setpriv`: run under `--pdeathsig TERM` so tcpdump dies with us (see parent_death.ts). */
  parentDeathSignal?: string;
  /** Ask tcpdump for its counters (SIGUSR1) this often once it listens; 0 = never (default 1000). */
  countsIntervalMs?: number;
  /** Called with tcpdump's counters each time it prints them. */
  onCounts?: (counts: TcpdumpCounts) => void;
  /** Wait between the stop and SIGTERM (default STOP_DRAIN_MS). */
  stopDrainMs?: number;
  /** Wait between SIGTERM and SIGKILL (default STOP_GRACE_MS). */
  stopGraceMs?: number;
}

export interface TcpdumpStreamResult {
  stats: ReadStats;
  /** tcpdump's stderr (its "listening on" line and final counts; periodic counts left out). */
  stderr: string;
  exitCode: number;
  /** tcpdump's final counters, or the last ones it printed while running; null if none. */
  counts: TcpdumpCounts | null;
}

/** The tcpdump argument list for a streaming capture. */
export function tcpdumpStreamArgs(o: Pick<TcpdumpStreamOptions, "iface" | "snaplen" | "filter">): string[] {
  const args = ["-i", o.iface, "-s", String(o.snaplen ?? 65535), "-U", "-n", "-w", "-"];
  // "--": a filter starting with "-" must not be read as options (-w FILE, -z COMMAND).
  if (o.filter && o.filter.trim() !== "") args.push("--", o.filter);
  return args;
}

/**
 * Captures from `iface` until the signal aborts, `maxPackets` is reached or
 * tcpdump exits. Throws TcpdumpStartError when tcpdump fails without having
 * delivered a capture header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSocket } from "node:dgram";
 * import { captureFromTcpdump } from "./tcpdump_stream.ts";
 * // Capturing needs root (or tcpdump's capabilities): without, the example does nothing.
 * if (Deno.uid() === 0) {
 *   let udp = 0;
 *   // A datagram every 50 ms (100 at most) until five are captured: tcpdump takes a moment to start.
 *   const socket = createSocket("udp4");
 *   const sending = (async () => {
 *     for (let i = 0; i < 100 && udp < 5; i++) {
 *       socket.send("ping", 40991, "127.0.0.1");
 *       await new Promise((r) => setTimeout(r, 50));
 *     }
 *     socket.close();
 *   })();
 *   const { stats } = await captureFromTcpdump(
 *     { iface: "lo", filter: "udp dst port 40991", maxPackets: 5, signal: AbortSignal.timeout(10_000) },
 *     (p) => udp += p.protocol === 17 ? 1 : 0,
 *   );
 *   await sending;
 *   assert.equal(stats.packets, 5);
 *   assert.equal(udp, 5);
 * }
 * ```
 */
export async function captureFromTcpdump(
  options: TcpdumpStreamOptions,
  onPacket: PacketCallback,
): Promise<TcpdumpStreamResult> {
  // Under setpriv tcpdump must keep its user: Linux clears the parent-death signal when a
  // process changes credentials, which tcpdump's default drop to user "tcpdump" would do.
  const keepUser = options.parentDeathSignal ? ["-Z", "root"] : [];
  const child = startChild(options.command ?? "tcpdump", {
    args: [...(options.prefixArgs ?? []), ...keepUser, ...tcpdumpStreamArgs(options)],
    stdout: "piped",
    stderr: "piped",
    parentDeathHelper: options.parentDeathSignal,
  });
  let terminated = false;
  const terminate = () => {
    if (terminated) return;
    terminated = true;
    void child.stop(options.stopGraceMs ?? STOP_GRACE_MS);
  };
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    if (drainTimer === undefined) drainTimer = setTimeout(terminate, options.stopDrainMs ?? STOP_DRAIN_MS);
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const err = new StderrWatch(options.onCounts);
  const stderrDone = err.read(child.process.stderr);
  const interval = options.countsIntervalMs ?? 1000;
  const countsTimer = interval > 0
    ? setInterval(() => {
      // Only once tcpdump listens: its SIGUSR1 handler is set by then (the default action kills).
      if (err.listening && !terminated) child.signal("SIGUSR1");
    }, interval)
    : undefined;

  let stats: ReadStats | undefined;
  let readError: unknown;
  try {
    // No signal: an abort stops tcpdump (above), and the packets it still writes are read to its end.
    stats = await readCaptureStream(child.process.stdout, onPacket, {
      source: `tcpdump on ${options.iface}`,
      maxPackets: options.maxPackets,
      onProgress: options.onProgress,
    });
  } catch (e) {
    readError = e;
  } finally {
    clearInterval(countsTimer);
    clearTimeout(drainTimer);
    terminate();
    options.signal?.removeEventListener("abort", onAbort);
  }
  const { code: exitCode } = await child.status;
  await stderrDone;
  const stderr = err.text;
  if (stats === undefined || (stats.bytesRead === 0 && !options.signal?.aborted)) {
    if (readError && stats === undefined && exitCode === 0) throw readError;
    throw new TcpdumpStartError(options.iface, stderr, exitCode);
  }
  return { stats, stderr, exitCode, counts: parseTcpdumpCounts(stderr) ?? err.counts };
}

/** Collects tcpdump's stderr, passing the one-line SIGUSR1 counters on instead of keeping them. */
class StderrWatch {
  text = "";
  listening = false;
  counts: TcpdumpCounts | null = null;
  #partial = "";

  constructor(readonly onCounts?: (counts: TcpdumpCounts) => void) {}

  async read(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) this.#add(chunk);
    } catch { /* closed */ }
    if (this.#partial !== "") this.#line(this.#partial, false);
  }

  #add(chunk: string): void {
    const lines = (this.#partial + chunk).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) this.#line(line, true);
  }

  #line(line: string, complete: boolean): void {
    // "tcpdump: 5 packets captured, 5 packets received by filter, 0 packets dropped by kernel"
    const counts = line.includes("captured,") ? parseTcpdumpCounts(line) : null;
    if (counts) {
      this.counts = counts;
      this.onCounts?.(counts);
      return;
    }
    if (line.includes("listening on")) this.listening = true;
    // Bounded: a long session keeps its last 32 to 64 KiB.
    if (this.text.length > 64 * 1024) this.text = this.text.slice(-32 * 1024);
    this.text += complete ? `${line}\n` : line;
  }
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("listening on")
  );
  return lines.at(-1) ?? "";
}
