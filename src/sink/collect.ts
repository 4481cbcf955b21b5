/**
 * `collect`: a durable pull consumer on the fleet's stream that writes every
 * row to hourly files per sensor (see hour_files.ts) and acknowledges a
 * message only after its row is on disk (fsynced). With the state file
 * (collect_state.ts) a crash at any point loses nothing and writes nothing
 * twice: a half-written batch is cut back on start, and a message written
 * but not acknowledged is acknowledged without writing it again. A row the
 * stream holds twice (under two sequences) is written once: each file's
 * written ids are kept beside it (written_ids.ts).
 *
 * With `--format parquet` the hourly CSV is still written exactly so (it is
 * what acknowledgements depend on); each closed hour is then also published
 * as Parquet (hour_to_parquet.ts): "Parquet per closed hour".
 */
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  jetstream,
  type JetStreamManager,
  jetstreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { Logger } from "../log.ts";
import { syncDir, writeAll } from "../system/atomic_write.ts";
import { connectOnce } from "./connection.ts";
import { applyUndo, loadState, saveState } from "./collect_state.ts";
import { HourFiles } from "./hour_files.ts";
import { idsSidecar, WrittenIds } from "./written_ids.ts";
import { convertClosedHours } from "./hour_to_parquet.ts";
import { HDR, ROW_KINDS, sensorNameProblem } from "./message.ts";
import type { SinkConnection } from "./sink_config.ts";

/** Output formats of collect. */
export const COLLECT_FORMATS = ["csv", "parquet"] as const;
/** A collect output format. */
export type CollectFormat = typeof COLLECT_FORMATS[number];

/** What collect needs. */
export interface CollectOptions {
  connection: SinkConnection;
  stream: string;
  /** Durable consumer name (default `collect`); one per central copy. */
  consumer: string;
  outputDir: string;
  format: CollectFormat;
  log: Logger;
  signal: AbortSignal;
  /** Messages per fetch (default 1000). */
  batch?: number;
  /** Mode of the files and directories created (default 0600 / 0700). */
  fileMode?: number;
  dirMode?: number;
  /** The clock deciding when an hour is over (default Date.now); tests move it. */
  now?: () => number;
  /** With parquet: how often closed hours are looked for without a new hour arriving (default 60 s). */
  convertEveryMs?: number;
}

/** Counters of a collect run. */
export interface CollectStats {
  rows: number;
  /** Redelivered messages already written (acknowledged, not written again). */
  redelivered: number;
  /** Messages whose row id was already written: the stream held the row twice (acknowledged, not written). */
  duplicates: number;
  /** Messages that are not ours (no sensor, bad sensor name): terminated, logged. */
  rejected: number;
  batches: number;
  /** Parquet files written (closed hours, rebuilt ones included). */
  parquetFiles: number;
}

/**
 * Runs until `signal` aborts. Throws at start when the servers, the stream
 * or the output directory are not usable; afterwards connection trouble is
 * logged and retried.
 */
export async function runCollect(o: CollectOptions): Promise<CollectStats> {
  await Deno.mkdir(o.outputDir, { recursive: true, mode: o.dirMode ?? 0o700 });
  const state = await loadState(o.outputDir);
  if (state.undo) await applyUndo(o.outputDir, state.undo, o.log);
  const written = new Set(state.written);
  await saveState(o.outputDir, { written: [...written] });

  const stats: CollectStats = {
    rows: 0,
    redelivered: 0,
    duplicates: 0,
    rejected: 0,
    batches: 0,
    parquetFiles: 0,
  };
  const hours = new ClosedHours(o, stats);
  // Hours a crash left without their Parquet file (or that ended while collect was down).
  await hours.convert();

  const nc = await connectOnce(o.connection, `pcap-pipeline collect ${o.consumer}`);
  try {
    const jsm = await jetstreamManager(nc);
    await ensureConsumer(jsm, o);
    o.log.info(
      `collect: consumer ${o.consumer} on stream ${o.stream} (${nc.getServer()}), writing into ${o.outputDir}`,
    );
    const writer = new BatchWriter(o, written, stats);
    await pullLoop(nc, o, writer, hours);
  } finally {
    await nc.close().catch(() => {});
  }
  await hours.convert();
  return stats;
}

/** With `--format parquet`: converts closed hours at start, when a new hour file appears, every so often, at stop. */
class ClosedHours {
  #o: CollectOptions;
  #stats: CollectStats;
  #next = 0;
  #failed = new Map<string, number>();

