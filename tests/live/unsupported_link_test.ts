/**
 * An interface whose link type the reader does not decode (here a CAN bus,
 * link type 227): `live` and `windows` stop as soon as tcpdump's stream
 * header says so, and the error names the type, instead of running on while
 * every packet is skipped. This machine has no CAN interface (no vcan
 * module), so a shell script stands in for tcpdump on one: it writes a
 * capture header of that link type and a few CAN frames, then waits to be
 * stopped as tcpdump would.
 */
import assert from "node:assert/strict";
import { runLiveSession } from "../../src/live/live_session.ts";
import { runWindowsSession } from "../../src/live/windows_session.ts";
import { tcpdumpFailure } from "../../src/live/session_capture.ts";
import { HttpFloodRule } from "../../src/label/http_flood.ts";
import { pcapFile } from "../pcap/build_capture.ts";
import { standInTcpdump } from "./stand_in_tcpdump.ts";

const CAN_SOCKETCAN = 227;

async function canTcpdump(dir: string): Promise<string> {
  // SocketCAN frames: CAN id (big-endian), length, 3 reserved bytes, 8 data bytes.
  const frame = new Uint8Array([0, 0, 0x01, 0x23, 8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const records = [0, 1, 2].map((i) => ({ sec: 1_700_000_000, frac: i, data: frame }));
  await Deno.writeFile(`${dir}/can.pcap`, pcapFile(records, { linkType: CAN_SOCKETCAN }));
  return standInTcpdump(dir, "can0", "CAN_SOCKETCAN (CAN-bus with SocketCAN headers)", `${dir}/can.pcap`);
}

Deno.test("live and windows stop at once on an interface whose link type the reader does not decode", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const command = await canTcpdump(dir);
    const started = performance.now();
    const live = await runLiveSession({ iface: "can0", output: `${dir}/flows.csv`, tcpdumpCommand: command });
    assert.equal(live.stopReason, "unsupported-link-type");
    assert.equal(live.completedFlows, 0);
    assert.match(
      tcpdumpFailure("can0", live)?.message ?? "",
      /^tcpdump on can0: its link type 227 is not one the reader decodes .*capture on another interface$/,
    );

    const windows = await runWindowsSession({
      iface: "can0",
      outputDir: `${dir}/windows`,
      windowSec: 60,
      rule: new HttpFloodRule(),
      tcpdumpCommand: command,
    });
    assert.equal(windows.stopReason, "unsupported-link-type");
    assert.equal(windows.windows, 0);
    assert.match(
      tcpdumpFailure("can0", windows)?.message ?? "",
      /its link type 227 is not one the reader decodes/,
    );
    assert.ok(performance.now() - started < 10_000, "neither waited for the stand-in's 30 s");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
