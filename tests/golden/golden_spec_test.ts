/**
 * The golden CSVs checked by hand against ../shared/spec/flow-features.md:
 * at least one flow per case, each test naming the spec item it pins. The
 * values below were worked out from the spec and the capture's packets
 * (tests/captures/catalogue.ts), not copied from our output. golden_test.ts
 * keeps the goldens equal to what `convert` writes; this file keeps them
 * equal to the spec, so a regenerated golden that breaks the spec fails here.
 */
import assert from "node:assert/strict";
import { goldenPath } from "./golden_files.ts";
import type { ProfileName } from "../../src/flow/flow_record.ts";

type Row = Map<string, string>;

/** Rows of a golden CSV, keyed by column name without its leading space (first of a duplicate). */
function rows(capture: string, profile: ProfileName): Row[] {
  const [header, ...lines] = Deno.readTextFileSync(goldenPath(capture, profile)).trimEnd().split("\n");
  const names = header.split(",").map((n) => n.trim());
  return lines.filter((l) => l.length > 0).map((line) => {
    const row: Row = new Map();
    line.split(",").forEach((v, i) => row.has(names[i]) || row.set(names[i], v));
    return row;
  });
}

/** Asserts each expected column: numbers within 1e-5 relative (the spec prints rounded values; never bit-exact floats), text exact. */
function expectRow(row: Row | undefined, want: Record<string, number | string>, what: string): void {
  assert.ok(row, `${what}: no such flow`);
  for (const [column, value] of Object.entries(want)) {
    const got = row.get(column);
    assert.ok(got !== undefined, `${what}: no column ${column}`);
    if (typeof value === "string") {
      assert.equal(got, value, `${what}: ${column}`);
    } else {
      const n = Number(got);
      const ok = value === 0 ? Math.abs(n) < 1e-9 : Math.abs(n - value) <= 1e-5 * Math.abs(value) + 1e-6;
      assert.ok(ok, `${what}: ${column} = ${got}, spec says ${value}`);
    }
  }
}

/** The flags in header order FIN, SYN, RST, PSH, ACK, URG, CWE, ECE. */
function flagColumns(values: number[]): Record<string, number> {
  const names = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"].map((f) => `${f} Flag Count`);
  const all = [...names, "CWE Flag Count", "ECE Flag Count"];
  return Object.fromEntries(all.map((n, i) => [n, values[i]]));
}

Deno.test("spec §8 V3 (cic2017): the synthetic session is two flows; flow 1 has the published values", () => {
  const [f1, f2, more] = rows("spec-v3-session.pcap", "cic2017");
  assert.equal(more, undefined);
  expectRow(f1, {
    "Flow Duration": 7_021_000,
    "Total Fwd Packets": 5,
    "Total Backward Packets": 2,
    "Total Length of Fwd Packets": 100,
    "Total Length of Bwd Packets": 200,
    "Fwd Packet Length Mean": 20,
    "Fwd Packet Length Std": 44.7214,
    "Bwd Packet Length Std": 141.4214,
    "Flow Bytes/s": 42.729,
    "Flow Packets/s": 0.99701,
    "Flow IAT Mean": 1_170_166.67,
    "Flow IAT Std": 2_860_923.38,
    "Flow IAT Max": 7_010_000,
    "Fwd IAT Total": 7_021_000,
    "Fwd IAT Std": 3_507_833.37,
    "Bwd IAT Total": 9_000,
    "Fwd Header Length": 168,
    "Bwd Header Length": 72,
    "Packet Length Mean": 37.5,
    "Packet Length Std": 74.4024,
    "Packet Length Variance": 5_535.714,
    ...flagColumns([0, 0, 0, 1, 0, 0, 0, 0]), // Q3: the SYN shows under "PSH"
    "Down/Up Ratio": 0,
    "Average Packet Size": 42.857,
    "Subflow Fwd Packets": 5,
    "Subflow Bwd Bytes": 200,
    "Init_Win_bytes_forward": 64240,
    "Init_Win_bytes_backward": 509,
    "act_data_pkt_fwd": 1,
    "min_seg_size_forward": 32,
    "Active Mean": 10_000,
    "Idle Mean": 7_010_000,
  }, "V3 flow 1");
  expectRow(f2, {
    "Source IP": "10.0.0.2",
    "Flow Duration": 1000,
    "Total Fwd Packets": 1,
    "Total Backward Packets": 1,
    "Flow Packets/s": 2000,
    ...flagColumns([0, 0, 0, 0, 1, 1, 0, 0]),
    "Down/Up Ratio": 1,
    "Init_Win_bytes_forward": 509,
    "Init_Win_bytes_backward": 502,
  }, "V3 flow 2");
});

