import assert from "node:assert/strict";
import { BuiltinConverter } from "../../src/convert/builtin.ts";
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { ConvertError } from "../../src/convert/converter.ts";
import { memoryLogger } from "../../src/log.ts";
import { ConversionQueue } from "../../src/pipeline/conversion_queue.ts";
import { listDir } from "./fake_meters.ts";

const CAPTURES = new URL("../../testdata/captures/", import.meta.url).pathname;
const EXAMPLE = `${CAPTURES}tcp-bulk.pcap`;

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "builtin_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("builtin converts in a worker exactly what convertCaptureFile gives in the main thread", async () => {
  await withDir(async (dir) => {
    const outcome = await new BuiltinConverter().convert({
      input: EXAMPLE,
      output: `${dir}/capture_1.csv`,
      reportsDir: dir,
      signal: new AbortController().signal,
    });
    const direct = await convertCaptureFile(EXAMPLE, `${dir}/direct.csv`);
    assert.ok(outcome.flows > 0);
    assert.equal(outcome.flows, direct.flows);
    assert.match(outcome.detail ?? "", new RegExp(`^${direct.packets} packets`));
    assert.equal(
      await Deno.readTextFile(`${dir}/capture_1.csv`),
      await Deno.readTextFile(`${dir}/direct.csv`),
    );
    assert.deepEqual(await listDir(dir), ["capture_1.csv", "direct.csv"]);
  });
});

Deno.test("builtin options reach the worker (ndjson output, .ndjson extension)", async () => {
  await withDir(async (dir) => {
    const converter = new BuiltinConverter({ format: "ndjson", label: "Benign" });
    assert.equal(converter.outputExtension, ".ndjson");
    const outcome = await converter.convert({
      input: EXAMPLE,
      output: `${dir}/capture_1.ndjson`,
      reportsDir: dir,
      signal: new AbortController().signal,
    });
    const lines = (await Deno.readTextFile(`${dir}/capture_1.ndjson`)).trim().split("\n");
    assert.equal(lines.length, outcome.flows);
    assert.match(lines[0], /"Benign"/);
  });
});

Deno.test("a file that is not a capture is a permanent failure naming it, with no output", async () => {
  await withDir(async (dir) => {
    const input = `${dir}/capture_bad.pcap`;
    await Deno.writeTextFile(input, "Flow ID,Src IP\n1,2\n");
    const err = await new BuiltinConverter().convert({
      input,
      output: `${dir}/capture_bad.csv`,
      reportsDir: dir,
      signal: new AbortController().signal,
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConvertError, String(err));
    assert.equal(err.permanent, true);
    assert.match(err.message, /capture_bad\.pcap.*not a pcap or pcapng file/);
    assert.deepEqual(await listDir(dir), ["capture_bad.pcap"]);
  });
});

Deno.test("abort terminates the worker and removes its temporary output", async () => {
  await withDir(async (dir) => {
    const output = `${dir}/capture_2.csv`;
    // What a worker killed mid-write leaves (atomicTempPath's naming, our pid).
    const leftover = `${dir}/.capture_2.csv.tmp-${Deno.pid}-abc123`;
    await Deno.writeTextFile(leftover, "Flow ID,");
    const other = `${dir}/.other.csv.tmp-${Deno.pid}-abc123`;
    await Deno.writeTextFile(other, "x");
    const ac = new AbortController();
    const pending = new BuiltinConverter().convert({
      input: EXAMPLE,
      output,
      reportsDir: dir,
      signal: ac.signal,
    });
    ac.abort();
    const err = await pending.then(() => undefined, (e) => e);
    assert.ok(err instanceof ConvertError);
    assert.match(err.message, /aborted/);
    assert.deepEqual(await listDir(dir), [".other.csv.tmp-" + Deno.pid + "-abc123"]);
  });
});

Deno.test("the queue converts real captures with the builtin meter", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/pcaps`);
    for (
      const [name, src] of [["capture_1.pcap", EXAMPLE], [
        "capture_2.pcap",
        `${CAPTURES}format-pcapng-sections.pcapng`,
      ]]
    ) {
      await Deno.copyFile(src, `${dir}/pcaps/${name}`);
    }
    const queue = new ConversionQueue({
      converter: new BuiltinConverter(),
      workers: 2,
      retries: 0,
      retryDelayMs: 10,
      timeoutMs: 60_000,
      flowTableDir: `${dir}/csv`,
      reportsDir: `${dir}/reports`,
      failedDir: `${dir}/failed`,
      log: memoryLogger(),
    });
    await Deno.mkdir(`${dir}/csv`);
    queue.enqueue(`${dir}/pcaps/capture_1.pcap`);
    queue.enqueue(`${dir}/pcaps/capture_2.pcap`);
    assert.equal(await queue.drain(30_000), true);
    assert.deepEqual(queue.stats, { converted: 2, failed: 0, retries: 0 });
    assert.deepEqual(await listDir(`${dir}/csv`), ["capture_1.csv", "capture_2.csv"]);
  });
});
