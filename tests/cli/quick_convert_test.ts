/**
 * The commander-free reading of `convert` command lines (src/cli/quick_convert.ts)
 * against commander's own parse of the same words: equal whenever it reads
 * them, and null (left to commander) for anything it does not know.
 */
import assert from "node:assert/strict";
import { convertCommand } from "../../src/cli/convert.ts";
import { quickConvertArgs } from "../../src/cli/quick_convert.ts";
import { runCli } from "./run_cli.ts";

/** What commander hands the action for `convert ARGS`. */
async function commanderParse(args: string[]): Promise<{ inputs: string[]; options: unknown }> {
  let seen: { inputs: string[]; options: unknown } | undefined;
  const cmd = convertCommand().exitOverride().action((inputs: string[], options: unknown) => {
    seen = { inputs, options };
  });
  cmd.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  await cmd.parseAsync(args, { from: "user" });
  if (!seen) throw new Error("action not called");
  return seen;
}

const READ_QUICKLY: string[][] = [
  ["in.pcap"],
  ["in.pcap", "-o", "out.csv", "--quiet"],
  ["a.pcap", "b.pcap", "-o", "dir/", "-q", "-j", "2"],
  ["-", "-o", "-"],
  ["in.pcap", "--profile", "corrected", "--columns", "cicflowmeter4", "--format", "ndjson"],
  [
    "--profile",
    "engelen",
    "in.pcap",
    "--output",
    "x.parquet",
    "--format",
    "parquet",
    "--compression",
    "snappy",
  ],
  ["in.pcap", "-t", "60", "--activity-timeout", "2", "-c", "1000", "--stats-json", "s.json"],
  ["in.pcap", "--fields", "Flow ID,Source IP", "--label", "BENIGN", "--timestamp-format", "epoch"],
  ["in.pcap", "--time-zone", "America/Halifax", "--home-net", "10.0.0.0/8", "--file-mode", "640"],
  ["in.pcap", "--keep-single-packet-flows", "--ipv6", "--trim-padding", "--non-ipv4-as-ipv4"],
  ["in.pcap", "--no-ipv6", "--no-trim-padding", "--no-idle-sweep", "--termination-grace", "0"],
  ["in.pcap", "--snaplen-lengths", "captured", "--padding", "ethernet-ipv4", "--row-group-rows", "1000"],
  ["in.pcap", "--profile", "cic2017", "--profile", "corrected"], // the last one counts
  ["in.pcap", "--ipv6", "--no-ipv6"],
  ["in.pcap", "-o", "out.csv", "--no-reader-thread"],
  ["in.pcap", "-o", "out.csv", "--reader-thread"],
  ["in.pcap", "--reader-thread", "--no-reader-thread"],
];

Deno.test("convert command lines read without commander give exactly commander's inputs and options", async () => {
  for (const args of READ_QUICKLY) {
    const quick = quickConvertArgs(args);
    assert.ok(quick !== null, `read quickly: ${args.join(" ")}`);
    assert.deepEqual(quick, await commanderParse(args), args.join(" "));
  }
});

Deno.test("anything else is left to commander (help, unknown options, other spellings, bad choices)", () => {
  for (
    const args of [
      [],
      ["--help"],
      ["in.pcap", "-h"],
      ["in.pcap", "--profle", "corrected"],
      ["in.pcap", "--profile=corrected"],
      ["in.pcap", "-qo", "out.csv"],
      ["in.pcap", "--profile", "nope"],
      ["in.pcap", "-o"],
      ["in.pcap", "--label", "-x"],
      ["--", "in.pcap"],
      ["-o", "out.csv"],
    ]
  ) {
    assert.equal(quickConvertArgs(args), null, args.join(" "));
  }
});

Deno.test("the quick path converts as before and still ends with commander's messages for a bad value", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const input = new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname;
    const ok = await runCli(["convert", input, "-o", `${dir}/udp.csv`, "--profile", "corrected"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /: 5 packets, 5 used for flows, 3 flows written, /);
    const bad = await runCli(["convert", input, "-o", `${dir}/x.csv`, "--profile", "nope"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /argument 'nope' is invalid\. Allowed choices are cic2017, corrected, engelen/);
    const usage = await runCli(["convert", input, "-o", `${dir}/y.csv`, "-j", "0"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^pcap-pipeline: --jobs must be a whole number ≥ 1, got "0"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
