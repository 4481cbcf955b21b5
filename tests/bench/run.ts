/**
 * `deno task bench`: every benchmark, each printing its own numbers.
 * Benchmarks report; they never fail a build on timing.
 */
import { runReaderBench } from "./reader_bench.ts";

const benches: [string, () => Promise<void>][] = [["reader", runReaderBench]];

// Benches owned by other modules register themselves here when present.
for (const [name, module, fn] of [["convert", "./convert_bench.ts", "runConvertBench"]] as const) {
  try {
    const mod = await import(module);
    if (typeof mod[fn] === "function") benches.push([name, mod[fn]]);
  } catch (err) {
    if (!(err instanceof TypeError && /Module not found/.test(err.message))) throw err;
  }
}

for (const [name, run] of benches) {
  console.log(`== ${name} ==`);
  await run();
}
