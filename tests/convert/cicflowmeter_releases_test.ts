/**
 * The cicflowmeter converter against the stand-in of each real release
 * (testdata/fake-meters/cicflowmeter-*): 0.5.0 is driven with -d (its -f
 * crashes), 0.4.2 with -f; both print errors and exit 0, and write a 0-byte
 * CSV for a capture without flows.
 */
import assert from "node:assert/strict";
import {
  CICFLOWMETER_COLUMNS,
  cicflowmeterArgs,
  CicflowmeterConverter,
  identifyCicflowmeter,
} from "../../src/convert/cicflowmeter.ts";
import { ConvertError } from "../../src/convert/converter.ts";
import { runProcess } from "../../src/convert/process_runner.ts";
import { PROBE_FLOWS } from "../../src/pcap/probe_capture.ts";
import {
  CICFLOWMETER_RELEASES,
  FAKE_METERS_DIR,
  jobFor,
  listDir,
  makeCapture,
  withFakeMeters,
  writeNonIpCapture,
} from "./fake_meters.ts";

type Dirs = { pcaps: string; csv: string; reports: string };

async function withDirs(release: string, fn: (d: Dirs) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "cicflowmeter_test_" });
  const d = { pcaps: `${root}/pcaps`, csv: `${root}/csv`, reports: `${root}/reports` };
  await Deno.mkdir(d.csv, { recursive: true });
  await Deno.mkdir(d.pcaps, { recursive: true });
  try {
    await withFakeMeters(() => fn(d), { cicflowmeter: release });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function rejection(p: Promise<unknown>): Promise<ConvertError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConvertError, `expected a ConvertError, got ${err}`);
    return err;
  }
  assert.fail("expected the conversion to fail");
}

Deno.test("cicflowmeter command line per mode: the output is the positional argument after the options", () => {
  assert.deepEqual(cicflowmeterArgs("file", "in.pcap", "out.csv"), ["-f", "in.pcap", "-c", "out.csv"]);
  assert.deepEqual(
    cicflowmeterArgs("directory", "tmp/in", "tmp/out", { fields: ["src_ip", "dst_port"], verbose: true }),
    ["-d", "tmp/in", "-c", "--fields", "src_ip,dst_port", "-v", "tmp/out"],
  );
});

