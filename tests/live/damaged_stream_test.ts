/**
 * A pcap stream that breaks while `live` or `windows` reads it: the rows of
 * the packets before the break are written, the session says the stream
 * broke (not that tcpdump exited), and the error names the byte. A real
 * tcpdump does not write a broken stream on demand, so a shell script stands
 * in for that one behaviour: it writes a capture whose 31st record header
 * holds a garbage length, then waits to be stopped as tcpdump would.
 */
import assert from "node:assert/strict";
import { runLiveSession } from "../../src/live/live_session.ts";
import { runWindowsSession } from "../../src/live/windows_session.ts";
import { tcpdumpFailure } from "../../src/live/session_capture.ts";
import { HttpFloodRule } from "../../src/label/http_flood.ts";
import { ownCapture } from "../captures/own_captures.ts";
import { standInTcpdump } from "./stand_in_tcpdump.ts";

/** Writes the damaged capture and the stand-in tcpdump; returns the script and the damage's offset. */
async function brokenTcpdump(dir: string): Promise<{ command: string; at: number }> {
  const bytes = await Deno.readFile(ownCapture("loopback-http.pcap"));
  const view = new DataView(bytes.buffer);
  let at = 24;
  for (let i = 0; i < 30; i++) at += 16 + view.getUint32(at + 8, true);
  view.setUint32(at + 8, 0x41414141, true);
  await Deno.writeFile(`${dir}/damaged.pcap`, bytes);
  const command = await standInTcpdump(dir, "lo", "EN10MB (Ethernet)", `${dir}/damaged.pcap`);
  return { command, at };
}

Deno.test("live: a broken pcap stream ends the session with the rows before it and names the byte", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { command, at } = await brokenTcpdump(dir);
    const result = await runLiveSession({ iface: "lo", output: `${dir}/flows.csv`, tcpdumpCommand: command });
    assert.equal(result.stopReason, "stream-damaged");
    assert.equal(result.packets, 30);
    assert.ok(result.completedFlows > 0);
    const rows = (await Deno.readTextFile(`${dir}/flows.csv`)).trim().split("\n").length - 1;
    assert.equal(rows, result.completedFlows);
    const failure = tcpdumpFailure("lo", result);
    assert.match(
      failure?.message ?? "",
      new RegExp(`^tcpdump on lo: its pcap stream broke: damaged at byte ${at},`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("windows: a broken pcap stream saves the window and says the stream broke", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { command, at } = await brokenTcpdump(dir);
    const result = await runWindowsSession({
      iface: "lo",
      outputDir: dir,
      windowSec: 60,
      rule: new HttpFloodRule(),
      tcpdumpCommand: command,
    });
    assert.equal(result.stopReason, "stream-damaged");
    assert.equal(result.capture.packetsRead, 30);
    assert.equal(result.windows, 1);
    assert.match(tcpdumpFailure("lo", result)?.message ?? "", new RegExp(`damaged at byte ${at},`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
