/**
 * `pcap-pipeline inspect`, run as a user runs it.
 */
import assert from "node:assert/strict";
import { runCli } from "./run_cli.ts";
import { ownCapture } from "../captures/own_captures.ts";

Deno.test({
  name: "inspect --json prints one object per file with the documented keys",
  fn: async () => {
    const files = ["format-pcapng-interfaces.pcapng", "format-pcap-ns-be.pcap"].map(ownCapture);
    const { code, stdout } = await runCli(["inspect", "--json", ...files]);
    assert.equal(code, 0);
    const reports = stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.equal(reports.length, 2);
    const [multilink, nano] = reports;
    for (
      const key of [
        "file",
        "format",
        "linkTypes",
        "packets",
        "firstTimestamp",
        "lastTimestamp",
        "protocols",
        "skipped",
      ]
    ) {
      assert.ok(key in multilink, key);
    }
    assert.equal(multilink.format.kind, "pcapng");
    assert.deepEqual(multilink.linkTypes, [1, 276, 101]);
    assert.equal(multilink.packets, 20);
    assert.equal(multilink.firstTimestamp, "2023-11-14T22:13:20.000000000Z");
    assert.deepEqual(nano.format, {
      kind: "pcap",
      byteOrder: "big",
      resolution: "ns",
      snaplen: 262144,
      compression: "none",
    });
    assert.equal(nano.protocols.tcp, 18);
    assert.equal(nano.skipped["truncated-record"], 0);
  },
});

Deno.test({
  name: "inspect names a file that is not a capture, still inspects the others, and exits 1",
  fn: async () => {
    const notCapture = new URL("../../deno.json", import.meta.url).pathname;
    const { code, stdout, stderr } = await runCli([
      "inspect",
      notCapture,
      ownCapture("icmp.pcap"),
      "/no/such.pcap",
    ]);
    assert.equal(code, 1);
    assert.match(stderr, /deno\.json: not a pcap or pcapng file \(starts with text "\{/);
    assert.match(stderr, /\/no\/such\.pcap: no such file/);
    assert.match(stdout, /packets:\s+7 /);
    assert.match(stdout, /protocols:\s+ipv4 7, ipv6 0, tcp 0, udp 0, icmp 7, other 0/);
  },
});

Deno.test("inspect with no file is a usage error (exit 2); --version and --help work", async () => {
  assert.equal((await runCli(["inspect"])).code, 2);
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  const help = await runCli(["inspect", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--json/);
});
