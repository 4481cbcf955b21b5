/**
 * Parquet: end-to-end `convert` to Parquet against CSV on the bench capture
 * (the public medium captures repeated into ~1 M packets, as in the convert
 * bench), with the size ratio, and the Parquet writer alone on 1 000 000 rows.
 */
import { convertCaptureFile, type ConvertFileOptions } from "../../src/convert/convert_file.ts";
import { buildBenchPcap } from "./reader_bench.ts";
import { benchWriter } from "./writer_bench.ts";
import { haveSharedPcaps, listSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";

/** Best of three conversions of `input` to `output`. */
async function bestOf3(input: string, output: string, options: ConvertFileOptions) {
  let best = Infinity, flows = 0;
  for (let i = 0; i < 3; i++) {
    const r = await convertCaptureFile(input, output, options);
    best = Math.min(best, r.elapsedMs);
    flows = r.flows;
  }
  return { seconds: best / 1000, flows, bytes: (await Deno.stat(output)).size };
}

export async function runParquetBench(): Promise<void> {
  if (haveSharedPcaps) {
    const { path, packets } = await buildBenchPcap(listSharedPcaps("medium").map(sharedPcap), 1_000_000, 200);
    try {
      const csv = await bestOf3(path, `${path}.csv`, {});
      const zstd = await bestOf3(path, `${path}.parquet`, { format: "parquet" });
      const snappy = await bestOf3(path, `${path}.snappy.parquet`, {
        format: "parquet",
        compression: "snappy",
      });
      for (const [name, r] of [["csv", csv], ["parquet zstd", zstd], ["parquet snappy", snappy]] as const) {
        console.log(
          `convert → ${name}: ${packets} packets → ${r.flows} flows in ${r.seconds.toFixed(2)} s: ${
            (packets / r.seconds / 1e6).toFixed(2)
          } M packets/s, ${(r.bytes / 1e6).toFixed(2)} MB${
            name === "csv" ? "" : ` (CSV is ${(csv.bytes / r.bytes).toFixed(1)}× larger)`
          } (best of 3)`,
        );
      }
    } finally {
      for (const suffix of ["", ".csv", ".parquet", ".snappy.parquet"]) {
        await Deno.remove(path + suffix).catch(() => {});
      }
    }
  } else {
    console.log("parquet convert: ../shared/testdata not found; skipped");
  }
  for (const format of ["csv", "parquet"] as const) {
    const { rowsPerSec, mbPerSec } = await benchWriter("cic2017", format);
    console.log(
      `writer cic2017 ${format}: 1000000 rows, ${Math.round(rowsPerSec)} rows/s, ${mbPerSec.toFixed(1)} MB/s`,
    );
  }
}

if (import.meta.main) await runParquetBench();
