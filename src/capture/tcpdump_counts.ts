/**
 * tcpdump's own packet counters, as it prints them on stderr: at exit one per
 * line ("12 packets captured"), and on SIGUSR1 (Linux) on one line
 * ("tcpdump: 12 packets captured, 14 packets received by filter, 2 packets
 * dropped by kernel"). `received` counts what the kernel passed the filter,
 * `captured` what tcpdump wrote, `dropped` what the kernel's ring had no room
 * for; a packet still in the ring when tcpdump stops is received but not
 * captured.
 */

/** tcpdump's counters at one moment. */
export interface TcpdumpCounts {
  /** Packets tcpdump processed (wrote to the pcap or pipe). */
  captured: number;
  /** Packets the kernel passed the filter (libpcap's ps_recv). */
  received: number;
  /** Packets the kernel dropped for lack of ring space (ps_drop). */
  dropped: number;
}

const COUNT = {
  captured: /(\d+) packets? captured/g,
  received: /(\d+) packets? received by filter/g,
  dropped: /(\d+) packets? dropped by kernel/g,
} as const;

/**
 * The last counters in `stderr`, or null when tcpdump printed none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTcpdumpCounts } from "./tcpdump_counts.ts";
 * assert.deepEqual(parseTcpdumpCounts("3 packets captured\n4 packets received by filter\n1 packet dropped by kernel\n"), { captured: 3, received: 4, dropped: 1 });
 * ```
 */
export function parseTcpdumpCounts(stderr: string): TcpdumpCounts | null {
  const last = (re: RegExp): number | null => {
    let value: number | null = null;
    for (const m of stderr.matchAll(re)) value = Number(m[1]);
    return value;
  };
  const captured = last(COUNT.captured);
  const received = last(COUNT.received);
  const dropped = last(COUNT.dropped);
  if (captured === null || received === null || dropped === null) return null;
  return { captured, received, dropped };
}

/**
 * One short text for a status line or summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTcpdumpCounts } from "./tcpdump_counts.ts";
 * assert.deepEqual(formatTcpdumpCounts({ captured: 3, received: 4, dropped: 1 }, 3), "tcpdump received 4, captured 3, dropped 1; read 3");
 * assert.deepEqual(formatTcpdumpCounts(null, null), "tcpdump counts not yet known; read by the meter (not reported)");
 * ```
 */
export function formatTcpdumpCounts(c: TcpdumpCounts | null, packetsRead: number | null): string {
  const tcpdump = c
    ? `tcpdump received ${c.received}, captured ${c.captured}, dropped ${c.dropped}`
    : "tcpdump counts not yet known";
  return `${tcpdump}; read ${packetsRead ?? "by the meter (not reported)"}`;
}
