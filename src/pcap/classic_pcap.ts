/**
 * Facts of the classic pcap file format (libpcap's sf-pcap.c): its magic
 * numbers, header sizes, and how old file versions order a record's lengths.
 */
import { u16, u32be } from "./byte_order.ts";

/** The file header: magic, version, time zone, accuracy, snaplen, link type. */
export const PCAP_HEADER = 24;
/** A record header: seconds, fraction, caplen, len. */
export const PCAP_RECORD_HEADER = 16;
/**
 * Alexey Kuznetsov's "modified" pcap (magic a1b2cd34, some Linux tcpdump builds
 * of the late 1990s): each record header also holds the interface index,
 * protocol and packet type, 24 bytes in all. libpcap reads it; so do we.
 */
export const MODIFIED_RECORD_HEADER = 24;
/**
 * How a classic pcap orders caplen and len, by file version: `normal` from 2.4;
 * `swapped` (len first) before 2.3 and in DG/UX's 543.0; `maybe` in 2.3,
 * written either way, swapped where caplen > len.
 */
export const LENGTHS = { normal: 0, swapped: 1, maybe: 2 } as const;
export type LengthOrder = typeof LENGTHS[keyof typeof LENGTHS];

/** Classic pcap magic numbers, read big-endian: [little-endian, nanosecond, modified record header]. */
export const PCAP_MAGICS: Record<number, readonly [boolean, boolean, boolean]> = {
  0xd4c3b2a1: [true, false, false],
  0xa1b2c3d4: [false, false, false],
  0x4d3cb2a1: [true, true, false],
  0xa1b23c4d: [false, true, false],
  0x34cdb2a1: [true, false, true],
  0xa1b2cd34: [false, false, true],
};

/**
 * Whether the bytes at `pos` are a classic pcap file header (magic, version 2.x)
 * rather than a record: the caller has already seen the zero time-zone and
 * accuracy words where a record keeps its lengths.
 */
export function isPcapHeader(b: Uint8Array, pos: number): boolean {
  const kind = PCAP_MAGICS[u32be(b, pos)];
  if (kind === undefined) return false;
  return u16(b, pos + 4, kind[0]) === 2;
}

/** How a file of version major.minor orders its records' lengths (libpcap's sf-pcap.c). */
export function lengthOrder(major: number, minor: number): LengthOrder {
  if (major === 2) return minor < 3 ? LENGTHS.swapped : minor === 3 ? LENGTHS.maybe : LENGTHS.normal;
  return major === 543 ? LENGTHS.swapped : LENGTHS.normal;
}
