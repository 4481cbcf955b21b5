/**
 * `pcap-pipeline convert` as a user runs it (the real CLI, the project's
 * permission set): outputs, layouts, errors, stdin/stdout, statistics.
 */
import assert from "node:assert/strict";
import { runCli } from "./run_cli.ts";
import { haveSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";
import { pcapOf } from "../flow/flow_harness.ts";
import { parseReferenceCsv } from "../parity/reference_csv.ts";

const ignore = !haveSharedPcaps;
const SESSION = [
  {
    t: 0,
    from: ["10.0.0.1", 1234] as [string, number],
    to: ["10.0.0.2", 80] as [string, number],
    flags: 0x02,
  },
  {
    t: 1_000,
    from: ["10.0.0.2", 80] as [string, number],
    to: ["10.0.0.1", 1234] as [string, number],
    flags: 0x12,
  },
  {
    t: 2_000,
    from: ["10.0.0.1", 1234] as [string, number],
    to: ["10.0.0.2", 80] as [string, number],
    pl: 100,
  },
];

Deno.test({
  name: "convert writes one CSV per input into a directory, with the exact CIC-IDS2017 header, mode 0600",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const input = sharedPcap("small/tcpreplay-test.pcap");
      const r = await runCli(["convert", input, "-o", `${dir}/out/`]);
      assert.equal(r.code, 0, r.stderr);
      const path = `${dir}/out/tcpreplay-test.pcap.csv`;
      const table = parseReferenceCsv(await Deno.readTextFile(path));
      assert.equal(table.header.length, 85);
      assert.equal(table.header[1], " Source IP");
      assert.equal(table.header.filter((h) => h === " Fwd Header Length").length, 2);
      assert.ok(table.rows.length > 10);
      assert.ok(table.rows.every((row) => row.length === 85));
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      assert.match(r.stdout, /179 packets, \d+ used for flows, \d+ flows written/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a file that is not a capture fails alone with a one-line error; the other inputs are converted (exit 1)",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/notes.txt`, "Flow ID,Src IP\n");
      const good = sharedPcap("small/zeek-http-vlan-0.pcap");
      const r = await runCli(["convert", `${dir}/notes.txt`, good, "-o", dir, "--quiet"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /notes\.txt: not a pcap or pcapng file \(starts with text "Flow ID,Src IP"\)/);
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(names, ["notes.txt", "zeek-http-vlan-0.pcap.csv"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "--jobs 2 on three inputs, the first not a capture: the failed lane gets a new worker, the others convert",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/notes.txt`, "Flow ID,Src IP\n");
      const good = ["small/zeek-http-vlan-0.pcap", "small/tcpreplay-test.pcap"].map(sharedPcap);
      // Two lanes over three inputs: one lane converts a second file in the worker it kept,
      // or in a new one after the failure.
      const r = await runCli(["convert", "--jobs", "2", `${dir}/notes.txt`, ...good, "-o", dir, "--quiet"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /notes\.txt: not a pcap or pcapng file/);
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(names, ["notes.txt", "tcpreplay-test.pcap.csv", "zeek-http-vlan-0.pcap.csv"]);
      const one = await runCli(["convert", good[1], "-o", `${dir}/one.csv`, "--quiet"]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(
        await Deno.readTextFile(`${dir}/tcpreplay-test.pcap.csv`),
        await Deno.readTextFile(`${dir}/one.csv`),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("convert - -o - reads a capture on stdin and writes the table to stdout", async () => {
  const r = await runCli(["convert", "-", "-o", "-", "--profile", "corrected", "--columns", "python"], {
    stdin: pcapOf(SESSION),
  });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.ok(lines[0].startsWith("src_ip,dst_ip,src_port,dst_port,protocol,timestamp,flow_duration"));
  assert.ok(lines[1].startsWith("10.0.0.1,10.0.0.2,1234,80,6,"));
});

Deno.test("--format ndjson with --fields writes only those keys, in that order", async () => {
  const r = await runCli(
    ["convert", "-", "-o", "-", "--format", "ndjson", "--fields", "Flow Duration,Total Fwd Packets,Protocol"],
    { stdin: pcapOf(SESSION) },
  );
  assert.equal(r.code, 0, r.stderr);
  const row = JSON.parse(r.stdout.trim());
  assert.deepEqual(Object.keys(row), ["Flow Duration", "Total Fwd Packets", "Protocol"]);
  assert.deepEqual(Object.values(row), [2000, 2, 6]);
});

Deno.test("bad options are usage errors (exit 2) that name the option", async () => {
  const zero = await runCli(["convert", "-", "--flow-timeout", "0"], { stdin: pcapOf(SESSION) });
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /--flow-timeout must be a number of seconds > 0/);
  const field = await runCli(["convert", "-", "--fields", "Nope"], { stdin: pcapOf(SESSION) });
  assert.equal(field.code, 2);
  assert.match(field.stderr, /Nope/);
  const profile = await runCli(["convert", "-", "--profile", "java"], { stdin: pcapOf(SESSION) });
  assert.equal(profile.code, 2);
});

Deno.test({
  name: "a truncated capture converts every complete packet, says so, and --stats-json records it",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const input = sharedPcap("small/derived-tcpreplay-test-cut-mid-record.pcap");
      const r = await runCli(["convert", input, "-o", `${dir}/t.csv`, "--stats-json", `${dir}/stats.json`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /capture truncated/);
      const stats = JSON.parse(await Deno.readTextFile(`${dir}/stats.json`));
      assert.equal(stats.files[0].packets, 174);
      assert.equal(stats.files[0].truncated, true);
      assert.equal(stats.files[0].skipped["truncated-record"], 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "--jobs 2 (Web Workers) writes the same files as one job",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const inputs = ["small/tcpreplay-test.pcap", "small/pcpp-sll.pcap", "small/ndpi-ocs-rawip101.pcap"].map(
        sharedPcap,
      );
      const one = await runCli([
        "convert",
        ...inputs,
        "-o",
        `${dir}/one/`,
        "-q",
        "--timestamp-format",
        "epoch",
      ]);
      const two = await runCli([
        "convert",
        ...inputs,
        "-o",
        `${dir}/two/`,
        "-q",
        "--timestamp-format",
        "epoch",
        "-j",
        "2",
      ]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(two.code, 0, two.stderr);
      for (const name of ["tcpreplay-test.pcap.csv", "pcpp-sll.pcap.csv", "ndpi-ocs-rawip101.pcap.csv"]) {
        assert.equal(
          await Deno.readTextFile(`${dir}/two/${name}`),
          await Deno.readTextFile(`${dir}/one/${name}`),
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("--no-trim-padding, --termination-grace and --no-idle-sweep reach the meter", async () => {
  const c: [string, number] = ["10.0.0.1", 1234], s: [string, number] = ["10.0.0.2", 80];
  const packets = [
    { t: 0, from: c, to: s, flags: 0x02 },
    { t: 10, from: s, to: c, flags: 0x12 },
    { t: 20, from: c, to: s, flags: 0x11, pad: 6 },
    { t: 30, from: s, to: c, flags: 0x11 },
    { t: 40, from: c, to: s, flags: 0x10 }, // both FINs then an ACK: finished
    { t: 3_000_000, from: s, to: c, flags: 0x10 }, // a late ACK, 3 s later
  ];
  const run = async (...extra: string[]) => {
    const r = await runCli(
      [
        "convert",
        "-",
        "-o",
        "-",
        "--profile",
        "corrected",
        "--fields",
        "Source IP,Total Length of Fwd Packets",
        ...extra,
      ],
      { stdin: pcapOf(packets) },
    );
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split("\n").slice(1);
  };
  // Default: the finished flow was written 1 s after its last packet, so the late ACK starts a new one;
  // padding is trimmed.
  assert.deepEqual(await run(), ["10.0.0.1,0", "10.0.0.2,0"]);
  // The Engelen fork's behaviour: the finished flow waits for a SYN, so the ACK joins it; padding counted.
  assert.deepEqual(await run("--termination-grace", "0", "--no-trim-padding"), ["10.0.0.1,6"]);
  const bad = await runCli(["convert", "-", "--termination-grace", "-1"], { stdin: pcapOf(packets) });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--termination-grace must be a number of seconds ≥ 0/);
});

Deno.test("--no-idle-sweep keeps a silent flow for its continuation, exactly as the Java meter", async () => {
  const c: [string, number] = ["10.0.0.1", 1234], s: [string, number] = ["10.0.0.2", 80];
  const packets = [
    { t: 0, from: c, to: s },
    { t: 10, from: s, to: c },
    { t: 130_000_000, from: s, to: c }, // after the 120 s timeout and a silence longer than it
    { t: 130_000_010, from: c, to: s },
  ];
  const run = async (...extra: string[]) => {
    const r = await runCli(["convert", "-", "-o", "-", "--fields", "Source IP", ...extra], {
      stdin: pcapOf(packets),
    });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split("\n").slice(1);
  };
  // cic2017 continuation: the source is inherited from the timed-out flow (spec §3.3).
  assert.deepEqual(await run("--no-idle-sweep"), ["10.0.0.1", "10.0.0.1"]);
  // With the sweep (default) the silent flow was already written; the next one starts from its sender.
  assert.deepEqual(await run(), ["10.0.0.1", "10.0.0.2"]);
});

Deno.test("--file-mode sets the output's mode and must keep the owner's read and write", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli(["convert", "-", "-o", `${dir}/flows.csv`, "--file-mode", "640", "-q"], {
      stdin: pcapOf(SESSION),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await Deno.stat(`${dir}/flows.csv`)).mode! & 0o777, 0o640);
    const bad = await runCli(["convert", "-", "-o", `${dir}/x.csv`, "--file-mode", "400"], {
      stdin: pcapOf(SESSION),
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--file-mode must be octal permission bits including 600/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
