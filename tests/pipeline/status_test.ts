import assert from "node:assert/strict";
import { formatStatus, type PipelineStatus } from "../../src/pipeline/status.ts";

const base: PipelineStatus = {
  captured: 12,
  converted: 10,
  failed: 1,
  retries: 2,
  queued: 1,
  running: 1,
  freeBytes: 13_200_000_000,
  capture: "running",
  tcpdumpRestarts: 0,
};

Deno.test("the status line lists files, queue, disk and tcpdump", () => {
  assert.equal(
    formatStatus(base),
    "status: 12 captured, 10 converted, 1 failed (2 retries), queue 1 + 1 running, free disk 12.3 GiB, tcpdump running",
  );
});

Deno.test("with --sink the status line also says whether the stream is reached and what waits in the spool", () => {
  assert.match(
    formatStatus({ ...base, stream: { published: 5000, backlogBytes: 3 * 1048576, connected: false } }),
    /, stream not connected: 5000 rows acknowledged, 3\.0 MiB spooled$/,
  );
});
