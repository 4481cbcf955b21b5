/**
 * Unsigned words of either byte order, read from a byte array: the one
 * place the readers (classic pcap, pcapng) take their header fields from.
 */

/** An unsigned 16-bit word at `o`, little-endian or big-endian. */
export function u16(b: Uint8Array, o: number, little: boolean): number {
  return little ? b[o] | b[o + 1] << 8 : b[o] << 8 | b[o + 1];
}

/** An unsigned 32-bit little-endian word at `o`. */
export function u32le(b: Uint8Array, o: number): number {
  return (b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24) >>> 0;
}

/** An unsigned 32-bit big-endian word at `o`. */
export function u32be(b: Uint8Array, o: number): number {
  return (b[o] << 24 | b[o + 1] << 16 | b[o + 2] << 8 | b[o + 3]) >>> 0;
}

/**
 * An unsigned 32-bit word at `o` in the given byte order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { u32 } from "./byte_order.ts";
 * const b = new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1]);
 * assert.equal(u32(b, 0, true), 0xa1b2c3d4);
 * assert.equal(u32(b, 0, false), 0xd4c3b2a1);
 * ```
 */
export function u32(b: Uint8Array, o: number, little: boolean): number {
  return little ? u32le(b, o) : u32be(b, o);
}
