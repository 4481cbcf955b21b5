import assert from "node:assert/strict";
import { CicflowmeterConverter } from "../../src/convert/cicflowmeter.ts";
import { ConvertError, type ConvertJob } from "../../src/convert/converter.ts";
import { checkMeter, MeterCheckError } from "../../src/convert/meter_check.ts";
import { installedVersion, meterErrorLine, reportedError } from "../../src/convert/meter_cli.ts";
import { NexusflowmeterConverter } from "../../src/convert/nexusflowmeter.ts";
import { RepeatedErrorWatch } from "../../src/convert/repeated_errors.ts";
import { memoryLogger } from "../../src/log.ts";
import { PROBE_FLOWS } from "../../src/pcap/probe_capture.ts";
import {
  BROKEN_CICFLOWMETER,
  CICFLOWMETER_RELEASES,
  FAKE_METERS_DIR,
  listDir,
  withFakeMeters,
} from "./fake_meters.ts";

async function inTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "meter_check_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const release of CICFLOWMETER_RELEASES) {
  Deno.test(`meter check: cicflowmeter ${release} finds the ${PROBE_FLOWS} flows of the test capture, leaves nothing`, async () => {
    await inTempDir(async (dir) => {
      const result = await withFakeMeters(() => checkMeter(new CicflowmeterConverter(), dir), {
        cicflowmeter: release,
      });
      assert.equal(result.flows, PROBE_FLOWS);
      assert.equal(result.identity.path, `${FAKE_METERS_DIR}/cicflowmeter-${release}/cicflowmeter`);
      assert.deepEqual(await listDir(dir), []);
    });
  });
}

Deno.test("meter check: nexusflowmeter 0.1.5 passes", async () => {
  await inTempDir(async (dir) => {
    const result = await withFakeMeters(() => checkMeter(new NexusflowmeterConverter(), dir));
    assert.equal(result.flows, PROBE_FLOWS);
  });
});

