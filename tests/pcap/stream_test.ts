/**
 * The same parser reads a byte stream (stdin, a pipe from `tcpdump -w -`).
 */
import assert from "node:assert/strict";
import { readCaptureFile, readCaptureStream } from "../../src/pcap/reader.ts";
import { ownCapture } from "../captures/own_captures.ts";

Deno.test({
  name: "a pcapng file read as a stream gives the same stats as read as a file",
  fn: async () => {
    const path = ownCapture("format-pcapng-interfaces.pcapng");
    const fromFile = await readCaptureFile(path, () => {});
    using file = await Deno.open(path);
    let ports = 0;
    const fromStream = await readCaptureStream(file.readable, (p) => ports += p.srcPort);
    assert.deepEqual(fromStream, fromFile);
    assert.ok(ports > 0);
  },
});

Deno.test({
  name: "maxPackets on a stream stops reading and cancels the stream",
  fn: async () => {
    using file = await Deno.open(ownCapture("loopback-http.pcap"));
    let seen = 0;
    const stats = await readCaptureStream(file.readable, () => seen++, { maxPackets: 5, source: "stdin" });
    assert.equal(stats.packets, 5);
    assert.equal(seen, 5);
  },
});