Deno.test("spec §8 V3 (corrected): the synthetic session is one flow of 9 packets with the spec's values", () => {
  const [f, more] = rows("spec-v3-session.pcap", "corrected");
  assert.equal(more, undefined);
  expectRow(f, {
    "Flow ID": "10.0.0.1-10.0.0.2-1234-80-6",
    "Flow Duration": 7_023_000,
    "Total Fwd Packets": 6,
    "Total Backward Packets": 3,
    "Fwd Packet Length Mean": 16.6667,
    "Fwd Packet Length Std": 40.8248,
    "Bwd Packet Length Mean": 66.6667,
    "Bwd Packet Length Std": 115.4701,
    "Flow Bytes/s": 42.7168,
    "Flow Packets/s": 1.28150,
    "Flow IAT Mean": 877_875,
    "Flow IAT Std": 2_477_753.56,
    "Fwd IAT Std": 3_137_427.02,
    "Bwd IAT Total": 7_021_000,
    "Bwd IAT Std": 4_951_868.79,
    "Fwd PSH Flags": 1,
    "Bwd PSH Flags": 1,
    "Fwd Header Length": 200,
    "Bwd Header Length": 104,
    "Packet Length Mean": 33.3333,
    "Packet Length Variance": 5000,
    ...flagColumns([2, 2, 0, 2, 8, 0, 0, 0]),
    "Down/Up Ratio": 0.5,
    "Subflow Fwd Packets": 3,
    "Subflow Fwd Bytes": 50,
    "Subflow Bwd Packets": 1.5,
    "Init_Win_bytes_backward": 65160,
    "Active Mean": 10_000,
    "Idle Mean": 7_010_000,
  }, "V3 corrected");
});

Deno.test("spec §8 V1, V2 and §2.3/Q21: padded bare segments count 6 payload bytes in cic2017, 0 in corrected", () => {
  const [v1, v2] = rows("spec-v1-v2-ethernet-padding.pcap", "cic2017");
  expectRow(v1, {
    "Flow ID": "192.168.10.5-104.16.207.165-54865-443-6", // §3.1: canonical, signed bytes (192 < 104)
    "Source IP": "104.16.207.165",
    "Flow Duration": 3,
    "Total Fwd Packets": 2,
    "Total Length of Fwd Packets": 12,
    "Flow Bytes/s": 4_000_000,
    "Flow Packets/s": 666_666.67,
    ...flagColumns([0, 0, 0, 0, 1, 0, 0, 0]),
    "Average Packet Size": 9,
    "Init_Win_bytes_forward": 33,
    "Init_Win_bytes_backward": -1,
    "act_data_pkt_fwd": 1,
    "min_seg_size_forward": 20,
  }, "V1");
  expectRow(v2, {
    "Flow Duration": 109,
    "Flow Bytes/s": 110_091.74,
    "Flow Packets/s": 18_348.62,
    "Fwd Packets/s": 9_174.31,
    ...flagColumns([0, 0, 0, 0, 1, 1, 0, 0]), // ACK under "ACK", FIN under "URG"
    "Down/Up Ratio": 1,
    "Average Packet Size": 9,
    "Init_Win_bytes_forward": 29,
    "Init_Win_bytes_backward": 256,
    "act_data_pkt_fwd": 0,
  }, "V2");
  const [c1] = rows("spec-v1-v2-ethernet-padding.pcap", "corrected");
  expectRow(
    c1,
    { "Total Length of Fwd Packets": 0, "Flow Bytes/s": 0, "act_data_pkt_fwd": 0 },
    "V1 corrected",
  );
});

