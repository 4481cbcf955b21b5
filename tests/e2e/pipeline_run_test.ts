/**
 * The pipeline as a user runs it: `pcap-pipeline METER …` as a subprocess
 * with the project's permission set, real tcpdump on loopback, real HTTP
 * traffic on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { runCli } from "../cli/run_cli.ts";
import { ignoreWithout } from "../requirements.ts";
import {
  captureFiles,
  fakeMetersEnv,
  loopbackPipelineArgs,
  parseCsv,
  spawnPipeline,
  startTrafficServer,
  until,
} from "./pipeline_traffic.ts";

Deno.test("an unknown flow meter name lists the valid ones (exit 2)", async () => {
  const r = await runCli(["cicflowmetre"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /unknown flow meter 'cicflowmetre'\. Valid flow meters: cicflowmeter, nexusflowmeter, builtin/,
  );
});

Deno.test("bad settings are all reported before anything starts (exit 2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pipeline_cli_" });
  try {
    await Deno.writeTextFile(`${dir}/p.toml`, `rotate = 10\nworkers = 0\n`);
    const r = await runCli(["builtin", "--config", `${dir}/p.toml`, "--snaplen", "x"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /p\.toml, line \d+: key 'workers' must be an integer from 1 to 64, got 0/);
    assert.match(r.stderr, /--snaplen: expected an integer from 1 to 262144, got "x"/);

    const v = await runCli(
      ["cicflowmeter", "-i", "nosuch0", "--data-dir", `${dir}/data`, "--no-root-check"],
      { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } },
    );
    assert.equal(v.code, 2);
    assert.match(v.stderr, /cicflowmeter not found on PATH; install it with `pip install cicflowmeter`/);
    assert.match(v.stderr, /interface 'nosuch0' does not exist; interfaces: .*lo \(up, loopback/);
    assert.doesNotMatch(v.stderr, /must be run as root/, "--no-root-check");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a filter that does not compile is named (exit 2)",
  ignore: ignoreWithout("root", "tcpdump"),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pipeline_cli_" });
    try {
      const r = await runCli(["builtin", "-i", "lo", "-f", "tcp portx 80", "--data-dir", dir]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /BPF filter "tcp portx 80" does not compile for lo: .*syntax error/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * Runs METER on lo with 2 s rotation while a client makes `requests` HTTP
 * requests, then SIGTERM. Returns the data dir (caller removes it), the
 * traffic and the exit status.
 */
async function runWithTraffic(meter: string, env: Record<string, string>, requests: number) {
  const data = await Deno.makeTempDir({ prefix: `pipeline_${meter}_` });
  const traffic = startTrafficServer();
  const p = spawnPipeline(
    loopbackPipelineArgs(meter, traffic.port, data, 2, "--stability-delay", "0.5", "--retry-delay", "0.2"),
    env,
  );
  try {
    assert.ok(
      await until(() => p.output().includes("tcpdump: listening on lo"), 15_000),
      `tcpdump started:\n${p.output()}`,
    );
    // ~6 s of traffic: at least three rotations.
    await traffic.send(requests, 6000 / requests);
    assert.ok(
      await until(async () => (await captureFiles(`${data}/pcaps`)).length >= 3, 5000),
      "pcaps rotate",
    );
    p.child.kill("SIGUSR1");
    assert.ok(
      await until(() => /INFO status: \d+ captured, \d+ converted/.test(p.output()), 5000),
      "SIGUSR1 status",
    );
    assert.ok(
      await until(
        () => /INFO status: .*, tcpdump received \d+, captured \d+, dropped 0; read /.test(p.output()),
        5000,
      ),
      "tcpdump's counters in the status line",
    );
    p.child.kill("SIGTERM");
    const status = await p.exit(30_000);
    return { data, traffic, status, output: p.output() };
  } finally {
    await traffic.close();
  }
}

