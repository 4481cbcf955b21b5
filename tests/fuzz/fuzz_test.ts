/**
 * Fast fuzz subset (the full run is `deno task fuzz`): mutated captures (the
 * project's own, and the public ones where ../shared is present)
 * go through the reader, flow meters of both profiles and the CSV/NDJSON
 * encoders; nothing throws or hangs, packets before the damage are kept, and
 * every used packet lands in exactly one flow.
 */
import assert from "node:assert/strict";
import { mutate, type PacketSite, prng, units } from "./mutate.ts";
import { checkCase, parseWhole } from "./fuzz_reader.ts";
import { FlowCase } from "./fuzz_flow.ts";
import { sharedPcap } from "../pcap/shared_pcaps.ts";
import { ownCapture } from "../captures/own_captures.ts";
import { CaptureParser } from "../../src/pcap/reader.ts";
import { ignoreWithout } from "../requirements.ts";

const OWN = [
  "loopback-http.pcap",
  "format-pcapng-interfaces.pcapng",
  "format-pcapng-sections.pcapng",
  "format-pcap-ns-be.pcap",
  "format-pcap-modified-be.pcap",
  "format-pcap-v2.2.pcap",
  "link-ppp-hdlc.pcap",
  "ipv6-extension-headers.pcap",
  "link-mpls.pcap",
  "loopback-nflog.pcap",
];
const SHARED = [
  "small/tcpreplay-test.pcap",
  "small/pcpp-pcapng-example-multilink.pcapng",
  "small/gopacket-be-test001.pcapng",
  "small/pcpp-nanosecs_big_endian.pcap",
  "small/chris-ipv6_fragments.pcapng",
  "small/zeek-mixed-vlan-mpls.pcap",
];
const FILES = [
  ...OWN.map((name) => ({ name: `testdata/captures/${name}`, path: () => ownCapture(name), shared: false })),
  ...SHARED.map((name) => ({ name, path: () => sharedPcap(name), shared: true })),
];
const CASES_PER_FILE = 50;

for (const [n, { name, path, shared }] of FILES.entries()) {
  Deno.test({
    name: `${CASES_PER_FILE} mutations of ${name} through reader, meters and encoders: no exception, ` +
      `no hang, earlier packets kept, every used packet in one flow`,
    ignore: shared && ignoreWithout("shared-pcaps"),
    fn: async () => {
      const bytes = await Deno.readFile(path());
      const original = parseWhole(bytes);
      assert.ok(original.length > 0);
      const random = prng(0x5eed + n);
      for (let i = 0; i < CASES_PER_FILE; i++) {
        const m = mutate(bytes, random, original);
        const chunk = [m.bytes.length || 1, 7, 4096][i % 3];
        const problem = checkCase(m, original, chunk, new FlowCase(n * CASES_PER_FILE + i));
        assert.equal(problem, null, `case ${i} (${m.kind} at ${m.damageAt}, chunk ${chunk})`);
      }
    },
  });
}

/** Fields of the one packet whose header a mutation hit, re-read from the mutated bytes. */
function reparse(bytes: Uint8Array) {
  const out: Array<{ ipTotal: number; ipHeader: number; tcpHeader: number; tsSec: number }> = [];
  const parser = new CaptureParser((p) =>
    out.push({
      ipTotal: p.ipTotalLength,
      ipHeader: p.ipHeaderLength,
      tcpHeader: p.transportHeaderLength,
      tsSec: p.tsSec,
    })
  );
  parser.push(bytes);
  parser.end();
  return { packets: out, skipped: parser.stats.skipped };
}

Deno.test({
  name: "header-field mutations hit the IP and TCP length fields of decoded packets",
  fn: async () => {
    const bytes = await Deno.readFile(ownCapture("loopback-http.pcap"));
    const original = parseWhole(bytes);
    const sites: PacketSite[] = original.filter((p) => p.ipVersion === 4 && p.protocol === 6);
    assert.ok(sites.length > 10);
    const random = prng(7);
    const seen = new Set<string>();
    for (let i = 0; i < 400 && seen.size < 2; i++) {
      const m = mutate(bytes, random, sites);
      if (!m.kind.startsWith("header-field:")) continue;
      const field = m.kind.slice("header-field:".length);
      const at: Record<string, (s: PacketSite) => number> = {
        "ipv4-total-length": (s) => s.l3 + 2,
        "ipv4-ihl": (s) => s.l3,
        "tcp-data-offset": (s) => s.l4 + 12,
      };
      assert.ok(at[field], `unexpected field ${field} for IPv4/TCP sites`);
      assert.ok(
        sites.some((s) => at[field](s) === m.damageAt),
        `${m.kind} at ${m.damageAt} is a packet's field`,
      );
      // The reader sees a different header or skips the packet, packets before it unchanged.
      const after = reparse(m.bytes);
      const before = reparse(bytes);
      assert.notDeepEqual(after, before, `${m.kind} changed what the reader sees`);
      seen.add(field);
    }
    assert.ok(seen.size >= 2, `mutated fields: ${[...seen].join(", ")}`);
  },
});

Deno.test({
  name: "timestamp mutations move one packet's time back or years forward",
  fn: async () => {
    const bytes = await Deno.readFile(ownCapture("loopback-http.pcap"));
    const before = reparse(bytes).packets.map((p) => p.tsSec);
    const random = prng(11);
    const kinds = new Set<string>();
    for (let i = 0; i < 300 && kinds.size < 2; i++) {
      const m = mutate(bytes, random);
      if (!m.kind.startsWith("timestamp-")) continue;
      const at = units(bytes).findIndex((u) => u.offset === m.damageAt);
      assert.ok(at >= 0, "the mutation hit a record's timestamp field");
      const after = reparse(m.bytes).packets.map((p) => p.tsSec);
      const changed = after.flatMap((t, k) => (t !== before[k] ? [k] : []));
      assert.deepEqual(changed.length <= 1, true);
      if (changed.length === 1) {
        const k = changed[0];
        if (m.kind === "timestamp-back") assert.ok(after[k] < before[k]);
        else assert.ok(after[k] > before[k]);
      }
      kinds.add(m.kind);
    }
    assert.deepEqual([...kinds].sort(), ["timestamp-back", "timestamp-jump"]);
  },
});
