import assert from "node:assert/strict";
import { ConfigError, parseConfigText } from "../../src/config/config_file.ts";
import { configFromFlags, loadPipelineConfig } from "../../src/config/load.ts";
import { DEFAULTS, mergeConfig } from "../../src/config/pipeline_config.ts";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.problems;
  }
  assert.fail("no error");
}

async function problemsOfAsync(fn: () => Promise<unknown>): Promise<string[]> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.problems;
  }
  assert.fail("no error");
}

Deno.test("defaults are the seed's values with directories under ./data", () => {
  const c = mergeConfig("builtin");
  assert.equal(c.snaplen, 128);
  assert.equal(c.rotateSeconds, 60);
  assert.deepEqual(c.retentionMinutes, { pcaps: 30, csv: 30, reports: 30 });
  assert.equal(c.workers, 2);
  assert.equal(c.retries, 3);
  assert.equal(c.retryDelaySeconds, 5);
  assert.equal(c.timeoutSeconds, 300);
  assert.equal(c.minFreeDiskMb, 1000);
  assert.equal(c.diskCheckSeconds, 60);
  assert.equal(c.shutdownTimeoutSeconds, 60);
  assert.equal(c.logLevel, "INFO");
  assert.equal(c.rootCheck, true);
  assert.deepEqual(c.dirs, {
    data: "./data",
    pcaps: "./data/pcaps",
    csv: "./data/csv",
    log: "./data/log",
    reports: "./data/reports",
    failed: "./data/failed",
  });
});

Deno.test("flags override the file, the file overrides defaults, field by field", () => {
  const file = parseConfigText(
    `
interface = "eth1"
workers = 4
data_dir = "/srv/cap"
csv_dir = "/srv/flows"

[retention]
pcaps = 10
csv = 120
reports = 10

[nexusflowmeter]
output_format = "json"
reports = true
`,
    "pipeline.toml",
  );
  const flags = configFromFlags({
    workers: "3",
    dataDir: "/mnt/cap",
    retentionPcaps: "5",
    nexusVerbose: true,
  });
  const c = mergeConfig("nexusflowmeter", file, flags);
  assert.equal(c.interface, "eth1", "from the file");
  assert.equal(c.workers, 3, "flag wins");
  assert.equal(c.dirs.pcaps, "/mnt/cap/pcaps", "data dir from the flag");
  assert.equal(c.dirs.csv, "/srv/flows", "csv dir set one by one in the file");
  assert.deepEqual(c.retentionMinutes, { pcaps: 5, csv: 120, reports: 10 });
  assert.deepEqual(c.nexusflowmeter, {
    flowTimeout: DEFAULTS.nexusflowmeter.flowTimeout,
    workers: DEFAULTS.nexusflowmeter.workers,
    outputFormat: "json",
    verbose: true,
    reports: true,
  });
  assert.equal(c.snaplen, 128, "untouched default");
});

Deno.test("JSON config with every kind of value", () => {
  const c = mergeConfig(
    "cicflowmeter",
    parseConfigText(
      JSON.stringify({
        filter: "tcp port 80",
        snaplen: 256,
        rotate: 30,
        log_level: "debug",
        root_check: false,
        stability_delay: 0.5,
        cicflowmeter: { verbose: true, fields: ["Flow ID", "Src IP"] },
      }),
      "pipeline.json",
    ),
  );
  assert.equal(c.filter, "tcp port 80");
  assert.equal(c.snaplen, 256);
  assert.equal(c.rotateSeconds, 30);
  assert.equal(c.logLevel, "DEBUG");
  assert.equal(c.rootCheck, false);
  assert.equal(c.stabilitySeconds, 0.5);
  assert.deepEqual(c.cicflowmeter, { verbose: true, fields: ["Flow ID", "Src IP"] });
});

