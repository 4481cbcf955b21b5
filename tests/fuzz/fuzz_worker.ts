/**
 * The loop of `deno task fuzz`, run in a Web Worker so that run.ts can stop
 * it and name the case when one hangs. Posts `case` before each case, `fail`
 * for each failure and `done` with the summary.
 */
/// <reference lib="deno.worker" />
import { mutate, prng } from "./mutate.ts";
import { checkCase, parseWhole } from "./fuzz_reader.ts";
import { FlowCase } from "./fuzz_flow.ts";
import { listSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";

/** What run.ts asks for. */
export interface FuzzRequest {
  cases: number;
  seed: number;
  /** Fail when the worker's heap grows past this many MiB. */
  maxHeapMiB: number;
}

/** What the worker reports. */
export type FuzzMessage =
  | { type: "case"; index: number; input: string; kind: string }
  | { type: "fail"; text: string }
  | { type: "done"; summary: FuzzSummary };

export interface FuzzSummary {
  cases: number;
  failures: number;
  captures: number;
  seconds: number;
  packets: number;
  flows: number;
  rowBytes: number;
  slowestMs: number;
  slowestCase: string;
  peakHeapMiB: number;
  kinds: Record<string, number>;
}

self.onmessage = async (event: MessageEvent<FuzzRequest>) => {
  const { cases, seed, maxHeapMiB } = event.data;
  const files = [...listSharedPcaps("small"), ...listSharedPcaps("medium")];
  const inputs = await Promise.all(files.map(async (name) => {
    const bytes = await Deno.readFile(sharedPcap(name));
    return { name, bytes, original: parseWhole(bytes) };
  }));
  const random = prng(seed);
  const summary: FuzzSummary = {
    cases,
    failures: 0,
    captures: inputs.length,
    seconds: 0,
    packets: 0,
    flows: 0,
    rowBytes: 0,
    slowestMs: 0,
    slowestCase: "",
    peakHeapMiB: 0,
    kinds: {},
  };
  const started = performance.now();
  for (let i = 0; i < cases; i++) {
    const input = inputs[i % inputs.length];
    const m = mutate(input.bytes, random, input.original);
    const chunk = [m.bytes.length || 1, 7, 4096, 1 << 20][i % 4];
    const label = `case ${i} seed ${seed} ${input.name} ${m.kind}@${m.damageAt} chunk ${chunk}`;
    self.postMessage({ type: "case", index: i, input: input.name, kind: m.kind } satisfies FuzzMessage);
    summary.kinds[m.kind] = (summary.kinds[m.kind] ?? 0) + 1;
    const flow = new FlowCase(i);
    const t0 = performance.now();
    const problem = checkCase(m, input.original, chunk, flow);
    const ms = performance.now() - t0;
    if (ms > summary.slowestMs) [summary.slowestMs, summary.slowestCase] = [ms, label];
    summary.packets += flow.meters[0].stats.packets;
    for (const meter of flow.meters) summary.flows += meter.stats.flowsEmitted;
    summary.rowBytes += flow.bytes;
    if (problem !== null) {
      summary.failures++;
      self.postMessage({ type: "fail", text: `FAIL ${label}: ${problem}` } satisfies FuzzMessage);
    }
    if (i % 100 === 0) {
      const heapMiB = Deno.memoryUsage().heapUsed / 2 ** 20;
      summary.peakHeapMiB = Math.max(summary.peakHeapMiB, heapMiB);
      if (heapMiB > maxHeapMiB) {
        summary.failures++;
        self.postMessage({ type: "fail", text: `FAIL after ${label}: heap ${heapMiB.toFixed(0)} MiB` });
      }
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  self.postMessage({ type: "done", summary } satisfies FuzzMessage);
};
