/**
 * Capture first: conversions run below tcpdump's CPU priority. The queue
 * hands every job CONVERSION_NICENESS; an external meter's process and the
 * builtin meter's worker thread really run at that niceness.
 */
import assert from "node:assert/strict";
import type { Converter, ConvertJob, ConvertOutcome } from "../../src/convert/converter.ts";
import { ConversionQueue } from "../../src/pipeline/conversion_queue.ts";
import { CONVERSION_NICENESS } from "../../src/system/low_priority.ts";
import { runProcess } from "../../src/convert/process_runner.ts";
import { convertInWorker } from "../../src/convert/convert_in_worker.ts";
import { memoryLogger } from "../../src/log.ts";
import { makeCapture } from "../convert/fake_meters.ts";
import { haveSharedPcaps } from "../pcap/shared_pcaps.ts";

/** Writes a header-only output and remembers the jobs it was given. */
class RecordingConverter implements Converter {
  readonly name = "builtin" as const;
  readonly jobs: ConvertJob[] = [];
  async convert(job: ConvertJob): Promise<ConvertOutcome> {
    this.jobs.push(job);
    await Deno.writeTextFile(job.output, "a,b\n");
    return { flows: 0, elapsedMs: 0 };
  }
}

Deno.test({
  name: "the queue converts at CONVERSION_NICENESS (10) unless told otherwise",
  ignore: !haveSharedPcaps,
}, async () => {
  const root = await Deno.makeTempDir({ prefix: "priority_test_" });
  try {
    await Deno.mkdir(`${root}/csv`);
    const pcap = await makeCapture(root, "capture_20261123_101500.pcap");
    for (const [niceness, want] of [[undefined, 10], [5, 5]] as const) {
      const converter = new RecordingConverter();
      const queue = new ConversionQueue({
        converter,
        workers: 1,
        retries: 0,
        retryDelayMs: 10,
        timeoutMs: 10_000,
        flowTableDir: `${root}/csv`,
        reportsDir: `${root}/reports`,
        failedDir: `${root}/failed`,
        log: memoryLogger(),
        niceness,
      });
      queue.enqueue(pcap);
      await queue.drain(10_000);
      assert.equal(converter.jobs.length, 1);
      assert.equal(converter.jobs[0].niceness, want);
      await Deno.remove(`${root}/csv/capture_20261123_101500.csv`);
    }
    assert.equal(CONVERSION_NICENESS, 10);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an external meter's process runs at the niceness it was given", async () => {
  // The shell waits, so the niceness set right after the start is in place when it looks.
  const r = await runProcess("sh", {
    args: ["-c", "sleep 0.3; cut -d' ' -f19 /proc/$$/stat"],
    niceness: 10,
    timeoutMs: 10_000,
  });
  assert.equal(r.code, 0);
  assert.equal(r.stdoutTail.trim(), "10");
  const normal = await runProcess("sh", { args: ["-c", "cut -d' ' -f19 /proc/$$/stat"], timeoutMs: 10_000 });
  assert.equal(normal.stdoutTail.trim(), "0");
});

/** Niceness of each thread of this process, by thread name. */
function threadNiceness(): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of Deno.readDirSync("/proc/self/task")) {
    try {
      const stat = Deno.readTextFileSync(`/proc/self/task/${t.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      out.set(`${name}/${t.name}`, Number(fields[16]));
    } catch { /* the thread ended */ }
  }
  return out;
}

Deno.test({
  name: "the builtin meter lowers its worker thread only, not the main thread",
  ignore: !haveSharedPcaps,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "priority_test_" });
  const seen = new Set<string>();
  const poll = setInterval(() => {
    for (const [thread, nice] of threadNiceness()) if (nice === 10) seen.add(thread);
  }, 1);
  try {
    // A capture big enough that the conversion outlasts a few polls.
    const pcap = await makeCapture(dir, "a.pcap");
    const big = new Uint8Array(await Deno.readFile(pcap));
    const header = big.subarray(0, 24), body = big.subarray(24);
    const copies = 400;
    const out = new Uint8Array(24 + body.length * copies);
    out.set(header);
    for (let i = 0; i < copies; i++) out.set(body, 24 + i * body.length);
    await Deno.writeFile(`${dir}/big.pcap`, out);
    await convertInWorker({ input: `${dir}/big.pcap`, output: `${dir}/big.csv`, options: {}, niceness: 10 });
  } finally {
    clearInterval(poll);
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok([...seen].some((t) => t.startsWith("worker")), `threads seen at nice 10: ${[...seen]}`);
  assert.equal(threadNiceness().get(`deno/${Deno.pid}`) ?? threadNiceness().get(`main/${Deno.pid}`), 0);
});
