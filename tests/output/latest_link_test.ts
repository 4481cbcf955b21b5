/**
 * The latest-window link: relative, replaced atomically (a reader polling it
 * always finds a link to a complete file), named after the file's format, and
 * refused with a clear error where Deno's permissions forbid symlinks.
 */
import assert from "node:assert/strict";
import { isAtomicTempName } from "../../src/system/atomic_write.ts";
import { canMakeSymlinks, latestLinkName, pointLatestLink } from "../../src/output/latest_link.ts";

Deno.test("the link is named after the window file's extension", () => {
  assert.equal(latestLinkName("live_capture_20261123_120000.csv"), "latest_capture.csv");
  assert.equal(latestLinkName("live_capture_20261123_120000.ndjson"), "latest_capture.ndjson");
  assert.equal(latestLinkName("live_capture_20261123_120000.parquet"), "latest_capture.parquet");
});

Deno.test("the link is relative, replaced in place, and leaves no temporary names", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.csv`, "x\n1\n");
    await Deno.writeTextFile(`${dir}/b.csv`, "x\n2\n");
    assert.equal(await pointLatestLink(dir, "a.csv"), `${dir}/latest_capture.csv`);
    assert.equal(await Deno.readLink(`${dir}/latest_capture.csv`), "a.csv");
    await pointLatestLink(`${dir}/`, "b.csv");
    assert.equal(await Deno.readLink(`${dir}/latest_capture.csv`), "b.csv");
    assert.equal(await Deno.readTextFile(`${dir}/latest_capture.csv`), "x\n2\n");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["a.csv", "b.csv", "latest_capture.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a reader polling the link while it is repointed never finds it missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = Array.from({ length: 50 }, (_, i) => `w${String(i).padStart(2, "0")}.csv`);
    for (const f of files) await Deno.writeTextFile(`${dir}/${f}`, f);
    await pointLatestLink(dir, files[0]);
    let done = false;
    const seen: string[] = [];
    const reader = (async () => {
      while (!done) {
        seen.push(Deno.readLinkSync(`${dir}/latest_capture.csv`)); // throws NotFound if ever missing
        await new Promise((r) => setTimeout(r, 0));
      }
    })();
    for (const f of files.slice(1)) await pointLatestLink(dir, f);
    done = true;
    await reader;
    assert.ok(seen.length > 0);
    assert.ok(seen.every((s) => files.includes(s)), "every target read is a window file");
    assert.deepEqual(seen, [...seen].sort(), "the link only moves forward");
    assert.equal(Deno.readLinkSync(`${dir}/latest_capture.csv`), files.at(-1));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a link that cannot be made is an error naming it; the old link stays and no temp is left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.csv`, "x\n");
    await Deno.mkdir(`${dir}/latest_capture.ndjson`); // a directory in the way of the ndjson link
    await Deno.writeTextFile(`${dir}/latest_capture.ndjson/keep`, "");
    await assert.rejects(
      pointLatestLink(dir, "a.ndjson"),
      new RegExp(`^Error: ${dir}/latest_capture\\.ndjson: cannot point it at a\\.ndjson: `),
    );
    await assert.rejects(pointLatestLink(dir, "sub/a.csv"), /sub\/a\.csv: not a file name in/);
    assert.ok(![...Deno.readDirSync(dir)].some((e) => isAtomicTempName(e.name)));
    assert.ok((await Deno.stat(`${dir}/latest_capture.ndjson`)).isDirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("symlinks are allowed only with unscoped read and write permissions", async () => {
  assert.equal(canMakeSymlinks(), true, "the tests run with -A");
  const dir = await Deno.makeTempDir();
  try {
    const module = new URL("../../src/output/latest_link.ts", import.meta.url).href;
    await Deno.writeTextFile(
      `${dir}/probe.ts`,
      `import { canMakeSymlinks } from ${JSON.stringify(module)};\nconsole.log(canMakeSymlinks());\n`,
    );
    // Path-scoped grants, as in the binary permission set (the module itself is readable as an import).
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `--allow-read=${dir}`, `--allow-write=${dir}`, `${dir}/probe.ts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "false", new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
