/**
 * One fuzz case for the reader: parse the mutated bytes in a random chunking
 * and check the promises of the reader on damaged input.
 */
import { CaptureFormatError, CaptureParser } from "../../src/pcap/reader.ts";
import type { PacketInfo } from "../../src/pcap/packet.ts";
import type { Mutation } from "./mutate.ts";

export interface ParsedPacket {
  line: string;
  /** Offset in the input where this packet's frame starts (valid for whole-buffer parses). */
  start: number;
}

export function packetLine(p: PacketInfo): string {
  return `${p.tsSec}.${p.tsNsec} ${p.capturedLength}/${p.wireLength} ${p.ipVersion} ${p.protocol} ` +
    `${p.srcPort}>${p.dstPort} ${p.tcpFlags} ${p.payloadLength}`;
}

/** Parses a whole buffer in one push, noting where each frame starts. */
export function parseWhole(bytes: Uint8Array, onPacket?: (p: PacketInfo) => void): ParsedPacket[] {
  const out: ParsedPacket[] = [];
  const parser = new CaptureParser((p) => {
    out.push({ line: packetLine(p), start: p.frameOffset });
    onPacket?.(p);
  });
  parser.push(bytes);
  parser.end();
  return out;
}

export const MAX_MS_PER_CASE = 2000;

/**
 * Returns null when the case passed, or what went wrong. `original` is the
 * parse of the undamaged file; `onPacket` may feed a flow engine too.
 */
export function checkCase(
  m: Mutation,
  original: ParsedPacket[],
  chunkSize: number,
  onPacket?: (p: PacketInfo) => void,
): string | null {
  const lines: string[] = [];
  const parser = new CaptureParser((p) => {
    lines.push(packetLine(p));
    onPacket?.(p);
  });
  const started = performance.now();
  try {
    for (let o = 0; o < m.bytes.length; o += chunkSize) parser.push(m.bytes.subarray(o, o + chunkSize));
    parser.end();
  } catch (err) {
    // Damage to the first bytes makes it "not a capture": that clear error is the right answer.
    if (err instanceof CaptureFormatError && m.damageAt < 4) return null;
    return `threw ${err instanceof Error ? err.stack : String(err)}`;
  }
  const elapsed = performance.now() - started;
  if (elapsed > MAX_MS_PER_CASE) return `took ${elapsed.toFixed(0)} ms`;
  // Every packet whose record lies wholly before the damage must come out unchanged:
  // packet i is safe when packet i+1's frame also starts before the damage.
  let safe = 0;
  while (safe + 1 < original.length && original[safe + 1].start <= m.damageAt) safe++;
  for (let i = 0; i < safe; i++) {
    if (lines[i] !== original[i].line) {
      return `packet ${i} before the damage changed: ${lines[i]} vs ${original[i].line}`;
    }
  }
  return null;
}