Deno.test("meter check: a meter writing 0-byte CSVs for real flows (0.3.0 on scapy 2.5) is refused, with what to do", async () => {
  await inTempDir(async (dir) => {
    const err = await withFakeMeters(
      () => checkMeter(new CicflowmeterConverter(), dir).then(() => undefined, (e) => e),
      { cicflowmeter: BROKEN_CICFLOWMETER },
    );
    assert.ok(err instanceof MeterCheckError, String(err));
    const path = `${FAKE_METERS_DIR}/cicflowmeter-${BROKEN_CICFLOWMETER}/cicflowmeter`;
    assert.ok(
      err.message.startsWith(`cicflowmeter (${path}, version unknown), run as \`cicflowmeter -f FILE`),
    );
    assert.match(err.message, /failed on a test capture of 5 TCP\/UDP flows, so every capture would fail: /);
    assert.match(err.message, /it wrote no flow row/);
    assert.match(err.message, /pcap-pipeline builtin/);
    assert.match(err.message, /--no-meter-check/);
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("meter check: a broken install is refused with the first line of its error", async () => {
  await inTempDir(async (dir) => {
    Deno.env.set("FAKE_METER_MODE", "fail");
    try {
      const err = await withFakeMeters(() =>
        checkMeter(new CicflowmeterConverter(), dir).then(() => undefined, (e) => e)
      );
      assert.ok(err instanceof MeterCheckError, String(err));
      assert.match(err.message, /run as `cicflowmeter -d DIR -c OUTDIR`/);
      assert.match(
        err.message,
        /would fail: cicflowmeter exited with code 1: ModuleNotFoundError: No module named 'scipy'\. /,
      );
    } finally {
      Deno.env.delete("FAKE_METER_MODE");
    }
  });
});

Deno.test("meter check: a program that is not cicflowmeter is named with what its --help said", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/cicflowmeter`,
      "#!/bin/sh\necho 'cicflowmeter: command not found' >&2\nexit 127\n",
      {
        mode: 0o755,
      },
    );
    const work = `${dir}/work`;
    await Deno.mkdir(work);
    const err = await checkMeter(new CicflowmeterConverter({ executable: `${dir}/cicflowmeter` }), work)
      .then(() => undefined, (e) => e);
    assert.ok(err instanceof MeterCheckError);
    assert.match(err.message, /--help exited with code 127 .*cicflowmeter: command not found/);
  });
});

Deno.test("error lines: stdout errors first, else the exception ending a traceback; tcpdump chatter is not an error", () => {
  const traceback =
    "Traceback (most recent call last):\n  File \"x\", line 1\n    boom()\nAttributeError: 'bool' object has no attribute 'split'\n";
  assert.equal(reportedError("", traceback), "AttributeError: 'bool' object has no attribute 'split'");
  assert.equal(
    reportedError("Found 1\nError processing a.pcap: x\n", traceback),
    "Error processing a.pcap: x",
  );
  assert.equal(
    reportedError("Completed a.pcap\n", "reading from file a.pcap, link-type EN10MB\n"),
    undefined,
  );
  assert.equal(
    meterErrorLine("", "reading from file a.pcap\ntcpdump: truncated dump file\n"),
    "tcpdump: truncated dump file",
  );
  assert.equal(
    reportedError(
      "",
      "Exception in thread AsyncSniffer:\nTraceback (most recent call last):\nscapy.error.Scapy_Exception: Not a supported capture file\n",
    ),
    "scapy.error.Scapy_Exception: Not a supported capture file",
  );
});

Deno.test("repeated errors: the same failure on 3 consecutive captures is logged once as an error; a success resets", async () => {
  const log = memoryLogger();
  let fail = true;
  const inner = {
    name: "cicflowmeter" as const,
    convert(job: ConvertJob) {
      const name = job.input.slice(job.input.lastIndexOf("/") + 1);
      return fail
        ? Promise.reject(new ConvertError(`${name}: cicflowmeter exited with code 1: ModuleNotFoundError: x`))
        : Promise.resolve({ flows: 1, elapsedMs: 1 });
    },
  };
  const watch = new RepeatedErrorWatch(inner, log);
  const job = (n: number): ConvertJob => ({
    input: `/d/pcaps/capture_${n}.pcap`,
    output: `/d/csv/capture_${n}.csv`,
    reportsDir: "/d/reports",
    signal: new AbortController().signal,
  });
  const errors = () => log.lines.filter((l) => l.startsWith("ERROR"));
  for (const n of [1, 1, 2]) await assert.rejects(watch.convert(job(n)));
  assert.deepEqual(errors(), [], "two captures (one retried) are not yet a pattern");
  for (const n of [3, 4, 5]) await assert.rejects(watch.convert(job(n)));
  assert.deepEqual(errors(), [
    "ERROR cicflowmeter fails the same way on every capture (3 in a row): cicflowmeter exited with code 1: " +
    "ModuleNotFoundError: x. Their pcaps go to failed/; fix the meter or use the built-in one (pcap-pipeline builtin).",
  ]);
  fail = false;
  await watch.convert(job(6));
  fail = true;
  for (const n of [7, 8, 9]) await assert.rejects(watch.convert(job(n)));
  assert.equal(errors().length, 2, "logged again after a success");
});

Deno.test("installedVersion reads the version from the dist-info of the program's environment", async () => {
  await inTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/venv/bin`, { recursive: true });
    await Deno.mkdir(`${dir}/venv/lib/python3.12/site-packages/cicflowmeter-0.5.0.dist-info`, {
      recursive: true,
    });
    await Deno.mkdir(`${dir}/venv/lib/python3.12/site-packages/scapy-2.6.1.dist-info`, { recursive: true });
    await Deno.writeTextFile(`${dir}/venv/bin/cicflowmeter`, "#!/bin/sh\n", { mode: 0o755 });
    assert.equal(await installedVersion(`${dir}/venv/bin/cicflowmeter`, "cicflowmeter"), "0.5.0");
    assert.equal(await installedVersion(`${dir}/venv/bin/cicflowmeter`, "nexusflowmeter"), undefined);
    assert.equal(await installedVersion(`${dir}/nowhere/bin/cicflowmeter`, "cicflowmeter"), undefined);
  });
});