Deno.test("spec §8 V4 and §3.7: Active/Idle over gaps longer than the 5 s activity timeout (both profiles)", () => {
  for (const profile of ["cic2017", "corrected"] as const) {
    expectRow(rows("spec-v4-activity-timeout.pcap", profile)[0], {
      "Flow Duration": 33_957_023,
      "Fwd IAT Total": 33_957_023,
      "Fwd IAT Mean": 6_791_404.6,
      "Fwd IAT Std": 9_312_965.89,
      "Fwd IAT Max": 17_686_187,
      "Fwd IAT Min": 1,
      "Flow Packets/s": 0.1766939,
      "Fwd Header Length": 120,
      "Active Mean": 1,
      "Active Std": 0,
      "Idle Mean": 16_978_510,
      "Idle Std": 1_000_806,
      "Idle Max": 17_686_187,
      "Idle Min": 16_270_833,
      "Init_Win_bytes_forward": 5840,
      "Init_Win_bytes_backward": -1,
      "act_data_pkt_fwd": 0,
      "min_seg_size_forward": 20,
    }, `V4 ${profile}`);
  }
});

Deno.test("spec §3.4/Q13 and §3.5: cic2017 ends the flow on the server's FIN; the client's close is an appendix flow", () => {
  const [f1, f2, more] = rows("tcp-fin-server-first.pcap", "cic2017");
  assert.equal(more, undefined);
  // SYN, SYN-ACK, ACK, request(100), reply(300), ACK, server FIN: 4 forward, 3 backward, ends at 20 ms.
  expectRow(
    f1,
    { "Flow Duration": 20_000, "Total Fwd Packets": 4, "Total Backward Packets": 3 },
    "connection",
  );
  // The client's ACK and FIN-ACK (the server's last ACK is a lone packet, never written: Q16).
  expectRow(f2, { "Source IP": "10.0.0.1", "Total Fwd Packets": 2, "Total Backward Packets": 0 }, "appendix");
  const [c, cMore] = rows("tcp-fin-server-first.pcap", "corrected");
  assert.equal(cMore, undefined);
  expectRow(c, {
    "Total Fwd Packets": 6,
    "Total Backward Packets": 4,
    ...flagColumns([2, 2, 0, 2, 9, 0, 0, 0]), // every packet but the SYN carries ACK,
  }, "E");
});

Deno.test("spec §3.4/Q14: cic2017 ignores the client's RST, so the next connection joins; corrected ends on it", () => {
  const [f1, f2] = rows("tcp-rst-client.pcap", "cic2017");
  // 6 packets of the reset connection + SYN … first FIN of the next one (7), ended by that FIN.
  expectRow(
    f1,
    { "Total Fwd Packets": 9, "Total Backward Packets": 4, "Flow Duration": 3_020_000 },
    "joined",
  );
  expectRow(f2, { "Source IP": "10.0.0.2", "Total Fwd Packets": 1, "Total Backward Packets": 1 }, "appendix");
  const [c1, c2] = rows("tcp-rst-client.pcap", "corrected");
  expectRow(
    c1,
    { "Total Fwd Packets": 4, "Total Backward Packets": 2, "Flow Duration": 12_000 },
    "reset one",
  );
  expectRow(c1, flagColumns([0, 2, 1, 2, 4, 0, 0, 0]), "reset one flags");
  expectRow(c2, { "Total Fwd Packets": 6, "Total Backward Packets": 3, "Flow Duration": 22_000 }, "next one");
});

Deno.test("spec §3.10: a SYN answered only by an RST has Init_Win_bytes_backward 0 in both profiles", () => {
  for (const profile of ["cic2017", "corrected"] as const) {
    const refused = rows("tcp-rst-server.pcap", profile).find((r) => r.get("Destination Port") === "81");
    expectRow(refused, { "Init_Win_bytes_backward": 0, "Flow Duration": 300 }, `refused ${profile}`);
  }
});

Deno.test("spec §4.2: a retransmitted segment is one more packet and its bytes count again", () => {
  expectRow(rows("tcp-retransmission.pcap", "corrected")[0], {
    "Total Length of Fwd Packets": 200,
    "Total Length of Bwd Packets": 600,
    "Flow IAT Max": 200_000,
  }, "retransmission");
});

