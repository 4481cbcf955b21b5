/**
 * Features do not depend on the snaplen: a packet cut by the snaplen counts
 * the lengths the whole packet had (`--snaplen-lengths ip`, the default), and
 * `captured` keeps the Java program's numbers on a truncated file.
 */
import { deepStrictEqual as assertEquals, notStrictEqual as assertNotEquals } from "node:assert/strict";
import { BASE_SEC, F, frame, type TestPacket } from "./flow_harness.ts";
import { concat, pcapFile } from "../pcap/build_capture.ts";
import { CaptureParser } from "../../src/pcap/capture_parser.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { MeterOptions } from "../../src/flow/profile.ts";
import type { FlowRecord } from "../../src/flow/flow_record.ts";
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { haveSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";

const A: [string, number] = ["10.0.0.1", 40000];
const B: [string, number] = ["10.0.0.2", 443];

/** A TCP conversation with large and small segments, and a padded 60-byte ACK. */
const CONVERSATION: TestPacket[] = [
  { t: 0, from: A, to: B, flags: F.SYN, hdr: 40 },
  { t: 100, from: B, to: A, flags: F.SYN | F.ACK, hdr: 40 },
  { t: 200, from: A, to: B, flags: F.ACK, pad: 6 },
  { t: 300, from: A, to: B, flags: F.PSH | F.ACK, pl: 517 },
  { t: 400, from: B, to: A, flags: F.ACK, pl: 1448 },
  { t: 500, from: B, to: A, flags: F.PSH | F.ACK, pl: 1448, hdr: 32 },
  { t: 600, from: A, to: B, flags: F.ACK, pl: 90 },
  { t: 700, from: A, to: B, flags: F.FIN | F.ACK },
  { t: 800, from: B, to: A, flags: F.FIN | F.ACK },
  { t: 900, from: A, to: B, flags: F.ACK },
];

/** The packets as a pcap, each record cut to `snaplen` bytes (original length kept). */
function capture(packets: TestPacket[], snaplen: number): Uint8Array {
  return pcapFile(
    packets.map((p) => {
      const data = frame(p);
      const us = BASE_SEC * 1_000_000 + p.t;
      return {
        sec: Math.floor(us / 1e6),
        frac: us % 1e6,
        data: data.subarray(0, Math.min(snaplen, data.length)),
        wire: data.length,
      };
    }),
    { snaplen },
  );
}

function rows(bytes: Uint8Array, options: MeterOptions): FlowRecord[] {
  const out: FlowRecord[] = [];
  const meter = new FlowMeter(options, (r) => out.push(r));
  const parser = new CaptureParser(meter.addPacket);
  parser.push(bytes);
  parser.end();
  meter.flush();
  return out;
}

for (const profile of ["cic2017", "corrected"] as const) {
  Deno.test(`${profile}: rows at -s 128 equal the rows of the whole packets`, () => {
    const whole = rows(capture(CONVERSATION, 65535), { profile });
    const cut = rows(capture(CONVERSATION, 128), { profile });
    assertEquals(Math.max(...whole.map((r) => r.bwdPktLenMax)), 1448);
    assertEquals(cut, whole);
  });
}

Deno.test("cic2017: padding still counts as payload in a packet the snaplen did not cut", () => {
  const [row] = rows(capture(CONVERSATION, 128), { profile: "cic2017" });
  // 517 + 90 + 6 bytes of padding on the 60-byte ACK (spec §2.3).
  assertEquals(row.totalLengthFwd, 613);
});

Deno.test("--snaplen-lengths captured: the captured bytes, as the Java program on a truncated file", () => {
  const [row] = rows(capture(CONVERSATION, 128), { profile: "cic2017", snaplenLengths: "captured" });
  // 128 − 14 Ethernet − 20 IP − 20 TCP = 74 captured payload bytes; 128 − 54 − 12 options = 62.
  assertEquals(row.bwdPktLenMax, 74);
  assertEquals(row.totalLengthBwd, 74 + 62);
  const [corrected] = rows(capture(CONVERSATION, 128), { profile: "corrected", snaplenLengths: "captured" });
  assertEquals(corrected.bwdPktLenMax, 74);
  // Whole packets are the same under both settings.
  assertEquals(
    rows(capture(CONVERSATION, 65535), { profile: "cic2017", snaplenLengths: "captured" }),
    rows(capture(CONVERSATION, 65535), { profile: "cic2017" }),
  );
});

/** A classic pcap file's records cut to `snaplen`, original lengths kept (what `tcpdump -s` writes). */
function truncatePcap(bytes: Uint8Array, snaplen: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = view.getUint32(0, true) === 0xa1b2c3d4 || view.getUint32(0, true) === 0xa1b23c4d;
  const out: Uint8Array[] = [bytes.slice(0, 24)];
  new DataView(out[0].buffer).setUint32(16, snaplen, little);
  for (let at = 24; at + 16 <= bytes.length;) {
    const caplen = view.getUint32(at + 8, little);
    const header = bytes.slice(at, at + 16);
    const keep = Math.min(caplen, snaplen);
    new DataView(header.buffer).setUint32(8, keep, little);
    out.push(header, bytes.subarray(at + 16, at + 16 + keep));
    at += 16 + caplen;
  }
  return concat(...out);
}

Deno.test({
  name: "a real capture converts to the same CSV at -s 128 as whole (both profiles), not with captured",
  ignore: !haveSharedPcaps,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const whole = `${dir}/whole.pcap`, cut = `${dir}/cut.pcap`;
      const original = await Deno.readFile(sharedPcap("medium/pcpp-tls2.pcap"));
      await Deno.writeFile(whole, original);
      await Deno.writeFile(cut, truncatePcap(original, 128));
      for (const profile of ["cic2017", "corrected"] as const) {
        await convertCaptureFile(whole, `${dir}/whole-${profile}.csv`, { profile });
        await convertCaptureFile(cut, `${dir}/cut-${profile}.csv`, { profile });
        const expected = await Deno.readTextFile(`${dir}/whole-${profile}.csv`);
        assertEquals(await Deno.readTextFile(`${dir}/cut-${profile}.csv`), expected);
      }
      await convertCaptureFile(cut, `${dir}/captured.csv`, {
        profile: "cic2017",
        snaplenLengths: "captured",
      });
      assertNotEquals(
        await Deno.readTextFile(`${dir}/captured.csv`),
        await Deno.readTextFile(`${dir}/whole-cic2017.csv`),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
