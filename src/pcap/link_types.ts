/**
 * Link-layer header types (LINKTYPE_* values from pcap / pcapng headers) that
 * the decoder understands, with the names `inspect` prints.
 */
export const LinkType = {
  NULL: 0, // BSD loopback, address family in host byte order
  ETHERNET: 1,
  PPP: 9, // PPP (RFC 1661), with or without the HDLC-like ff 03 in front
  PPP_HDLC: 50, // PPP in HDLC-like framing (RFC 1662)
  PPP_ETHER: 51, // PPPoE session header and PPP, without the Ethernet header
  RAW_OPENBSD: 12, // DLT_RAW as written by some systems: raw IP
  RAW_ALT: 14, // DLT_RAW on OpenBSD: raw IP
  RAW: 101,
  C_HDLC: 104, // Cisco HDLC: address, control, then an ethertype
  IEEE802_11: 105,
  LOOP: 108, // OpenBSD loopback, address family in network byte order
  ENC: 109, // OpenBSD enc(4), IPsec before encryption / after decryption: a 12-byte header, then IP
  PFLOG: 117, // pf firewall logs (OpenBSD, FreeBSD, macOS): a header of its own length, then IP
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239, // Linux netfilter log (tcpdump -i nflog:N): attributes, one of them the IP packet
  LINUX_SLL2: 276,
} as const;

/**
 * Per link type the decoder reads: the short name capinfos/tshark print, and
 * libpcap's name (`pcap_datalink_val_to_name`, what `tcpdump -L` lists for an
 * interface).
 */
const NAMES: Record<number, [short: string, libpcap: string]> = {
  0: ["null", "NULL"],
  1: ["ether", "EN10MB"],
  9: ["ppp", "PPP"],
  50: ["ppp", "PPP_SERIAL"],
  51: ["pppoes", "PPP_ETHER"],
  12: ["rawip", "RAW"],
  14: ["rawip", "RAW"],
  101: ["rawip", "RAW"],
  104: ["chdlc", "C_HDLC"],
  105: ["ieee-802-11", "IEEE802_11"],
  108: ["loop", "LOOP"],
  109: ["enc", "ENC"],
  117: ["pflog", "PFLOG"],
  113: ["linux-sll", "LINUX_SLL"],
  127: ["ieee-802-11-radiotap", "IEEE802_11_RADIO"],
  228: ["rawip4", "IPV4"],
  229: ["rawip6", "IPV6"],
  239: ["nflog", "NFLOG"],
  276: ["linux-sll2", "LINUX_SLL2"],
};

const LIBPCAP_NAMES = new Set(Object.values(NAMES).map(([, libpcap]) => libpcap));

/**
 * True for a libpcap link-type name (as `tcpdump -L` lists them) the decoder reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodesLibpcapName } from "./link_types.ts";
 * assert.deepEqual(["EN10MB", "LINUX_SLL2", "CAN_SOCKETCAN"].map(decodesLibpcapName), [true, true, false]);
 * ```
 */
export function decodesLibpcapName(name: string): boolean {
  return LIBPCAP_NAMES.has(name);
}

/**
 * Short name of a link type, as capinfos/tshark print it, or `linktype-N`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linkTypeName } from "./link_types.ts";
 * assert.deepEqual(linkTypeName(113), "linux-sll");
 * ```
 */
export function linkTypeName(linkType: number): string {
  return NAMES[linkType]?.[0] ?? `linktype-${linkType}`;
}

/** The link types of `linkTypes` the decoder does not read (their packets are `unknown-link-type`). */
export function undecodedLinkTypes(linkTypes: readonly number[]): number[] {
  return linkTypes.filter((t) => !isSupportedLinkType(t));
}

/**
 * Says that `linkTypes` (from `undecodedLinkTypes`) are not decoded, with
 * `detail` after it (what became of their packets), and where the types it
 * reads are listed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeUndecodedLinkTypes } from "./link_types.ts";
 * assert.equal(
 *   describeUndecodedLinkTypes([147], ": 5 packets skipped"),
 *   'link type 147 is not one the reader decodes: 5 packets skipped (see "The reader" in the README for the types it reads)',
 * );
 * ```
 */
export function describeUndecodedLinkTypes(linkTypes: readonly number[], detail = ""): string {
  const types = linkTypes.length === 1
    ? `link type ${linkTypes[0]} is`
    : `link types ${linkTypes.join(", ")} are`;
  return `${types} not one the reader decodes${detail} (see "The reader" in the README for the types it reads)`;
}

/** True when the decoder knows how to find the IP header for this link type. */
export function isSupportedLinkType(linkType: number): boolean {
  return linkType in NAMES;
}