Deno.test("spec §3.3/Q15: the 120 s flow timeout counts from the first packet, strictly; the continuation's direction", () => {
  const [a1, a2] = rows("flow-timeout.pcap", "cic2017");
  // Packets at 0, 30, 60, 90 and exactly 120 s stay in flow 1; the server's packet at 120.000001 s starts flow 2.
  expectRow(
    a1,
    { "Flow Duration": 120_000_000, "Total Fwd Packets": 3, "Total Backward Packets": 2 },
    "flow 1",
  );
  // Legacy: the continuation's first packet is forward although the server sent it (its 20 bytes are forward).
  expectRow(
    a2,
    { "Source IP": "10.0.0.1", "Total Fwd Packets": 2, "Total Length of Fwd Packets": 30 },
    "Q15",
  );
  const [, c2] = rows("flow-timeout.pcap", "corrected");
  expectRow(c2, { "Source IP": "10.0.0.1", "Total Fwd Packets": 1, "Total Backward Packets": 2 }, "E");
});

Deno.test("spec §3.9 bulk and §3.8 subflows (corrected); Q6/Q7: 0 and totals in cic2017", () => {
  expectRow(rows("tcp-bulk.pcap", "corrected")[0], {
    "Fwd Avg Bytes/Bulk": 5 * 1000,
    "Fwd Avg Packets/Bulk": 5,
    "Fwd Avg Bulk Rate": 5000 / 0.004, // 5 segments 1 ms apart: 4 ms
    "Bwd Avg Bytes/Bulk": 8 * 1448, // the 3 late segments are too few for a bulk
    "Bwd Avg Packets/Bulk": 8,
    "Bwd Avg Bulk Rate": 8 * 1448 / 0.007,
    "Subflow Fwd Packets": 12 / 2, // one gap over 1 s (1.4 s): S = 2
    "Subflow Bwd Bytes": (8 * 1448 + 3 * 500) / 2,
  }, "corrected");
  expectRow(rows("tcp-bulk.pcap", "cic2017")[0], {
    "Fwd Avg Bytes/Bulk": 0,
    "Bwd Avg Bytes/Bulk": 0,
    "Subflow Fwd Packets": 11,
    "Subflow Bwd Bytes": 8 * 1448 + 3 * 500,
  }, "cic2017");
});

Deno.test("spec §3.6/Q16 and §3.12/Q20: a 1-packet UDP flow is dropped in cic2017, written in corrected with rates −1", () => {
  assert.equal(rows("udp.pcap", "cic2017").length, 2);
  const single = rows("udp.pcap", "corrected").find((r) => r.get("Destination Port") === "514");
  expectRow(single, {
    "Flow Duration": 0,
    "Flow Bytes/s": -1,
    "Flow Packets/s": -1,
    "min_seg_size_forward": 8,
  }, "1-packet");
});

Deno.test("spec §2.2/Q22: ICMP is one protocol-0 flow per host pair in cic2017; corrected splits on type and code", () => {
  const [legacy, more] = rows("icmp.pcap", "cic2017");
  assert.equal(more, undefined);
  expectRow(legacy, {
    "Flow ID": "10.0.0.1-10.0.0.2-0-0-0",
    "Protocol": 0,
    "Total Fwd Packets": 3,
    "Total Backward Packets": 4,
  }, "Q22");
  const [pings, unreachable] = rows("icmp.pcap", "corrected");
  expectRow(pings, { "Protocol": 1, "Total Fwd Packets": 3, "Total Backward Packets": 3 }, "echo");
  expectRow(unreachable, { "Source IP": "10.0.0.2", "Total Fwd Packets": 1 }, "type 3 code 3");
});

Deno.test("spec §2.2: later IPv4 fragments are a protocol-0 host-pair flow in cic2017; corrected files them with their datagram", () => {
  const legacy = rows("ipv4-fragments.pcap", "cic2017");
  expectRow(
    legacy[0],
    { "Total Length of Fwd Packets": 1480 - 8, "Total Backward Packets": 1 },
    "first fragment",
  );
  expectRow(legacy[1], { "Flow ID": "10.0.0.1-10.0.0.2-0-0-0", "Total Fwd Packets": 2 }, "later fragments");
  const corrected = rows("ipv4-fragments.pcap", "corrected");
  assert.equal(corrected.length, 1, "the orphan later fragment is counted as later-fragment, not a flow");
  expectRow(corrected[0], { "Total Fwd Packets": 2, "Total Length of Fwd Packets": 2000 }, "datagram");
});

