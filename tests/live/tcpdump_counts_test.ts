import assert from "node:assert/strict";
import { formatTcpdumpCounts, parseTcpdumpCounts } from "../../src/capture/tcpdump_counts.ts";

Deno.test("tcpdump's counters at exit (one per line) and on SIGUSR1 (one line), the last ones win", () => {
  assert.deepEqual(
    parseTcpdumpCounts(
      "listening on lo\n3 packets captured\n4 packets received by filter\n1 packet dropped by kernel\n",
    ),
    { captured: 3, received: 4, dropped: 1 },
  );
  const usr1 = "tcpdump: 5 packets captured, 7 packets received by filter, 2 packets dropped by kernel\n" +
    "tcpdump: 1 packet captured, 1 packet received by filter, 0 packets dropped by kernel\n";
  assert.deepEqual(parseTcpdumpCounts(usr1), { captured: 1, received: 1, dropped: 0 });
  assert.equal(parseTcpdumpCounts("tcpdump: listening on lo\n"), null);
  assert.equal(parseTcpdumpCounts("3 packets captured\n"), null, "all three counters or none");
});

Deno.test("the counters text names tcpdump's received, captured, dropped and our packets read", () => {
  assert.equal(
    formatTcpdumpCounts({ captured: 3, received: 4, dropped: 1 }, 3),
    "tcpdump received 4, captured 3, dropped 1; read 3",
  );
  assert.equal(formatTcpdumpCounts(null, 0), "tcpdump counts not yet known; read 0");
  assert.equal(
    formatTcpdumpCounts(null, null),
    "tcpdump counts not yet known; read by the meter (not reported)",
  );
});
