/**
 * The stream reader gives the same packets whatever the chunking: a record
 * split across chunk boundaries anywhere is reassembled exactly.
 */
import assert from "node:assert/strict";
import { CaptureParser, readCaptureFile } from "../../src/pcap/reader.ts";
import type { PacketInfo } from "../../src/pcap/packet.ts";
import { listSharedPcaps, sharedPcap } from "./shared_pcaps.ts";
import { listOwnCaptures, ownCapture } from "../captures/own_captures.ts";
import { ignoreWithout } from "../requirements.ts";

/** A line per packet with every decoded field, so any difference shows. */
function fingerprint(p: PacketInfo): string {
  return [
    p.tsSec,
    p.tsNsec,
    p.interfaceId,
    p.linkType,
    p.capturedLength,
    p.wireLength,
    p.ipVersion,
    p.src.join("."),
    p.dst.join("."),
    p.protocol,
    p.srcPort,
    p.dstPort,
    p.tcpFlags,
    p.tcpSeq,
    p.tcpWindow,
    p.transportHeaderLength,
    p.payloadLength,
    p.capturedPayloadLength,
    p.isFragment,
    p.fragmentOffset,
    p.icmpType,
    p.vlanDepth,
    p.bytes[p.frameOffset],
    p.bytes[p.frameOffset + p.capturedLength - 1],
  ].join(",");
}

function parseInChunks(bytes: Uint8Array, size: number): { lines: string[]; stats: unknown } {
  const lines: string[] = [];
  const parser = new CaptureParser((p) => lines.push(fingerprint(p)));
  for (let o = 0; o < bytes.length; o += size) parser.push(bytes.slice(o, o + size));
  return { lines, stats: parser.end() };
}

async function chunksReadLikeWhole(path: string): Promise<void> {
  const whole: string[] = [];
  const stats = await readCaptureFile(path, (p) => whole.push(fingerprint(p)));
  const bytes = await Deno.readFile(path);
  assert.ok(whole.length > 0 || stats.packets > 0, "the file has packets");
  for (const size of [1, 7, 4096]) {
    const chunked = parseInChunks(bytes, size);
    assert.deepEqual(chunked.lines, whole, `chunk size ${size}: packets`);
    assert.deepEqual(chunked.stats, stats, `chunk size ${size}: stats`);
  }
}

for (const name of listOwnCaptures()) {
  Deno.test(`chunks of 1, 7 and 4096 bytes read testdata/captures/${name} exactly like one whole read`, () =>
    chunksReadLikeWhole(ownCapture(name)));
}

for (const name of listSharedPcaps("small")) {
  Deno.test({
    name: `chunks of 1, 7 and 4096 bytes read ${name} exactly like one whole read`,
    ignore: ignoreWithout("shared-pcaps"),
    fn: () => chunksReadLikeWhole(sharedPcap(name)),
  });
}
