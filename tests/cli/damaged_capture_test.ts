/**
 * Captures broken or joined the way users break and join them, through the
 * real CLI: a file whose framing breaks midway converts what comes before,
 * says where it broke and fails (as tcpdump does); captures joined with `cat`
 * convert as if joined with `mergecap -a`.
 */
import assert from "node:assert/strict";
import { runCli } from "./run_cli.ts";
import { ownCapture } from "../captures/own_captures.ts";

/** Byte offsets where each record of a little-endian µs classic pcap starts. */
function recordOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const offsets: number[] = [];
  for (let at = 24; at + 16 <= bytes.length; at += 16 + view.getUint32(at + 8, true)) offsets.push(at);
  return offsets;
}

/** The capture's header and records [from, to) as one file. */
function slice(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const at = recordOffsets(bytes);
  const end = to < at.length ? at[to] : bytes.length;
  const out = new Uint8Array(24 + end - at[from]);
  out.set(bytes.subarray(0, 24));
  out.set(bytes.subarray(at[from], end), 24);
  return out;
}

Deno.test("a capture damaged midway: rows for the packets before it, the byte named, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = await Deno.readFile(ownCapture("loopback-http.pcap"));
    const at = recordOffsets(bytes)[30];
    // A record header whose caplen is garbage (as a bad disk sector or a botched copy leaves it).
    const damaged = bytes.slice();
    new DataView(damaged.buffer).setUint32(at + 8, 0x41414141, true);
    await Deno.writeFile(`${dir}/damaged.pcap`, damaged);
    await Deno.writeFile(`${dir}/first30.pcap`, slice(bytes, 0, 30));

    const r = await runCli([
      "convert",
      `${dir}/damaged.pcap`,
      "-o",
      `${dir}/damaged.csv`,
      "--stats-json",
      `${dir}/stats.json`,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `damaged\\.pcap: damaged at byte ${at}, a record claims ${0x41414141} captured bytes .*: ` +
          `nothing after it was read \\(${
            bytes.length - at
          } bytes\\); rows written for the packets before it`,
      ),
    );
    const stats = JSON.parse(await Deno.readTextFile(`${dir}/stats.json`));
    assert.equal(stats.files[0].packets, 30);
    assert.deepEqual(stats.files[0].damage.offset, at);
    assert.deepEqual(stats.failed, [`${dir}/damaged.pcap`]);

    const good = await runCli(["convert", `${dir}/first30.pcap`, "-o", `${dir}/first30.csv`, "-q"]);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(
      await Deno.readTextFile(`${dir}/damaged.csv`),
      await Deno.readTextFile(`${dir}/first30.csv`),
    );

    const inspect = await runCli(["inspect", `${dir}/damaged.pcap`]);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stdout, new RegExp(`framing:\\s+damaged at byte ${at},`));
    assert.match(inspect.stderr, /damaged\.pcap: damaged at byte/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("captures joined with cat convert as one capture, and say they were joined", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = await Deno.readFile(ownCapture("loopback-http.pcap"));
    const [head, tail] = [slice(bytes, 0, 20), slice(bytes, 20, Infinity)];
    const joined = new Uint8Array(head.length + tail.length);
    joined.set(head);
    joined.set(tail, head.length);
    await Deno.writeFile(`${dir}/joined.pcap`, joined);

    const r = await runCli(["convert", `${dir}/joined.pcap`, "-o", `${dir}/joined.csv`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /49 packets.*2 captures joined end to end \(cat\?\), all read/);
    const whole = await runCli(["convert", ownCapture("loopback-http.pcap"), "-o", `${dir}/whole.csv`, "-q"]);
    assert.equal(whole.code, 0, whole.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/joined.csv`), await Deno.readTextFile(`${dir}/whole.csv`));

    const inspect = await runCli(["inspect", "--json", `${dir}/joined.pcap`]);
    assert.equal(inspect.code, 0);
    const report = JSON.parse(inspect.stdout);
    assert.equal(report.packets, 49);
    assert.equal(report.joinedCaptures, 1);
    assert.equal(report.damage, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
