/**
 * Regression (found by `deno task fuzz`, case 891 seed 1): a pcapng packet
 * whose 64-bit timestamp lies past year ~2255 has a µs time no double holds
 * exactly. The meter used it, and every Timestamp format then threw
 * ("timestamp 18446744073204128000 µs is not an integer", "Invalid time
 * value"), failing the whole conversion for one bad packet. Such packets are
 * now ignored and counted as "bad-timestamp"; the other packets make flows.
 */
import assert from "node:assert/strict";
import { concat, epb, idb, shb, tcpFrame } from "../pcap/build_capture.ts";
import { CaptureParser } from "../../src/pcap/capture_parser.ts";
import { FlowMeter } from "../../src/flow/meter.ts";
import type { FlowRecord } from "../../src/flow/flow_record.ts";
import { buildLayout } from "../../src/output/columns.ts";
import { TIMESTAMP_FORMATS } from "../../src/output/timestamp_format.ts";
import { csvEncoder } from "../../src/output/csv_writer.ts";
import type { ProfileName } from "../../src/flow/flow_record.ts";

const T0 = 1_499_441_400_000_000n; // 2017-07-07 15:30 UTC in µs (the IDB's default resolution)

function capture(): Uint8Array {
  return concat(
    shb(),
    idb(1),
    epb(0, T0, tcpFrame({ sport: 5000, dport: 80, flags: 0x02 })),
    epb(0, 0xffff_ffff_ffff_fff0n, tcpFrame({ sport: 5001, dport: 80, flags: 0x02 })), // year ~586 000
    epb(0, T0 + 1000n, tcpFrame({ sport: 5000, dport: 80, flags: 0x10 })),
  );
}

for (const profile of ["cic2017", "corrected"] as ProfileName[]) {
  Deno.test(`${profile}: a pcapng timestamp past the safe µs range is ignored as bad-timestamp, not a crash`, () => {
    const rows: FlowRecord[] = [];
    const meter = new FlowMeter({ profile, keepSinglePacketFlows: true }, (r) => rows.push(r));
    const parser = new CaptureParser(meter.addPacket);
    parser.push(capture());
    parser.end();
    meter.flush();

    assert.equal(meter.stats.packets, 3);
    assert.equal(meter.stats.ignored["bad-timestamp"], 1);
    assert.equal(meter.stats.packetsUsed, 2);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].srcPort, 5000);
    assert.equal(rows[0].totalFwdPackets + rows[0].totalBwdPackets, 2);
    assert.equal(rows[0].flowDuration, 1000);
    for (const format of TIMESTAMP_FORMATS) {
      const line = csvEncoder(buildLayout("cic2017", { timestampFormat: format, timeZone: "Europe/Berlin" }))
        .row(rows[0]);
      assert.match(line, /2017|1499441400000000/, `${format}: ${line}`);
    }
  });
}
