/**
 * Push-style parser for classic pcap and pcapng byte streams. Bytes may arrive
 * in chunks of any size (a file read in 256 KiB pieces, a pipe from
 * `tcpdump -w -`, or one byte at a time); a record split across chunks is
 * completed from a small carry buffer, everything else is parsed in place.
 */
import { CaptureFormatError, describeNonCapture } from "./format_error.ts";
import { decodeFrame } from "./decode.ts";
import { LinkType } from "./link_types.ts";
import {
  isPcapHeader,
  type LengthOrder,
  lengthOrder,
  LENGTHS,
  MODIFIED_RECORD_HEADER,
  PCAP_HEADER,
  PCAP_MAGICS,
  PCAP_RECORD_HEADER,
} from "./classic_pcap.ts";
import { u16, u32be, u32le } from "./byte_order.ts";
import { PacketInfo } from "./packet.ts";
import { BLOCK, isPacketBlock, PcapngSection } from "./pcapng_section.ts";
import { countDecoded, countTimestamp, emptyStats, noteLinkType, type ReadStats } from "./read_stats.ts";

/**
 * Called for every record read: decoded packets, and records whose decoding
 * failed, marked by `pkt.undecodable` (then only the raw frame and the
 * capture header fields are valid; the reason is also counted as skipped).
 * The record is reused after it returns.
 */
export type PacketCallback = (pkt: PacketInfo) => void;

export interface CaptureParserOptions {
  /** Name used in error messages (a path, "stdin", "tcpdump on eth0"). */
  source?: string;
  /** Stop after this many complete records (0 = no limit). */
  maxPackets?: number;
}

/** Records larger than this are not trusted: the framing is probably broken. */
export const MAX_RECORD_BYTES = 256 * 1024;
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
const PCAPNG_SHB = 0x0a0d0d0a;

type State = "magic" | "pcap" | "pcapng" | "finished";

export class CaptureParser {
  readonly stats: ReadStats = emptyStats();
  readonly #onPacket: PacketCallback;
  readonly #source: string;
  readonly #maxPackets: number;
  readonly #pkt = new PacketInfo();
  #state: State = "magic";
  #carry = new Uint8Array(4096);
  #carryLength = 0;
  /** Bytes needed from the start of unconsumed data before parsing can go on. */
  #need = 4;
  // classic pcap
  #little = true;
  #nanosecond = false;
  #snaplen = 0;
  #linkType = 0;
  #headerRead = false;
  #recordHeader = PCAP_RECORD_HEADER;
  #lengthOrder: LengthOrder = LENGTHS.normal;
  /** Where the bytes being parsed start in the whole input (for the offset of damage). */
  #base = 0;
  // pcapng
  #section: PcapngSection | null = null;
  #pcapngOrders = new Set<string>();

  constructor(onPacket: PacketCallback, options: CaptureParserOptions = {}) {
    this.#onPacket = onPacket;
    this.#source = options.source ?? "input";
    this.#maxPackets = options.maxPackets ?? 0;
  }

  /** True once the input is known to be over: stopped, packet limit reached, or broken framing. */
  get finished(): boolean {
    return this.#state === "finished";
  }

  /** Stops delivering packets; later `push` calls are ignored. */
  stop(): void {
    this.#state = "finished";
    this.#carryLength = 0;
  }

