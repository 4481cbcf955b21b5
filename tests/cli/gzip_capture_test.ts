/**
 * `convert` and `inspect` of a gzip-compressed capture, as a user runs them:
 * the same rows as the plain file on either reading path.
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { runCli } from "./run_cli.ts";
import { ownCapture } from "../captures/own_captures.ts";

Deno.test("convert FILE.pcap.gz writes the rows of the plain capture, on one thread or with the reader thread", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const plain = ownCapture("loopback-http.pcap");
    await Deno.writeFile(`${dir}/http.pcap.gz`, zlib.gzipSync(await Deno.readFile(plain)));
    const want = await runCli(["convert", plain, "-o", `${dir}/plain.csv`, "-q"]);
    assert.equal(want.code, 0, want.stderr);
    const expected = await Deno.readTextFile(`${dir}/plain.csv`);
    for (const mode of ["--no-reader-thread", "--reader-thread"]) {
      const r = await runCli(["convert", `${dir}/http.pcap.gz`, "-o", `${dir}/gz.csv`, mode]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /49 packets, 49 used for flows/);
      assert.equal(await Deno.readTextFile(`${dir}/gz.csv`), expected, mode);
    }
    const inspect = await runCli(["inspect", `${dir}/http.pcap.gz`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(
      inspect.stdout,
      /format:\s+pcap, little-endian, timestamps in us, snaplen \d+, gzip-compressed/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gzip piped into stdin: convert - writes the plain capture's rows, inspect - reports it gzip-compressed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const plain = await Deno.readFile(ownCapture("loopback-http.pcap"));
    const gz = zlib.gzipSync(plain);
    const want = await runCli(["convert", "-", "-o", `${dir}/plain.csv`, "-q"], { stdin: plain });
    assert.equal(want.code, 0, want.stderr);
    const got = await runCli(["convert", "-", "-o", `${dir}/gz.csv`, "-q"], { stdin: gz });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/gz.csv`), await Deno.readTextFile(`${dir}/plain.csv`));
    const inspect = await runCli(["inspect", "--json", "-"], { stdin: gz });
    assert.equal(inspect.code, 0, inspect.stderr);
    const report = JSON.parse(inspect.stdout);
    assert.deepEqual([report.file, report.format.compression, report.bytes], ["-", "gzip", plain.length]);
    const twice = await runCli(["inspect", "-", "-"], { stdin: gz });
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /stdin \(-\) can be read only once/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
