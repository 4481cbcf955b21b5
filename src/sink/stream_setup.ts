/**
 * The JetStream stream the fleet writes to: its wanted shape (subjects,
 * replicas, retention by age and size, de-duplication window), creating it
 * when missing, comparing it when present, and a readable state report.
 * Used by `sink-check` and by `collect`.
 */
import type { JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";

/** The stream settings we care about. */
export interface StreamSpec {
  name: string;
  subjects: string[];
  replicas: number;
  /** Messages older than this are removed (seconds; 0 = no limit). */
  maxAgeSec: number;
  /** The stream keeps at most this many bytes, oldest removed first (-1 = no limit). */
  maxBytes: number;
  /** Ids seen within this window are dropped as duplicates (seconds). */
  duplicateWindowSec: number;
}

/** Defaults: `FLOWS` on `flows.>`, one replica, 7 days, 10 GiB, 10 min de-duplication. */
export const DEFAULT_STREAM: StreamSpec = {
  name: "FLOWS",
  subjects: ["flows.>"],
  replicas: 1,
  maxAgeSec: 7 * 86400,
  maxBytes: 10 * 1024 ** 3,
  duplicateWindowSec: 600,
};

const NS = 1e9;

/** Result of `ensureStream`. */
export interface StreamCheck {
  info: StreamInfo;
  created: boolean;
  updated: boolean;
  /** Settings of an existing stream that differ from the spec (empty when it matches). */
  differences: string[];
}

/**
 * Creates the stream when missing; when present, lists how it differs from
 * `spec` and, with `update`, changes it (replicas and subjects can be
 * changed on a live stream; JetStream refuses what it cannot change).
 */
export async function ensureStream(
  jsm: JetStreamManager,
  spec: StreamSpec,
  update = false,
): Promise<StreamCheck> {
  const wanted = {
    subjects: spec.subjects,
    num_replicas: spec.replicas,
    max_age: spec.maxAgeSec * NS,
    max_bytes: spec.maxBytes,
    duplicate_window: spec.duplicateWindowSec * NS,
  };
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(spec.name);
  } catch (err) {
    if (!/not found/i.test((err as Error).message)) throw err;
    info = await jsm.streams.add({
      name: spec.name,
      ...wanted,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
    });
    return { info, created: true, updated: false, differences: [] };
  }
  const differences = streamDifferences(info, spec);
  if (differences.length > 0 && update) {
    info = await jsm.streams.update(spec.name, { ...info.config, ...wanted });
    return { info, created: false, updated: true, differences };
  }
  return { info, created: false, updated: false, differences };
}

/**
 * How an existing stream differs from `spec`, one phrase per setting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StreamInfo } from "@nats-io/jetstream";
 * import { DEFAULT_STREAM, streamDifferences } from "./stream_setup.ts";
 * const NS = 1e9;
 * const config = {
 *   subjects: ["metrics.>"], num_replicas: DEFAULT_STREAM.replicas, max_age: DEFAULT_STREAM.maxAgeSec * NS,
 *   max_bytes: DEFAULT_STREAM.maxBytes, duplicate_window: DEFAULT_STREAM.duplicateWindowSec * NS,
 * };
 * const info = { config } as unknown as StreamInfo; // only the settings compared
 * assert.deepEqual(streamDifferences(info, DEFAULT_STREAM), ['subjects are "metrics.>" (want "flows.>")']);
 * ```
 */
export function streamDifferences(info: StreamInfo, spec: StreamSpec): string[] {
  const c = info.config;
  const out: string[] = [];
  const have = [...(c.subjects ?? [])].sort().join(", ");
  const want = [...spec.subjects].sort().join(", ");
  if (have !== want) out.push(`subjects are "${have}" (want "${want}")`);
  if (c.num_replicas !== spec.replicas) out.push(`replicas ${c.num_replicas} (want ${spec.replicas})`);
  if (Math.round(c.max_age / NS) !== spec.maxAgeSec) {
    out.push(`max age ${Math.round(c.max_age / NS)} s (want ${spec.maxAgeSec} s)`);
  }
  if (c.max_bytes !== spec.maxBytes) out.push(`max bytes ${c.max_bytes} (want ${spec.maxBytes})`);
  if (Math.round(c.duplicate_window / NS) !== spec.duplicateWindowSec) {
    out.push(
      `de-duplication window ${Math.round(c.duplicate_window / NS)} s (want ${spec.duplicateWindowSec} s)`,
    );
  }
  return out;
}

/** Multi-line state: settings, messages, bytes, sequences, cluster leader and replicas. */
export function formatStreamState(info: StreamInfo): string {
  const c = info.config;
  const s = info.state;
  const lines = [
    `stream ${c.name}: subjects ${c.subjects?.join(", ")}, ${c.num_replicas} replicas, ` +
    `max age ${fmtDuration(c.max_age / NS)}, max bytes ${fmtBytes(c.max_bytes)}, ` +
    `de-duplication window ${fmtDuration(c.duplicate_window / NS)}`,
    `  ${s.messages} messages, ${fmtBytes(s.bytes)}, sequences ${s.first_seq}..${s.last_seq}, ` +
    `${s.consumer_count} consumers`,
  ];
  if (info.cluster) {
    const replicas = (info.cluster.replicas ?? []).map((r) =>
      `${r.name} (${r.current ? "current" : "behind"}${r.offline ? ", offline" : ""})`
    );
    lines.push(
      `  cluster ${info.cluster.name ?? "-"}: leader ${info.cluster.leader ?? "none"}` +
        (replicas.length ? `, replicas ${replicas.join(", ")}` : ""),
    );
  }
  return lines.join("\n");
}

function fmtBytes(n: number): string {
  if (n < 0) return "unlimited";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

function fmtDuration(sec: number): string {
  if (sec <= 0) return "unlimited";
  if (sec % 86400 === 0) return `${sec / 86400} d`;
  if (sec % 3600 === 0) return `${sec / 3600} h`;
  if (sec % 60 === 0) return `${sec / 60} min`;
  return `${sec} s`;
}

/**
 * Parses a duration like `7d`, `12h`, `10m`, `30s` or plain seconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./stream_setup.ts";
 * assert.deepEqual(parseDuration("2h", "--max-age"), 7200);
 * ```
 */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|m|min|s)?$/i.exec(text.trim());
  if (!m) throw new Error(`${flag}: "${text}" is not a duration (e.g. 7d, 12h, 10m, 30s)`);
  const unit = (m[2] ?? "s").toLowerCase();
  const mult = unit === "d" ? 86400 : unit === "h" ? 3600 : unit === "s" ? 1 : 60;
  return Math.round(Number(m[1]) * mult);
}

/**
 * Parses a size like `10G`, `500M`, `64K` or plain bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSize } from "./stream_setup.ts";
 * assert.deepEqual(parseSize("1G", "--max-bytes"), 1073741824);
 * ```
 */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt])?i?b?$/i.exec(text.trim());
  if (!m) throw new Error(`${flag}: "${text}" is not a size (e.g. 10G, 500M)`);
  const power = " kmgt".indexOf((m[2] ?? " ").toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}
