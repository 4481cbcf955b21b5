/**
 * The same parser reads a byte stream (stdin, a pipe from `tcpdump -w -`).
 */
import assert from "node:assert/strict";
import { readCaptureFile, readCaptureReader, readCaptureStream } from "../../src/pcap/reader.ts";
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

Deno.test({
  name: "a capture read into a reused buffer (convert's stdin) gives the file's stats at any read size",
  fn: async () => {
    for (const name of ["format-pcapng-interfaces.pcapng", "loopback-http.pcap"]) {
      const path = ownCapture(name);
      const fromFile = await readCaptureFile(path, () => {});
      for (const chunkSize of [7, 4096, 256 * 1024]) {
        using file = await Deno.open(path);
        const fromReader = await readCaptureReader(file, () => {}, { chunkSize });
        assert.deepEqual(fromReader, fromFile, `${name}, reads of ${chunkSize} bytes`);
      }
    }
  },
});

Deno.test({
  name: "an abort ends a read still waiting for its writer (a quiet pipe), with the stats so far",
  fn: async () => {
    const capture = await Deno.readFile(ownCapture("loopback-http.pcap"));
    let reads = 0;
    // The first read returns the whole capture; the next never returns, as a pipe whose writer is quiet.
    const quietPipe = {
      read(buffer: Uint8Array): Promise<number | null> {
        if (reads++ > 0) return new Promise(() => {});
        buffer.set(capture.subarray(0, buffer.length));
        return Promise.resolve(Math.min(capture.length, buffer.length));
      },
    };
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 50);
    const stats = await readCaptureReader(quietPipe, () => {}, { signal: abort.signal, chunkSize: 1 << 20 });
    clearTimeout(timer);
    assert.equal(stats.packets, 49);
    assert.equal(reads, 2);
  },
});
