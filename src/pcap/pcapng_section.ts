/**
 * State of one pcapng section: its byte order and the interfaces (IDBs) that
 * packets refer to, with each interface's link type, snaplen, timestamp
 * resolution (`if_tsresol`) and offset (`if_tsoffset`); and how its packet
 * blocks are read.
 */

import { u16be, u16le, u32be, u32le } from "./byte_order.ts";

export interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (10^6 unless if_tsresol says otherwise). */
  unitsPerSecond: number;
  /** Nanoseconds per unit when that is a whole number (1 000 for µs), else 0: set once, not per packet. */
  nsPerUnit: number;
  /** if_tsoffset: seconds added to every timestamp. */
  offsetSeconds: number;
}

const OPTION = { END: 0, TSRESOL: 9, TSOFFSET: 14 } as const;
/** Block types the reader acts on (the rest is skipped). */
export const BLOCK = { IDB: 1, OPB: 2, SPB: 3, EPB: 6 } as const;

/** Whether a block of `type` holds a packet: Enhanced, Simple or (obsolete) Packet Block. */
export function isPacketBlock(type: number): boolean {
  return type === BLOCK.EPB || type === BLOCK.OPB || type === BLOCK.SPB;
}

/** The fields of the last packet block read (one record, reused). */
export interface PcapngPacket {
  ifid: number;
  caplen: number;
  wire: number;
  /** Where the packet's bytes start. */
  data: number;
}
const TWO_32 = 4294967296;

export class PcapngSection {
  readonly interfaces: PcapngInterface[] = [];
  /** Result of the last `timestamp` call. */
  sec = 0;
  nsec = 0;
  /** Result of the last `readPacketBlock` call. */
  readonly packet: PcapngPacket = { ifid: 0, caplen: 0, wire: 0, data: 0 };
  readonly #little: boolean;

  constructor(little: boolean) {
    this.#little = little;
  }

  u16(b: Uint8Array, o: number): number {
    return this.#little ? u16le(b, o) : u16be(b, o);
  }

  // The byte order tested here, not passed on: one call less, which V8 then inlines (a wrapper
  // taking the order cost pcapng reading ~10%).
  u32(b: Uint8Array, o: number): number {
    return this.#little ? u32le(b, o) : u32be(b, o);
  }

  /**
   * Reads a packet block (EPB, SPB or OPB) of `length` bytes at `pos` into
   * `packet`, and its time into `sec`/`nsec` (an SPB keeps the time before
   * it). Returns the packet's interface, or null for a block that names no
   * interface of this section or claims more bytes than it holds.
   */
  readPacketBlock(b: Uint8Array, pos: number, length: number, type: number): PcapngInterface | null {
    const p = this.packet;
    if (type === BLOCK.SPB) {
      const iface = this.interfaces[0];
      if (iface === undefined) return null;
      p.ifid = 0;
      p.wire = this.u32(b, pos + 8);
      p.data = pos + 12;
      p.caplen = Math.min(p.wire, length - 16, iface.snaplen > 0 ? iface.snaplen : Infinity);
      return iface;
    }
    p.ifid = type === BLOCK.EPB ? this.u32(b, pos + 8) : this.u16(b, pos + 8);
    p.caplen = this.u32(b, pos + 20);
    p.wire = this.u32(b, pos + 24);
    p.data = pos + 28;
    const iface = this.interfaces[p.ifid];
    if (iface === undefined || p.caplen > length - 32) return null;
    this.timestamp(iface, this.u32(b, pos + 12), this.u32(b, pos + 16));
    return iface;
  }

  /** Reads an Interface Description Block of `length` bytes at `pos`. */
  addInterface(b: Uint8Array, pos: number, length: number): PcapngInterface {
    const iface: PcapngInterface = {
      linkType: this.u16(b, pos + 8),
      snaplen: this.u32(b, pos + 12),
      unitsPerSecond: 1_000_000,
      nsPerUnit: 1000,
      offsetSeconds: 0,
    };
    const end = pos + length - 4;
    let o = pos + 16;
    while (end - o >= 4) {
      const code = this.u16(b, o);
      const size = this.u16(b, o + 2);
      const value = o + 4;
      if (code === OPTION.END || value + size > end) break;
      if (code === OPTION.TSRESOL && size >= 1) {
        const v = b[value];
        iface.unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
      } else if (code === OPTION.TSOFFSET && size >= 8) {
        const lo = this.u32(b, value + (this.#little ? 0 : 4));
        const hi = this.u32(b, value + (this.#little ? 4 : 0));
        iface.offsetSeconds = (hi | 0) * TWO_32 + lo; // signed 64-bit seconds
      }
      o = value + ((size + 3) & ~3);
    }
    const units = iface.unitsPerSecond;
    iface.nsPerUnit = units <= 1e9 && 1e9 % units === 0 ? 1e9 / units : 0;
    this.interfaces.push(iface);
    return iface;
  }

  /** "us", "ns", or a comma list when interfaces differ. */
  resolutions(): string {
    const names = new Set(this.interfaces.map((i) => resolutionName(i.unitsPerSecond)));
    return [...names].join(",");
  }

  /** Splits a 64-bit timestamp (high, low words) of interface `iface` into `sec` and `nsec`. */
  timestamp(iface: PcapngInterface, high: number, low: number): void {
    const units = iface.unitsPerSecond;
    let sec: number, frac: number;
    if (high < 0x200000) {
      // The value is below 2^53: plain double arithmetic is exact.
      const value = high * TWO_32 + low;
      sec = Math.floor(value / units);
      frac = value - sec * units;
    } else if (units <= 2 ** 36) {
      // Long division in 16-bit limbs keeps every intermediate below 2^53.
      let rest = 0;
      sec = 0;
      for (let i = 0; i < 4; i++) {
        const limb = i === 0 ? high >>> 16 : i === 1 ? high & 0xffff : i === 2 ? low >>> 16 : low & 0xffff;
        const current = rest * 65536 + limb;
        const q = Math.floor(current / units);
        rest = current - q * units;
        sec = sec * 65536 + q;
      }
      frac = rest;
    } else {
      const value = (BigInt(high) << 32n) | BigInt(low);
      const big = BigInt(units);
      sec = Number(value / big);
      frac = Number(value % big);
    }
    this.sec = sec + iface.offsetSeconds;
    this.nsec = iface.nsPerUnit > 0 ? frac * iface.nsPerUnit : Math.floor((frac / units) * 1e9);
  }
}

function resolutionName(unitsPerSecond: number): string {
  if (unitsPerSecond === 1e6) return "us";
  if (unitsPerSecond === 1e9) return "ns";
  if (unitsPerSecond === 1e3) return "ms";
  return `1/${unitsPerSecond}s`;
}
