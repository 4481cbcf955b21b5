import assert from "node:assert/strict";
import { CICFLOWMETER_COLUMNS, CicflowmeterConverter } from "../../src/convert/cicflowmeter.ts";
import { ConvertError } from "../../src/convert/converter.ts";
import { findExecutable, notFoundMessage } from "../../src/system/find_executable.ts";
import {
  NEXUSFLOWMETER_COLUMNS,
  nexusflowmeterArgs,
  NexusflowmeterConverter,
} from "../../src/convert/nexusflowmeter.ts";
import { PROBE_FLOWS } from "../../src/pcap/probe_capture.ts";
import {
  FAKE_METERS_DIR,
  jobFor,
  listDir,
  makeCapture,
  makeEmptyPcap,
  withFakeMeters,
  writeNonIpCapture,
} from "./fake_meters.ts";

async function withDirs(fn: (d: { pcaps: string; csv: string; reports: string }) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "meters_test_" });
  const d = { pcaps: `${root}/pcaps`, csv: `${root}/csv`, reports: `${root}/reports` };
  await Deno.mkdir(d.csv, { recursive: true });
  try {
    await withFakeMeters(() => fn(d));
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

Deno.test("findExecutable finds an executable on PATH and ignores non-executable files", async () => {
  assert.equal(
    await withFakeMeters(() => findExecutable("cicflowmeter")),
    `${FAKE_METERS_DIR}/cicflowmeter-0.5.0/cicflowmeter`,
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/cicflowmeter`, "#!/bin/sh\n", { mode: 0o644 });
    assert.equal(await findExecutable("cicflowmeter", dir), null);
    await Deno.chmod(`${dir}/cicflowmeter`, 0o755);
    assert.equal(await findExecutable("cicflowmeter", `/nonexistent:${dir}`), `${dir}/cicflowmeter`);
    assert.equal(await findExecutable("nexusflowmeter", dir), null);
    assert.equal(await findExecutable(`${dir}/cicflowmeter`, ""), `${dir}/cicflowmeter`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.match(notFoundMessage("cicflowmeter"), /pip install cicflowmeter/);
  assert.match(notFoundMessage("nexusflowmeter"), /pip install nexusflowmeter/);
});

Deno.test("nexusflowmeter command line: PCAP OUTPUT --output-format F [--flow-timeout] [--max-workers] [--verbose]", () => {
  assert.deepEqual(nexusflowmeterArgs("in.pcap", "out.csv"), [
    "in.pcap",
    "out.csv",
    "--output-format",
    "csv",
  ]);
  assert.deepEqual(
    nexusflowmeterArgs("in.pcap", "out.json", {
      outputFormat: "json",
      flowTimeout: 120,
      workers: 2,
      verbose: true,
    }),
    [
      "in.pcap",
      "out.json",
      "--output-format",
      "json",
      "--flow-timeout",
      "120",
      "--max-workers",
      "2",
      "--verbose",
    ],
  );
});

Deno.test("aborting a hanging meter stops it promptly and leaves nothing", async () => {
  await withDirs(async (d) => {
    const ac = new AbortController();
    const job = jobFor(await makeCapture(d.pcaps, "capture_hang.pcap"), d.csv, d.reports, ".csv", ac.signal);
    const started = Date.now();
    setTimeout(() => ac.abort(), 300);
    const err = await rejection(new CicflowmeterConverter({ graceMs: 500 }).convert(job));
    assert.match(err.message, /aborted/);
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(await listDir(d.csv), []);
  });
});

Deno.test("a capture without packets gets a header-only CSV without running the meter", async () => {
  await withDirs(async (d) => {
    await Deno.mkdir(d.pcaps, { recursive: true });
    const input = await makeEmptyPcap(`${d.pcaps}/capture_2.pcap`);
    const job = jobFor(input, d.csv, d.reports);
    // A meter that cannot run proves it was not run.
    const outcome = await new CicflowmeterConverter({ executable: "/nonexistent/cicflowmeter" }).convert(job);
    assert.equal(outcome.flows, 0);
    assert.equal(await Deno.readTextFile(job.output), CICFLOWMETER_COLUMNS.join(",") + "\r\n");
    const nexusJob = jobFor(input, `${d.csv}`, d.reports, ".csv");
    nexusJob.output = `${d.csv}/nexus_2.csv`;
    await new NexusflowmeterConverter({ executable: "/nonexistent/nexusflowmeter" }).convert(nexusJob);
    assert.equal(await Deno.readTextFile(nexusJob.output), NEXUSFLOWMETER_COLUMNS.join(",") + "\n");
  });
});

Deno.test("a meter missing from PATH fails with how to install it", async () => {
  await withDirs(async (d) => {
    const job = jobFor(await makeCapture(d.pcaps, "capture_3.pcap"), d.csv, d.reports);
    const path = Deno.env.get("PATH")!;
    Deno.env.set("PATH", "/nonexistent");
    try {
      const err = await rejection(new CicflowmeterConverter().convert(job));
      assert.match(err.message, /cicflowmeter not found on PATH; install it with `pip install cicflowmeter`/);
    } finally {
      Deno.env.set("PATH", path);
    }
  });
});

Deno.test("a missing input is a permanent failure naming the file", async () => {
  await withDirs(async (d) => {
    const job = jobFor(`${d.pcaps}/capture_gone.pcap`, d.csv, d.reports);
    const err = await rejection(new CicflowmeterConverter().convert(job));
    assert.equal(err.permanent, true);
    assert.match(err.message, /capture_gone\.pcap/);
  });
});

Deno.test("nexusflowmeter csv: output checked and counted, its report deleted unless reports are on", async () => {
  await withDirs(async (d) => {
    const input = await makeCapture(d.pcaps, "capture_4.pcap");
    const job = jobFor(input, d.csv, d.reports);
    const outcome = await new NexusflowmeterConverter({ flowTimeout: 120, workers: 1 }).convert(job);
    assert.equal(outcome.flows, PROBE_FLOWS);
    assert.equal((await Deno.readTextFile(job.output)).split("\n")[0], NEXUSFLOWMETER_COLUMNS.join(","));
    assert.deepEqual(await listDir(d.csv), ["capture_4.csv"]);
    assert.deepEqual(await listDir(d.reports), []);

    await new NexusflowmeterConverter({ reports: true }).convert(job);
    assert.deepEqual(await listDir(d.reports), ["capture_4_flow_report.txt"]);
    assert.match(await Deno.readTextFile(`${d.reports}/capture_4_flow_report.txt`), /capture_4\.pcap/);
  });
});

Deno.test("nexusflowmeter json and xlsx: the output has the format's extension", async () => {
  await withDirs(async (d) => {
    const input = await makeCapture(d.pcaps, "capture_5.pcap");
    const json = new NexusflowmeterConverter({ outputFormat: "json" });
    assert.equal(json.outputExtension, ".json");
    const outcome = await json.convert(jobFor(input, d.csv, d.reports, ".json"));
    assert.equal(outcome.flows, PROBE_FLOWS);
    const xlsx = new NexusflowmeterConverter({ outputFormat: "xlsx" });
    const x = await xlsx.convert(jobFor(input, d.csv, d.reports, ".xlsx"));
    assert.equal(x.flows, 0);
    assert.match(x.detail ?? "", /not counted/);
    assert.deepEqual(await listDir(d.csv), ["capture_5.json", "capture_5.xlsx"]);
    const err = await rejection(json.convert(jobFor(input, d.csv, d.reports, ".csv")));
    assert.equal(err.permanent, true);
  });
});

Deno.test("nexusflowmeter on a file that is not a capture: exit 1, its stdout error quoted, nothing written", async () => {
  await withDirs(async (d) => {
    await Deno.mkdir(d.pcaps, { recursive: true });
    await Deno.writeTextFile(`${d.pcaps}/capture_6.pcap`, "not a capture at all\n");
    const job = jobFor(`${d.pcaps}/capture_6.pcap`, d.csv, d.reports);
    const err = await rejection(new NexusflowmeterConverter().convert(job));
    assert.match(
      err.message,
      /capture_6\.pcap: nexusflowmeter exited with code 1: Error reading PCAP file .*Not a supported/,
    );
    assert.match(err.detail, /stdout: .*Error reading PCAP file .*Not a supported capture file/s);
    assert.deepEqual(await listDir(d.csv), []);
  });
});

Deno.test("nexusflowmeter on a capture without flows (exit 1, KeyError 'total_bytes'): header-only CSV, [] JSON", async () => {
  await withDirs(async (d) => {
    await Deno.mkdir(d.pcaps, { recursive: true });
    const input = await writeNonIpCapture(`${d.pcaps}/capture_7.pcap`);
    const csv = await new NexusflowmeterConverter().convert(jobFor(input, d.csv, d.reports));
    assert.equal(csv.flows, 0);
    assert.equal(await Deno.readTextFile(`${d.csv}/capture_7.csv`), NEXUSFLOWMETER_COLUMNS.join(",") + "\n");
    await new NexusflowmeterConverter({ outputFormat: "json" }).convert(
      jobFor(input, d.csv, d.reports, ".json"),
    );
    assert.equal(await Deno.readTextFile(`${d.csv}/capture_7.json`), "[]");
    const err = await rejection(
      new NexusflowmeterConverter({ outputFormat: "xlsx" }).convert(jobFor(input, d.csv, d.reports, ".xlsx")),
    );
    assert.match(err.message, /found no flow and writes no xlsx file/);
    assert.equal(err.permanent, true);
  });
});

Deno.test("output check: header-only is 0 rows; a cut last row, a missing header or bad JSON fail", async () => {
  const { checkOutput } = await import("../../src/convert/external_meter.ts");
  const dir = await Deno.makeTempDir();
  try {
    const write = (name: string, text: string) =>
      Deno.writeTextFile(`${dir}/${name}`, text).then(() => `${dir}/${name}`);
    assert.equal(await checkOutput(await write("a.csv", "a,b\r\n"), "csv", "t"), 0);
    assert.equal(await checkOutput(await write("b.csv", "a,b\n1,2\n\n3,4\n"), "csv", "t"), 2);
    await assert.rejects(
      () => checkOutput(`${dir}/b.csv`.replace("b.csv", "c.csv"), "csv", "t"),
      /no output file/,
    );
    await assert.rejects(async () => checkOutput(await write("d.csv", "a,b\n1,"), "csv", "t"), /incomplete/);
    await assert.rejects(
      async () => checkOutput(await write("e.csv", "\n1,2\n"), "csv", "t"),
      /without a header/,
    );
    await assert.rejects(async () => checkOutput(await write("f.csv", ""), "csv", "t"), /empty output/);
    await assert.rejects(
      async () => checkOutput(await write("g.json", '{"a":1}'), "json", "t"),
      /not an array/,
    );
    await assert.rejects(async () => checkOutput(await write("h.json", "[{"), "json", "t"), /invalid JSON/);
    await assert.rejects(async () => checkOutput(await write("i.xlsx", "not a zip"), "xlsx", "t"), /ZIP/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