  constructor(o: CollectOptions, stats: CollectStats) {
    this.#o = o;
    this.#stats = stats;
  }

  /** Converts when due (`newHour`: a batch started a file, which may close an earlier hour). */
  async maybeConvert(newHour: boolean): Promise<void> {
    if (newHour || (this.#o.now ?? Date.now)() >= this.#next) await this.convert();
  }

  async convert(): Promise<void> {
    if (this.#o.format !== "parquet") return;
    const now = (this.#o.now ?? Date.now)();
    this.#next = now + (this.#o.convertEveryMs ?? 60_000);
    this.#stats.parquetFiles += await convertClosedHours(this.#o.outputDir, now, this.#o.log, {
      fileMode: this.#o.fileMode,
      failed: this.#failed,
    });
  }
}

async function ensureConsumer(jsm: JetStreamManager, o: CollectOptions): Promise<void> {
  try {
    await jsm.streams.info(o.stream);
  } catch (err) {
    throw new Error(
      `stream ${o.stream}: ${(err as Error).message} (create it with \`pcap-pipeline sink-check\`)`,
    );
  }
  try {
    await jsm.consumers.info(o.stream, o.consumer);
  } catch {
    await jsm.consumers.add(o.stream, {
      durable_name: o.consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30e9,
      max_ack_pending: 20_000,
    });
  }
}

async function pullLoop(
  nc: NatsConnection,
  o: CollectOptions,
  writer: BatchWriter,
  hours: ClosedHours,
): Promise<void> {
  const js = jetstream(nc);
  let lastError = "";
  while (!o.signal.aborted) {
    try {
      const consumer = await js.consumers.get(o.stream, o.consumer);
      const iter = await consumer.fetch({ max_messages: o.batch ?? 1000, expires: 1000 });
      const batch: JsMsg[] = [];
      for await (const m of iter) batch.push(m);
      let newFile = false;
      try {
        newFile = batch.length > 0 && await writer.write(batch, consumer);
      } catch (err) {
        // Not written (a full disk, say): have the batch again in a second rather than after the ack wait.
        for (const m of batch) m.nak(1000);
        throw err;
      }
      // Between batches, so a conversion never reads a CSV while a batch appends to it.
      await hours.maybeConvert(newFile);
      if (lastError !== "") o.log.info("collect: receiving again");
      lastError = "";
    } catch (err) {
      if (o.signal.aborted) break;
      const message = (err as Error).message;
      if (message !== lastError) o.log.error(`collect: ${message}; retrying`);
      lastError = message;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Writes batches of messages to the hour files with the state protocol of collect_state.ts. */
class BatchWriter {
  #o: CollectOptions;
  #written: Set<number>;
  #stats: CollectStats;
  #files: HourFiles;
  #ids: WrittenIds;
  /** The undo of a batch whose writing failed, until it is applied. */
  #unfinished: Record<string, number> | undefined;
  #encoder = new TextEncoder();
  /** Files this run has written to: a new one means a new hour (or layout) began. */
  #seen = new Set<string>();

  constructor(o: CollectOptions, written: Set<number>, stats: CollectStats) {
    this.#o = o;
    this.#written = written;
    this.#stats = stats;
    this.#files = new HourFiles(o.outputDir);
    this.#ids = new WrittenIds(o.outputDir, o.log);
  }

  /** Writes and acknowledges a batch; true when it wrote to a file this run had not written to yet. */
  async write(batch: JsMsg[], consumer: Consumer): Promise<boolean> {
    await this.#cutBackUnfinished();
    // Files are looked at again for every batch: a closed hour's CSV may have been deleted since.
    this.#files.reset();
    const groups = new Map<string, { header: string; lines: string[] }>();
    const fresh: number[] = [];
    let duplicates = 0;
    for (const m of batch) {
      if (this.#written.has(m.seq)) {
        this.#stats.redelivered++;
        continue;
      }
      const h = m.headers;
      const sensor = h?.get(HDR.sensor) ?? "";
      const kind = h?.get(HDR.kind) ?? "";
      const header = h?.get(HDR.header) ?? "";
      const time = Number(h?.get(HDR.time));
      const source = h?.get(HDR.source) ?? "";
      const row = h?.get(HDR.row) ?? "";
      if (
        sensorNameProblem(sensor) || !(ROW_KINDS as readonly string[]).includes(kind) || header === "" ||
        !Number.isFinite(time) || source === "" || row === ""
      ) {
        this.#stats.rejected++;
        this.#o.log.error(
          `collect: message ${m.seq} on ${m.subject} is not a pcap-pipeline row (sensor "${sensor}", kind "${kind}", source "${source}", row "${row}"); dropped`,
        );
        m.term();
        continue;
      }
      const rel = await this.#files.pathFor(sensor, kind, time, header);
      const ids = idsSidecar(rel);
      if (await this.#ids.has(ids, source, row)) {
        duplicates++;
        continue;
      }
      this.#ids.add(ids, source, row);
      let group = groups.get(rel);
      if (!group) groups.set(rel, group = { header, lines: [] });
      group.lines.push(m.string());
      fresh.push(m.seq);
    }
    if (fresh.length > 0) await this.#append(groups, fresh);
    if (duplicates > 0) {
      this.#stats.duplicates += duplicates;
      this.#o.log.info(`collect: ${duplicates} rows the stream held twice were written once`);
    }
    this.#stats.batches++;
    for (const m of batch) m.ack();
    await this.#pruneWritten(consumer);
    let newFile = false;
    for (const rel of groups.keys()) {
      if (!this.#seen.has(rel)) newFile = true;
      this.#seen.add(rel);
    }
    return newFile;
  }

  /**
   * Forgets written sequences at or below the consumer's acknowledgement
   * floor: the server will never redeliver those. One request per batch
   * instead of a confirmed acknowledgement per message.
   */
  async #pruneWritten(consumer: Consumer): Promise<void> {
    if (this.#written.size === 0) return;
    try {
      const floor = (await consumer.info()).ack_floor.stream_seq;
      const before = this.#written.size;
      for (const seq of this.#written) if (seq <= floor) this.#written.delete(seq);
      if (this.#written.size !== before) await saveState(this.#o.outputDir, { written: [...this.#written] });
    } catch {
      // Kept for now: a redelivery is recognised by `written` and acknowledged then.
    }
  }

  async #append(groups: Map<string, { header: string; lines: string[] }>, fresh: number[]): Promise<void> {
    const dir = this.#o.outputDir;
    const undo: Record<string, number> = {};
    const sidecars = new Set([...groups.keys()].map(idsSidecar));
    for (const rel of [...groups.keys(), ...sidecars]) undo[rel] = await sizeOf(join(dir, rel));
    await saveState(dir, { written: [...this.#written], undo });
    this.#unfinished = undo;
    let rows = 0;
    for (const [rel, { header, lines }] of groups) {
      const isNew = undo[rel] <= 0;
      if (isNew) {
        await Deno.mkdir(join(dir, parentOf(rel)), { recursive: true, mode: this.#o.dirMode ?? 0o700 });
      }
      await this.#appendSynced(join(dir, rel), (isNew ? header + "\n" : "") + lines.join("\n") + "\n");
      rows += lines.length;
    }
    for (const ids of sidecars) await this.#appendSynced(join(dir, ids), this.#ids.batchLines(ids));
    // New names survive a power loss only with their directory synced.
    const created = [...groups.keys(), ...sidecars].filter((rel) => undo[rel] < 0);
    for (const parent of new Set(created.map(parentOf))) await syncDir(join(dir, parent));
    for (const seq of fresh) this.#written.add(seq);
    await saveState(dir, { written: [...this.#written] });
    this.#unfinished = undefined;
    this.#ids.commit();
    this.#stats.rows += rows;
  }

  /**
   * Cuts back a batch whose writing failed (a full disk, say) before the
   * next one: its messages are not acknowledged and come again. Retried
   * before every batch until it succeeds (the state file keeps it for a
   * restart too).
   */
  async #cutBackUnfinished(): Promise<void> {
    this.#ids.discard();
    if (this.#unfinished === undefined) return;
    await applyUndo(this.#o.outputDir, this.#unfinished, this.#o.log);
    await saveState(this.#o.outputDir, { written: [...this.#written] });
    this.#unfinished = undefined;
  }

  async #appendSynced(path: string, text: string): Promise<void> {
    const file = await Deno.open(path, { create: true, append: true, mode: this.#o.fileMode ?? 0o600 });
    try {
      await writeAll(file, this.#encoder.encode(text));
      await file.syncData();
    } finally {
      file.close();
    }
  }
}

function parentOf(rel: string): string {
  return rel.slice(0, rel.lastIndexOf("/"));
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return -1;
    throw err;
  }
}
