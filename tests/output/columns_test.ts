import assert from "node:assert/strict";
import {
  buildLayout,
  columnKeys,
  type LayoutName,
  parseLayoutName,
  selectColumns,
} from "../../src/output/columns.ts";
import { ignoreWithout, SHARED_TESTDATA } from "../requirements.ts";
import { sampleRecord } from "./sample_record.ts";

const names = (layout: { columns: readonly { name: string }[] }) => layout.columns.map((c) => c.name);

/** CIC-DDoS2019 header as published (CSV-03-11/Portmap.csv), without pandas' `Unnamed: 0` index. */
const DDOS2019_HEADER =
  "Flow ID, Source IP, Source Port, Destination IP, Destination Port, Protocol, Timestamp, " +
  "Flow Duration, Total Fwd Packets, Total Backward Packets,Total Length of Fwd Packets, Total Length of Bwd Packets, " +
  "Fwd Packet Length Max, Fwd Packet Length Min, Fwd Packet Length Mean, Fwd Packet Length Std,Bwd Packet Length Max, " +
  "Bwd Packet Length Min, Bwd Packet Length Mean, Bwd Packet Length Std,Flow Bytes/s, Flow Packets/s, Flow IAT Mean, " +
  "Flow IAT Std, Flow IAT Max, Flow IAT Min,Fwd IAT Total, Fwd IAT Mean, Fwd IAT Std, Fwd IAT Max, Fwd IAT Min," +
  "Bwd IAT Total, Bwd IAT Mean, Bwd IAT Std, Bwd IAT Max, Bwd IAT Min,Fwd PSH Flags, Bwd PSH Flags, Fwd URG Flags, " +
  "Bwd URG Flags, Fwd Header Length, Bwd Header Length,Fwd Packets/s, Bwd Packets/s, Min Packet Length, " +
  "Max Packet Length, Packet Length Mean, Packet Length Std, Packet Length Variance,FIN Flag Count, SYN Flag Count, " +
  "RST Flag Count, PSH Flag Count, ACK Flag Count, URG Flag Count, CWE Flag Count, ECE Flag Count, Down/Up Ratio, " +
  "Average Packet Size, Avg Fwd Segment Size, Avg Bwd Segment Size, Fwd Header Length.1,Fwd Avg Bytes/Bulk, " +
  "Fwd Avg Packets/Bulk, Fwd Avg Bulk Rate, Bwd Avg Bytes/Bulk, Bwd Avg Packets/Bulk,Bwd Avg Bulk Rate," +
  "Subflow Fwd Packets, Subflow Fwd Bytes, Subflow Bwd Packets, Subflow Bwd Bytes,Init_Win_bytes_forward, " +
  "Init_Win_bytes_backward, act_data_pkt_fwd, min_seg_size_forward,Active Mean, Active Std, Active Max, Active Min," +
  "Idle Mean, Idle Std, Idle Max, Idle Min,SimillarHTTP, Inbound, Label";

/** CIC-IDS2017 (TrafficLabelling) header: the same 2017 names, duplicate not renamed, no DDoS extras. */
const CIC2017_HEADER = DDOS2019_HEADER.replace(" Fwd Header Length.1,", " Fwd Header Length,")
  .replace("SimillarHTTP, Inbound,", "");

/**
 * The header of every Java CICFlowMeter master CSV in ../shared/testdata/reference/java-master/
 * (CICFlowMeter 4.0, HEAD 98a5eba; spec §0 "JM"), kept here so the check runs anywhere.
 */
