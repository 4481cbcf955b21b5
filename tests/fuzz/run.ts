/**
 * `deno task fuzz [CASES] [SEED]`: the full fuzz run over every public capture
 * (default 10 000 cases): reader, flow meters of both profiles, CSV and NDJSON
 * encoders. The cases run in a worker; when one makes no progress for
 * HANG_MS the worker is stopped and the case named. Prints failures with the
 * seed and case to replay and a summary; exits 1 if any case failed.
 */
import { haveSharedPcaps } from "../pcap/shared_pcaps.ts";
import type { FuzzMessage, FuzzRequest, FuzzSummary } from "./fuzz_worker.ts";

const cases = Number(Deno.args[0] ?? 10_000);
const seed = Number(Deno.args[1] ?? 1);
/** A case that takes this long is a hang (checkCase fails cases over MAX_MS_PER_CASE already). */
const HANG_MS = 20_000;
const MAX_HEAP_MIB = 1024;

if (!haveSharedPcaps) {
  console.log("fuzz: ../shared/testdata/pcaps not found; nothing to mutate");
  Deno.exit(0);
}

const worker = new Worker(new URL("./fuzz_worker.ts", import.meta.url), { type: "module" });
let current = "loading the captures";
let lastProgress = performance.now();
const summary = await new Promise<FuzzSummary | null>((resolve) => {
  const watchdog = setInterval(() => {
    if (performance.now() - lastProgress < HANG_MS) return;
    console.log(`FAIL hang: no progress for ${HANG_MS / 1000} s in ${current} (seed ${seed})`);
    clearInterval(watchdog);
    worker.terminate();
    resolve(null);
  }, 1000);
  worker.onmessage = (event: MessageEvent<FuzzMessage>) => {
    const msg = event.data;
    lastProgress = performance.now();
    if (msg.type === "case") {
      current = `case ${msg.index} (${msg.input}, ${msg.kind})`;
      if (msg.index > 0 && msg.index % 2000 === 0) console.log(`fuzz: ${msg.index} cases…`);
    } else if (msg.type === "fail") console.log(msg.text);
    else {
      clearInterval(watchdog);
      worker.terminate();
      resolve(msg.summary);
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    console.log(`FAIL worker died in ${current}: ${event.message}`);
    clearInterval(watchdog);
    resolve(null);
  };
  worker.postMessage({ cases, seed, maxHeapMiB: MAX_HEAP_MIB } satisfies FuzzRequest);
});
if (summary === null) Deno.exit(1);

const s = summary;
console.log(
  `fuzz: ${s.cases} cases (seed ${seed}) over ${s.captures} captures in ${s.seconds.toFixed(1)} s ` +
    `(${(s.cases / s.seconds).toFixed(0)} cases/s), ${s.failures} failed\n` +
    `  ${s.packets} packets read, ${s.flows} flows emitted by 4 meters, ` +
    `${(s.rowBytes / 2 ** 20).toFixed(1)} MiB of rows encoded\n` +
    `  slowest case ${s.slowestMs.toFixed(0)} ms (${s.slowestCase}); peak worker heap ${
      s.peakHeapMiB.toFixed(0)
    } MiB\n` +
    `  mutations: ${Object.entries(s.kinds).sort().map(([k, n]) => `${k} ${n}`).join(", ")}`,
);
if (s.failures > 0) Deno.exit(1);
