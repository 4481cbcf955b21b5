/**
 * Throughput of the flow writer: 1 000 000 records to a CSV file (atomic
 * write into a temp dir), cic2017 layout. Records cycle through 1 000
 * variants with realistic float values (long fractions, some NaN/Infinity).
 */
import type { FlowRecord } from "../../src/flow/flow_record.ts";
import { buildLayout, type LayoutName } from "../../src/output/columns.ts";
import { openFlowWriter, type OutputFormat } from "../../src/output/flow_writer.ts";
import { sampleRecord } from "../output/sample_record.ts";

const ROWS = 1_000_000;

function variants(): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let i = 0; i < 1000; i++) {
    const r = sampleRecord({
      srcIp: `192.168.${i % 256}.${(i * 7) % 256}`,
      srcPort: 1024 + i * 37,
      timestampUs: 1_499_452_200_123_456 + i * 1_234_567,
      flowDuration: 1000 + i * 977,
      flowBytesPerSec: i % 97 === 0 ? NaN : i % 89 === 0 ? Infinity : (i * 1e6) / 3,
      flowPacketsPerSec: (i + 1) * 1e6 / 7,
      fwdPktLenMean: i / 3,
      fwdPktLenStd: Math.sqrt(i),
      flowIatMean: i * 1.1,
      flowIatStd: Math.sqrt(i * 2),
      pktLenMean: i / 7,
      pktLenStd: Math.sqrt(i / 3),
      pktLenVar: i / 3,
      avgPacketSize: i / 9,
      label: i % 5 === 0 ? "DDoS" : "BENIGN",
    });
    r.flowId = `${r.dstIp}-${r.srcIp}-${r.dstPort}-${r.srcPort}-6`;
    out.push(r);
  }
  return out;
}

/** Writes ROWS records and reports throughput. */
export async function benchWriter(
  layoutName: LayoutName = "cic2017",
  format: OutputFormat = "csv",
): Promise<{ rowsPerSec: number; mbPerSec: number }> {
  const records = variants();
  const dir = await Deno.makeTempDir({ prefix: "writer-bench-" });
  try {
    const path = `${dir}/flows.${format}`;
    const start = performance.now();
    const writer = await openFlowWriter({ path, layout: buildLayout(layoutName), format });
    for (let i = 0; i < ROWS; i++) {
      writer.write(records[i % records.length]);
      if (writer.backlogged) await writer.ready();
    }
    await writer.close();
    const seconds = (performance.now() - start) / 1000;
    const size = (await Deno.stat(path)).size;
    return { rowsPerSec: ROWS / seconds, mbPerSec: size / 1e6 / seconds };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  for (const [layout, format] of [["cic2017", "csv"], ["ddos2019", "csv"], ["cic2017", "ndjson"]] as const) {
    const { rowsPerSec, mbPerSec } = await benchWriter(layout, format);
    console.log(
      `writer ${layout} ${format}: ${ROWS} rows, ${Math.round(rowsPerSec)} rows/s, ${
        mbPerSec.toFixed(1)
      } MB/s`,
    );
  }
}
