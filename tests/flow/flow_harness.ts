/**
 * A tiny harness for flow tests: describe packets (time in µs, endpoints,
 * flags, payload, header, window), get real pcap bytes, and run them through
 * the real parser and the meter.
 */
import { concat, ethernet, ipv4, pcapFile, tcp, udp } from "../pcap/build_capture.ts";
import { CaptureParser } from "../../src/pcap/capture_parser.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { MeterOptions } from "../../src/flow/profile.ts";
import type { FlowRecord } from "../../src/flow/flow_record.ts";

export const F = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 };

export type Endpoint = [ip: string, port: number];

export interface TestPacket {
  /** µs after the base time. */
  t: number;
  from: Endpoint;
  to: Endpoint;
  /** "tcp" (default), "udp" or an IP protocol number for a bare IP payload. */
  proto?: "tcp" | "udp" | number;
  flags?: number;
  /** Transport payload bytes. */
  pl?: number;
  /** TCP header bytes (20–60). */
  hdr?: number;
  win?: number;
  /** Ethernet padding bytes after the IP packet (counted as payload by cic2017, Q21). */
  pad?: number;
}

/** 2017-07-07 15:30:00 UTC, a CIC-IDS2017 capture day. */
export const BASE_SEC = 1_499_441_400;

const ip = (s: string) => s.split(".").map(Number);

/** One Ethernet frame for a test packet. */
export function frame(p: TestPacket): Uint8Array {
  const payload = new Uint8Array(p.pl ?? 0);
  const proto = p.proto ?? "tcp";
  let l4: Uint8Array, protocol: number;
  if (proto === "tcp") {
    l4 = tcp({
      sport: p.from[1],
      dport: p.to[1],
      flags: p.flags ?? F.ACK,
      window: p.win ?? 512,
      headerLength: p.hdr ?? 20,
    }, payload);
    protocol = 6;
  } else if (proto === "udp") {
    l4 = udp(p.from[1], p.to[1], payload);
    protocol = 17;
  } else {
    l4 = concat(new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0]), payload); // ICMP-like 8-byte header
    protocol = proto;
  }
  const packet = ethernet(0x0800, ipv4({ protocol, src: ip(p.from[0]), dst: ip(p.to[0]) }, l4));
  return p.pad ? concat(packet, new Uint8Array(p.pad)) : packet;
}

/** A classic pcap of the packets, timestamps BASE_SEC + t µs. */
export function pcapOf(packets: TestPacket[]): Uint8Array {
  return pcapFile(packets.map((p) => {
    const us = BASE_SEC * 1_000_000 + p.t;
    return { sec: Math.floor(us / 1e6), frac: us % 1e6, data: frame(p) };
  }));
}

/** The flows the meter emits for these packets, in emission order. */
export function meterRows(packets: TestPacket[], options: MeterOptions = {}): FlowRecord[] {
  const rows: FlowRecord[] = [];
  const meter = new FlowMeter(options, (r) => rows.push(r));
  const parser = new CaptureParser(meter.addPacket);
  parser.push(pcapOf(packets));
  parser.end();
  meter.flush();
  return rows;
}

/** Asserts `actual` is within relative 1e-5 (or absolute 1e-9) of each expected field. */
export function assertFields(
  actual: FlowRecord,
  expected: Partial<Record<keyof FlowRecord, number | string>>,
): void {
  const bad: string[] = [];
  for (const [key, want] of Object.entries(expected)) {
    const got = actual[key as keyof FlowRecord];
    if (typeof want === "number" && typeof got === "number") {
      const ok = (Number.isNaN(want) && Number.isNaN(got)) || got === want ||
        Math.abs(got - want) <= Math.max(1e-9, Math.abs(want) * 1e-5);
      if (!ok) bad.push(`${key}: got ${got}, want ${want}`);
    } else if (got !== want) {
      bad.push(`${key}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
  }
  if (bad.length) throw new Error(`flow ${actual.flowId}:\n  ${bad.join("\n  ")}`);
}
