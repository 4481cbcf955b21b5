import assert from "node:assert/strict";
import { createLogger, parseLogLevel } from "../src/log.ts";

Deno.test("the log file gets one line per event at or above the level, named pipeline_YYYYmmdd_HHMMSS.log", async () => {
  const dir = await Deno.makeTempDir({ prefix: "log_test_" });
  try {
    const at = new Date(2026, 10, 23, 10, 15, 0);
    const log = createLogger({ level: "INFO", console: false, logDir: `${dir}/log`, now: () => at });
    assert.equal(log.filePath, `${dir}/log/pipeline_20261123_101500.log`);
    log.debug("not written");
    log.info("capture_20261123_101500.pcap converted (123 flows, 0.4 s)");
    log.warn("tcpdump said\nsomething on two lines");
    log.error("capture_20261123_101600.pcap failed");
    log.close();
    const text = await Deno.readTextFile(log.filePath!);
    assert.equal(
      text,
      "2026-11-23 10:15:00 INFO capture_20261123_101500.pcap converted (123 flows, 0.4 s)\n" +
        "2026-11-23 10:15:00 WARNING tcpdump said | something on two lines\n" +
        "2026-11-23 10:15:00 ERROR capture_20261123_101600.pcap failed\n",
    );
    assert.equal((await Deno.stat(log.filePath!)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("log levels parse case-insensitively, warn meaning WARNING", () => {
  assert.equal(parseLogLevel("debug"), "DEBUG");
  assert.equal(parseLogLevel("warn"), "WARNING");
  assert.equal(parseLogLevel("Error"), "ERROR");
  assert.equal(parseLogLevel("loud"), undefined);
});
