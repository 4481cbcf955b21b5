/**
 * "Is this address inside the home network?" for the ddos2019 layout's
 * ` Inbound` column (spec §7): 1 when the flow's destination is inside one of
 * the configured CIDR prefixes.
 */

/** RFC 1918 private IPv4 ranges and IPv6 unique local addresses. */
export const DEFAULT_HOME_NETWORKS: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "fc00::/7",
];

/** A parsed set of prefixes with a membership test. */
export interface HomeNetwork {
  /** True when `ip` (dotted IPv4 or IPv6 text) lies inside any prefix; false for unparsable text. */
  contains(ip: string): boolean;
}

interface Prefix {
  /** 16-bit groups: 2 for IPv4, 8 for IPv6. */
  words: number[];
  bits: number;
}

/**
 * Parses CIDR prefixes such as `10.0.0.0/8` or `fc00::/7`; a bare address
 * is a /32 or /128. Throws naming the bad entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHomeNetwork } from "./home_network.ts";
 * assert.deepEqual(parseHomeNetwork(["192.168.0.0/16"]).contains("192.168.50.1"), true);
 * ```
 */
export function parseHomeNetwork(cidrs: readonly string[] = DEFAULT_HOME_NETWORKS): HomeNetwork {
  const v4: Prefix[] = [];
  const v6: Prefix[] = [];
  for (const cidr of cidrs) {
    const text = cidr.trim();
    const slash = text.indexOf("/");
    const addr = slash < 0 ? text : text.slice(0, slash);
    const words = parseIp(addr);
    if (!words) throw new Error(`home network "${cidr}": not an IPv4 or IPv6 address`);
    const maxBits = words.length * 16;
    const bits = slash < 0 ? maxBits : Number(text.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > maxBits || text.slice(slash + 1) === "") {
      throw new Error(`home network "${cidr}": prefix length must be 0–${maxBits}`);
    }
    (words.length === 2 ? v4 : v6).push({ words, bits });
  }
  return {
    contains(ip: string): boolean {
      const words = parseIp(ip);
      if (!words) return false;
      const list = words.length === 2 ? v4 : v6;
      for (const p of list) if (inPrefix(words, p)) return true;
      return false;
    },
  };
}

function inPrefix(words: number[], p: Prefix): boolean {
  let bits = p.bits;
  for (let i = 0; bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((words[i] & mask) !== (p.words[i] & mask)) return false;
  }
  return true;
}

/** IPv4 → 2 words, IPv6 → 8 words, otherwise undefined. IPv6 may embed dotted IPv4 and a %zone. */
function parseIp(text: string): number[] | undefined {
  return text.includes(":") ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const b: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    b.push(n);
  }
  return [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
}

function parseIpv6(text: string): number[] | undefined {
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...new Array(missing).fill(0), ...tail];
}

function groups(text: string): number[] | undefined {
  if (text === "") return [];
  const out: number[] = [];
  const parts = text.split(":");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIpv4(p);
      if (!v4) return undefined;
      out.push(...v4);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}