Deno.test("spec §2.1/Q23: IPv6 is ignored in cic2017; corrected meters it through extension and fragment headers", () => {
  assert.equal(rows("ipv6-extension-headers.pcap", "cic2017").length, 0);
  const [tcp, udp] = rows("ipv6-extension-headers.pcap", "corrected");
  expectRow(
    tcp,
    { "Flow ID": "2001:db8::1-2001:db8::2-40001-443-6", "Fwd Header Length": 40 + 4 * 32 + 32 },
    "TCP",
  );
  expectRow(
    udp,
    { "Protocol": 17, "Total Fwd Packets": 2, "Total Length of Fwd Packets": 1600 },
    "fragmented UDP",
  );
});

Deno.test("spec §2.2: a GRE tunnel is protocol 0 between the routers in cic2017, protocol 47 in corrected", () => {
  expectRow(rows("gre-tunnel.pcap", "cic2017")[0], {
    "Flow ID": "192.168.1.1-192.168.1.2-0-0-0",
    "Total Fwd Packets": 6,
  }, "Q22");
  expectRow(rows("gre-tunnel.pcap", "corrected")[0], { "Protocol": 47, "Source Port": 0 }, "real protocol");
});

Deno.test("spec §2.1 (input): every link type and file format gives the same flows as plain Ethernet", () => {
  for (const profile of ["cic2017", "corrected"] as const) {
    const key = (r: Row) => [...r].filter(([k]) => k !== "Timestamp").map(([, v]) => v).join(",");
    const ether = new Set(rows("link-ether.pcap", profile).map(key));
    const files = [...Deno.readDirSync(new URL("../../testdata/captures/", import.meta.url))]
      .map((e) => e.name)
      .filter((n) => n.startsWith("link-") || n.startsWith("format-"));
    assert.ok(files.length >= 20);
    for (const file of files) {
      const got = rows(file, profile);
      if (file !== "link-ipv6.pcap" || profile === "corrected") {
        assert.ok(got.length > 0, `${file}: no flows`);
      }
      for (const r of got) {
        assert.ok(ether.has(key(r)), `${file} (${profile}): ${r.get("Flow ID")} differs from Ethernet`);
      }
    }
  }
});

Deno.test("spec §2.3 with a snaplen: both profiles count whole-packet lengths by default (--snaplen-lengths ip); an over-long record is kept cut", () => {
  // snaplen 68 = 14 Ethernet + 20 IP + 32 TCP + 2 payload bytes. The second 1400-byte segment's record
  // claims 100 captured bytes (> snaplen): kept, cut to 68, as libpcap does. The goldens are written with
  // the default `ip`, so a cut packet counts what the program would have counted on the whole packet
  // (`captured`, the Java on a truncated file, is pinned in tests/cli/convert_test.ts).
  expectRow(rows("snaplen-cut.pcap", "cic2017")[0], {
    "Total Fwd Packets": 5,
    "Total Backward Packets": 3,
    "Total Length of Fwd Packets": 1000,
    "Total Length of Bwd Packets": 2 * 1400,
  }, "whole-packet lengths");
  expectRow(rows("snaplen-cut.pcap", "corrected")[0], {
    "Total Backward Packets": 4,
    "Total Length of Fwd Packets": 1000,
    "Total Length of Bwd Packets": 2 * 1400,
  }, "IP lengths");
});

