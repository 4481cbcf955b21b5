import assert from "node:assert/strict";
import type { ByteSink } from "../../src/output/byte_sink.ts";
import { WriteChain } from "../../src/output/write_chain.ts";

/** A sink recording what happened to it; `failAt` makes that write (0-based) fail. */
function recordingSink(failAt = -1) {
  const events: string[] = [];
  let writes = 0;
  let release: () => void = () => {};
  const gate = { blocked: false };
  const sink: ByteSink = {
    name: "out.bin",
    needsHeader: true,
    async write(bytes) {
      if (gate.blocked) await new Promise<void>((r) => release = r);
      if (writes++ === failAt) throw new Error("EIO");
      events.push(`write ${bytes.length}`);
    },
    close: () => Promise.resolve(void events.push("close")),
    abort: () => Promise.resolve(void events.push("abort")),
  };
  return { sink, events, gate, release: () => release() };
}

Deno.test("writes go in order; close waits for them and closes the sink", async () => {
  const { sink, events } = recordingSink();
  const chain = new WriteChain(sink, "flows", 1024);
  chain.enqueue(new Uint8Array(3));
  let recycled = 0;
  chain.enqueue(new Uint8Array(5), () => recycled++);
  await chain.close();
  assert.deepEqual(events, ["write 3", "write 5", "close"]);
  assert.equal(recycled, 1);
});

Deno.test("the first failed write is reported by every later call; close aborts the sink, never closes it", async () => {
  const { sink, events } = recordingSink(0);
  const chain = new WriteChain(sink, "Parquet", 1024);
  let recycled = 0;
  chain.enqueue(new Uint8Array(3), () => recycled++);
  chain.enqueue(new Uint8Array(4), () => recycled++);
  await assert.rejects(chain.settle(), /^Error: out\.bin: writing Parquet failed: EIO$/);
  assert.throws(() => chain.check(), /writing Parquet failed: EIO/);
  await assert.rejects(chain.close(), /writing Parquet failed/);
  assert.deepEqual(events, ["abort"], "nothing after the failure is written; the file is given up");
  assert.equal(recycled, 2, "buffers come back even when their write is skipped");
});

Deno.test("backlogged above the high-water mark until the writes drain; fail() keeps the first error", async () => {
  const { sink, gate, release } = recordingSink();
  gate.blocked = true;
  const chain = new WriteChain(sink, "flows", 10);
  chain.enqueue(new Uint8Array(8));
  assert.equal(chain.backlogged, false);
  chain.enqueue(new Uint8Array(8));
  assert.equal(chain.backlogged, true);
  const ready = chain.ready();
  gate.blocked = false;
  release();
  await ready;
  assert.equal(chain.backlogged, false);
  chain.fail(new Error("first"));
  chain.fail(new Error("second"));
  assert.throws(() => chain.check(), /writing flows failed: first$/);
});

Deno.test("ready() resolves once the bytes waiting fall to the high-water mark, while later writes are still under way", async () => {
  // Each write waits for its own release, in order.
  const releases: (() => void)[] = [];
  const written: number[] = [];
  const sink: ByteSink = {
    name: "out.bin",
    needsHeader: false,
    async write(bytes) {
      await new Promise<void>((r) => releases.push(r));
      written.push(bytes.length);
    },
    close: () => Promise.resolve(),
    abort: () => Promise.resolve(),
  };
  const chain = new WriteChain(sink, "flows", 10);
  for (let i = 0; i < 4; i++) chain.enqueue(new Uint8Array(6)); // 24 bytes waiting, mark 10
  let ready = false;
  const waiting = chain.ready().then(() => ready = true);
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
  };
  await settle();
  releases.shift()!(); // 18 bytes left: still above the mark
  await settle();
  assert.equal(ready, false);
  releases.shift()!(); // 12 left
  await settle();
  assert.equal(ready, false);
  releases.shift()!(); // 6 left: under the mark, one write still under way
  await waiting;
  assert.deepEqual(written, [6, 6, 6]);
  assert.equal(chain.backlogged, false);
  await settle();
  releases.shift()!();
  await chain.close();
  assert.deepEqual(written, [6, 6, 6, 6]);
});
