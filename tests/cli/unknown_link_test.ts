/**
 * Packets of a link type the reader does not decode, through the real CLI:
 * named on stderr with their count; a file none of whose packets could be
 * used fails, a file with others still converts them.
 */
import assert from "node:assert/strict";
import { runCli } from "./run_cli.ts";
import { concat, epb, idb, pcapFile, shb, tcpFrame } from "../pcap/build_capture.ts";

/** Link type 147 (LINKTYPE_USER0): private use, so no reader decodes it. */
const USER0 = 147;

Deno.test("a file of an unknown link type fails naming the type; in a pcapng beside a known one it is a warning", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const frames = [1, 2, 3].map((i) => tcpFrame({ sport: 40000, dport: 80, seq: i }));
    await Deno.writeFile(
      `${dir}/user0.pcap`,
      pcapFile(frames.map((data, i) => ({ sec: 1_700_000_000, frac: i, data })), { linkType: USER0 }),
    );
    const r = await runCli([
      "convert",
      `${dir}/user0.pcap`,
      "-o",
      `${dir}/user0.csv`,
      "--stats-json",
      `${dir}/s.json`,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /user0\.pcap: link type 147 is not one the reader decodes: 3 packets skipped .*; no packet of the file could be used/,
    );
    const stats = JSON.parse(await Deno.readTextFile(`${dir}/s.json`));
    assert.deepEqual(stats.files[0].undecodedLinkTypes, [USER0]);
    assert.deepEqual(stats.failed, [`${dir}/user0.pcap`]);
    const inspect = await runCli(["inspect", `${dir}/user0.pcap`]);
    assert.match(inspect.stdout, /link types: +linktype-147 \(147, not decoded\)/);

    // Interface 0 is Ethernet, interface 1 the unknown type: the Ethernet packets make their flow.
    const pcapng = concat(
      shb(),
      idb(1),
      idb(USER0),
      ...frames.map((data, i) => epb(i % 2, 1_700_000_000_000_000n + BigInt(i), data)),
    );
    await Deno.writeFile(`${dir}/mixed.pcapng`, pcapng);
    const mixed = await runCli(["convert", `${dir}/mixed.pcapng`, "-o", `${dir}/mixed.csv`, "-q"]);
    assert.equal(mixed.code, 0, mixed.stderr);
    assert.match(
      mixed.stderr,
      /mixed\.pcapng: link type 147 is not one the reader decodes: 1 packet skipped/,
    );
    assert.doesNotMatch(mixed.stderr, /could be used/);
    assert.equal(
      (await Deno.readTextFile(`${dir}/mixed.csv`)).trim().split("\n").length,
      1 + 1,
      "header and one flow",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
