/**
 * Test helpers around a real stream: create it, read every message back
 * (an ordered consumer), and a recording logger.
 */
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ensureStream, type StreamSpec } from "../../src/sink/stream_setup.ts";
import { DEFAULT_STREAM } from "../../src/sink/stream_setup.ts";
import type { Logger } from "../../src/log.ts";
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
