import assert from "node:assert/strict";
import {
  atomicTempPath,
  isAtomicTempName,
  openAtomicFile,
  withAtomicFile,
  writeAll,
  writeFileAtomic,
} from "../../src/system/atomic_write.ts";

const enc = new TextEncoder();

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

Deno.test("writeFileAtomic writes the data with mode 0600 and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/flows.csv`;
    await writeFileAtomic(path, "a,b\n1,2\n");
    assert.equal(await Deno.readTextFile(path), "a,b\n1,2\n");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual(await names(dir), ["flows.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic honours a configured mode and replaces an existing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/report.json`;
    await Deno.writeTextFile(path, "old contents that are longer");
    await writeFileAtomic(path, enc.encode("{}"), { mode: 0o640 });
    assert.equal(await Deno.readTextFile(path), "{}");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the final name does not exist until commit, then only it exists", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/out.csv`;
    const out = await openAtomicFile(path);
    await writeAll(out.file, enc.encode("half a fi"));
    assert.equal(await exists(path), false);
    const listed = await names(dir);
    assert.equal(listed.length, 1);
    assert.ok(isAtomicTempName(listed[0]), listed[0]);
    assert.ok(listed[0].startsWith(".out.csv.tmp-"));
    await out.commit();
    assert.deepEqual(await names(dir), ["out.csv"]);
    assert.equal(await Deno.readTextFile(path), "half a fi");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("abort leaves nothing behind and keeps an older file intact", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/out.csv`;
    await Deno.writeTextFile(path, "previous");
    const out = await openAtomicFile(path);
    await writeAll(out.file, enc.encode("new rows"));
    await out.abort();
    await out.abort(); // second call is harmless
    assert.deepEqual(await names(dir), ["out.csv"]);
    assert.equal(await Deno.readTextFile(path), "previous");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failure inside withAtomicFile removes the temp file and rethrows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/out.csv`;
    await assert.rejects(
      withAtomicFile(path, async (file) => {
        await writeAll(file, enc.encode("partial"));
        throw new Error("disk on fire");
      }),
      /disk on fire/,
    );
    assert.deepEqual(await names(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writing into a missing directory fails naming the path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/nope/out.csv`;
    await assert.rejects(writeFileAtomic(path, "x"), (err: Error) => err.message.includes(path));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("temp names stay in the file's directory and are recognisable", () => {
  const t = atomicTempPath("a/b/flows.csv");
  assert.match(t, /^a\/b\/\.flows\.csv\.tmp-\d+-[0-9a-z]+$/);
  assert.ok(isAtomicTempName(t.slice(4)));
  assert.ok(!isAtomicTempName("flows.csv"));
  assert.ok(!isAtomicTempName(".flows.csv"));
  assert.throws(() => atomicTempPath("dir/"), /not a file name/);
});
