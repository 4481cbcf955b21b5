/**
 * A capture cut anywhere inside a record (tcpdump killed mid-write) reads every
 * complete packet before the cut and reports exactly one truncated record.
 */
import assert from "node:assert/strict";
import { CaptureParser } from "../../src/pcap/reader.ts";
import { sharedPcap } from "./shared_pcaps.ts";
import { ownCapture } from "../captures/own_captures.ts";
import { ignoreWithout } from "../requirements.ts";

/** Record boundaries of a little-endian classic pcap, walked independently of the reader. */
function recordOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offsets: number[] = [];
  for (let o = 24; o + 16 <= bytes.length;) {
    offsets.push(o);
    o += 16 + view.getUint32(o + 8, true);
  }
  return offsets;
}

const CASES: [name: string, path: () => string, shared: boolean][] = [
  ["testdata/captures/loopback-http.pcap", () => ownCapture("loopback-http.pcap"), false],
  ["testdata/captures/tcp-bulk.pcap", () => ownCapture("tcp-bulk.pcap"), false],
  ["small/tcpreplay-test.pcap", () => sharedPcap("small/tcpreplay-test.pcap"), true],
  ["medium/zeek-ftp-cwd-navigation.pcap", () => sharedPcap("medium/zeek-ftp-cwd-navigation.pcap"), true],
];

for (const [name, path, shared] of CASES) {
  Deno.test({
    name: `${name} cut mid-record at several offsets keeps all complete packets`,
    ignore: shared && ignoreWithout("shared-pcaps"),
    fn: async () => {
      const bytes = await Deno.readFile(path());
      const offsets = recordOffsets(bytes);
      for (const index of [1, 2, Math.floor(offsets.length / 2), offsets.length - 1]) {
        for (const into of [3, 16, 17]) { // inside the record header, just after it, inside the data
          const cut = offsets[index] + into;
          let delivered = 0;
          const parser = new CaptureParser(() => delivered++);
          parser.push(bytes.subarray(0, cut));
          const stats = parser.end();
          assert.equal(stats.packets, index, `cut at ${cut}: complete records`);
          assert.equal(stats.skipped["truncated-record"], 1, `cut at ${cut}: one truncated record`);
          assert.ok(delivered >= index - stats.skipped["truncated-header"], "complete packets delivered");
        }
      }
    },
  });
}

Deno.test({
  name: "the public capture cut 700 bytes short reads 174 packets and one truncated record",
  ignore: ignoreWithout("shared-pcaps"),
  fn: async () => {
    const bytes = await Deno.readFile(sharedPcap("small/derived-tcpreplay-test-cut-mid-record.pcap"));
    const parser = new CaptureParser(() => {});
    parser.push(bytes);
    const stats = parser.end();
    assert.equal(stats.packets, 174);
    assert.equal(stats.skipped["truncated-record"], 1);
  },
});
