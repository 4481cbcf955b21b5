/**
 * Fast fuzz subset (the full run is `deno task fuzz`): mutated public captures
 * never crash or hang the reader, and packets before the damage are kept.
 */
import assert from "node:assert/strict";
import { mutate, prng } from "./mutate.ts";
import { checkCase, parseWhole } from "./fuzz_reader.ts";
import { haveSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";

const FILES = [
  "small/tcpreplay-test.pcap",
  "small/pcpp-pcapng-example-multilink.pcapng",
  "small/gopacket-be-test001.pcapng",
  "small/pcpp-nanosecs_big_endian.pcap",
  "small/chris-ipv6_fragments.pcapng",
];

for (const name of FILES) {
  Deno.test({
    name: `400 mutations of ${name}: no exception, no hang, earlier packets kept`,
    ignore: !haveSharedPcaps,
    fn: async () => {
      const bytes = await Deno.readFile(sharedPcap(name));
      const original = parseWhole(bytes);
      assert.ok(original.length > 0);
      const random = prng(0x5eed + name.length);
      for (let i = 0; i < 400; i++) {
        const m = mutate(bytes, random);
        const chunk = [m.bytes.length || 1, 7, 4096][i % 3];
        const problem = checkCase(m, original, chunk);
        assert.equal(problem, null, `case ${i} (${m.kind} at ${m.damageAt}, chunk ${chunk})`);
      }
    },
  });
}