  /** Feeds the next bytes of the input. Throws `CaptureFormatError` if the input is not a capture. */
  push(chunk: Uint8Array): void {
    if (this.#state === "finished") return;
    const chunkStart = this.stats.bytesRead;
    this.stats.bytesRead += chunk.length;
    let offset = 0;
    // Complete a record that straddles chunks, copying only what it needs.
    while (this.#carryLength > 0) {
      const carryStart = chunkStart + offset - this.#carryLength;
      const take = Math.min(this.#need - this.#carryLength, chunk.length - offset);
      this.#appendCarry(chunk, offset, take);
      offset += take;
      if (this.#carryLength < this.#need) return;
      this.#base = carryStart;
      const used = this.#parse(this.#carry, 0, this.#carryLength);
      if (this.finished) return;
      this.#carry.copyWithin(0, used, this.#carryLength);
      this.#carryLength -= used;
    }
    this.#base = chunkStart;
    const used = this.#parse(chunk, offset, chunk.length);
    if (!this.finished && used < chunk.length) {
      this.#appendCarry(chunk, used, chunk.length - used);
    }
  }

  /** Ends the input: bytes of an incomplete record are counted as one skipped record. */
  end(): ReadStats {
    if (this.#state === "magic" && this.#carryLength > 0) {
      throw new CaptureFormatError(
        `${this.#source}: not a pcap or pcapng file (only ${this.#carryLength} bytes long)`,
      );
    }
    if (this.#state !== "finished" && this.#carryLength > 0) {
      this.stats.skipped[this.#looksLikeRecordStart() ? "truncated-record" : "bad-block"]++;
    }
    this.#state = "finished";
    this.#carryLength = 0;
    return this.stats;
  }

  #appendCarry(src: Uint8Array, from: number, length: number): void {
    if (this.#carryLength + length > this.#carry.length) {
      const grown = new Uint8Array(Math.max(this.#carry.length * 2, this.#carryLength + length));
      grown.set(this.#carry.subarray(0, this.#carryLength));
      this.#carry = grown;
    }
    this.#carry.set(src.subarray(from, from + length), this.#carryLength);
    this.#carryLength += length;
  }

  /** Parses whole units from b[pos, end); returns where it stopped and sets #need. */
  #parse(b: Uint8Array, pos: number, end: number): number {
    if (this.#state === "magic") {
      if (end - pos < 4) {
        this.#need = 4;
        return pos;
      }
      this.#detectFormat(b, pos);
    }
    if (this.#state === "pcap") return this.#parsePcap(b, pos, end);
    return this.#parsePcapng(b, pos, end);
  }

  #detectFormat(b: Uint8Array, pos: number): void {
    const m = (b[pos] << 24 | b[pos + 1] << 16 | b[pos + 2] << 8 | b[pos + 3]) >>> 0;
    const format = this.stats.format;
    if (m === PCAPNG_SHB) {
      this.#state = "pcapng";
      format.kind = "pcapng";
      return;
    }
    if (!PCAP_MAGICS[m]) {
      throw new CaptureFormatError(`${this.#source}: ${describeNonCapture(b.subarray(pos, pos + 16))}`);
    }
    this.#state = "pcap";
    this.#need = PCAP_HEADER;
    format.kind = "pcap";
  }

  #u32(b: Uint8Array, o: number): number {
    return this.#little ? u32le(b, o) : u32be(b, o);
  }

  #parsePcap(b: Uint8Array, pos: number, end: number): number {
    if (!this.#headerRead) {
      if (end - pos < PCAP_HEADER) {
        this.#need = PCAP_HEADER;
        return pos;
      }
      this.#readPcapHeader(b, pos);
      pos += PCAP_HEADER;
    }
    // Another capture's file header inside this one (captures joined with `cat`) starts the
    // loop again with that capture's byte order, resolution and link type.
    joined: for (;;) {
      const resolution = this.#nanosecond ? 1 : 1000;
      // The byte order is fixed for the file: a local flag and plain functions the
      // compiler inlines (the #u32 method cost ~10% of a whole conversion; issue 15).
      const little = this.#little;
      const header = this.#recordHeader;
      const order = this.#lengthOrder;
      while (this.#state === "pcap") {
        if (end - pos < header) {
          this.#need = header;
          return pos;
        }
        let caplen = little ? u32le(b, pos + 8) : u32be(b, pos + 8);
        let wire = little ? u32le(b, pos + 12) : u32be(b, pos + 12);
        if (caplen === 0 && wire === 0 && isPcapHeader(b, pos)) {
          if (end - pos < PCAP_HEADER) {
            this.#need = PCAP_HEADER;
            return pos;
          }
          this.stats.joinedCaptures++;
          this.#readPcapHeader(b, pos);
          pos += PCAP_HEADER;
          continue joined;
        }
        if (order !== LENGTHS.normal && (order === LENGTHS.swapped || caplen > wire)) {
          const len = caplen;
          caplen = wire;
          wire = len;
        }
        if (caplen > MAX_RECORD_BYTES) {
          // Framing is lost: no later record can be found reliably.
          this.stats.skipped["oversized-record"]++;
          this.#damaged(pos, `a record claims ${caplen} captured bytes (the limit: ${MAX_RECORD_BYTES})`);
          return end;
        }
        if (end - pos < header + caplen) {
          this.#need = header + caplen;
          return pos;
        }
        const sec = little ? u32le(b, pos) : u32be(b, pos);
        const frac = (little ? u32le(b, pos + 4) : u32be(b, pos + 4)) * resolution;
        // As libpcap: a record longer than the file's snaplen keeps its first snaplen bytes; the rest is skipped.
        const cut = this.#snaplen > 0 && caplen > this.#snaplen;
        if (cut) this.stats.cutToSnaplen++;
        const kept = cut ? this.#snaplen : caplen;
        this.#deliver(b, pos + header, kept, wire, this.#linkType, 0, sec, frac, false);
        pos += header + caplen;
      }
      return pos;
    }
  }

  /** Takes a classic pcap file header at `pos` (the first, or one of a capture joined on). */
  #readPcapHeader(b: Uint8Array, pos: number): void {
    const kind = PCAP_MAGICS[u32be(b, pos)];
    [this.#little, this.#nanosecond] = kind;
    this.#recordHeader = kind[2] ? MODIFIED_RECORD_HEADER : PCAP_RECORD_HEADER;
    this.#lengthOrder = lengthOrder(u16(b, pos + 4, this.#little), u16(b, pos + 6, this.#little));
    this.#snaplen = this.#u32(b, pos + 16);
    this.#linkType = this.#u32(b, pos + 20) & 0xffff;
    // As libpcap: a modified-format Ethernet capture may have been taken in cooked mode, with
    // a made-up 14-byte Ethernet header added after the snaplen cut.
    if (kind[2] && this.#linkType === LinkType.ETHERNET && this.#snaplen > 0) this.#snaplen += 14;
    const format = this.stats.format;
    const order = this.#little ? "little" : "big";
    const resolution = this.#nanosecond ? "ns" : "us";
    if (this.#headerRead) {
      if (format.byteOrder !== order) format.byteOrder = "mixed";
      if (!format.resolution.split(",").includes(resolution)) format.resolution += `,${resolution}`;
      format.snaplen = Math.max(format.snaplen, this.#snaplen);
    } else {
      format.byteOrder = order;
      format.resolution = resolution;
      format.snaplen = this.#snaplen;
    }
    this.#headerRead = true;
    noteLinkType(this.stats, this.#linkType);
  }

  /** Framing is lost at `pos`: no later record can be found reliably, so reading stops there. */
  #damaged(pos: number, what: string): void {
    this.stats.damage = { offset: this.#base + pos, what, unreadBytes: null };
    this.#state = "finished";
  }

  #parsePcapng(b: Uint8Array, pos: number, end: number): number {
    while (this.#state === "pcapng") {
      if (end - pos < 12) {
        this.#need = 12;
        return pos;
      }
      let type = this.#u32(b, pos);
      if (type === PCAPNG_SHB) {
        const bom = (b[pos + 8] << 24 | b[pos + 9] << 16 | b[pos + 10] << 8 | b[pos + 11]) >>> 0;
        if (bom === 0x4d3c2b1a) this.#little = true;
        else if (bom === 0x1a2b3c4d) this.#little = false;
        else return this.#brokenBlock(pos, end, "a section header with an unknown byte-order mark");
        type = PCAPNG_SHB;
      }
      const length = this.#u32(b, pos + 4);
      if (length < 12 || length % 4 !== 0 || length > MAX_BLOCK_BYTES) {
        return this.#brokenBlock(pos, end, `a block claims ${length} bytes`);
      }
      if (end - pos < length) {
        this.#need = length;
        return pos;
      }
      if (this.#u32(b, pos + length - 4) !== length) {
        return this.#brokenBlock(pos, end, `a ${length}-byte block whose trailing length differs`);
      }
      this.#handleBlock(b, pos, length, type);
      pos += length;
    }
    return pos;
  }

  #brokenBlock(pos: number, end: number, what: string): number {
    this.stats.skipped["bad-block"]++;
    this.#damaged(pos, what);
    return end;
  }

  #handleBlock(b: Uint8Array, pos: number, length: number, type: number): void {
    if (type === PCAPNG_SHB) {
      this.#section = new PcapngSection(this.#little);
      this.#pcapngOrders.add(this.#little ? "little" : "big");
      this.stats.format.byteOrder = this.#pcapngOrders.size > 1 ? "mixed" : (this.#little ? "little" : "big");
      return;
    }
    const section = this.#section;
    if (section === null) return; // no SHB yet: cannot happen after format detection
    if (type === BLOCK.IDB) {
      const iface = section.addInterface(b, pos, length);
      noteLinkType(this.stats, iface.linkType);
      const format = this.stats.format;
      format.snaplen = Math.max(format.snaplen, iface.snaplen);
      format.resolution = section.resolutions();
      return;
    }
    if (!isPacketBlock(type)) return; // NRB, ISB, DSB, custom: skipped
    const iface = section.readPacketBlock(b, pos, length, type);
    if (iface === null) {
      this.stats.skipped["bad-block"]++;
      return;
    }
    const { ifid, caplen, wire, data } = section.packet;
    const oversized = caplen > MAX_RECORD_BYTES;
    const cut = !oversized && iface.snaplen > 0 && caplen > iface.snaplen; // as libpcap: cut to the snaplen
    if (cut) this.stats.cutToSnaplen++;
    const kept = cut ? iface.snaplen : caplen;
    this.#deliver(b, data, kept, wire, iface.linkType, ifid, section.sec, section.nsec, oversized);
  }

  #deliver(
    b: Uint8Array,
    at: number,
    caplen: number,
    wire: number,
    linkType: number,
    ifid: number,
    sec: number,
    nsec: number,
    oversized: boolean,
  ): void {
    const stats = this.stats;
    const pkt = this.#pkt;
    stats.packets++;
    if (this.#maxPackets > 0 && stats.packets >= this.#maxPackets) this.#state = "finished";
    if (oversized) {
      stats.skipped["oversized-record"]++;
      return;
    }
    if (caplen === 0) {
      stats.skipped["zero-length"]++;
      return;
    }
    const result = decodeFrame(b, at, caplen, linkType, pkt);
    if (nsec >= 1_000_000_000) {
      // A sub-second field out of range (e.g. 1 500 000 µs) carries into the seconds, as the µs clock does.
      sec += Math.floor(nsec / 1_000_000_000);
      nsec %= 1_000_000_000;
    }
    pkt.tsSec = sec;
    pkt.tsNsec = nsec;
    pkt.tsUs = sec * 1_000_000 + Math.floor(nsec / 1000);
    pkt.interfaceId = ifid;
    pkt.linkType = linkType;
    pkt.capturedLength = caplen;
    pkt.wireLength = wire;
    countTimestamp(stats, pkt);
    if (result !== "ok") {
      stats.skipped[result]++;
      // Still handed over, marked: a consumer that reproduces another decoder (the cic2017
      // profile decodes broken headers the way jnetpcap did) needs the raw frame.
      pkt.undecodable = result;
      this.#onPacket(pkt);
      return;
    }
    countDecoded(stats, pkt);
    this.#onPacket(pkt);
  }

  /** Whether the leftover bytes begin like a record header (cut short) rather than garbage. */
  #looksLikeRecordStart(): boolean {
    const c = this.#carry;
    if (this.#state === "pcap") {
      if (!this.#headerRead) return true; // file header cut short
      return this.#carryLength < 12 || this.#u32(c, 8) <= MAX_RECORD_BYTES;
    }
    if (this.#carryLength < 4) return true;
    const type = this.#u32(c, 0);
    return type === PCAPNG_SHB || (type >= 1 && type <= 10);
  }
}
