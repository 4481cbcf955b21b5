/**
 * The reader agrees with Wireshark (tshark/capinfos) on every capture of the
 * project's own (testdata/captures/) and, where ../shared is present, every
 * public capture: packet count, link types, first/last timestamps, protocol
 * counts. The expectations were recorded by tests/tools/record_pcap_fixtures.ts.
 */
import assert from "node:assert/strict";
import { readCaptureFile } from "../../src/pcap/reader.ts";
import { linkTypeName } from "../../src/pcap/link_types.ts";
import { totalSkipped } from "../../src/pcap/read_stats.ts";
import { sharedPcap } from "./shared_pcaps.ts";
import { ignoreWithout } from "../requirements.ts";

interface Expected {
  packets: number;
  linkTypeNames: string[];
  firstEpoch: string | null;
  lastEpoch: string | null;
  protocols: Record<"ipv4" | "ipv6" | "tcp" | "udp" | "icmp" | "other", number>;
}

const expected: Record<string, Expected> = JSON.parse(
  await Deno.readTextFile(new URL("../../testdata/pcap_expected.json", import.meta.url)),
);
const ownExpected: Record<string, Expected> = JSON.parse(
  await Deno.readTextFile(new URL("../../testdata/captures_expected.json", import.meta.url)),
);
const OWN_CAPTURES = new URL("../../testdata/captures/", import.meta.url);

/** tshark prints "1278472579.466743000"; ours is {sec, nsec}. */
function epoch(ts: { sec: number; nsec: number } | null): string | null {
  return ts === null ? null : `${ts.sec}.${String(ts.nsec).padStart(9, "0")}`;
}

/** tshark drops trailing digits at times ("944207397.28"); pad the fraction to 9 digits. */
function normalize(text: string | null): string | null {
  if (text === null) return null;
  const [sec, frac = ""] = text.split(".");
  return `${sec}.${frac.padEnd(9, "0")}`;
}

async function matchesTshark(path: string, want: Expected): Promise<void> {
  const stats = await readCaptureFile(path, () => {});
  assert.equal(stats.packets, want.packets, "complete records");
  const ours = stats.linkTypes.map(linkTypeName);
  for (const link of want.linkTypeNames) assert.ok(ours.includes(link), `link type ${link} in ${ours}`);
  assert.equal(epoch(stats.firstTs), normalize(want.firstEpoch), "first timestamp");
  assert.equal(epoch(stats.lastTs), normalize(want.lastEpoch), "last timestamp");
  // Records we skip (e.g. a header cut by the snaplen) are not counted by protocol;
  // tshark still names their protocols. Everything else must agree exactly.
  const skipped = totalSkipped(stats) - stats.skipped["truncated-record"];
  const p = stats.protocols;
  if (skipped === 0) {
    assert.deepEqual(p, want.protocols);
  } else {
    for (const k of ["ipv4", "ipv6", "tcp", "udp", "icmp"] as const) {
      assert.ok(p[k] <= want.protocols[k], `${k}: ours ${p[k]} ≤ tshark ${want.protocols[k]}`);
    }
    const missing = (want.protocols.ipv4 + want.protocols.ipv6) - (p.ipv4 + p.ipv6);
    assert.ok(missing <= skipped, `IP packets missing (${missing}) are all skipped ones (${skipped})`);
  }
  assert.equal(
    p.tcp + p.udp + p.icmp + p.other + skipped,
    stats.packets,
    "every record is classified once",
  );
}

for (const [name, want] of Object.entries(ownExpected)) {
  Deno.test(`reader matches tshark on testdata/captures/${name}`, () =>
    matchesTshark(new URL(name, OWN_CAPTURES).pathname, want));
}

for (const [name, want] of Object.entries(expected)) {
  Deno.test({
    name: `reader matches tshark on ${name}`,
    ignore: ignoreWithout("shared-pcaps"),
    fn: () => matchesTshark(sharedPcap(name), want),
  });
}
