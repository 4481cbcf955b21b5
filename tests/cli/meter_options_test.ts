/**
 * Each pipeline command takes its own meter's options only (issue 14): the
 * builtin meter's flow options are `convert`'s, and `cicflowmeter --profile
 * corrected` is a usage error naming the meter the option belongs to instead
 * of being accepted and ignored.
 */
import assert from "node:assert/strict";
import type { Command } from "commander";
import { convertCommand } from "../../src/cli/convert.ts";
import { liveCommand } from "../../src/cli/live.ts";
import { runCommand } from "../../src/cli/run.ts";
import { windowsCommand } from "../../src/cli/windows.ts";
import { UsageError } from "../../src/usage_error.ts";
import { runCli } from "./run_cli.ts";

/** The long flags a command shows in its help. */
function shownFlags(cmd: Command): string[] {
  return cmd.options.filter((o) => !o.hidden).map((o) => o.long!).sort();
}

/** Parses `args` with `cmd` (no action side effects beyond a rejected start) and returns the error. */
async function usageErrorOf(cmd: Command, args: string[]): Promise<string> {
  cmd.exitOverride();
  try {
    await cmd.parseAsync(args, { from: "user" });
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
  assert.fail(`no error for ${args.join(" ")}`);
}

Deno.test("cicflowmeter --profile corrected is a usage error naming the builtin meter", async () => {
  const data = await Deno.makeTempDir();
  try {
    // -i nosuch0: should the option be accepted, validation stops the start anyway.
    const r = await runCli(["cicflowmeter", "--profile", "corrected", "-i", "nosuch0", "--data-dir", data]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /--profile is an option of the builtin meter \(pcap-pipeline builtin\), not of cicflowmeter/,
    );
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("every meter command refuses the other meters' options, by the flag given", async () => {
  const data = await Deno.makeTempDir();
  try {
    const common = ["-i", "nosuch0", "--data-dir", data, "--no-root-check"];
    const cases: [string, string[], RegExp][] = [
      ["nexusflowmeter", ["--columns", "python"], /^--columns is an option of the builtin meter/],
      ["cicflowmeter", ["--no-ipv6"], /^--no-ipv6 is an option of the builtin meter/],
      ["nexusflowmeter", ["--termination-grace", "0"], /^--termination-grace is an option of the builtin/],
      // Streaming sends the builtin meter's rows: a sensor name alone would be ignored by another meter.
      ["cicflowmeter", ["--sensor", "lab1"], /^--sensor is an option of the builtin meter/],
      ["nexusflowmeter", ["--spool-max", "10"], /^--spool-max is an option of the builtin meter/],
      [
        "builtin",
        ["--nexus-workers", "2"],
        /^--nexus-workers is an option of the nexusflowmeter meter \(pcap-pipeline nexusflowmeter\), not of builtin$/,
      ],
      ["nexusflowmeter", ["--cic-verbose"], /^--cic-verbose is an option of the cicflowmeter meter/],
      ["cicflowmeter", ["-t", "30"], /^--flow-timeout is an option of the builtin meter/],
    ];
    for (const [meter, args, expected] of cases) {
      const message = await usageErrorOf(runCommand(meter as "builtin"), [...args, ...common]);
      assert.match(message, expected, `${meter} ${args.join(" ")}`);
    }
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("a meter command's help shows its own meter's options and the common ones only", () => {
  const cic = shownFlags(runCommand("cicflowmeter"));
  const nexus = shownFlags(runCommand("nexusflowmeter"));
  const builtin = shownFlags(runCommand("builtin"));
  for (const flag of ["--interface", "--workers", "--file-mode", "--config"]) {
    for (const flags of [cic, nexus, builtin]) assert.ok(flags.includes(flag), flag);
  }
  assert.ok(cic.includes("--cic-fields") && !cic.includes("--profile") && !cic.includes("--nexus-workers"));
  assert.ok(
    nexus.includes("--nexus-workers") && !nexus.includes("--columns") && !nexus.includes("--cic-fields"),
  );
  assert.ok(
    builtin.includes("--profile") && !builtin.includes("--cic-fields") && !builtin.includes("--nexus-format"),
  );
});

Deno.test("the builtin pipeline, live and windows take every flow option of convert", () => {
  // convert's own: inputs and outputs, packet count, console, parallel files, the reader thread.
  const convertOnly = [
    "--output",
    "--count",
    "--quiet",
    "--stats-json",
    "--jobs",
    "--reader-thread",
    "--no-reader-thread",
  ];
  const flowOptions = shownFlags(convertCommand()).filter((f) => !convertOnly.includes(f));
  assert.ok(flowOptions.length >= 20, flowOptions.join(" "));
  for (
    const [name, cmd] of [["builtin", runCommand("builtin")], ["live", liveCommand()], [
      "windows",
      windowsCommand(),
    ]] as const
  ) {
    const flags = shownFlags(cmd);
    const missing = flowOptions.filter((f) => !flags.includes(f));
    assert.deepEqual(missing, [], `${name} lacks ${missing.join(", ")}`);
  }
});

Deno.test("the README lists every [builtin] key and every flow option of the builtin pipeline", async () => {
  const { flowOptionsFor } = await import("../../src/config/flow_option_table.ts");
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const keys = readme.match(/`\[builtin\] ([^`]+)`/)![1].split(/,\s*/);
  const options = flowOptionsFor("builtin");
  assert.deepEqual(keys, options.map((o) => o.key));
  const pipelineSection = readme.slice(
    readme.indexOf("### `sudo pcap-pipeline"),
    readme.indexOf("**Config file.**"),
  );
  for (const o of options) {
    for (const flag of o.negation ? [o.flag, o.negation.flag] : [o.flag]) {
      const long = flag.match(/--[a-z0-9-]+/)![0];
      assert.ok(pipelineSection.includes(long), `README pipeline table lacks ${long}`);
    }
  }
});

Deno.test("--sink with a builtin format other than csv or csv+parquet is refused (ndjson is new to the pipeline)", async () => {
  for (const format of ["ndjson", "parquet"]) {
    const message = await usageErrorOf(runCommand("builtin"), [
      "--sink",
      "nats://127.0.0.1:4222",
      "--format",
      format,
    ]);
    assert.match(message, /--sink streams the CSV files; use --format csv or csv\+parquet with it/, format);
  }
});
