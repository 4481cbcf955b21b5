/**
 * Address text for flow rows: dotted quads for IPv4, RFC 5952 compressed
 * form for IPv6. Called once per emitted flow, not per packet.
 */

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipv4Text } from "./ip_text.ts";
 * assert.deepEqual(ipv4Text(0xc0a80a05), "192.168.10.5");
 * ```
 */
export function ipv4Text(w: number): string {
  return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
}

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipv6Text } from "./ip_text.ts";
 * assert.deepEqual(ipv6Text(0x20010db8, 0, 0, 1), "2001:db8::1");
 * ```
 */
export function ipv6Text(w0: number, w1: number, w2: number, w3: number): string {
  const groups = [
    w0 >>> 16,
    w0 & 0xffff,
    w1 >>> 16,
    w1 & 0xffff,
    w2 >>> 16,
    w2 & 0xffff,
    w3 >>> 16,
    w3 & 0xffff,
  ];
  // The longest run of two or more zero groups becomes "::" (the first one on a tie).
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Address text from stored words for IP version 4 or 6. */
export function ipText(version: number, w0: number, w1: number, w2: number, w3: number): string {
  return version === 4 ? ipv4Text(w0) : ipv6Text(w0, w1, w2, w3);
}

/**
 * The cic2017 canonical order (spec §3.1): compare address bytes as signed
 * 8-bit integers; true when `a` comes first (a's byte is smaller at the
 * first difference, or the addresses are equal).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalFirst } from "./ip_text.ts";
 * assert.deepEqual(canonicalFirst([0xc0a80a05, 0, 0, 0], [0x6810cfa5, 0, 0, 0], 4), true); // 192 (−64) < 104
 * ```
 */
export function canonicalFirst(a: readonly number[], b: readonly number[], version: number): boolean {
  const words = version === 4 ? 1 : 4;
  for (let w = 0; w < words; w++) {
    for (let shift = 24; shift >= 0; shift -= 8) {
      const x = (a[w] >>> shift) & 255, y = (b[w] >>> shift) & 255;
      if (x === y) continue;
      return (x << 24 >> 24) < (y << 24 >> 24);
    }
  }
  return true;
}
