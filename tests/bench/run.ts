/**
 * `deno task bench`: every benchmark, each printing its own numbers.
 * Benchmarks report; they never fail a build on timing.
 */
import { runReaderBench } from "./reader_bench.ts";
import { runConvertBench } from "./convert_bench.ts";
import { runFleetBench } from "./fleet_bench.ts";

const benches: [string, () => Promise<void>][] = [
  ["reader", runReaderBench],
  ["convert", runConvertBench],
  ["fleet", runFleetBench],
];

for (const [name, run] of benches) {
  console.log(`== ${name} ==`);
  await run();
}