const JAVA_MASTER_HEADER =
  "Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,Total Fwd Packet," +
  "Total Bwd packets,Total Length of Fwd Packet,Total Length of Bwd Packet,Fwd Packet Length Max," +
  "Fwd Packet Length Min,Fwd Packet Length Mean,Fwd Packet Length Std,Bwd Packet Length Max," +
  "Bwd Packet Length Min,Bwd Packet Length Mean,Bwd Packet Length Std,Flow Bytes/s,Flow Packets/s," +
  "Flow IAT Mean,Flow IAT Std,Flow IAT Max,Flow IAT Min,Fwd IAT Total,Fwd IAT Mean,Fwd IAT Std," +
  "Fwd IAT Max,Fwd IAT Min,Bwd IAT Total,Bwd IAT Mean,Bwd IAT Std,Bwd IAT Max,Bwd IAT Min," +
  "Fwd PSH Flags,Bwd PSH Flags,Fwd URG Flags,Bwd URG Flags,Fwd Header Length,Bwd Header Length," +
  "Fwd Packets/s,Bwd Packets/s,Packet Length Min,Packet Length Max,Packet Length Mean," +
  "Packet Length Std,Packet Length Variance,FIN Flag Count,SYN Flag Count,RST Flag Count," +
  "PSH Flag Count,ACK Flag Count,URG Flag Count,CWR Flag Count,ECE Flag Count,Down/Up Ratio," +
  "Average Packet Size,Fwd Segment Size Avg,Bwd Segment Size Avg,Fwd Bytes/Bulk Avg," +
  "Fwd Packet/Bulk Avg,Fwd Bulk Rate Avg,Bwd Bytes/Bulk Avg,Bwd Packet/Bulk Avg,Bwd Bulk Rate Avg," +
  "Subflow Fwd Packets,Subflow Fwd Bytes,Subflow Bwd Packets,Subflow Bwd Bytes,FWD Init Win Bytes," +
  "Bwd Init Win Bytes,Fwd Act Data Pkts,Fwd Seg Size Min,Active Mean,Active Std,Active Max," +
  "Active Min,Idle Mean,Idle Std,Idle Max,Idle Min,Label";

async function javaMasterHeader(): Promise<string> {
  const dir = new URL("java-master/", new URL("reference/", SHARED_TESTDATA));
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".csv")) continue;
    const text = await Deno.readTextFile(new URL(e.name, dir));
    return text.slice(0, text.indexOf("\n")).replace(/\r$/, "");
  }
  throw new Error(`no reference CSV in ${dir}`);
}

Deno.test("cic2017 layout is the exact 85-column CIC-IDS2017 header with leading spaces and the duplicate", () => {
  const layout = buildLayout("cic2017");
  assert.equal(layout.columns.length, 85);
  assert.equal(names(layout).join(","), CIC2017_HEADER);
  assert.equal(layout.columns[1].name, " Source IP");
  assert.equal(layout.columns[40].name, " Fwd Header Length");
  assert.equal(layout.columns[61].name, " Fwd Header Length");
  assert.equal(layout.columns[55].name, " CWE Flag Count");
  assert.equal(layout.columns[84].name, " Label");
});

Deno.test("ddos2019 layout has 87 columns: .1 duplicate, SimillarHTTP and Inbound before Label", () => {
  const layout = buildLayout("ddos2019");
  assert.equal(layout.columns.length, 87);
  assert.equal(names(layout).join(","), DDOS2019_HEADER);
  assert.deepEqual(names(layout).slice(-4), [" Idle Min", "SimillarHTTP", " Inbound", " Label"]);
  assert.equal(layout.floatStyle, "point");
});

Deno.test("cicflowmeter4 header equals the Java master header byte for byte", () => {
  const layout = buildLayout("cicflowmeter4");
  assert.equal(layout.columns.length, 84);
  assert.equal(names(layout).join(","), JAVA_MASTER_HEADER);
});

Deno.test({
  name: "the Java master header kept in this test is the one of the reference CSVs in ../shared",
  ignore: ignoreWithout("shared-reference"),
  fn: async () => assert.equal(await javaMasterHeader(), JAVA_MASTER_HEADER),
});

Deno.test("cicids2018 layout has the 84 J3-Ex short names", () => {
  const n = names(buildLayout("cicids2018"));
  assert.equal(n.length, 84);
  assert.deepEqual(n.slice(0, 12), [
    "Flow ID",
    "Src IP",
    "Src Port",
    "Dst IP",
    "Dst Port",
    "Protocol",
    "Timestamp",
    "Flow Duration",
    "Tot Fwd Pkts",
    "Tot Bwd Pkts",
    "TotLen Fwd Pkts",
    "TotLen Bwd Pkts",
  ]);
  assert.ok(n.includes("CWE Flag Count"));
  assert.ok(n.includes("Init Fwd Win Byts"));
  assert.equal(n[83], "Label");
  assert.equal(new Set(n).size, 84);
});

