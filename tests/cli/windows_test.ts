/**
 * `pcap-pipeline windows` options and console output: every wrong option is
 * one line naming it (exit 2); the per-window line shows packets, flows,
 * duration, the file and the attackers. The capture itself is tested in
 * tests/e2e/windows_netns_flood_test.ts.
 */
import assert from "node:assert/strict";
import { runCli } from "./run_cli.ts";
import { formatWindow, ruleFromOptions, windowJson } from "../../src/cli/windows.ts";
import { HttpFloodRule } from "../../src/label/http_flood.ts";
import { SynFloodRule } from "../../src/label/syn_flood.ts";
import type { WindowSummary } from "../../src/live/windows_session.ts";

Deno.test("windows --help lists the window, rule and output options", async () => {
  const r = await runCli(["windows", "--help"]);
  assert.equal(r.code, 0);
  for (
    const opt of [
      "--interface",
      "--output-dir",
      "--duration",
      "--web-ports",
      "--flood-threshold",
      "--rule",
      "--json-log",
      "--no-latest-link",
      "--empty-windows",
    ]
  ) {
    assert.ok(r.stdout.includes(opt), opt);
  }
  assert.match(r.stdout, /--columns <layout>[^]*default:\s+"ddos2019"/);
  // Detection defaults: one row per connection, IPv4 only (convert keeps cic2017).
  assert.match(r.stdout, /--profile <name>[^]*default:\s+"corrected"/);
  assert.match(r.stdout, /--ipv6\s+meter IPv6 too \(default: off\)/);
  const convert = await runCli(["convert", "--help"]);
  assert.match(convert.stdout, /--profile <name>[^]*default:\s+"cic2017"/);
});

Deno.test("windows refuses to start when symlinks are not permitted, unless --no-latest-link", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Path-scoped read/write, as the binary permission set: Deno refuses symlinks there.
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const run = (extra: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-q",
          "--no-prompt",
          "--config",
          config,
          `--allow-read=${new URL("../..", import.meta.url).pathname},${dir},/sys/class/net`,
          `--allow-write=${dir}`,
          "--allow-sys",
          "--allow-env",
          main,
          "windows",
          "-i",
          "nosuch0",
          "-o",
          dir,
          ...extra,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const refused = await run([]);
    const stderr = new TextDecoder().decode(refused.stderr);
    assert.equal(refused.code, 2, stderr);
    assert.match(stderr, /cannot keep the latest_capture link: .* use --no-latest-link/);
    const without = new TextDecoder().decode((await run(["--no-latest-link"])).stderr);
    assert.doesNotMatch(
      without,
      /latest_capture/,
      "the check passes; the missing interface is the next error",
    );
    assert.match(without, /no interface "nosuch0"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("windows: wrong options are one line naming the option, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string[], RegExp][] = [
      [["-o", dir], /no interface given: use -i IFACE/],
      [["-i", "lo"], /no output directory given: use -o DIR/],
      [["-i", "lo", "-o", dir, "-d", "0.5"], /--duration must be at least 1 second, got "0.5"/],
      [["-i", "lo", "-o", dir, "-d", "soon"], /--duration must be a number of seconds > 0, got "soon"/],
      [["-i", "lo", "-o", dir, "--web-ports", "80,http"], /--web-ports: "http" is not a port number/],
      [["-i", "lo", "-o", dir, "--flood-threshold", "0"], /--flood-threshold must be a whole number ≥ 1/],
      [["-i", "lo", "-o", dir, "--label", "x"], /--label does not apply to windows/],
      [["-i", "lo", "-o", dir, "--rule", "udp-flood"], /--rule.*udp-flood.*http-flood, syn-flood/],
      [["-i", "nosuch0", "-o", dir], /no interface "nosuch0" \(interfaces: .*lo \(up, loopback/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["windows", ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
    }
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no window file written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--rule, --web-ports and --flood-threshold build the rule", () => {
  const http = ruleFromOptions({ rule: "http-flood", webPorts: "80, 8443", floodThreshold: "7" });
  assert.ok(http instanceof HttpFloodRule);
  assert.deepEqual([...http.webPorts], [80, 8443]);
  assert.equal(http.threshold, 7);
  assert.equal((ruleFromOptions({ rule: "http-flood", webPorts: "80" }) as HttpFloodRule).threshold, 50);
  const syn = ruleFromOptions({ rule: "syn-flood", webPorts: "80" });
  assert.ok(syn instanceof SynFloodRule);
  assert.equal(syn.threshold, 100);
});

Deno.test("the window line shows packets, flows, duration, file, and attackers with connection counts", () => {
  const startMs = new Date(2026, 10, 23, 12, 0, 0).getTime();
  const w: WindowSummary = {
    index: 0,
    file: "w/live_capture_20261123_120000.csv",
    startMs,
    endMs: startMs + 10_000,
    packets: 2400,
    flows: 410,
    attackFlows: 400,
    attackers: [{ ip: "10.0.0.9", connections: 200 }, { ip: "10.0.0.8", connections: 51 }],
    rule: "http-flood",
  };
  assert.equal(
    formatWindow(w),
    "[12:00:10] window 1: 2400 packets, 410 flows in 10.0 s, saved w/live_capture_20261123_120000.csv\n" +
      "[12:00:10]   http-flood detected: 10.0.0.9 (200 connections), 10.0.0.8 (51 connections); " +
      "400 flows labeled Attack",
  );
  assert.equal(formatWindow({ ...w, attackers: [], attackFlows: 0 }).split("\n").length, 1);
  assert.equal(
    formatWindow({ ...w, file: null, packets: 0, flows: 0, attackers: [], attackFlows: 0 }),
    "[12:00:10] window 1: 0 packets, 0 flows in 10.0 s, no file (no flows)",
  );
  assert.equal(JSON.parse(windowJson({ ...w, file: null })).file, null);
  const json = JSON.parse(windowJson(w));
  assert.equal(json.event, "window");
  assert.equal(json.index, 1);
  assert.equal(json.durationSec, 10);
  assert.deepEqual(json.attackers, w.attackers);
  assert.equal(json.start, new Date(startMs).toISOString());
});