Deno.test("spec §3.12/Q25, timestamps going backwards: cic2017 keeps negative IATs; corrected never goes negative", () => {
  // Server reply stamped 2 s before the flow's first packet; a later ACK 0.5 ms before the packet before it.
  expectRow(rows("timestamps-backwards.pcap", "cic2017")[0], {
    "Flow IAT Min": 3_003_000 - 5_003_000,
    "Flow IAT Max": 5_004_000 - 3_003_000,
  }, "cic2017");
  const [c] = rows("timestamps-backwards.pcap", "corrected");
  for (const [column, value] of c) {
    if (/Duration|IAT|\/s|Active|Idle/.test(column)) assert.ok(Number(value) >= 0, `${column} = ${value}`);
  }
  // Gaps 1000, 1000, 1000, 0, 1000, 0, 6000, 1000, 1000 (the old packets count at the flow's last time).
  expectRow(c, {
    "Flow Duration": 12_000,
    "Flow IAT Min": 0,
    "Flow IAT Max": 6000,
    "Flow IAT Mean": 12_000 / 9,
  }, "corrected");
});

Deno.test("spec §3.1/§3.2 on real loopback HTTP (tcpdump + curl): cic2017 files every packet forward, corrected one flow per connection", () => {
  // Recorded by tests/tools/record_loopback_captures.ts: 4 connections (GET, 100 kB GET, 50 kB POST, 2 GETs).
  const legacy = rows("loopback-http.pcap", "cic2017");
  // The address is the same both ways: the source comes first in the key, so each direction is its own flow.
  assert.equal(legacy.length, 8);
  for (const r of legacy) {
    expectRow(r, { "Total Backward Packets": 0, "Source IP": "127.0.0.1" }, "all forward");
  }
  const corrected = rows("loopback-http.pcap", "corrected");
  assert.equal(corrected.length, 4);
  for (const r of corrected) {
    expectRow(r, { "FIN Flag Count": 2, "SYN Flag Count": 2 }, "one flow per connection");
  }
  const big = corrected.find((r) => r.get("Total Length of Bwd Packets") === "100120");
  expectRow(
    big,
    { "Bwd Avg Bytes/Bulk": 100_120 },
    "the 100 kB response (+120 bytes of headers) as one bulk",
  );
  // The same GET with a 128-byte snaplen: both profiles count whole packets by default (§2.3, --snaplen-lengths ip).
  const cut = rows("loopback-http-ns-snaplen.pcap", "corrected");
  assert.ok(cut.some((r) => r.get("Total Length of Bwd Packets") === "100120"));
  const cutLegacy = rows("loopback-http-ns-snaplen.pcap", "cic2017");
  assert.ok(cutLegacy.some((r) => r.get("Total Length of Fwd Packets") === "100120"));
});

Deno.test("spec §3.4/§3.5 and §2.1 on the basic session (link-ether.pcap): FIN ends it in cic2017, IPv6 metered in corrected", () => {
  // Client: SYN, ACK, request (100), ACK, FIN; server: SYN-ACK, reply (300), FIN; then the client's last ACK.
  const legacy = rows("link-ether.pcap", "cic2017");
  assert.equal(legacy.length, 3, "TCP connection, its remnant, UDP; the IPv6 session is ignored");
  expectRow(legacy[0], {
    "Flow Duration": 20_000,
    "Total Fwd Packets": 5,
    "Total Backward Packets": 2,
    "Total Length of Fwd Packets": 100,
    "Total Length of Bwd Packets": 300,
    "act_data_pkt_fwd": 1,
    "Init_Win_bytes_forward": 64240,
    "Init_Win_bytes_backward": 509, // Q11: the last backward window (the reply's), not the SYN-ACK's
  }, "connection");
  expectRow(
    legacy[1],
    { "Source IP": "10.0.0.2", "Total Fwd Packets": 1, "Total Backward Packets": 1 },
    "remnant",
  );
  expectRow(legacy[2], { "Protocol": 17, "Flow Duration": 1000, "Total Length of Fwd Packets": 40 }, "UDP");
  const corrected = rows("link-ether.pcap", "corrected");
  assert.equal(corrected.length, 3);
  for (
    const [r, id] of [[corrected[0], "10.0.0.1-10.0.0.2-40000-80-6"], [
      corrected[2],
      "2001:db8::1-2001:db8::2-40001-443-6",
    ]] as const
  ) {
    expectRow(r, {
      "Flow ID": id,
      "Flow Duration": 22_000,
      "Total Fwd Packets": 6,
      "Total Backward Packets": 3,
      "Init_Win_bytes_backward": 65160,
      ...flagColumns([2, 2, 0, 2, 8, 0, 0, 0]),
    }, id);
  }
});