for (const release of ["0.5.0", "0.4.2"]) {
  Deno.test({
    name:
      `stand-in cicflowmeter ${release}: every rotated pcap gets one CSV of real flows, SIGTERM converts the last file`,
    ignore: ignoreWithout("root", "tcpdump"),
    sanitizeResources: false,
    fn: async () => {
      const r = await runWithTraffic("cicflowmeter", fakeMetersEnv({}, release), 30);
      try {
        assert.equal(r.status.code, 0, r.output);
        const pcaps = await captureFiles(`${r.data}/pcaps`);
        const csvs = await captureFiles(`${r.data}/csv`, "csv");
        assert.ok(pcaps.length >= 3, `${pcaps.length} pcaps`);
        assert.deepEqual(
          csvs,
          pcaps.map((p) => p.replace(/\.pcap$/, ".csv")),
          "one CSV per pcap, last one included",
        );
        let rows = 0;
        for (const csv of csvs) {
          const parsed = parseCsv(await Deno.readTextFile(`${r.data}/csv/${csv}`));
          assert.equal(parsed.header[0], "src_ip", csv);
          const pcapSize = (await Deno.stat(`${r.data}/pcaps/${csv.replace(/\.csv$/, ".pcap")}`)).size;
          // Every pcap holding packets of the test's HTTP traffic gives flow rows to the server port.
          if (pcapSize > 24) {
            assert.ok(parsed.rows.length > 0, `${csv}: no flow row for a ${pcapSize}-byte pcap`);
          }
          for (const row of parsed.rows) {
            assert.ok(row.slice(2, 4).includes(String(r.traffic.port)), row.join(","));
          }
          rows += parsed.rows.length;
        }
        assert.ok(rows > 0);
        assert.match(
          r.output,
          new RegExp(
            `INFO meter check passed: cicflowmeter .*-${release.replaceAll(".", "\\.")}/cicflowmeter`,
          ),
        );
        assert.deepEqual(await captureFiles(`${r.data}/failed`), [], "nothing in failed/");
        assert.match(
          r.output,
          new RegExp(`stopped: ${pcaps.length} captured, ${pcaps.length} converted, 0 failed`),
        );
        assert.match(
          r.output,
          /stopped: .*; tcpdump received \d+, captured \d+, dropped 0; read by the meter \(not reported\)/,
        );
        const logs = [...Deno.readDirSync(`${r.data}/log`)].map((e) => e.name);
        assert.equal(logs.length, 1);
        assert.match(logs[0], /^pipeline_\d{8}_\d{6}\.log$/);
        const logText = await Deno.readTextFile(`${r.data}/log/${logs[0]}`);
        assert.match(
          logText,
          /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO pcap-pipeline .* starting: cicflowmeter on lo/m,
        );
        // Captures hold payload: finished pcaps are 0600 (tcpdump made them with its umask), dirs 0700.
        for (const pcap of pcaps) {
          assert.equal((await Deno.stat(`${r.data}/pcaps/${pcap}`)).mode! & 0o777, 0o600, pcap);
        }
        assert.equal((await Deno.stat(`${r.data}/pcaps`)).mode! & 0o777, 0o700);
        // Nothing half-written anywhere.
        for (const dir of ["csv", "pcaps", "reports", "failed"]) {
          const hidden = [...Deno.readDirSync(`${r.data}/${dir}`)].filter((e) => e.name.startsWith("."));
          assert.deepEqual(hidden, [], dir);
        }
      } finally {
        await Deno.remove(r.data, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "builtin meter: each completed pcap gets a CSV whose flows are the HTTP connections made",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  fn: async () => {
    const r = await runWithTraffic("builtin", {}, 30);
    try {
      assert.equal(r.status.code, 0, r.output);
      const pcaps = await captureFiles(`${r.data}/pcaps`);
      const csvs = await captureFiles(`${r.data}/csv`, "csv");
      assert.deepEqual(
        csvs,
        pcaps.map((p) => p.replace(/\.pcap$/, ".csv")),
        "one CSV per pcap, last one included",
      );
      const clientPorts = new Set<number>();
      for (const csv of csvs) {
        const { header, rows } = parseCsv(await Deno.readTextFile(`${r.data}/csv/${csv}`));
        const src = header.findIndex((h) => /^(src|source)[ _]?port$/i.test(h.trim()));
        const dst = header.findIndex((h) => /^(dst|destination)[ _]?port$/i.test(h.trim()));
        assert.ok(src >= 0 && dst >= 0, `port columns in ${header.slice(0, 8).join(",")}`);
        for (const row of rows) {
          const ports = [Number(row[src]), Number(row[dst])];
          assert.ok(
            ports.includes(r.traffic.port),
            `${csv}: flow ${ports} is not to the server port ${r.traffic.port}`,
          );
          clientPorts.add(ports[0] === r.traffic.port ? ports[1] : ports[0]);
        }
      }
      // Every connection made is a flow in some CSV (a connection split by a rotation may appear twice).
      for (const port of r.traffic.clientPorts) {
        assert.ok(clientPorts.has(port), `client port ${port} has a flow`);
      }
      assert.equal(r.traffic.clientPorts.size, 30);
      const counts = r.output.match(
        /stopped: .*; tcpdump received \d+, captured (\d+), dropped 0; read (\d+)/,
      );
      assert.ok(counts, "tcpdump's counters and ours in the final line");
      assert.equal(counts[2], counts[1], "the builtin meter read every packet tcpdump wrote");
    } finally {
      await Deno.remove(r.data, { recursive: true });
    }
  },
});

Deno.test({
  name: "stand-in nexusflowmeter from a TOML config: JSON outputs, reports kept, flags override the file",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pipeline_nexus_" });
    await Deno.writeTextFile(
      `${dir}/pipeline.toml`,
      `interface = "lo"\nrotate = 60\ndata_dir = "${dir}/data"\nstability_delay = 0.5\n\n` +
        `[nexusflowmeter]\noutput_format = "json"\nreports = true\nflow_timeout = 30\n`,
    );
    const traffic = startTrafficServer();
    const p = spawnPipeline(
      [
        "nexusflowmeter",
        "--config",
        `${dir}/pipeline.toml`,
        "--rotate",
        "1",
        "-f",
        `tcp port ${traffic.port}`,
      ],
      fakeMetersEnv(),
    );
    try {
      assert.ok(await until(() => p.output().includes("tcpdump: listening on lo"), 15_000), p.output());
      await traffic.send(20, 150);
      p.child.kill("SIGTERM");
      assert.equal((await p.exit(30_000)).code, 0, p.output());
      const pcaps = await captureFiles(`${dir}/data/pcaps`);
      assert.ok(pcaps.length >= 2, "--rotate 1 overrode the file's 60");
      assert.deepEqual(
        await captureFiles(`${dir}/data/csv`, "json"),
        pcaps.map((n) => n.replace(".pcap", ".json")),
      );
      const reports = [...Deno.readDirSync(`${dir}/data/reports`)].map((e) => e.name);
      assert.ok(reports.some((n) => n.endsWith("_flow_report.txt")), `reports kept: ${reports}`);
    } finally {
      await p.exit(1000);
      await traffic.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "conversions that keep failing go to failed/ with their reason, said once as an error, listed at shutdown (exit 1)",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_failed_" });
    const traffic = startTrafficServer();
    const p = spawnPipeline(
      loopbackPipelineArgs(
        "cicflowmeter",
        traffic.port,
        data,
        1,
        "--retries",
        "1",
        "--retry-delay",
        "0.1",
        "--stability-delay",
        "0.3",
        "--no-meter-check",
      ),
      fakeMetersEnv({ FAKE_METER_MODE: "fail" }),
    );
    try {
      assert.ok(await until(() => p.output().includes("tcpdump: listening on lo"), 15_000), p.output());
      // ~4.5 s at 1 s rotation: at least three captures fail the same way.
      await traffic.send(30, 150);
      p.child.kill("SIGTERM");
      const status = await p.exit(30_000);
      assert.equal(status.code, 1, p.output());
      const failed = await captureFiles(`${data}/failed`);
      assert.ok(failed.length >= 3, `pcaps moved to failed/: ${failed}`);
      // The same meter error on consecutive captures is said once, as an error with the reason.
      assert.equal(
        p.output().match(
          /ERROR cicflowmeter fails the same way on every capture \(3 in a row\): cicflowmeter exited with code 1: ModuleNotFoundError: No module named 'scipy'\./g,
        )?.length,
        1,
        p.output(),
      );
      for (const name of failed) {
        assert.match(
          p.output(),
          new RegExp(`WARNING failed: ${data}/failed/${name.replace(".", "\\.")}: .+`),
        );
      }
      assert.match(p.output(), /pcap-pipeline: \d+ pcaps failed to convert \(see .*failed\)/);
    } finally {
      await p.exit(1000);
      await traffic.close();
      await Deno.remove(data, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a meter that fails the meter check: the pipeline refuses to start, says why, captures nothing (exit 1)",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_meter_check_" });
    try {
      const p = spawnPipeline(
        loopbackPipelineArgs("cicflowmeter", 9, data, 1),
        fakeMetersEnv({}, "0.3.0-scapy2.5"),
      );
      const status = await p.exit(30_000);
      assert.equal(status.code, 1, p.output());
      assert.match(
        p.output(),
        /pcap-pipeline: cicflowmeter \(\S+\/cicflowmeter-0\.3\.0-scapy2\.5\/cicflowmeter, version unknown\), run as `cicflowmeter -f FILE -c OUT\.csv`, failed on a test capture of 5 TCP\/UDP flows, so every capture would fail: it wrote no flow row/,
      );
      assert.match(p.output(), /Use the built-in meter instead/);
      assert.doesNotMatch(p.output(), /tcpdump: listening/);
      assert.deepEqual(await captureFiles(`${data}/pcaps`), []);
    } finally {
      await Deno.remove(data, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "builtin meter: packets of the last second before Ctrl+C are converted too (tcpdump drains before SIGTERM)",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  fn: async () => {
    const data = await Deno.makeTempDir({ prefix: "pipeline_drain_" });
    const traffic = startTrafficServer();
    const p = spawnPipeline(
      loopbackPipelineArgs("builtin", traffic.port, data, 60, "--profile", "corrected"),
    );
    try {
      assert.ok(await until(() => p.output().includes("tcpdump: listening on lo"), 15_000), p.output());
      await traffic.send(20, 10);
      // At once: without the drain, tcpdump exits with these packets still in a kernel block.
      p.child.kill("SIGINT");
      assert.equal((await p.exit(30_000)).code, 0, p.output());
      let connections = 0;
      for (const csv of await captureFiles(`${data}/csv`, "csv")) {
        const { rows } = parseCsv(await Deno.readTextFile(`${data}/csv/${csv}`));
        connections += rows.filter((r) => r[4] === String(traffic.port)).length;
      }
      assert.equal(connections, 20, p.output());
    } finally {
      await p.exit(1000);
      await traffic.close();
      await Deno.remove(data, { recursive: true });
    }
  },
});
