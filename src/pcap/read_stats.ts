/**
 * What a reader saw in one input: format, link types, packet and protocol
 * counts, skipped records by reason. Kept by the parser as it goes, so
 * `inspect`, `convert` and `live` report the same numbers.
 */
import { IpProto, type PacketInfo, SKIP_REASONS, type SkipReason } from "./packet.ts";

export interface CaptureFormat {
  kind: "pcap" | "pcapng" | "unknown";
  byteOrder: "little" | "big" | "mixed" | "unknown";
  /** "us", "ns", or for pcapng the interface resolutions, e.g. "us" or "ns,us". */
  resolution: string;
  /** Classic pcap snaplen, or the largest IDB snaplen (0 = unlimited). */
  snaplen: number;
  /** How the file was stored: as is, or gzip-compressed (decompressed while read). */
  compression: "none" | "gzip";
}

export interface Timestamp {
  sec: number;
  nsec: number;
}

export interface ProtocolCounts {
  ipv4: number;
  ipv6: number;
  tcp: number;
  udp: number;
  icmp: number;
  /** Decoded packets that are not TCP, UDP or ICMP: non-IP frames, other IP protocols, later fragments. */
  other: number;
}

export interface ReadStats {
  format: CaptureFormat;
  linkTypes: number[];
  /** Complete records read (decoded or skipped for a decode reason). */
  packets: number;
  bytesRead: number;
  firstTs: Timestamp | null;
  lastTs: Timestamp | null;
  protocols: ProtocolCounts;
  skipped: Record<SkipReason, number>;
  /** Records longer than the snaplen, kept cut to it as libpcap does (counted in `packets`, not skipped). */
  cutToSnaplen: number;
  /** Classic pcap file headers found after the first (captures joined with `cat`), read through. */
  joinedCaptures: number;
  /** Where the framing broke, if it did: nothing after that offset was read. */
  damage: Damage | null;
}

/** A break in a capture's framing (a record or block length no reader can trust). */
export interface Damage {
  /** Byte offset of the record or block that broke the framing. */
  offset: number;
  /** What was found there, e.g. "a record claims 1700000030 captured bytes ...". */
  what: string;
  /** Bytes from `offset` to the end of the file, not read; null for a stream. */
  unreadBytes: number | null;
}

/** A fresh, zeroed stats record. */
export function emptyStats(): ReadStats {
  const skipped = {} as Record<SkipReason, number>;
  for (const reason of SKIP_REASONS) skipped[reason] = 0;
  return {
    format: { kind: "unknown", byteOrder: "unknown", resolution: "", snaplen: 0, compression: "none" },
    linkTypes: [],
    packets: 0,
    bytesRead: 0,
    firstTs: null,
    lastTs: null,
    protocols: { ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, other: 0 },
    skipped,
    cutToSnaplen: 0,
    joinedCaptures: 0,
    damage: null,
  };
}

/** Adds a link type to the list once. */
export function noteLinkType(stats: ReadStats, linkType: number): void {
  if (!stats.linkTypes.includes(linkType)) stats.linkTypes.push(linkType);
}

/** Counts one successfully decoded packet: protocols and the time span. */
export function countDecoded(stats: ReadStats, pkt: PacketInfo): void {
  const p = stats.protocols;
  if (pkt.ipVersion === 4) p.ipv4++;
  else if (pkt.ipVersion === 6) p.ipv6++;
  const hasTransport = pkt.ipVersion !== 0 && !(pkt.isFragment && pkt.fragmentOffset > 0);
  if (hasTransport && pkt.protocol === IpProto.TCP) p.tcp++;
  else if (hasTransport && pkt.protocol === IpProto.UDP) p.udp++;
  else if (hasTransport && (pkt.protocol === IpProto.ICMP || pkt.protocol === IpProto.ICMPV6)) p.icmp++;
  else p.other++;
}

/**
 * Keeps first/last timestamps (in record order: first record, last record).
 * Runs per packet, so it only writes number fields of objects made once: a
 * number stored in a field that held null (or any non-number) is boxed, one
 * allocation per packet.
 */
export function countTimestamp(stats: ReadStats, pkt: PacketInfo): void {
  if (stats.firstTs === null) {
    stats.firstTs = { sec: pkt.tsSec, nsec: pkt.tsNsec };
    stats.lastTs = { sec: pkt.tsSec, nsec: pkt.tsNsec };
  } else {
    stats.lastTs!.sec = pkt.tsSec;
    stats.lastTs!.nsec = pkt.tsNsec;
  }
}

/**
 * One line on a break in the framing, for people.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeDamage } from "./read_stats.ts";
 * assert.equal(
 *   describeDamage({ offset: 632, what: "a record claims 1700000030 captured bytes", unreadBytes: 8 }),
 *   "damaged at byte 632, a record claims 1700000030 captured bytes: nothing after it was read (8 bytes)",
 * );
 * ```
 */
export function describeDamage(d: Damage): string {
  const unread = d.unreadBytes === null ? "" : ` (${d.unreadBytes} bytes)`;
  return `damaged at byte ${d.offset}, ${d.what}: nothing after it was read${unread}`;
}

/**
 * One line on captures joined with `cat`, read through: the count of file headers after the first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeJoined } from "./read_stats.ts";
 * assert.equal(describeJoined(1), "2 captures joined end to end (cat?), all read");
 * ```
 */
export function describeJoined(headers: number): string {
  return `${headers + 1} captures joined end to end (cat?), all read`;
}

/** Sum of all skip counters. */
export function totalSkipped(stats: ReadStats): number {
  let total = 0;
  for (const reason of SKIP_REASONS) total += stats.skipped[reason];
  return total;
}

/**
 * ISO 8601 UTC text of a capture timestamp with full (nanosecond) precision.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timestampIso } from "./read_stats.ts";
 * assert.deepEqual(timestampIso({ sec: 1700000000, nsec: 123456789 }), "2023-11-14T22:13:20.123456789Z");
 * ```
 */
export function timestampIso(ts: Timestamp): string {
  const date = new Date(ts.sec * 1000);
  // A corrupt record can carry a time no calendar date holds; say so instead of throwing.
  if (Number.isNaN(date.getTime())) return `out-of-range:${ts.sec}.${String(ts.nsec).padStart(9, "0")}`;
  const base = date.toISOString().slice(0, 19);
  return `${base}.${String(ts.nsec).padStart(9, "0")}Z`;
}
