/**
 * `deno task fuzz [CASES] [SEED]`: the full fuzz run over every public capture
 * (default 10 000 cases). Prints failures with the seed and case to replay;
 * exits 1 if any case failed.
 */
import { mutate, prng } from "./mutate.ts";
import { checkCase, parseWhole } from "./fuzz_reader.ts";
import { haveSharedPcaps, listSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";

const cases = Number(Deno.args[0] ?? 10_000);
const seed = Number(Deno.args[1] ?? 1);
if (!haveSharedPcaps) {
  console.log("fuzz: ../shared/testdata/pcaps not found; nothing to mutate");
  Deno.exit(0);
}
const files = [...listSharedPcaps("small"), ...listSharedPcaps("medium")];
const inputs = await Promise.all(files.map(async (name) => {
  const bytes = await Deno.readFile(sharedPcap(name));
  return { name, bytes, original: parseWhole(bytes) };
}));
const random = prng(seed);
const started = performance.now();
let failures = 0;
let peakRss = 0;
for (let i = 0; i < cases; i++) {
  const input = inputs[i % inputs.length];
  const m = mutate(input.bytes, random);
  const chunk = [m.bytes.length || 1, 7, 4096, 1 << 20][i % 4];
  const problem = checkCase(m, input.original, chunk);
  if (problem !== null) {
    failures++;
    console.log(
      `FAIL case ${i} seed ${seed} ${input.name} ${m.kind}@${m.damageAt} chunk ${chunk}: ${problem}`,
    );
  }
  if (i % 500 === 0) peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `fuzz: ${cases} cases over ${inputs.length} captures in ${seconds.toFixed(1)} s, ` +
    `${failures} failed, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
);
if (failures > 0) Deno.exit(1);
