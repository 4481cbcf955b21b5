/**
 * Parity guards: on captures where our `corrected` profile and the Engelen
 * fork agree by design, every compared column must stay equal (subflows
 * differ by definition, spec §3.8). Skipped without ../shared/testdata.
 */
import assert from "node:assert/strict";
import { fileParity } from "./run.ts";
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
