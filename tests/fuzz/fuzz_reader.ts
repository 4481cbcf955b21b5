/**
 * One fuzz case: parse the mutated bytes in a given chunking, feed the
 * packets to a consumer (the flow engine, fuzz_flow.ts), and check the
 * promises of the reader on damaged input.
 */
import { CaptureFormatError, CaptureParser } from "../../src/pcap/reader.ts";
import type { PacketInfo } from "../../src/pcap/packet.ts";
import type { Mutation, PacketSite } from "./mutate.ts";

export interface ParsedPacket extends PacketSite {
  line: string;
  /** Offset in the input where this packet's frame starts (valid for whole-buffer parses). */
  start: number;
}

export function packetLine(p: PacketInfo): string {
  return `${p.tsSec}.${p.tsNsec} ${p.capturedLength}/${p.wireLength} ${p.ipVersion} ${p.protocol} ` +
    `${p.srcPort}>${p.dstPort} ${p.tcpFlags} ${p.payloadLength}`;
}

/** Parses a whole buffer in one push, noting where each frame and its IP and transport headers start. */
export function parseWhole(bytes: Uint8Array, onPacket?: (p: PacketInfo) => void): ParsedPacket[] {
  const out: ParsedPacket[] = [];
  const parser = new CaptureParser((p) => {
    // Offsets are into p.bytes: the input itself when it is pushed whole.
    const base = p.bytes.buffer === bytes.buffer ? p.bytes.byteOffset - bytes.byteOffset : NaN;
    if (Number.isNaN(base)) throw new Error("parseWhole: the parser copied the input; offsets unknown");
    out.push({
      line: packetLine(p),
      start: base + p.frameOffset,
      ipVersion: p.ipVersion,
      protocol: p.protocol,
      l3: p.l3Offset >= 0 ? base + p.l3Offset : -1,
      l4: p.l4Offset >= 0 ? base + p.l4Offset : -1,
    });
    onPacket?.(p);
  });
  parser.push(bytes);
  parser.end();
  return out;
}

export const MAX_MS_PER_CASE = 2000;

/** What a case feeds besides the reader: the flow engine and encoders (see fuzz_flow.ts). */
export interface CaseConsumer {
  addPacket(p: PacketInfo): void;
  /** Called after the reader ends; returns null or what broke. */
  finish(packetsRead: number): string | null;
}

/**
 * Returns null when the case passed, or what went wrong. `original` is the
 * parse of the undamaged file; `consumer` gets every packet (a flow engine)
 * and its checks run within the case's time bound.
 */
export function checkCase(
  m: Mutation,
  original: ParsedPacket[],
  chunkSize: number,
  consumer?: CaseConsumer,
): string | null {
  const lines: string[] = [];
  const parser = new CaptureParser((p) => {
    lines.push(packetLine(p));
    consumer?.addPacket(p);
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
  let problem: string | null = null;
  try {
    problem = consumer?.finish(lines.length) ?? null;
  } catch (err) {
    problem = `flow engine threw ${err instanceof Error ? err.stack : String(err)}`;
  }
  const elapsed = performance.now() - started;
  if (problem !== null) return problem;
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
