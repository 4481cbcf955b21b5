import assert from "node:assert/strict";
import { runProcess } from "../../src/convert/process_runner.ts";
import { canKillProcessGroups, TailBuffer } from "../../src/system/child_process.ts";

/** Running (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

Deno.test("exit code and the last 4 KiB of stderr are reported; stdout is drained", async () => {
  const r = await runProcess("bash", {
    args: ["-c", 'for i in $(seq 1 3000); do echo "err line $i" >&2; echo "out $i"; done; exit 3'],
  });
  assert.equal(r.code, 3);
  assert.equal(r.timedOut, false);
  assert.equal(r.aborted, false);
  assert.ok(r.stderrTail.endsWith("err line 3000"), r.stderrTail.slice(-40));
  assert.ok(r.stderrTail.startsWith("…"), "a cut tail is marked");
  assert.ok(!r.stderrTail.includes("err line 1\n"));
  assert.ok(new TextEncoder().encode(r.stderrTail).length <= 4096 + 3);
  assert.ok(r.stdoutTail.endsWith("out 3000"));
});

Deno.test("timeout kills the program and the children it started", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/child.pid`;
    const r = await runProcess("bash", {
      args: ["-c", `sleep 30 & echo $! > ${pidFile}; echo started >&2; sleep 30`],
      timeoutMs: 300,
      graceMs: 500,
    });
    assert.equal(r.timedOut, true);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderrTail, "started");
    // Killed, not run to completion (the sleeps last 30 s).
    assert.ok(r.elapsedMs < 10_000, `took ${r.elapsedMs} ms`);
    const childPid = Number(await Deno.readTextFile(pidFile));
    if (canKillProcessGroups()) {
      assert.ok(r.groupKill);
      assert.ok(await waitGone(childPid, 2000), "background child of the program survived the group kill");
    } else {
      Deno.kill(childPid, "SIGKILL");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a program ignoring SIGTERM is killed with SIGKILL after the grace period", async () => {
  const r = await runProcess("bash", {
    args: ["-c", "trap '' TERM; echo ready >&2; while true; do sleep 0.1; done"],
    timeoutMs: 300,
    graceMs: 300,
  });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, "SIGKILL");
  assert.ok(r.elapsedMs < 10_000, `took ${r.elapsedMs} ms`);
});

Deno.test("aborting the signal stops the program and reports aborted, not timed out", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const r = await runProcess("sleep", { args: ["30"], signal: ac.signal, timeoutMs: 60_000 });
  assert.equal(r.aborted, true);
  assert.equal(r.timedOut, false);
  assert.equal(r.signal, "SIGTERM");
});

Deno.test("an already aborted signal does not start the program", async () => {
  const ac = new AbortController();
  ac.abort();
  const r = await runProcess("sleep", { args: ["30"], signal: ac.signal });
  assert.equal(r.aborted, true);
  assert.equal(r.elapsedMs, 0);
});

Deno.test("a missing program rejects with its name", async () => {
  await assert.rejects(
    () => runProcess("no-such-meter-xyz", { args: [] }),
    /no-such-meter-xyz: cannot start/,
  );
});

Deno.test("under a restricted --allow-run the direct child is still killed at the timeout", async () => {
  const script = new URL("../../src/convert/process_runner.ts", import.meta.url).href;
  const helpers = new URL("../../src/system/child_process.ts", import.meta.url).href;
  const code = `import { runProcess } from "${script}";
    import { canKillProcessGroups } from "${helpers}";
    const r = await runProcess("sleep", { args: ["30"], timeoutMs: 200, graceMs: 300 });
    console.log(JSON.stringify({ group: canKillProcessGroups(), timedOut: r.timedOut, ms: r.elapsedMs }));`;
  const dir = await Deno.makeTempDir();
  const file = `${dir}/restricted.ts`;
  await Deno.writeTextFile(file, code);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", "--allow-run=sleep", "--allow-read", file],
    stdout: "piped",
    stderr: "piped",
  }).output().finally(() => Deno.remove(dir, { recursive: true }));
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(r.group, false);
  assert.equal(r.timedOut, true);
  assert.ok(r.ms < 10_000);
});

Deno.test("TailBuffer keeps only the last bytes across chunks", () => {
  const t = new TailBuffer(8);
  const enc = new TextEncoder();
  t.push(enc.encode("abcdef"));
  t.push(enc.encode("ghij"));
  assert.equal(t.text(), "…cdefghij");
  t.push(enc.encode("0123456789"));
  assert.equal(t.text(), "…23456789");
  const small = new TailBuffer(100);
  small.push(enc.encode("  short \n"));
  assert.equal(small.text(), "short");
});