Deno.test("python layout has hieulw's 82 snake_case keys in its order", () => {
  const n = names(buildLayout("python"));
  assert.equal(n.length, 82);
  assert.deepEqual(n.slice(0, 8), [
    "src_ip",
    "dst_ip",
    "src_port",
    "dst_port",
    "protocol",
    "timestamp",
    "flow_duration",
    "flow_byts_s",
  ]);
  assert.deepEqual(n.slice(-5), [
    "cwr_flag_count",
    "subflow_fwd_pkts",
    "subflow_bwd_pkts",
    "subflow_fwd_byts",
    "subflow_bwd_byts",
  ]);
  assert.equal(new Set(n).size, 82);
  assert.ok(!n.includes("label") && !n.includes("flow_id"));
});

Deno.test("python cwr_flag_count holds the CWR count, not P's copy of fwd_urg_flags", () => {
  const layout = buildLayout("python");
  const r = sampleRecord();
  const value = (name: string) => layout.columns.find((c) => c.name === name)!.value(r);
  assert.equal(value("cwr_flag_count"), 56);
  assert.equal(value("fwd_urg_flags"), 39);
  assert.equal(value("tot_fwd_pkts"), 9);
  assert.equal(value("init_fwd_win_byts"), 73);
});

Deno.test("every CIC layout puts each record field at its catalogue position", () => {
  // sampleRecord's numbers from column 13 on encode their position: 13.5 at 13, 41 at 41, 73 at 73, …
  const r = sampleRecord();
  for (const name of ["cic2017", "ddos2019", "cicids2018", "cicflowmeter4"] as const) {
    const layout = buildLayout(name, { timestampFormat: "epoch" });
    const hasDuplicate = name === "cic2017" || name === "ddos2019";
    for (let i = 12; i < (hasDuplicate ? 84 : 83); i++) {
      const position = hasDuplicate || i < 61 ? i + 1 : i + 2;
      const expected = position === 62 ? 41 : position;
      assert.equal(
        Math.floor(layout.columns[i].value(r) as number),
        expected,
        `${name} ${layout.columns[i].name}`,
      );
    }
    assert.equal(layout.columns[0].value(r), r.flowId);
    assert.equal(layout.columns[4].value(r), 80);
    assert.equal(layout.columns[6].value(r), r.timestampUs);
    assert.equal(layout.columns[10].value(r), 1100);
    assert.equal(layout.columns.at(-1)!.value(r), "BENIGN");
  }
});

Deno.test("no-value −1 windows are 0 in cicflowmeter4 and python, −1 in cic2017, cicids2018, ddos2019", () => {
  const r = sampleRecord({ initWinBytesFwd: -1, initWinBytesBwd: -1 });
  const winValues = (name: LayoutName, fwd: string, bwd: string) => {
    const layout = buildLayout(name);
    const get = (n: string) => layout.columns.find((c) => c.name === n)!.value(r);
    return [get(fwd), get(bwd)];
  };
  assert.deepEqual(winValues("cic2017", "Init_Win_bytes_forward", " Init_Win_bytes_backward"), [-1, -1]);
  assert.deepEqual(winValues("ddos2019", "Init_Win_bytes_forward", " Init_Win_bytes_backward"), [-1, -1]);
  assert.deepEqual(winValues("cicids2018", "Init Fwd Win Byts", "Init Bwd Win Byts"), [-1, -1]);
  assert.deepEqual(winValues("cicflowmeter4", "FWD Init Win Bytes", "Bwd Init Win Bytes"), [0, 0]);
  assert.deepEqual(winValues("python", "init_fwd_win_byts", "init_bwd_win_byts"), [0, 0]);
  // A real window of 0 (SYN answered by RST) stays 0 everywhere, a real value stays itself.
  const real = sampleRecord({ initWinBytesFwd: 29200, initWinBytesBwd: 0 });
  const jm = buildLayout("cicflowmeter4");
  assert.equal(jm.columns.find((c) => c.name === "FWD Init Win Bytes")!.value(real), 29200);
});

