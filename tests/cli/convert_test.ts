/**
 * `pcap-pipeline convert` as a user runs it (the real CLI, the project's
 * permission set): outputs, layouts, errors, stdin/stdout, statistics.
 */
import assert from "node:assert/strict";
import { runCli } from "./run_cli.ts";
import { ownCapture } from "../captures/own_captures.ts";
import { pcapOf } from "../flow/flow_harness.ts";
import { parseReferenceCsv } from "../parity/reference_csv.ts";

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
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const input = ownCapture("link-ether.pcap");
      const r = await runCli(["convert", input, "-o", `${dir}/out/`]);
      assert.equal(r.code, 0, r.stderr);
      const path = `${dir}/out/link-ether.pcap.csv`;
      const table = parseReferenceCsv(await Deno.readTextFile(path));
      assert.equal(table.header.length, 85);
      assert.equal(table.header[1], " Source IP");
      assert.equal(table.header.filter((h) => h === " Fwd Header Length").length, 2);
      assert.equal(table.rows.length, 3); // the TCP connection, its teardown remnant, the UDP exchange
      assert.ok(table.rows.every((row) => row.length === 85));
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      assert.match(r.stdout, /20 packets, 11 used for flows, 3 flows written/);
      assert.match(r.stdout, /skipped: ipv6-disabled 9/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a file that is not a capture fails alone with a one-line error; the other inputs are converted (exit 1)",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/notes.txt`, "Flow ID,Src IP\n");
      const good = ownCapture("link-vlan.pcap");
      const r = await runCli(["convert", `${dir}/notes.txt`, good, "-o", dir, "--quiet"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /notes\.txt: not a pcap or pcapng file \(starts with text "Flow ID,Src IP"\)/);
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(names, ["link-vlan.pcap.csv", "notes.txt"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "--jobs 2 on three inputs, the first not a capture: the failed lane gets a new worker, the others convert",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/notes.txt`, "Flow ID,Src IP\n");
      const good = ["link-vlan.pcap", "loopback-http.pcap"].map(ownCapture);
      // Two lanes over three inputs: one lane converts a second file in the worker it kept,
      // or in a new one after the failure.
      const r = await runCli(["convert", "--jobs", "2", `${dir}/notes.txt`, ...good, "-o", dir, "--quiet"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /notes\.txt: not a pcap or pcapng file/);
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(names, ["link-vlan.pcap.csv", "loopback-http.pcap.csv", "notes.txt"]);
      const one = await runCli(["convert", good[1], "-o", `${dir}/one.csv`, "--quiet"]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(
        await Deno.readTextFile(`${dir}/loopback-http.pcap.csv`),
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
  const thread = await runCli(["convert", "-", "--jobs", "2", "--reader-thread"], { stdin: pcapOf(SESSION) });
  assert.equal(thread.code, 2);
  assert.match(thread.stderr, /--reader-thread needs --jobs 1/);
});

Deno.test({
  name: "a truncated capture converts every complete packet, says so, and --stats-json records it",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      // tcpdump killed mid-write: the real loopback capture (49 packets) cut inside its last record.
      const bytes = await Deno.readFile(ownCapture("loopback-http.pcap"));
      const input = `${dir}/cut.pcap`;
      await Deno.writeFile(input, bytes.subarray(0, bytes.length - 10));
      const r = await runCli(["convert", input, "-o", `${dir}/t.csv`, "--stats-json", `${dir}/stats.json`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /capture truncated/);
      const stats = JSON.parse(await Deno.readTextFile(`${dir}/stats.json`));
      assert.equal(stats.files[0].packets, 48);
      assert.equal(stats.files[0].truncated, true);
      assert.equal(stats.files[0].skipped["truncated-record"], 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "--jobs 2 (Web Workers) writes the same files as one job",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const inputs = ["loopback-http.pcap", "link-sll.pcap", "link-raw101.pcap"].map(ownCapture);
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
      for (const name of ["loopback-http.pcap.csv", "link-sll.pcap.csv", "link-raw101.pcap.csv"]) {
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

Deno.test("the idle sweep (default) and --no-idle-sweep give the same rows: the continuation keeps its source", async () => {
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
  // cic2017 continuation: the source is inherited from the timed-out flow (spec §3.3), swept or not.
  assert.deepEqual(await run("--no-idle-sweep"), ["10.0.0.1", "10.0.0.1"]);
  assert.deepEqual(await run(), ["10.0.0.1", "10.0.0.1"]);
});

Deno.test("--padding, --non-ipv4-as-ipv4 and --profile engelen reach the meter; wrong mixes are usage errors", async () => {
  const c: [string, number] = ["10.0.0.1", 1234], s: [string, number] = ["10.0.0.2", 80];
  const packets = [
    { t: 0, from: c, to: s, flags: 0x10, pad: 6 },
    { t: 10, from: s, to: c, flags: 0x10 },
  ];
  const run = async (...extra: string[]) => {
    const r = await runCli(
      [
        "convert",
        "-",
        "-o",
        "-",
        "--fields",
        "Total Length of Fwd Packets",
        "--keep-single-packet-flows",
        ...extra,
      ],
      { stdin: pcapOf(packets) },
    );
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split("\n").slice(1);
  };
  // The 6 padding bytes of the first (forward) packet: kept by cic2017's default, cut by jnetpcap 1.4's rule.
  assert.deepEqual(await run(), ["6"]);
  assert.deepEqual(await run("--padding", "ethernet-ipv4"), ["0"]);
  assert.deepEqual(await run("--profile", "engelen"), ["0"]);
  assert.deepEqual(await run("--profile", "engelen", "--padding", "keep"), ["6"]);
  assert.deepEqual(await run("--non-ipv4-as-ipv4"), ["6"]);
  for (
    const args of [["--profile", "corrected", "--padding", "ethernet-ipv4"], [
      "--profile",
      "corrected",
      "--non-ipv4-as-ipv4",
    ]]
  ) {
    const bad = await runCli(["convert", "-", "-o", "-", ...args], { stdin: pcapOf(packets) });
    assert.equal(bad.code, 2, args.join(" "));
    assert.match(bad.stderr, /not profile corrected/);
  }
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

Deno.test({
  name:
    "--snaplen-lengths: ip (default) counts whole packets of a snaplen-68 capture, captured the bytes kept",
  fn: async () => {
    const cut = ownCapture("snaplen-cut.pcap");
    const run = async (extra: string[]) => {
      const r = await runCli([
        "convert",
        cut,
        "-o",
        "-",
        "--quiet",
        "--fields",
        "Total Length of Fwd Packets",
        ...extra,
      ]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split("\n").slice(1).reduce((n, line) => n + Number(line), 0);
    };
    const whole = await run([]);
    const captured = await run(["--snaplen-lengths", "captured"]);
    assert.equal(await run(["--snaplen-lengths", "ip"]), whole);
    assert.ok(whole > captured, `whole-packet payload ${whole} > captured ${captured}`);
    const bad = await runCli(["convert", cut, "-o", "-", "--snaplen-lengths", "wire"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--snaplen-lengths/);
  },
});

Deno.test("convert - and inspect - with a terminal for stdin say so at once instead of waiting for typed bytes", async () => {
  // util-linux `script` runs the command on a pseudo-terminal, as a user's shell would.
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const dir = await Deno.makeTempDir();
  try {
    for (const args of [["convert", "-", "-o", `${dir}/x.csv`], ["inspect", "-"]]) {
      const command = [Deno.execPath(), "run", "-q", "--config", config, "-P", main, ...args].join(" ");
      const out = await new Deno.Command("script", {
        args: ["-qec", command, "/dev/null"],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(20_000),
      }).output();
      assert.equal(out.code, 2, args[0]);
      const hint = `pipe one in (tcpdump -w - | pcap-pipeline ${args[0]} -) or name a file`;
      const said = new TextDecoder().decode(out.stdout);
      assert.ok(said.includes(`standard input, which is a terminal here: ${hint}`), said);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
