import assert from "node:assert/strict";
import { join } from "node:path";
import { Spool } from "../../src/sink/spool.ts";
import type { SinkMessage } from "../../src/sink/message.ts";
import type { Logger } from "../../src/log.ts";

function message(n: number, body = `row-${n}`): SinkMessage {
  return {
    subject: "flows.t",
    id: `t/f.csv/${n}`,
    sensor: "t",
    source: "f.csv",
    row: String(n),
    kind: "flows",
    time: 1_700_000_000_000,
    header: "a,b",
    body,
  };
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: add("DEBUG"), info: add("INFO"), warn: add("WARNING"), error: add("ERROR") };
}

Deno.test("spooled rows are read back in order, and the cursor survives a reopen", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = recordingLog();
    let spool = await Spool.open({ dir, log });
    for (let i = 1; i <= 5; i++) assert(spool.offer(message(i)));
    await spool.sync();
    const records = await spool.read(spool.cursor);
    assert.deepEqual(records.map((r) => r.msg.row), ["1", "2", "3", "4", "5"]);
    spool.ack(records[1].end);
    await spool.close();

    spool = await Spool.open({ dir, log });
    const again = await spool.read(spool.cursor);
    assert.deepEqual(again.map((r) => r.msg.row), ["3", "4", "5"], "acknowledged rows are not read again");
    await spool.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a row cut short by a crash is removed on open, the ones before it kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = recordingLog();
    const spool = await Spool.open({ dir, log });
    spool.offer(message(1));
    spool.offer(message(2));
    await spool.sync();
    await spool.close();
    const [segment] = [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith("spool-"));
    await Deno.writeTextFile(join(dir, segment.name), '{"subject":"flows.t","id":"t/f', { append: true });

    const reopened = await Spool.open({ dir, log });
    assert.deepEqual((await reopened.read(reopened.cursor)).map((r) => r.msg.row), ["1", "2"]);
    assert(log.lines.some((l) => l.includes("cut short")), log.lines.join("\n"));
    reopened.offer(message(3));
    await reopened.sync();
    assert.deepEqual((await reopened.read(reopened.cursor)).map((r) => r.msg.row), ["1", "2", "3"]);
    await reopened.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a full spool refuses rows with one clear log line and takes rows again when acknowledged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = recordingLog();
    const one = JSON.stringify(message(1)).length + 1;
    const spool = await Spool.open({ dir, log, maxBytes: one * 3 });
    assert(spool.offer(message(1)));
    assert(spool.offer(message(2)));
    assert(spool.offer(message(3)));
    assert.deepEqual(spool.offer(message(4)), false);
    assert.deepEqual(spool.offer(message(5)), false);
    assert.deepEqual(spool.dropped, 2);
    assert.deepEqual(log.lines.filter((l) => l.includes("spool full")).length, 1, log.lines.join("\n"));
    await spool.sync();
    const records = await spool.read(spool.cursor);
    spool.ack(records[0].end);
    assert(spool.offer(message(6)));
    assert(log.lines.some((l) => l.includes("room again; 2 rows were not streamed")), log.lines.join("\n"));
    await spool.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segments behind the cursor are deleted; reading crosses segment files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const spool = await Spool.open({ dir, log: recordingLog(), segmentBytes: 600 });
    for (let i = 1; i <= 20; i++) {
      spool.offer(message(i));
      await spool.sync();
    }
    const segments = () => [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith("spool-")).length;
    assert(segments() > 3, `several segments, got ${segments()}`);
    const rows: string[] = [];
    let at = spool.cursor;
    while (at < spool.end) {
      const records = await spool.read(at);
      rows.push(...records.map((r) => r.msg.row));
      at = records.at(-1)!.end;
    }
    assert.deepEqual(rows, Array.from({ length: 20 }, (_, i) => String(i + 1)));
    spool.ack(spool.end);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(segments(), 1, "only the segment being written stays");
    await spool.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
