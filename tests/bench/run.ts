/**
 * `deno task bench`: every benchmark, each printing its own numbers.
 * Benchmarks report; they never fail a build on timing.
 */
import { runReaderBench } from "./reader_bench.ts";
import { runConvertBench } from "./convert_bench.ts";
import { runCaptureLoadBench } from "./capture_load_bench.ts";
import { runParquetBench } from "./parquet_bench.ts";
import { runFleetBench } from "./fleet_bench.ts";

const benches: [string, () => Promise<void>][] = [
  ["reader", runReaderBench],
  ["convert", runConvertBench],
  // Root, tcpreplay and minutes of replayed traffic; skips with a message without them.
  // Its options pass through: deno task bench --pcap FILE --rates 50000,100000
  ["capture load", () => runCaptureLoadBench(Deno.args)],
  ["parquet", runParquetBench],
  ["fleet", runFleetBench],
];

for (const [name, run] of benches) {
  console.log(`== ${name} ==`);
  await run();
}
