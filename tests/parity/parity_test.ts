/**
 * Parity guards: on captures where our `corrected` profile and the Engelen
 * fork agree by design, every compared column must stay equal (subflows
 * differ by definition, spec §3.8). Skipped without ../shared/testdata.
 */
import assert from "node:assert/strict";
import { fileParity, PAIRINGS } from "./run.ts";
import { ignoreWithout } from "../requirements.ts";

const SHARED = new URL("../../../shared/testdata/", import.meta.url).pathname;

for (
  const name of ["medium/pcpp-example.pcap", "medium/zeek-modbusBig.pcap", "small/chris-http_espn.pcapng"]
) {
  Deno.test({
    name: `corrected equals the Engelen fork on every IPv4 flow of ${name} (subflows aside)`,
    ignore: ignoreWithout("shared-pcaps", "shared-reference"),
    fn: async () => {
      const base = name.split("/")[1];
      const r = await fileParity(
        `${SHARED}pcaps/${name}`,
        `${SHARED}reference/engelen/${base}.csv`,
        "corrected",
      );
      assert.equal(r.matched, r.theirs, "every reference flow is matched");
      const unequal = [...r.columns].filter(([col, [eq, n]]) => eq !== n && !col.startsWith("Subflow"));
      assert.deepEqual(unequal, []);
    },
  });
}

for (
  const name of [
    "small/tcpreplay-test.pcap",
    "small/derived-tcpreplay-test-snaplen64.pcap",
    "small/ndpi-icmp-tunnel.pcap",
    "small/pcpp-pcapng-example-multilink.pcapng",
    "small/ndpi-http_ipv6.pcap",
    "medium/pcpp-tls2.pcap",
  ]
) {
  Deno.test({
    name: `cic2017 run as J3 ran equals reference/j3 on every flow and cell of ${name}`,
    ignore: ignoreWithout("shared-pcaps", "shared-reference"),
    fn: async () => {
      const base = name.split("/")[1];
      const j3 = PAIRINGS.find((p) => p.build === "j3")!;
      const r = await fileParity(
        `${SHARED}pcaps/${name}`,
        `${SHARED}reference/j3/${base}.csv`,
        "cic2017",
        "cic2017",
        j3.options,
      );
      assert.equal(r.matched, r.theirs, `every J3 flow matched; missing ${r.unmatchedTheirs.join(", ")}`);
      assert.deepEqual(r.unequalCells, []);
    },
  });
}

for (
  const name of [
    "small/tcpreplay-test.pcap",
    "small/derived-tcpreplay-test-snaplen64.pcap",
    "small/ndpi-icmp-tunnel.pcap",
    "small/zeek-ipv6-ftp.pcap",
    "small/pcpp-ip4_fragments.pcap",
    "medium/pcpp-tls2.pcap",
  ]
) {
  Deno.test({
    name: `engelen equals the Engelen fork on every flow and cell of ${name}`,
    ignore: ignoreWithout("shared-pcaps", "shared-reference"),
    fn: async () => {
      const base = name.split("/")[1];
      const r = await fileParity(
        `${SHARED}pcaps/${name}`,
        `${SHARED}reference/engelen/${base}.csv`,
        "engelen",
      );
      assert.equal(r.matched, r.theirs, `every fork flow matched; missing ${r.unmatchedTheirs.join(", ")}`);
      assert.equal(r.ours, r.theirs, `no extra flows: ${r.unmatchedOurs.join(", ")}`);
      assert.deepEqual(r.unequalCells, []);
    },
  });
}
