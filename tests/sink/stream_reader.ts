/**
 * Test helpers around a real stream: create it, read every message back
 * (an ordered consumer), and a recording logger.
 */
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ensureStream, type StreamSpec } from "../../src/sink/stream_setup.ts";
import { DEFAULT_STREAM } from "../../src/sink/stream_setup.ts";
import type { Logger } from "../../src/log.ts";
import { type CollectOptions, type CollectStats, runCollect } from "../../src/sink/collect.ts";
import { join } from "node:path";
import { HDR } from "../../src/sink/message.ts";

/** Creates the stream (defaults: FLOWS on flows.>) on the servers of `url` (comma-separated). */
export async function createStream(
  url: string,
  spec: Partial<StreamSpec> = {},
  auth: { user?: string; pass?: string } = {},
): Promise<void> {
  const nc = await connect({ servers: url.split(","), ...auth });
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, {
      ...DEFAULT_STREAM,
      maxBytes: 256 * 1024 ** 2,
      duplicateWindowSec: 120,
      ...spec,
    });
  } finally {
    await nc.close();
  }
}

/** One message as read back. */
export interface StreamedRow {
  id: string;
  sensor: string;
  source: string;
  row: string;
  kind: string;
  body: string;
}

/** Every message of the stream, in order. */
export async function readStream(url: string, stream = "FLOWS"): Promise<StreamedRow[]> {
  const nc = await connect({ servers: url.split(",") });
  try {
    const jsm = await jetstreamManager(nc);
    const total = (await jsm.streams.info(stream)).state.messages;
    const out: StreamedRow[] = [];
    if (total === 0) return out;
    const consumer = await jetstream(nc).consumers.get(stream);
    const messages = await consumer.consume();
    for await (const m of messages) {
      const h = m.headers!;
      out.push({
        id: h.get("Nats-Msg-Id"),
        sensor: h.get(HDR.sensor),
        source: h.get(HDR.source),
        row: h.get(HDR.row),
        kind: h.get(HDR.kind),
        body: m.string(),
      });
      if (m.info.pending === 0) break;
    }
    await messages.close();
    return out;
  } finally {
    await nc.close();
  }
}

/** A logger keeping its lines. */
export function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: add("DEBUG"), info: add("INFO"), warn: add("WARNING"), error: add("ERROR") };
}

/** Polls `cond` every 100 ms until true or `ms` passed. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return await cond();
}

/** The data rows (header dropped) of every file matching `pattern` in `dir`, sorted; [] when `dir` is absent. */
export async function csvRows(dir: string, pattern: RegExp): Promise<string[]> {
  const rows: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !pattern.test(e.name)) continue;
      rows.push(...(await Deno.readTextFile(join(dir, e.name))).split("\n").filter((l) => l !== "").slice(1));
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return rows.sort();
}

/**
 * Runs collect (stream FLOWS, consumer `collect`) into `out` until `done()` (at most 20 s, else it throws);
 * `options` override collect's (format, clock, …).
 */
export async function collectUntil(
  url: string,
  out: string,
  done: () => Promise<boolean>,
  options: Partial<CollectOptions> = {},
): Promise<CollectStats & { log: string[] }> {
  const stop = new AbortController();
  const log = recordingLog();
  const run = runCollect({
    connection: { servers: url.replace(/(nats|tls):\/\//g, "").split(","), tlsRequired: false, tls: {} },
    stream: "FLOWS",
    consumer: "collect",
    outputDir: out,
    format: "csv",
    log,
    signal: stop.signal,
    ...options,
  });
  const ok = await until(done, 20_000);
  stop.abort();
  const stats = await run;
  if (!ok) throw new Error(`collect did not finish in 20 s:\n${log.lines.join("\n")}`);
  return { ...stats, log: log.lines };
}
