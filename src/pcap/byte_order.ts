/**
 * Unsigned words of either byte order, read from a byte array: the one
 * place the readers (classic pcap, pcapng) take their header fields from.
 */

/** An unsigned 16-bit little-endian word at `o`. */
export function u16le(b: Uint8Array, o: number): number {
  return b[o] | b[o + 1] << 8;
}

/** An unsigned 16-bit big-endian word at `o`. */
export function u16be(b: Uint8Array, o: number): number {
  return b[o] << 8 | b[o + 1];
}

/**
 * An unsigned 16-bit word at `o`, little-endian or big-endian, for fields read
 * once per file. Per-packet readers test the order themselves and call the
 * fixed-order functions: V8 does not inline this extra call level there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { u16 } from "./byte_order.ts";
 * assert.equal(u16(new Uint8Array([0x02, 0x00]), 0, true), 2);
 * assert.equal(u16(new Uint8Array([0x02, 0x00]), 0, false), 0x200);
 * ```
 */
export function u16(b: Uint8Array, o: number, little: boolean): number {
  return little ? u16le(b, o) : u16be(b, o);
}

/** An unsigned 32-bit little-endian word at `o`. */
export function u32le(b: Uint8Array, o: number): number {
  return (b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24) >>> 0;
}

/** An unsigned 32-bit big-endian word at `o`. */
export function u32be(b: Uint8Array, o: number): number {
  return (b[o] << 24 | b[o + 1] << 16 | b[o + 2] << 8 | b[o + 3]) >>> 0;
}
