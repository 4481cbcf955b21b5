import assert from "node:assert/strict";
import { snaplenWarning, TRUNCATION_COLUMNS } from "../../src/pipeline/snaplen_warning.ts";

Deno.test("an external meter at a small snaplen is warned about, naming the capped columns", () => {
  const cic = snaplenWarning("cicflowmeter", 128);
  assert.ok(cic);
  assert.match(cic, /snaplen 128: cicflowmeter sees packets cut to 128 bytes/);
  for (const column of TRUNCATION_COLUMNS.cicflowmeter) assert.ok(cic.includes(column), column);
  const nexus = snaplenWarning("nexusflowmeter", 96);
  assert.ok(nexus?.includes("max_packet_size"));
  assert.ok(!nexus?.includes("pkt_len"));
});

Deno.test("no warning for whole packets or for the builtin meter", () => {
  assert.equal(snaplenWarning("cicflowmeter", 65535), null);
  assert.equal(snaplenWarning("nexusflowmeter", 262144), null);
  assert.equal(snaplenWarning("builtin", 128), null);
});
