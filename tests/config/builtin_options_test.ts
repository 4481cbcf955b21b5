/**
 * The pipeline's `builtin` meter takes every flow option of `convert`, from
 * `[builtin]` in the config file and from flags, and each one reaches the
 * converter (issue 14: before, only 7 of them existed for the pipeline).
 */
import assert from "node:assert/strict";
import { ConfigError, parseConfigText } from "../../src/config/config_file.ts";
import { loadPipelineConfig } from "../../src/config/load.ts";
import { mergeConfig } from "../../src/config/pipeline_config.ts";
import { validateConfig, type ValidationDeps } from "../../src/config/validate.ts";
import type { BuiltinConverter } from "../../src/convert/builtin.ts";
import { converterFor } from "../../src/pipeline/pipeline.ts";

const CAPTURE = new URL("../../testdata/captures/tcp-bulk.pcap", import.meta.url).pathname;

const builtinOf = (config: Parameters<typeof converterFor>[0]) =>
  (converterFor(config, {}) as BuiltinConverter).options;

Deno.test("every [builtin] key of the config file reaches the builtin converter", () => {
  const file = parseConfigText(
    `[builtin]
profile = "corrected"
columns = "python"
format = "ndjson"
compression = "snappy"
row_group_rows = 1000
fields = ["src_ip", "dst_ip", "dst_port"]
label = "Benign"
flow_timeout = 60
activity_timeout = 2
timestamp_format = "epoch"
time_zone = "Europe/Berlin"
home_net = ["10.0.0.0/8", "fd00::/8"]
keep_single_packet_flows = true
ipv6 = false
trim_padding = false
snaplen_lengths = "captured"
padding = "keep"
non_ipv4_as_ipv4 = false
termination_grace = 0
idle_sweep = false
`,
    "p.toml",
  );
  assert.deepEqual(builtinOf(mergeConfig("builtin", file)), {
    profile: "corrected",
    columns: "python",
    format: "ndjson",
    compression: "snappy",
    rowGroupRows: 1000,
    fields: ["src_ip", "dst_ip", "dst_port"],
    label: "Benign",
    flowTimeoutSec: 60,
    activityTimeoutSec: 2,
    timestampFormat: "epoch",
    timeZone: "Europe/Berlin",
    homeNetworks: ["10.0.0.0/8", "fd00::/8"],
    keepSinglePacketFlows: true,
    ipv6: false,
    trimPadding: false,
    snaplenLengths: "captured",
    padding: "keep",
    nonIpv4AsIpv4: false,
    terminationGraceSec: 0,
    sweepIdle: false,
  });
});

Deno.test("the builtin meter's flags override [builtin] and reach the converter, as convert's do", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/p.toml`, '[builtin]\nipv6 = true\npadding = "keep"\nfields = ["a"]\n');
    // Attribute names as commander gives them for --no-ipv6, --padding, --fields, --home-net, …
    const config = await loadPipelineConfig("builtin", {
      config: `${dir}/p.toml`,
      ipv6: false,
      padding: "ip-length",
      fields: "src_ip, dst_ip",
      homeNet: "192.0.2.0/24",
      terminationGrace: "2.5",
      idleSweep: false,
      keepSinglePacketFlows: true,
      timestampFormat: "java",
    });
    const options = builtinOf(config);
    assert.equal(options.ipv6, false);
    assert.equal(options.padding, "ip-length");
    assert.deepEqual(options.fields, ["src_ip", "dst_ip"]);
    assert.deepEqual(options.homeNetworks, ["192.0.2.0/24"]);
    assert.equal(options.terminationGraceSec, 2.5);
    assert.equal(options.sweepIdle, false);
    assert.equal(options.keepSinglePacketFlows, true);
    assert.equal(options.timestampFormat, "java");
    // Untouched options keep convert's defaults.
    assert.equal(options.flowTimeoutSec, 120);
    assert.equal(options.profile, "cic2017");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bad value of a new [builtin] key or flag names it, as the other settings do", async () => {
  const problems = await loadPipelineConfig("builtin", { terminationGrace: "-1", padding: "trim" }).then(
    () => [],
    (err: ConfigError) => err.problems,
  );
  assert.deepEqual(problems, [
    `--padding: expected one of keep, ethernet-ipv4, ip-length, got "trim"`,
    `--termination-grace: expected a number of seconds ≥ 0, got "-1"`,
  ]);
  assert.throws(
    () => parseConfigText("[builtin]\nrow_group_rows = 0\n", "p.toml"),
    /line 2: key 'builtin.row_group_rows' must be an integer ≥ 1, got 0/,
  );
});

Deno.test("[builtin] fields and option mixes are checked before the pipeline starts", async () => {
  const data = await Deno.makeTempDir();
  const deps: ValidationDeps = {
    listInterfaces: () => Promise.resolve([{ name: "eth0", up: true, loopback: false, addresses: [] }]),
    checkFilter: () => Promise.resolve({ ok: true }),
    findExecutable: (name) => Promise.resolve(`/usr/bin/${name}`),
    isRoot: () => true,
  };
  try {
    const check = (builtin: Record<string, unknown>, meter: "builtin" | "cicflowmeter" = "builtin") =>
      validateConfig(mergeConfig(meter, { dirs: { data }, builtin }), deps);
    await assert.rejects(check({ fields: ["No Such Column"] }), (err: ConfigError) => {
      assert.match(err.message, /No Such Column/);
      return true;
    });
    await assert.rejects(check({ profile: "corrected", padding: "ethernet-ipv4" }), ConfigError);
    await check({ profile: "cic2017", padding: "ethernet-ipv4" });
    // Another meter's run ignores [builtin], as before.
    await check({ fields: ["No Such Column"] }, "cicflowmeter");
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("the builtin converter writes what its flow options say (fields, label)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = parseConfigText(
      '[builtin]\ncolumns = "cicids2018"\nfields = ["Src IP", "Dst Port", "Label"]\nlabel = "Benign"\n',
      "p.toml",
    );
    const converter = converterFor(mergeConfig("builtin", file), {});
    const outcome = await converter.convert({
      input: CAPTURE,
      output: `${dir}/capture_1.csv`,
      reportsDir: dir,
      signal: new AbortController().signal,
    });
    const lines = (await Deno.readTextFile(`${dir}/capture_1.csv`)).trimEnd().split("\n");
    assert.equal(lines[0], "Src IP,Dst Port,Label");
    assert.equal(lines.length - 1, outcome.flows);
    assert.ok(lines.slice(1).every((l) => l.endsWith(",Benign")), lines[1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
