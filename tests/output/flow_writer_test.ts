import assert from "node:assert/strict";
import { buildLayout, columnKeys, LAYOUT_NAMES, selectColumns } from "../../src/output/columns.ts";
import { csvEncoder } from "../../src/output/csv_writer.ts";
import type { ByteSink } from "../../src/output/byte_sink.ts";
import { BufferedFlowWriter } from "../../src/output/buffered_flow_writer.ts";
import { openFlowWriter } from "../../src/output/flow_writer.ts";
import { isAtomicTempName } from "../../src/system/atomic_write.ts";
import { sampleRecord } from "./sample_record.ts";

/** A small RFC 4180 parser: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === "") {
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else {
      field += c;
    }
  }
  assert.equal(field, "", "file ends with a newline");
  assert.equal(row.length, 0, "file ends with a newline");
  return rows;
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "flow-writer-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listDir(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

Deno.test("CSV round-trips through an RFC 4180 parser with the exact header and quoted labels", async () => {
  await withTempDir(async (dir) => {
    const layout = buildLayout("cic2017");
    const path = `${dir}/flows.csv`;
    const writer = await openFlowWriter({ path, layout });
    const labels = ["BENIGN", "DoS, Hulk", 'say "hi"', "two\nlines", "ünïcode ✓"];
    for (const label of labels) writer.write(sampleRecord({ label }));
    writer.write(sampleRecord({ flowBytesPerSec: NaN, flowPacketsPerSec: Infinity, fwdIatMin: -Infinity }));
    assert.equal(writer.rows, 6);
    await writer.close();
    const rows = parseCsv(await Deno.readTextFile(path));
    assert.deepEqual(rows[0], layout.columns.map((c) => c.name));
    assert.equal(rows.length, 7);
    for (const row of rows) assert.equal(row.length, 85);
    assert.deepEqual(rows.slice(1, 6).map((r) => r[84]), labels);
    const last = rows[6];
    assert.equal(last[20], "NaN");
    assert.equal(last[21], "Infinity");
    assert.equal(last[30], "-Infinity");
    assert.equal(last[0], "10.0.0.9-192.168.10.5-80-51234-6");
    assert.equal(last[6], "2017-07-07T18:30:00.123456Z");
    assert.equal(last[14], "15.25");
    assert.equal(last[61], "41");
  });
});

Deno.test("a ddos2019 row reproduces a published CIC-DDoS2019 row", async () => {
  // CSV-03-11/Portmap.csv, row 162471 (without pandas' index). Java wrote Flow Bytes/s as
  // 4.58E8; we write the same double as 458000000.0.
  const published = "172.16.0.5-192.168.50.4-932-44723-17,172.16.0.5,932,192.168.50.4,44723,17," +
    "2018-11-03 10:01:35.983831,1,2,0,458.0,0.0,229.0,229.0,229.0,0.0,0.0,0.0,0.0,0.0,4.58E8,2000000.0," +
    "1.0,0.0,1.0,1.0,1.0,1.0,0.0,1.0,1.0,0.0,0.0,0.0,0.0,0.0,0,0,0,0,40,0,2000000.0,0.0,229.0,229.0,229.0," +
    "0.0,0.0,0,0,0,0,0,0,0,0,0.0,343.5,229.0,0.0,40,0,0,0,0,0,0,2,458,0,0,-1,-1,1,20,0.0,0.0,0.0,0.0,0.0," +
    "0.0,0.0,0.0,0,1,Portmap";
  const zero = Object.fromEntries(Object.keys(sampleRecord()).map((k) => [k, 0]));
  const r = sampleRecord({
    ...zero,
    flowId: "172.16.0.5-192.168.50.4-932-44723-17",
    srcIp: "172.16.0.5",
    srcPort: 932,
    dstIp: "192.168.50.4",
    dstPort: 44723,
    protocol: 17,
    timestampUs: Date.UTC(2018, 10, 3, 10, 1, 35) * 1000 + 983831,
    flowDuration: 1,
    totalFwdPackets: 2,
    totalLengthFwd: 458,
    fwdPktLenMax: 229,
    fwdPktLenMin: 229,
    fwdPktLenMean: 229,
    flowBytesPerSec: 4.58e8,
    flowPacketsPerSec: 2e6,
    flowIatMean: 1,
    flowIatMax: 1,
    flowIatMin: 1,
    fwdIatTotal: 1,
    fwdIatMean: 1,
    fwdIatMax: 1,
    fwdIatMin: 1,
    fwdHeaderLength: 40,
    fwdPacketsPerSec: 2e6,
    pktLenMin: 229,
    pktLenMax: 229,
    pktLenMean: 229,
    avgPacketSize: 343.5,
    avgFwdSegmentSize: 229,
    subflowFwdPackets: 2,
    subflowFwdBytes: 458,
    initWinBytesFwd: -1,
    initWinBytesBwd: -1,
    actDataPktFwd: 1,
    minSegSizeFwd: 20,
    label: "Portmap",
  });
  await withTempDir(async (dir) => {
    const path = `${dir}/ddos.csv`;
    const writer = await openFlowWriter({ path, layout: buildLayout("ddos2019") });
    writer.write(r);
    await writer.close();
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines[1], published.replace("4.58E8", "458000000.0"));
    assert.equal(lines[2], "");
  });
});

Deno.test("the final file does not exist until close, then has mode 0600 and no temp file remains", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/flows.csv`;
    // A small buffer so rows reach the temp file before close.
    const writer = await openFlowWriter({ path, layout: buildLayout("cicflowmeter4"), bufferSize: 4096 });
    for (let i = 0; i < 100; i++) writer.write(sampleRecord({ srcPort: i }));
    await writer.flush();
    const during = await listDir(dir);
    assert.equal(during.length, 1);
    assert.ok(isAtomicTempName(during[0]), during[0]);
    assert.ok((await Deno.stat(`${dir}/${during[0]}`)).size > 4096);
    await writer.close();
    assert.deepEqual(await listDir(dir), ["flows.csv"]);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    assert.equal(lines.length, 101);
    assert.throws(() => writer.write(sampleRecord()), /write after close/);
  });
});

Deno.test("abort leaves neither the file nor a temp file", async () => {
  await withTempDir(async (dir) => {
    const writer = await openFlowWriter({
      path: `${dir}/flows.csv`,
      layout: buildLayout("cic2017"),
      bufferSize: 2048,
    });
    for (let i = 0; i < 50; i++) writer.write(sampleRecord());
    await writer.abort();
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("a configured file mode is applied", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/flows.csv`;
    const writer = await openFlowWriter({ path, layout: buildLayout("cic2017"), fileMode: 0o640 });
    writer.write(sampleRecord());
    await writer.close();
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
  });
});

Deno.test("field subsets write only the chosen columns in the chosen order", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/subset.csv`;
    const layout = selectColumns(buildLayout("cic2017"), ["Label", "Source IP", "Flow Duration"]);
    const writer = await openFlowWriter({ path, layout });
    writer.write(sampleRecord());
    await writer.close();
    assert.equal(
      await Deno.readTextFile(path),
      " Label, Source IP, Flow Duration\nBENIGN,192.168.10.5,1234567\n",
    );
  });
});

Deno.test("NDJSON lines parse as objects keyed by trimmed names, duplicate as .1, NaN as strings", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/flows.ndjson`;
    const layout = buildLayout("cic2017");
    const writer = await openFlowWriter({ path, layout, format: "ndjson" });
    writer.write(sampleRecord({ label: 'x "quoted",\nlabel' }));
    writer.write(sampleRecord({ flowBytesPerSec: NaN, flowPacketsPerSec: Infinity }));
    await writer.close();
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines.length, 3);
    assert.equal(lines[2], "");
    const [a, b] = lines.slice(0, 2).map((l) => JSON.parse(l));
    assert.deepEqual(Object.keys(a), columnKeys(layout));
    assert.equal(Object.keys(a).length, 85);
    assert.equal(a["Source IP"], "192.168.10.5");
    assert.equal(a["Source Port"], 51234);
    assert.equal(a["Fwd Header Length"], 41);
    assert.equal(a["Fwd Header Length.1"], 41);
    assert.equal(a["Fwd Packet Length Mean"], 15.25);
    assert.equal(a["Label"], 'x "quoted",\nlabel');
    assert.equal(b["Flow Bytes/s"], "NaN");
    assert.equal(b["Flow Packets/s"], "Infinity");
  });
});

Deno.test("NDJSON with epoch timestamps writes the timestamp as a number", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/flows.ndjson`;
    const writer = await openFlowWriter({
      path,
      format: "ndjson",
      layout: selectColumns(buildLayout("python", { timestampFormat: "epoch" }), ["timestamp", "src_ip"]),
    });
    writer.write(sampleRecord());
    await writer.close();
    assert.equal(await Deno.readTextFile(path), '{"timestamp":1499452200123456,"src_ip":"192.168.10.5"}\n');
  });
});

Deno.test("many rows across many buffers arrive complete and in order", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/big.csv`;
    const layout = selectColumns(buildLayout("cic2017"), ["Source Port", "Label"]);
    const writer = await openFlowWriter({ path, layout, bufferSize: 1000, highWaterMark: 3000 });
    let sawBacklog = false;
    for (let i = 0; i < 20000; i++) {
      writer.write(sampleRecord({ srcPort: i, label: i % 1000 === 0 ? "x".repeat(5000) : "ok" }));
      if (writer.backlogged) {
        sawBacklog = true;
        await writer.ready();
        assert.ok(!writer.backlogged);
      }
    }
    await writer.close();
    assert.ok(sawBacklog);
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    assert.equal(lines.length, 20001);
    for (let i = 0; i < 20000; i++) {
      assert.equal(lines[i + 1], `${i},${i % 1000 === 0 ? "x".repeat(5000) : "ok"}`);
    }
  });
});

Deno.test("append mode writes the header once and appends rows across openings", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/live.csv`;
    const layout = selectColumns(buildLayout("cicflowmeter4"), ["Src Port", "Label"]);
    for (let round = 0; round < 2; round++) {
      const writer = await openFlowWriter({ path, layout, append: true });
      writer.write(sampleRecord({ srcPort: round * 10 + 1 }));
      writer.write(sampleRecord({ srcPort: round * 10 + 2 }));
      await writer.close();
    }
    assert.equal(await Deno.readTextFile(path), "Src Port,Label\n1,BENIGN\n2,BENIGN\n11,BENIGN\n12,BENIGN\n");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  });
});

Deno.test("append mode flushes after N rows and after the flush interval", async () => {
  await withTempDir(async (dir) => {
    const layout = selectColumns(buildLayout("cic2017"), ["Source Port"]);
    const byRows = `${dir}/rows.csv`;
    const w1 = await openFlowWriter({
      path: byRows,
      layout,
      append: true,
      flushRows: 3,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 3; i++) w1.write(sampleRecord({ srcPort: i }));
    await waitFor(async () => (await Deno.readTextFile(byRows)) === " Source Port\n0\n1\n2\n");
    await w1.close();

    const byTime = `${dir}/time.csv`;
    const w2 = await openFlowWriter({
      path: byTime,
      layout,
      append: true,
      flushRows: 1000,
      flushIntervalMs: 20,
    });
    w2.write(sampleRecord({ srcPort: 7 }));
    await waitFor(async () => (await Deno.readTextFile(byTime)) === " Source Port\n7\n");
    await w2.close();
  });
});

Deno.test("append mode refuses a file with another header and cuts a partial last row", async () => {
  await withTempDir(async (dir) => {
    const layout = selectColumns(buildLayout("cic2017"), ["Source Port", "Label"]);
    const other = `${dir}/other.csv`;
    await Deno.writeTextFile(other, "a,b\n1,2\n");
    await assert.rejects(
      openFlowWriter({ path: other, layout, append: true }),
      (err: Error) => err.message.includes(other) && err.message.includes("different header"),
    );
    const crashed = `${dir}/crashed.csv`;
    await Deno.writeTextFile(crashed, " Source Port, Label\n1,BENIGN\n2,BEN");
    const writer = await openFlowWriter({ path: crashed, layout, append: true });
    writer.write(sampleRecord({ srcPort: 3 }));
    await writer.close();
    assert.equal(await Deno.readTextFile(crashed), " Source Port, Label\n1,BENIGN\n3,BENIGN\n");
  });
});

Deno.test("stdout destination writes header and rows to standard output", async () => {
  const script = `
    import { buildLayout, selectColumns } from "${new URL("../../src/output/columns.ts", import.meta.url)}";
    import { openFlowWriter } from "${new URL("../../src/output/flow_writer.ts", import.meta.url)}";
    import { sampleRecord } from "${new URL("./sample_record.ts", import.meta.url)}";
    const layout = selectColumns(buildLayout("cic2017"), ["Source IP", "Label"]);
    const w = await openFlowWriter({ path: "-", layout });
    w.write(sampleRecord());
    w.write(sampleRecord({ label: "a,b" }));
    await w.close();
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assert.equal(new TextDecoder().decode(out.stderr), "");
  assert.equal(
    new TextDecoder().decode(out.stdout),
    ' Source IP, Label\n192.168.10.5,BENIGN\n192.168.10.5,"a,b"\n',
  );
});

const haveDevFull = (() => {
  try {
    return Deno.statSync("/dev/full").isCharDevice === true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "a failing disk (ENOSPC on /dev/full) surfaces on close, naming the file",
  ignore: !haveDevFull,
  async fn() {
    const writer = await openFlowWriter({ path: "/dev/full", layout: buildLayout("cic2017"), append: true });
    writer.write(sampleRecord());
    await assert.rejects(
      writer.close(),
      (err: Error) => err.message.startsWith("/dev/full: writing flows failed"),
    );
  },
});

Deno.test("after a failed write, ready() rejects, further writes throw and close aborts the sink", async () => {
  const calls: string[] = [];
  const sink: ByteSink = {
    name: "broken.csv",
    needsHeader: true,
    write: () => Promise.reject(new Error("EIO")),
    close: () => {
      calls.push("close");
      return Promise.resolve();
    },
    abort: () => {
      calls.push("abort");
      return Promise.resolve();
    },
  };
  const writer = new BufferedFlowWriter(sink, csvEncoder(buildLayout("cic2017")), { bufferSize: 256 });
  writer.write(sampleRecord()); // bigger than the buffer: handed off at once
  await assert.rejects(writer.flush(), /broken\.csv: writing flows failed: EIO/);
  await assert.rejects(writer.ready(), /EIO/);
  assert.throws(() => writer.write(sampleRecord()), /EIO/);
  await assert.rejects(writer.close(), /EIO/);
  assert.deepEqual(calls, ["abort"]);
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail("condition not reached within 2 s");
}

Deno.test("the direct byte encoding equals the string row for varied values", () => {
  const values = [
    0,
    1,
    -1,
    9,
    10,
    99,
    100,
    2147483647,
    2147483648,
    -2147483649,
    9007199254740991,
    0.5,
    -0.25,
  ];
  // Labels that are copied as they are, quoted for a comma, quote, CR or LF, or not ASCII.
  const LABELS = ["BENIGN", "DoS, ünïcode ✓", 'say "hi"', "two\nlines", "cr\rhere", "ünïcode", "L-1 x"];
  const extra = [1 / 3, 1e21, 1e-7, NaN, Infinity, -Infinity, 458000000, -0];
  const decoder = new TextDecoder();
  const layouts = [
    ...LAYOUT_NAMES.map((name) => buildLayout(name)),
    buildLayout("cic2017", { timestampFormat: "epoch" }),
    selectColumns(buildLayout("ddos2019"), ["Label", "Flow Bytes/s", " Inbound", "Timestamp", "Source Port"]),
  ];
  for (const layout of layouts) {
    const name = `${layout.name} (${layout.columns.length} columns)`;
    const enc = csvEncoder(layout);
    const buf = new Uint8Array(4096);
    [...values, ...extra].forEach((v, i) => {
      const r = sampleRecord({
        flowDuration: v,
        srcPort: values[i % values.length],
        fwdPktLenMean: v,
        flowBytesPerSec: v,
        initWinBytesFwd: v,
        label: LABELS[i % LABELS.length],
      });
      const end = enc.encodeInto!(r, buf, 7);
      assert.equal(decoder.decode(buf.subarray(7, end)), enc.row(r), `${name} value ${v}`);
    });
    // At every size of the buffer: all of the row or -1, never a cut row (plain, quoted, non-ASCII).
    for (const label of ["ünïcode ✓", 'a "b",c', "plain"]) {
      const r = sampleRecord({ label });
      const row = new TextEncoder().encode(enc.row(r));
      for (let size = 0; size <= row.length + 80; size++) {
        const small = new Uint8Array(size);
        const end = enc.encodeInto!(r, small, 0);
        if (end >= 0) assert.deepEqual(small.subarray(0, end), row, `${name}: buffer of ${size}`);
      }
      assert.ok(enc.encodeInto!(r, new Uint8Array(row.length + 80), 0) > 0, "a buffer with room is used");
    }
  }
});