Deno.test("ddos2019 Inbound is 1 only when the destination is in the home network", () => {
  const inbound = (dstIp: string, homeNetworks?: string[]) => {
    const layout = buildLayout("ddos2019", { homeNetworks });
    return layout.columns.find((c) => c.name === " Inbound")!.value(sampleRecord({ dstIp }));
  };
  assert.equal(inbound("192.168.50.1"), 1);
  assert.equal(inbound("172.31.255.255"), 1);
  assert.equal(inbound("172.32.0.1"), 0);
  assert.equal(inbound("8.8.8.8"), 0);
  assert.equal(inbound("fd12:3456::1"), 1);
  assert.equal(inbound("2001:db8::1"), 0);
  assert.equal(inbound("8.8.8.8", ["8.8.0.0/16"]), 1);
  assert.equal(inbound("192.168.50.1", ["8.8.0.0/16"]), 0);
  assert.equal(
    buildLayout("ddos2019").columns.find((c) => c.name === "SimillarHTTP")!.value(sampleRecord()),
    0,
  );
  assert.throws(() => buildLayout("ddos2019", { homeNetworks: ["10.0.0.0/33"] }), /10\.0\.0\.0\/33/);
  assert.throws(() => buildLayout("ddos2019", { homeNetworks: ["lan"] }), /"lan"/);
});

Deno.test("the timestamp column defaults to ddos2019 format in ddos2019 and iso elsewhere", () => {
  const r = sampleRecord();
  const stamp = (name: LayoutName) =>
    buildLayout(name).columns.find((c) => c.name.trim().toLowerCase() === "timestamp")!.value(r);
  assert.equal(stamp("ddos2019"), "2017-07-07 18:30:00.123456");
  assert.equal(stamp("cic2017"), "2017-07-07T18:30:00.123456Z");
  assert.equal(stamp("python"), "2017-07-07T18:30:00.123456Z");
  const zoned = buildLayout("cic2017", { timestampFormat: "cic2017", timeZone: "America/Halifax" });
  assert.equal(zoned.columns[6].value(r), "07/07/2017 03:30:00");
});

Deno.test("field selection matches exact, trimmed, pandas .1 and case-insensitive names in the given order", () => {
  const layout = buildLayout("cic2017");
  const picked = selectColumns(layout, [
    " Label",
    "flow duration",
    "Source IP",
    "Fwd Header Length.1",
    "Flow ID",
  ]);
  assert.deepEqual(names(picked), [
    " Label",
    " Flow Duration",
    " Source IP",
    " Fwd Header Length",
    "Flow ID",
  ]);
  assert.equal(picked.name, "cic2017");
  assert.equal(picked.columns[3], layout.columns[61]);
  assert.equal(selectColumns(layout, ["Fwd Header Length"]).columns[0], layout.columns[40]);
  const py = selectColumns(buildLayout("python"), ["SRC_IP", "dst_port"]);
  assert.deepEqual(names(py), ["src_ip", "dst_port"]);
});

Deno.test("an unknown field is an error naming it and listing valid names", () => {
  const layout = buildLayout("cicflowmeter4");
  assert.throws(
    () => selectColumns(layout, ["Src IP", "Flow Bogus/s"]),
    (err: Error) =>
      err.message.includes('"Flow Bogus/s"') && err.message.includes("cicflowmeter4") &&
      err.message.includes('"Flow ID"') && err.message.includes("84 columns"),
  );
  assert.throws(() => selectColumns(layout, []), /no fields/);
  assert.throws(() => selectColumns(layout, ["nonsense"]), /valid names include: "Flow ID"/);
});

Deno.test("ndjson keys are trimmed names, the duplicate becomes .1", () => {
  const keys = columnKeys(buildLayout("cic2017"));
  assert.equal(keys[1], "Source IP");
  assert.equal(keys[40], "Fwd Header Length");
  assert.equal(keys[61], "Fwd Header Length.1");
  assert.equal(new Set(keys).size, 85);
  assert.equal(columnKeys(buildLayout("ddos2019"))[61], "Fwd Header Length.1");
});

Deno.test("layout names are checked", () => {
  assert.equal(parseLayoutName("ddos2019"), "ddos2019");
  assert.throws(() => parseLayoutName("cic2019"), /unknown layout "cic2019".*cic2017, cicids2018/);
});
