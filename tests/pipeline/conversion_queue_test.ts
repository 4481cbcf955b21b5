import assert from "node:assert/strict";
import { CicflowmeterConverter } from "../../src/convert/cicflowmeter.ts";
import {
  type Converter,
  ConvertError,
  type ConvertJob,
  type ConvertOutcome,
} from "../../src/convert/converter.ts";
import { memoryLogger } from "../../src/log.ts";
import { ConversionQueue, type QueueOptions } from "../../src/pipeline/conversion_queue.ts";
import { listDir, makeCapture, SAMPLE_PCAP, withFakeMeters } from "../convert/fake_meters.ts";

interface Dirs {
  root: string;
  pcaps: string;
  csv: string;
  reports: string;
  failed: string;
}

async function withDirs(fn: (d: Dirs) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "queue_test_" });
  const d = {
    root,
    pcaps: `${root}/pcaps`,
    csv: `${root}/csv`,
    reports: `${root}/reports`,
    failed: `${root}/failed`,
  };
  for (const dir of [d.pcaps, d.csv, d.reports]) await Deno.mkdir(dir, { recursive: true });
  try {
    await withFakeMeters(() => fn(d));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function queueFor(d: Dirs, converter: Converter, extra: Partial<QueueOptions> = {}) {
  const log = memoryLogger();
  const queue = new ConversionQueue({
    converter,
    workers: 2,
    retries: 2,
    retryDelayMs: 20,
    timeoutMs: 60_000,
    flowTableDir: d.csv,
    reportsDir: d.reports,
    failedDir: d.failed,
    log,
    ...extra,
  });
  return { queue, log };
}

Deno.test("flowTablePathFor maps pcaps/capture_X.pcap to csv/capture_X.csv (or the converter's extension)", async () => {
  await withDirs((d) => {
    const { queue } = queueFor(d, new CicflowmeterConverter());
    assert.equal(
      queue.flowTablePathFor(`${d.pcaps}/capture_20261123_101500.pcap`),
      `${d.csv}/capture_20261123_101500.csv`,
    );
    const { queue: json } = queueFor(d, {
      name: "nexusflowmeter",
      outputExtension: ".json",
      convert: () => Promise.reject(),
    });
    assert.equal(json.flowTablePathFor("x/capture_1.pcap"), `${d.csv}/capture_1.json`);
    return Promise.resolve();
  });
});

Deno.test("a good pcap is converted once: CSV with header, counted, onConverted called", async () => {
  await withDirs(async (d) => {
    const pcap = await makeCapture(d.pcaps, "capture_20261123_101500.pcap");
    const converted: [string, string, ConvertOutcome][] = [];
    const { queue, log } = queueFor(d, new CicflowmeterConverter(), {
      onConverted: (p, c, o) => converted.push([p, c, o]),
    });
    assert.equal(queue.enqueue(pcap), true);
    assert.equal(await queue.drain(20_000), true);
    const csv = `${d.csv}/capture_20261123_101500.csv`;
    assert.ok((await Deno.readTextFile(csv)).startsWith("src_ip,dst_ip,src_port,"));
    assert.deepEqual(queue.stats, { converted: 1, failed: 0, retries: 0 });
    assert.equal(converted.length, 1);
    assert.deepEqual(converted[0].slice(0, 2), [pcap, csv]);
    assert.equal(converted[0][2].flows, 5, "the sample capture holds 5 flows");
    assert.ok(
      log.lines.some((l) => /^INFO capture_20261123_101500\.pcap converted .*5 flows/.test(l)),
      log.lines.join("\n"),
    );
    // Done pcaps are never converted again.
    assert.equal(queue.enqueue(pcap), false);
    assert.deepEqual(await listDir(d.pcaps), ["capture_20261123_101500.pcap"]);
  });
});

Deno.test("a hanging meter is killed at the timeout, retried, then moved to failed/ with a .reason", async () => {
  await withDirs(async (d) => {
    const pcap = await makeCapture(d.pcaps, "capture_hang.pcap");
    const failed: string[] = [];
    const { queue } = queueFor(d, new CicflowmeterConverter({ graceMs: 300 }), {
      retries: 1,
      timeoutMs: 400,
      onFailed: (p, r) => failed.push(`${p}: ${r}`),
    });
    queue.enqueue(pcap);
    assert.equal(await queue.drain(20_000), true);
    assert.deepEqual(queue.stats, { converted: 0, failed: 1, retries: 1 });
    assert.deepEqual(await listDir(d.pcaps), []);
    assert.deepEqual(await listDir(d.failed), ["capture_hang.pcap", "capture_hang.pcap.reason"]);
    const reason = await Deno.readTextFile(`${d.failed}/capture_hang.pcap.reason`);
    assert.match(reason, /reason: cicflowmeter timed out after 0\.4 s \(killed\)/);
    assert.match(reason, /attempts: 2/);
    assert.match(reason, /failed at: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    assert.deepEqual(queue.failures, [{ pcap, reason: "cicflowmeter timed out after 0.4 s (killed)" }]);
    assert.equal(failed.length, 1);
    assert.deepEqual(await listDir(d.csv), []);
  });
});

Deno.test("a meter exiting 1 is retried `retries` times, then failed/ keeps the pcap and the stderr tail", async () => {
  await withDirs(async (d) => {
    const pcap = await makeCapture(d.pcaps, "capture_fail.pcap");
    const { queue, log } = queueFor(d, new CicflowmeterConverter(), { retries: 3 });
    queue.enqueue(pcap);
    assert.equal(await queue.drain(20_000), true);
    assert.deepEqual(queue.stats, { converted: 0, failed: 1, retries: 3 });
    assert.equal(
      log.lines.filter((l) => l.startsWith("WARNING capture_fail.pcap conversion failed")).length,
      3,
    );
    const reason = await Deno.readTextFile(`${d.failed}/capture_fail.pcap.reason`);
    assert.match(reason, /reason: capture_fail\.pcap: cicflowmeter exited with code 1/);
    assert.match(reason, /attempts: 4/);
    assert.match(reason, /stderr: Traceback[\s\S]*ModuleNotFoundError/);
    // The pcap in failed/ is the original capture, byte for byte.
    assert.deepEqual(await Deno.readFile(`${d.failed}/capture_fail.pcap`), await Deno.readFile(SAMPLE_PCAP));
  });
});

Deno.test("a meter that exits 0 but writes nothing fails; one that dies mid-file leaves no CSV", async () => {
  await withDirs(async (d) => {
    const empty = await makeCapture(d.pcaps, "capture_empty.pcap");
    const half = await makeCapture(d.pcaps, "capture_half.pcap");
    const { queue } = queueFor(d, new CicflowmeterConverter(), { retries: 1 });
    queue.enqueue(empty);
    queue.enqueue(half);
    assert.equal(await queue.drain(20_000), true);
    assert.equal(queue.stats.failed, 2);
    const reasons = Object.fromEntries(queue.failures.map((f) => [f.pcap, f.reason]));
    assert.match(reasons[empty], /Error processing capture_empty\.pcap/);
    assert.match(reasons[half], /killed by SIGKILL/);
    assert.deepEqual(await listDir(d.csv), []);
    assert.deepEqual(await listDir(d.failed), [
      "capture_empty.pcap",
      "capture_empty.pcap.reason",
      "capture_half.pcap",
      "capture_half.pcap.reason",
    ]);
  });
});

Deno.test("a meter failing once is retried and then converted", async () => {
  await withDirs(async (d) => {
    const pcap = await makeCapture(d.pcaps, "capture_flaky.pcap");
    const { queue } = queueFor(d, new CicflowmeterConverter());
    queue.enqueue(pcap);
    assert.equal(await queue.drain(20_000), true);
    assert.deepEqual(queue.stats, { converted: 1, failed: 0, retries: 1 });
    assert.deepEqual(await listDir(d.csv), ["capture_flaky.csv"]);
  });
});

/** A converter whose conversions finish when the test says so; counts overlaps. */
class GatedConverter implements Converter {
  readonly name = "builtin" as const;
  calls: string[] = [];
  running = new Map<string, number>();
  maxConcurrent = 0;
  maxSamePcap = 0;
  #release: (() => void)[] = [];

  convert(job: ConvertJob): Promise<ConvertOutcome> {
    this.calls.push(job.input);
    const same = (this.running.get(job.input) ?? 0) + 1;
    this.running.set(job.input, same);
    this.maxSamePcap = Math.max(this.maxSamePcap, same);
    const total = [...this.running.values()].reduce((a, b) => a + b, 0);
    this.maxConcurrent = Math.max(this.maxConcurrent, total);
    return new Promise((resolve, reject) => {
      const finish = () => {
        this.running.set(job.input, this.running.get(job.input)! - 1);
        job.signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        finish();
        reject(new ConvertError("aborted"));
      };
      job.signal.addEventListener("abort", onAbort, { once: true });
      this.#release.push(async () => {
        finish();
        await Deno.writeTextFile(job.output, "a,b\n1,2\n");
        resolve({ flows: 1, elapsedMs: 1 });
      });
    });
  }

  /** Lets every pending conversion finish. */
  releaseAll(): void {
    for (const r of this.#release.splice(0)) r();
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("the same pcap enqueued twice is converted once, never concurrently", async () => {
  await withDirs(async (d) => {
    const pcap = await makeCapture(d.pcaps, "capture_1.pcap");
    const gated = new GatedConverter();
    const { queue } = queueFor(d, gated, { workers: 4 });
    assert.equal(queue.enqueue(pcap), true);
    assert.equal(queue.enqueue(pcap), false, "refused while waiting");
    await until(() => gated.calls.length === 1);
    assert.equal(queue.enqueue(pcap), false, "refused while running");
    assert.equal(queue.running, 1);
    gated.releaseAll();
    assert.equal(await queue.drain(5000), true);
    assert.equal(queue.enqueue(pcap), false, "refused once done");
    assert.deepEqual(gated.calls, [pcap]);
    assert.equal(gated.maxSamePcap, 1);
  });
});

Deno.test("no more than `workers` conversions run at once; depth counts the waiting ones", async () => {
  await withDirs(async (d) => {
    const gated = new GatedConverter();
    const { queue } = queueFor(d, gated, { workers: 2 });
    for (let i = 1; i <= 5; i++) queue.enqueue(await makeCapture(d.pcaps, `capture_${i}.pcap`));
    await until(() => gated.calls.length === 2);
    assert.equal(queue.running, 2);
    assert.equal(queue.depth, 3);
    assert.equal(await queue.drain(50), false, "drain times out while work is pending");
    while (gated.calls.length < 5 || queue.running > 0) {
      gated.releaseAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(await queue.drain(5000), true);
    assert.equal(gated.maxConcurrent, 2);
    assert.equal(queue.stats.converted, 5);
  });
});

Deno.test("a pcap whose output already exists is not converted again", async () => {
  await withDirs(async (d) => {
    const pcap = await makeCapture(d.pcaps, "capture_7.pcap");
    await Deno.writeTextFile(`${d.csv}/capture_7.csv`, "a\n1\n");
    const gated = new GatedConverter();
    const { queue } = queueFor(d, gated);
    queue.enqueue(pcap);
    assert.equal(await queue.drain(5000), true);
    assert.deepEqual(gated.calls, []);
    assert.equal(await Deno.readTextFile(`${d.csv}/capture_7.csv`), "a\n1\n");
  });
});

Deno.test("a permanent error is not retried", async () => {
  await withDirs(async (d) => {
    const pcap = await makeCapture(d.pcaps, "capture_8.pcap");
    let calls = 0;
    const { queue } = queueFor(d, {
      name: "builtin",
      convert: () => {
        calls++;
        return Promise.reject(new ConvertError("capture_8.pcap: not a pcap or pcapng file", true));
      },
    }, { retries: 3 });
    queue.enqueue(pcap);
    assert.equal(await queue.drain(5000), true);
    assert.equal(calls, 1);
    assert.deepEqual(queue.stats, { converted: 0, failed: 1, retries: 0 });
    assert.deepEqual(await listDir(d.failed), ["capture_8.pcap", "capture_8.pcap.reason"]);
  });
});

Deno.test("abort stops a running conversion without output or failure, and leaves waiting pcaps on disk", async () => {
  await withDirs(async (d) => {
    const hang = await makeCapture(d.pcaps, "capture_hang.pcap");
    const waiting = await makeCapture(d.pcaps, "capture_2.pcap");
    const { queue } = queueFor(d, new CicflowmeterConverter({ graceMs: 300 }), { workers: 1 });
    queue.enqueue(hang);
    queue.enqueue(waiting);
    await until(() => queue.running === 1);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await queue.abort();
    assert.ok(Date.now() - started < 10_000);
    assert.equal(queue.running, 0);
    assert.equal(queue.depth, 0);
    assert.deepEqual(queue.stats, { converted: 0, failed: 0, retries: 0 });
    assert.deepEqual(await listDir(d.csv), []);
    assert.deepEqual(await listDir(d.pcaps), ["capture_2.pcap", "capture_hang.pcap"]);
    assert.deepEqual(await listDir(d.failed), []);
    assert.equal(queue.enqueue(waiting), false, "nothing is accepted after abort");
    assert.equal(await queue.drain(10), true);
  });
});

Deno.test("configured modes apply to outputs, reports' directories and failed/ with its .reason", async () => {
  await withDirs(async (d) => {
    const { BuiltinConverter } = await import("../../src/convert/builtin.ts");
    const good = await makeCapture(d.pcaps, "capture_20261123_101500.pcap");
    const builtin = queueFor(d, new BuiltinConverter(), { fileMode: 0o640, dirMode: 0o750 });
    builtin.queue.enqueue(good);
    assert.equal(await builtin.queue.drain(20_000), true);
    assert.equal((await Deno.stat(`${d.csv}/capture_20261123_101500.csv`)).mode! & 0o777, 0o640);

    const external = await makeCapture(d.pcaps, "capture_20261123_101600.pcap");
    const cic = queueFor(d, new CicflowmeterConverter(), { fileMode: 0o640, dirMode: 0o750 });
    cic.queue.enqueue(external);
    assert.equal(await cic.queue.drain(20_000), true);
    assert.equal((await Deno.stat(`${d.csv}/capture_20261123_101600.csv`)).mode! & 0o777, 0o640);

    const broken = await makeCapture(d.pcaps, "capture_fail.pcap");
    const failing = queueFor(d, new CicflowmeterConverter(), { fileMode: 0o640, dirMode: 0o750, retries: 0 });
    failing.queue.enqueue(broken);
    assert.equal(await failing.queue.drain(20_000), true);
    assert.equal((await Deno.stat(d.failed)).mode! & 0o777, 0o750);
    assert.equal((await Deno.stat(`${d.failed}/capture_fail.pcap.reason`)).mode! & 0o777, 0o640);
  });
});

Deno.test("a capture damaged midway is converted up to the damage and the log warns where it broke", async () => {
  await withDirs(async (d) => {
    const { BuiltinConverter } = await import("../../src/convert/builtin.ts");
    const pcap = await makeCapture(d.pcaps, "capture_20261123_101500.pcap");
    const bytes = await Deno.readFile(pcap);
    const garbage = new Uint8Array(16).fill(0x41); // a record header whose caplen is 0x41414141
    await Deno.writeFile(pcap, new Uint8Array([...bytes, ...garbage]));
    const { queue, log } = queueFor(d, new BuiltinConverter());
    queue.enqueue(pcap);
    assert.equal(await queue.drain(20_000), true);
    assert.equal(queue.stats.converted, 1);
    const warning = log.lines.find((l) => l.startsWith("WARNING"));
    assert.match(
      warning ?? "",
      new RegExp(`capture_20261123_101500\\.pcap: damaged at byte ${bytes.length}, .*\\(16 bytes\\)`),
    );
  });
});
