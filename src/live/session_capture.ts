/**
 * Starting tcpdump for the `live` and `windows` sessions, one way for both:
 * streamed into the reader, with a kernel buffer that keeps up with bursts,
 * under `setpriv --pdeathsig` so it dies with us, plus reading its final
 * messages.
 */
import { captureFromTcpdump, type TcpdumpStreamResult } from "../capture/tcpdump_stream.ts";
import { findParentDeathHelper } from "../system/parent_death.ts";
import type { PacketCallback, ReadStats } from "../pcap/reader.ts";
import type { TcpdumpCounts } from "../capture/tcpdump_counts.ts";
import { describeDamage } from "../pcap/read_stats.ts";
import { describeUndecodedLinkTypes, undecodedLinkTypes } from "../pcap/link_types.ts";

/** What a session says about its capture. */
export interface SessionCaptureOptions {
  iface: string;
  filter?: string;
  snaplen?: number;
  maxPackets?: number;
  /** Kernel capture buffer in KiB (tcpdump -B; default CAPTURE_BUFFER_KIB). */
  bufferKiB?: number;
  /** tcpdump to run and arguments before its own (tests: `ip netns exec NS tcpdump`). */
  tcpdumpCommand?: string;
  tcpdumpPrefixArgs?: string[];
  /** Called with tcpdump's own counters about once a second (see tcpdump_counts.ts). */
  onTcpdumpCounts?: (counts: TcpdumpCounts) => void;
}

/**
 * Captures until `signal` aborts, the packet limit or tcpdump's exit;
 * `onFirstData` runs once, when tcpdump's capture header has arrived. An
 * interface whose link type the reader does not decode (a CAN bus, a
 * netlink monitor) stops the capture there: its packets could make no flow.
 */
export async function captureForSession(
  o: SessionCaptureOptions,
  signal: AbortSignal,
  onPacket: PacketCallback,
  onFirstData: (stats: ReadStats) => void,
): Promise<TcpdumpStreamResult> {
  let started = false;
  const undecodable = new AbortController();
  return await captureFromTcpdump({
    iface: o.iface,
    filter: o.filter,
    snaplen: o.snaplen,
    maxPackets: o.maxPackets,
    signal: AbortSignal.any([signal, undecodable.signal]),
    command: o.tcpdumpCommand,
    // Our own tcpdump dies with us; a test's wrapper command (ip netns exec …) is left as given.
    parentDeathSignal: o.tcpdumpCommand ? undefined : await findParentDeathHelper(),
    prefixArgs: [...(o.tcpdumpPrefixArgs ?? []), ...bufferArgs(o.bufferKiB)],
    onCounts: o.onTcpdumpCounts,
    onProgress: (_bytes, stats) => {
      if (started) return;
      started = true;
      if (undecodedLinkTypes(stats.linkTypes).length > 0) undecodable.abort();
      else onFirstData(stats);
    },
  }, onPacket);
}

/** Why a session's capture ended by itself (see `endedBy`). */
export type CaptureEnd = "tcpdump-exited" | "stream-damaged" | "unsupported-link-type";

/**
 * How a session's capture ended when nobody stopped it: tcpdump exited, the
 * pcap stream it wrote broke, or its link type is one the reader does not
 * decode (in both, reading stopped there and tcpdump was stopped); with
 * tcpdump's last stderr line, or what went wrong.
 */
export function endedBy(capture: TcpdumpStreamResult): { reason: CaptureEnd; message: string } {
  const undecoded = undecodedLinkTypes(capture.stats.linkTypes);
  if (undecoded.length > 0) {
    return {
      reason: "unsupported-link-type",
      message: `its ${describeUndecodedLinkTypes(undecoded)}; capture on another interface`,
    };
  }
  const damage = capture.stats.damage;
  if (damage) {
    return { reason: "stream-damaged", message: `its pcap stream broke: ${describeDamage(damage)}` };
  }
  return { reason: "tcpdump-exited", message: tcpdumpMessage(capture.stderr) };
}

/** The error for a tcpdump that ended by itself with a failure (or whose stream broke or cannot be decoded), or undefined. */
export function tcpdumpFailure(
  iface: string,
  r: { stopReason: string; tcpdumpExitCode: number; tcpdumpMessage: string },
): Error | undefined {
  if (r.stopReason === "stream-damaged" || r.stopReason === "unsupported-link-type") {
    return new Error(`tcpdump on ${iface}: ${r.tcpdumpMessage}`);
  }
  if (r.stopReason !== "tcpdump-exited" || r.tcpdumpExitCode === 0) return undefined;
  return new Error(
    `tcpdump on ${iface} exited with code ${r.tcpdumpExitCode}` +
      (r.tcpdumpMessage ? `: ${r.tcpdumpMessage}` : ""),
  );
}

/**
 * Kernel capture buffer. tcpdump's default (2 MiB) overflows in bursts on
 * loopback; 16 MiB of variable-size blocks (no immediate mode, see
 * tcpdump_stream.ts) holds about 60,000 packets of 250 bytes, over a second
 * at 50 k packets/s.
 */
export const CAPTURE_BUFFER_KIB = 16384;

/**
 * The `-B KiB` arguments; they go before tcpdump's own, after any prefix
 * that names tcpdump (`ip netns exec NS tcpdump -B …`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bufferArgs } from "./session_capture.ts";
 * assert.deepEqual(bufferArgs(undefined), ["-B", "16384"]);
 * ```
 */
export function bufferArgs(kib = CAPTURE_BUFFER_KIB): string[] {
  if (!Number.isInteger(kib) || kib < 1) {
    throw new RangeError(`capture buffer must be a whole number of KiB ≥ 1, got ${kib}`);
  }
  return ["-B", String(kib)];
}

/**
 * Packets the kernel dropped, from tcpdump's final counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { droppedByKernel } from "./session_capture.ts";
 * assert.deepEqual(droppedByKernel("12 packets captured\n12 packets received by filter\n3 packets dropped by kernel\n"), 3);
 * ```
 */
export function droppedByKernel(stderr: string): number | null {
  const m = stderr.match(/(\d+) packets? dropped by kernel/);
  return m ? Number(m[1]) : null;
}

/**
 * tcpdump's last stderr line that is not its banner or final counts (its
 * error when it exited by itself).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tcpdumpMessage } from "./session_capture.ts";
 * assert.deepEqual(tcpdumpMessage("listening on lo\ntcpdump: pcap_loop: The interface disappeared\n3 packets captured\n"), "tcpdump: pcap_loop: The interface disappeared");
 * ```
 */
export function tcpdumpMessage(stderr: string): string {
  return stderr.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("listening on") && !/^\d+ packets? /.test(l)
  ).at(-1) ?? "";
}
