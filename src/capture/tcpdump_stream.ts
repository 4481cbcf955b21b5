/**
 * Live capture as a stream: runs `tcpdump -i IFACE -s SNAPLEN -U --immediate-mode -w - [filter]`
 * (immediate mode: without it, packets still in the kernel ring at SIGTERM are lost)
 * and feeds its stdout through the streaming pcap reader. No files are
 * written. Stopping (AbortSignal) sends SIGTERM so tcpdump flushes what it
 * has; the packets already written to the pipe are still delivered.
 */
import { underParentDeath } from "./parent_death.ts";
import { type PacketCallback, readCaptureStream, type ReadStats } from "../pcap/reader.ts";

/** tcpdump failed before delivering a capture (bad interface, bad filter, no permission). */
export class TcpdumpStartError extends Error {
  constructor(readonly iface: string, readonly stderr: string, readonly exitCode: number) {
    super(`tcpdump could not capture on ${iface}: ${lastLine(stderr) || `exit code ${exitCode}`}`);
    this.name = "TcpdumpStartError";
  }
}

export interface TcpdumpStreamOptions {
  iface: string;
  /** Bytes captured per packet (default 65535). */
  snaplen?: number;
  /** BPF filter expression, passed to tcpdump as one argument. */
  filter?: string;
  /** Stop the capture: SIGTERM to tcpdump, then the rest of the pipe is read. */
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
}

export interface TcpdumpStreamResult {
  stats: ReadStats;
  /** Everything tcpdump wrote to stderr (its "listening on" line and final counts). */
  stderr: string;
  exitCode: number;
}

/** The tcpdump argument list for a streaming capture. */
export function tcpdumpStreamArgs(o: Pick<TcpdumpStreamOptions, "iface" | "snaplen" | "filter">): string[] {
  const args = ["-i", o.iface, "-s", String(o.snaplen ?? 65535), "-U", "--immediate-mode", "-n", "-w", "-"];
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
 * const ac = new AbortController();
 * const { stats } = await captureFromTcpdump({ iface: "lo", signal: ac.signal }, (p) => meter.addPacket(p));
 */
export async function captureFromTcpdump(
  options: TcpdumpStreamOptions,
  onPacket: PacketCallback,
): Promise<TcpdumpStreamResult> {
  // Under setpriv tcpdump must keep its user: Linux clears the parent-death signal when a
  // process changes credentials, which tcpdump's default drop to user "tcpdump" would do.
  const keepUser = options.parentDeathSignal ? ["-Z", "root"] : [];
  const [command, args] = underParentDeath(options.parentDeathSignal, options.command ?? "tcpdump", [
    ...(options.prefixArgs ?? []),
    ...keepUser,
    ...tcpdumpStreamArgs(options),
  ]);
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch { /* already exited */ }
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) stop();
  const stderrText = new Response(child.stderr).text();
  let stats: ReadStats | undefined;
  let readError: unknown;
  try {
    stats = await readCaptureStream(child.stdout, onPacket, {
      source: `tcpdump on ${options.iface}`,
      maxPackets: options.maxPackets,
      onProgress: options.onProgress,
    });
  } catch (e) {
    readError = e;
  } finally {
    stop();
    options.signal?.removeEventListener("abort", stop);
  }
  const status = await child.status;
  const stderr = await stderrText;
  const exitCode = status.code;
  if (stats === undefined || (stats.bytesRead === 0 && !options.signal?.aborted)) {
    if (readError && stats === undefined && exitCode === 0) throw readError;
    throw new TcpdumpStartError(options.iface, stderr, exitCode);
  }
  return { stats, stderr, exitCode };
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("listening on")
  );
  return lines.at(-1) ?? "";
}
