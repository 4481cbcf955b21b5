/**
 * Which window layouts the MPI DDoS detector can read, through the reader in
 * tests/e2e/detector_contract.ts that follows its rules: ddos2019 (the
 * `windows` default) and cic2017 give it all 15 fields with the right values;
 * cicflowmeter4, cicids2018 and python do not (the README's consumer table).
 */
import assert from "node:assert/strict";
import { buildLayout, type LayoutName } from "../../src/output/columns.ts";
import { openFlowWriter } from "../../src/output/flow_writer.ts";
import { withLabelColumn } from "../../src/live/windows_session.ts";
import { parseDetectorCsv, splitDetectorLine } from "../e2e/detector_contract.ts";
import { sampleRecord } from "../output/sample_record.ts";

/** One window file in `layout`, as `windows` writes it: the sample flow (Attack) and a Benign one. */
async function windowText(layout: LayoutName): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/w.csv`;
    const writer = await openFlowWriter({ path, layout: withLabelColumn(buildLayout(layout)) });
    writer.write(sampleRecord({ label: "Attack" }));
    writer.write(sampleRecord({ label: "Benign", srcIp: "10.0.0.7" }));
    await writer.close();
    return await Deno.readTextFile(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const layout of ["ddos2019", "cic2017"] as const) {
  Deno.test(`${layout} windows give the detector all 15 fields, every row complete`, async () => {
    const w = parseDetectorCsv(await windowText(layout), "w.csv");
    assert.equal(w.rejected, 0);
    assert.equal(w.rows.length, 2);
    const [attack, benign] = w.rows;
    assert.equal(attack.srcIp, "192.168.10.5");
    assert.equal(attack.dstIp, "10.0.0.9");
    assert.equal(attack.srcPort, 51234);
    assert.equal(attack.dstPort, 80);
    assert.equal(attack.protocol, 6);
    assert.equal(attack.flowDuration, 1_234_567);
    assert.equal(attack.totalFwdPackets, 9);
    assert.equal(attack.totalBwdPackets, 10);
    assert.equal(attack.flowBytesPerSec, 21.5);
    assert.equal(attack.flowPacketsPerSec, 22.25);
    // Its first-match rule takes "packet length mean" from the earlier " Fwd Packet Length Mean" column.
    assert.equal(attack.packetLengthMean, 15.25);
    assert.equal(attack.isAttack, true);
    assert.equal(benign.isAttack, false);
    assert.equal(benign.srcIp, "10.0.0.7");
  });
}

Deno.test("cicflowmeter4, cicids2018 and python windows miss fields the detector looks for", async () => {
  const missing = async (layout: LayoutName) => {
    try {
      parseDetectorCsv(await windowText(layout), layout);
      return "";
    } catch (err) {
      return (err as Error).message;
    }
  };
  // Short names: "Tot Fwd Pkts", "Flow Byts/s"; the detector reads these as 0.
  assert.match(await missing("cicids2018"), /total fwd packets, total backward packets, flow bytes\/s/);
  // "Total Fwd Packet" (singular): the detector's alias "fwd packets" then hits "Fwd Packets/s".
  assert.match(await missing("cicflowmeter4"), /total fwd packets/);
  // src_ip: the detector rejects the file ("missing essential columns").
  assert.match(await missing("python"), /no column for source ip, destination ip/);
});

Deno.test("the detector's line splitting: quotes toggle and are dropped, fields trimmed", () => {
  assert.deepEqual(splitDetectorLine(' a ,"b,c", d'), ["a", "b,c", "d"]);
  assert.deepEqual(splitDetectorLine(""), [""]);
});
