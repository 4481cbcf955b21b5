/**
 * Records of all flows share one V8 hidden class (flow_features.ts,
 * seedRecordShape): writers read each column from one call site, which
 * stays fast only while it sees a single class. Checked in a child process
 * with V8's natives syntax, on the repo's captures, in every profile.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);

Deno.test("the records of every flow of a capture share one hidden class, in every profile", async () => {
  const dir = await Deno.makeTempDir({ prefix: "record-shape-" });
  try {
    const script = `${dir}/shape.js`;
    // Records from several captures into one list: the first flows give whole numbers where later
    // ones give fractions, which is what split records into several classes before the seed.
    await Deno.writeTextFile(
      script,
      `
const { FlowMeter } = await import(${JSON.stringify(new URL("src/flow/meter.ts", root).href)});
const { readCaptureFile } = await import(${JSON.stringify(new URL("src/pcap/reader.ts", root).href)});
const dir = ${JSON.stringify(new URL("testdata/captures/", root).pathname)};
const captures = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => /\\.pcap(ng)?$/.test(n)).sort();
for (const profile of ["cic2017", "corrected", "engelen"]) {
  const rows = [];
  for (const name of captures) {
    const meter = new FlowMeter({ profile, keepSinglePacketFlows: true }, (r) => rows.push(r));
    await readCaptureFile(${
        JSON.stringify(new URL("testdata/captures/", root).pathname)
      } + name, meter.addPacket);
    meter.flush();
  }
  // Maps first: reading a field moves a record off a deprecated map.
  const others = rows.filter((r) => !%HaveSameMap(r, rows[0])).length;
  const fractions = rows.filter((r) => !Number.isInteger(r.flowIatMean)).length;
  console.log(JSON.stringify({ profile, rows: rows.length, fractions, others }));
}
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--allow-natives-syntax", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const results = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(results.length, 3);
    for (const r of results) {
      assert.ok(
        r.rows > 50 && r.fractions > 0 && r.fractions < r.rows,
        `${r.profile}: a mix of whole and fractional values`,
      );
      assert.equal(r.others, 0, `${r.profile}: ${r.others} of ${r.rows} records have another hidden class`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