Deno.test("unknown keys and bad types are all reported, each naming its key and line", () => {
  const problems = problemsOf(() =>
    parseConfigText(
      `wrokers = 2\nsnaplen = "big"\nrotate = 0\n[nexusflowmeter]\noutput_format = "pdf"\ncolour = 1\n`,
      "p.toml",
    )
  );
  assert.equal(problems.length, 5, problems.join("\n"));
  assert.match(problems[0], /^p\.toml, line 1: unknown key 'wrokers' \(did you mean 'workers'\?\)/);
  assert.match(problems[1], /^p\.toml, line 2: key 'snaplen' must be an integer from 1 to 262144, got "big"/);
  assert.match(problems[2], /^p\.toml, line 3: key 'rotate' must be an integer ≥ 1, got 0/);
  assert.match(
    problems[3],
    /^p\.toml, line 5: key 'nexusflowmeter.output_format' must be one of csv, json, xlsx, got "pdf"/,
  );
  assert.match(problems[4], /^p\.toml, line 6: unknown key 'nexusflowmeter.colour'/);
  const json = problemsOf(() =>
    parseConfigText(`{\n  "interface": "lo",\n  "workers": "four"\n}\n`, "p.json")
  );
  assert.deepEqual(json, [`p.json, line 3: key 'workers' must be an integer from 1 to 64, got "four"`]);
});

Deno.test("a TOML syntax error names the line", () => {
  const problems = problemsOf(() => parseConfigText(`workers = 2\nsnaplen = = 3\n`, "p.toml"));
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^p\.toml: TOML syntax error at line 2, column \d+/);
});

Deno.test("a JSON syntax error names the line", () => {
  const problems = problemsOf(() => parseConfigText(`{\n  "workers": 2,\n  "snaplen" 3\n}`, "p.json"));
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^p\.json: JSON syntax error at line 3, column \d+/);
});

Deno.test("bad flag values name the flag; file and flag problems come together", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/p.toml`, `workers = "many"\n`);
    const problems = await problemsOfAsync(() =>
      loadPipelineConfig("builtin", { config: `${dir}/p.toml`, snaplen: "12x", logLevel: "LOUD" })
    );
    assert.deepEqual(problems, [
      `${dir}/p.toml, line 1: key 'workers' must be an integer from 1 to 64, got "many"`,
      `--snaplen: expected an integer from 1 to 262144, got "12x"`,
      `--log-level: expected one of DEBUG, INFO, WARNING, ERROR, got "LOUD"`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing config file is one clear problem", async () => {
  const problems = await problemsOfAsync(() =>
    loadPipelineConfig("builtin", { config: "/nonexistent/p.toml" })
  );
  assert.deepEqual(problems, ["config file /nonexistent/p.toml: no such file"]);
});

Deno.test("the builtin meter's profile, layout and timeouts come from [builtin] in the file, flags override", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/pipeline.toml`;
    await Deno.writeTextFile(
      file,
      '[builtin]\nprofile = "corrected"\ncolumns = "python"\nflow_timeout = 60\nsnaplen_lengths = "captured"\n' +
        'format = "parquet"\n',
    );
    const c = await loadPipelineConfig("builtin", {
      config: file,
      columns: "ddos2019",
      format: "csv+parquet",
    });
    assert.deepEqual(c.builtin, {
      profile: "corrected",
      columns: "ddos2019",
      flowTimeoutSec: 60,
      activityTimeoutSec: 5,
      snaplenLengths: "captured",
      format: "csv+parquet",
      // convert's defaults for the rest
      compression: "zstd",
      rowGroupRows: 65536,
      timeZone: "UTC",
    });
    const { converterFor } = await import("../../src/pipeline/pipeline.ts");
    const converter = converterFor(c, {}) as import("../../src/convert/builtin.ts").BuiltinConverter;
    assert.equal(converter.options.profile, "corrected");
    assert.equal(converter.options.flowTimeoutSec, 60);
    assert.equal(converter.options.snaplenLengths, "captured");
    const problems = await problemsOfAsync(() => loadPipelineConfig("builtin", { profile: "java" }));
    assert.match(problems.join("\n"), /--profile: expected one of cic2017, corrected/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file and directory modes are octal settings that must keep the owner's access", async () => {
  assert.deepEqual([mergeConfig("builtin").fileMode, mergeConfig("builtin").dirMode], [0o600, 0o700]);
  const c = await loadPipelineConfig("builtin", { fileMode: "640", dirMode: "0750" });
  assert.deepEqual([c.fileMode, c.dirMode], [0o640, 0o750]);
  const fromFile = parseConfigText(`file_mode = "0o644"\ndir_mode = 755\n`, "p.toml");
  assert.deepEqual([fromFile.fileMode, fromFile.dirMode], [0o644, 0o755]);
  const problems = problemsOf(() => parseConfigText(`file_mode = "400"\ndir_mode = "9"\n`, "p.toml"));
  assert.match(problems[0], /line 1: key 'file_mode' must be octal permission bits including 600/);
  assert.match(problems[1], /line 2: key 'dir_mode' must be octal permission bits including 700/);
});
