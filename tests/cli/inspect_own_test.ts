/**
 * `inspect` on the project's own captures and on crafted records: timestamps
 * always valid ISO text, records longer than the snaplen kept and counted.
 */
import assert from "node:assert/strict";
import { formatInspectReport, inspectFile } from "../../src/cli/inspect.ts";
import { pcapFile, tcpFrame } from "../pcap/build_capture.ts";
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { describeResult } from "../../src/cli/convert.ts";

const CAPTURES = new URL("../../testdata/captures/", import.meta.url).pathname;

async function withPcap<T>(bytes: Uint8Array, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "inspect_own_" });
  try {
    await Deno.writeFile(`${dir}/x.pcap`, bytes);
    return await fn(`${dir}/x.pcap`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("inspect carries an out-of-range sub-second field into the seconds, as convert does", async () => {
  // 1 500 000 µs and 2 000 000 123 ns: written by broken tools, read by libpcap as they are.
  const us = pcapFile([{ sec: 1_700_000_000, frac: 1_500_000, data: tcpFrame({}) }]);
  const ns = pcapFile([{ sec: 1_700_000_000, frac: 2_000_000_123, data: tcpFrame({}) }], { nano: true });
  await withPcap(us, async (path) => {
    const r = await inspectFile(path);
    assert.equal(r.firstTimestamp, "2023-11-14T22:13:21.500000000Z");
  });
  await withPcap(ns, async (path) => {
    const r = await inspectFile(path);
    assert.equal(r.firstTimestamp, "2023-11-14T22:13:22.000000123Z");
  });
});

Deno.test("inspect counts records longer than the snaplen as kept, cut to it (snaplen-cut.pcap)", async () => {
  const r = await inspectFile(`${CAPTURES}snaplen-cut.pcap`);
  assert.equal(r.packets, 10);
  assert.equal(r.cutToSnaplen, 1);
  assert.equal(r.skipped["oversized-record"], 0);
  assert.equal(r.protocols.tcp, 10);
  assert.match(
    formatInspectReport(r),
    /packets: +10 \(886 bytes read; 1 longer than the snaplen, kept cut to it\)/,
  );
});

Deno.test("inspect describes a pcapng with three interfaces and mixed resolutions", async () => {
  const r = await inspectFile(`${CAPTURES}format-pcapng-interfaces.pcapng`);
  assert.deepEqual(r.linkTypeNames, ["ether", "linux-sll2", "rawip"]);
  assert.equal(r.format.kind, "pcapng");
  assert.equal(r.firstTimestamp, "2023-11-14T22:13:20.000000000Z");
  assert.equal(r.lastTimestamp, "2023-11-14T22:13:20.062000000Z");
  assert.equal(r.packets, 20);
});

Deno.test("convert's final statistics count the records kept cut to the snaplen", async () => {
  const dir = await Deno.makeTempDir({ prefix: "inspect_own_" });
  try {
    const r = await convertCaptureFile(`${CAPTURES}snaplen-cut.pcap`, `${dir}/out.csv`);
    assert.equal(r.cutToSnaplen, 1);
    assert.equal(r.packetsUsed, 10);
    assert.match(describeResult(r), /1 records longer than the snaplen, kept cut to it/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