Deno.test("the 0.5.0 stand-in keeps the real release's fault: -f crashes (exit 1), --fields trips the assertion", async () => {
  const meter = `${FAKE_METERS_DIR}/cicflowmeter-0.5.0/cicflowmeter`;
  const dir = await Deno.makeTempDir();
  try {
    await makeCapture(dir, "c.pcap");
    const plain = await runProcess(meter, { args: ["-f", `${dir}/c.pcap`, "-c", `${dir}/o.csv`] });
    assert.equal(plain.code, 1);
    assert.match(plain.stderrTail, /AttributeError: 'bool' object has no attribute 'split'\s*$/);
    const fields = await runProcess(meter, {
      args: ["-f", `${dir}/c.pcap`, "-c", "--fields", "src_ip", `${dir}/o.csv`],
    });
    assert.match(fields.stderrTail, /AssertionError: Provide exactly one/);
    const missing = await runProcess(meter, { args: ["-d", `${dir}/nope`, "-c", `${dir}/out`] });
    assert.equal(missing.code, 0);
    assert.equal(missing.stdoutTail.trim(), `Error: Input directory '${dir}/nope' does not exist`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const release of CICFLOWMETER_RELEASES) {
  const expectedMode = release === "0.5.0" ? "directory" : "file";

  Deno.test(`cicflowmeter ${release}: --help picks the ${expectedMode} mode`, async () => {
    await withDirs(release, async () => {
      const cli = await identifyCicflowmeter();
      assert.equal(cli.mode, expectedMode);
      assert.equal(cli.path, `${FAKE_METERS_DIR}/cicflowmeter-${release}/cicflowmeter`);
    });
  });

  Deno.test(`cicflowmeter ${release}: real flow rows under the final name, 82 columns, 0600, no temp left`, async () => {
    await withDirs(release, async (d) => {
      const input = await makeCapture(d.pcaps, "capture_20261123_101500.pcap");
      const job = jobFor(input, d.csv, d.reports);
      const outcome = await new CicflowmeterConverter().convert(job);
      assert.equal(outcome.flows, PROBE_FLOWS);
      const lines = (await Deno.readTextFile(job.output)).split("\r\n");
      assert.deepEqual(lines[0].split(","), [...CICFLOWMETER_COLUMNS]);
      assert.deepEqual(lines[1].split(",").slice(0, 5), ["10.99.0.1", "10.99.0.2", "40001", "80", "6"]);
      assert.deepEqual(await listDir(d.csv), ["capture_20261123_101500.csv"]);
      assert.deepEqual(await listDir(d.pcaps), ["capture_20261123_101500.pcap"], "the input is untouched");
      assert.equal((await Deno.stat(job.output)).mode! & 0o777, 0o600);
    });
  });

  Deno.test(`cicflowmeter ${release}: --fields reaches the tool (its own column order)`, async () => {
    await withDirs(release, async (d) => {
      const job = jobFor(await makeCapture(d.pcaps, "capture_1.pcap"), d.csv, d.reports);
      await new CicflowmeterConverter({ fields: ["flow_duration", "src_ip", "dst_port"], verbose: true })
        .convert(job);
      assert.equal((await Deno.readTextFile(job.output)).split("\r\n")[0], "src_ip,dst_port,flow_duration");
    });
  });

  Deno.test(`cicflowmeter ${release}: a capture without IPv4 TCP/UDP (0-byte CSV, exit 0) is "no flows": header only`, async () => {
    await withDirs(release, async (d) => {
      const input = await writeNonIpCapture(`${d.pcaps}/capture_2.pcap`);
      const outcome = await new CicflowmeterConverter().convert(jobFor(input, d.csv, d.reports));
      assert.equal(outcome.flows, 0);
      assert.match(outcome.detail ?? "", /found no flow/);
      assert.equal(
        await Deno.readTextFile(`${d.csv}/capture_2.csv`),
        CICFLOWMETER_COLUMNS.join(",") + "\r\n",
      );
      // With --fields, the header-only CSV has the header the meter would have written.
      await Deno.mkdir(`${d.csv}/fields`);
      await new CicflowmeterConverter({ fields: ["dst_port", "nosuch", "src_ip"] })
        .convert(jobFor(input, `${d.csv}/fields`, d.reports));
      assert.equal(await Deno.readTextFile(`${d.csv}/fields/capture_2.csv`), "src_ip,dst_port\r\n");
    });
  });

  Deno.test(`cicflowmeter ${release}: an unreadable capture (traceback, exit 0, 0-byte CSV) fails with its exception`, async () => {
    await withDirs(release, async (d) => {
      await Deno.writeTextFile(`${d.pcaps}/capture_3.pcap`, "not a capture\n");
      const job = jobFor(`${d.pcaps}/capture_3.pcap`, d.csv, d.reports);
      const err = await rejection(new CicflowmeterConverter().convert(job));
      assert.match(
        err.message,
        /^capture_3\.pcap: cicflowmeter reported an error \(exit code 0\): scapy\.error\.Scapy_Exception: Not a supported capture file$/,
      );
      assert.deepEqual(await listDir(d.csv), []);
    });
  });

  Deno.test(`cicflowmeter ${release}: a broken install (import error, exit 1) fails with the exception line`, async () => {
    await withDirs(release, async (d) => {
      const job = jobFor(await makeCapture(d.pcaps, "capture_fail.pcap"), d.csv, d.reports);
      const err = await rejection(new CicflowmeterConverter().convert(job));
      assert.match(
        err.message,
        /capture_fail\.pcap: cicflowmeter exited with code 1: ModuleNotFoundError: No module named 'scipy'/,
      );
      assert.equal(err.permanent, false);
      assert.deepEqual(await listDir(d.csv), []);
    });
  });

  Deno.test(`cicflowmeter ${release}: exiting 0 without a CSV is a failure, not a success`, async () => {
    await withDirs(release, async (d) => {
      const job = jobFor(await makeCapture(d.pcaps, "capture_empty.pcap"), d.csv, d.reports);
      const err = await rejection(new CicflowmeterConverter().convert(job));
      assert.match(
        err.message,
        release === "0.5.0" ? /reported an error .*No space left/ : /wrote no output file/,
      );
      assert.deepEqual(await listDir(d.csv), []);
    });
  });

  Deno.test(`cicflowmeter ${release}: dying mid-row leaves no file under the final name`, async () => {
    await withDirs(release, async (d) => {
      const job = jobFor(await makeCapture(d.pcaps, "capture_half.pcap"), d.csv, d.reports);
      const err = await rejection(new CicflowmeterConverter().convert(job));
      assert.match(err.message, /killed by SIGKILL|exited with code 137/);
      assert.deepEqual(await listDir(d.csv), []);
    });
  });
}

Deno.test("cicflowmeter: --help is asked once per converter, not once per capture", async () => {
  await withDirs("0.5.0", async (d) => {
    const converter = new CicflowmeterConverter();
    const first = converter.identify();
    await converter.convert(jobFor(await makeCapture(d.pcaps, "capture_8.pcap"), d.csv, d.reports));
    assert.equal(converter.identify(), first);
  });
});
