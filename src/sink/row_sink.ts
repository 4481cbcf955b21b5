/**
 * RowSink: the one thing the pipeline, `live` and `windows` hold to stream
 * their rows. Every row goes to the spool first (durable), and the
 * publisher takes it from there, so no caller ever waits for the network.
 *
 * - Finished files (a pipeline CSV, a window file) are streamed whole by
 *   `publishFile` after they appear under their final name; row ids are
 *   `sensor/FILE/ROW`. `catchUp` streams finished files a crash left
 *   unspooled (the ledger knows which).
 * - Rows appended as they end (`live`) are streamed one by one through
 *   `rowStream`; the source is the file name plus the run's start time, so
 *   two runs appending to one file never share an id.
 */
import { join } from "node:path";
import type { FlowRecord } from "../flow/flow_record.ts";
import type { Logger } from "../log.ts";
import type { Layout } from "../output/columns.ts";
import { csvEncoder } from "../output/csv_writer.ts";
import { readCredentials } from "./credentials.ts";
import { FileLedger } from "./file_ledger.ts";
import { messageId, type RowKind, type SinkMessage } from "./message.ts";
import { JetStreamPublisher, type PublisherStats } from "./publisher.ts";
import type { SinkConfig } from "./sink_config.ts";
import { Spool } from "./spool.ts";
import { WINDOW_SUMMARY_HEADER, windowSummaryLine, type WindowSummaryRow } from "./window_summary.ts";

/** Where finished rows go besides the local file. */
export interface RowSink {
  /** Streams every data row of the finished local file `path`; never rejects (failures are logged). */
  publishFile(path: string, kind: RowKind): Promise<void>;
  /** Streams finished files in `dir` (names matching `pattern`) that were never spooled. */
  catchUp(dir: string, kind: RowKind, pattern: RegExp): Promise<void>;
  /** A function streaming each flow written to the appended file `name`, in `layout`. */
  rowStream(name: string, layout: Layout, kind: RowKind): (flow: FlowRecord) => void;
  /** Streams one window's label summary. */
  publishWindowSummary(summary: WindowSummaryRow): void;
  /** Counters. */
  stats(): SinkStats;
  /** Waits for pending files, up to `drainMs` (default: the config's) for the spool to empty, then disconnects. */
  close(drainMs?: number): Promise<void>;
}

/** What a sink has done. */
export interface SinkStats extends PublisherStats {
  /** Rows spooled since start. */
  spooled: number;
  /** Rows not spooled because the spool was full. */
  dropped: number;
  /** Bytes waiting in the spool. */
  backlogBytes: number;
}

/**
 * Opens the spool and starts publishing. `log` gets the sink's lines.
 *
 * @example Rows are spooled on disk first, so a server that cannot be reached loses nothing
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryLogger } from "../log.ts";
 * import { openRowSink } from "./row_sink.ts";
 * import { sinkConfigFrom } from "./sink_config.ts";
 * const dir = await Deno.makeTempDir();
 * const config = sinkConfigFrom({ sink: "nats://127.0.0.1:1" }, { spoolDir: `${dir}/spool`, hostName: () => "lab1" })!;
 * await Deno.writeTextFile(`${dir}/capture_20261202_081500.csv`, "Flow ID,Label\na,BENIGN\nb,BENIGN\n");
 * const sink = await openRowSink(config, memoryLogger());
 * await sink.publishFile(`${dir}/capture_20261202_081500.csv`, "flows");
 * assert.equal(sink.stats().spooled, 2); // both rows wait in the spool for the server
 * await sink.close(0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openRowSink(config: SinkConfig, log: Logger): Promise<RowSink> {
  // A missing or unsafe credentials file is the user's to fix now, not a retry loop's.
  if (config.credentialsFile) await readCredentials(config.credentialsFile);
  const spool = await Spool.open({ dir: config.spoolDir, maxBytes: config.spoolMaxBytes, log });
  const ledger = await FileLedger.open(config.spoolDir);
  const publisher = new JetStreamPublisher({
    connection: config,
    spool,
    log,
    clientName: `pcap-pipeline ${config.sensor}`,
    maxInFlight: config.maxInFlight,
  });
  publisher.start();
  return new NatsRowSink(config, log, spool, ledger, publisher);
}

class NatsRowSink implements RowSink {
  #files: Promise<void> = Promise.resolve();
  #spooled = 0;
  #runStamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.(\d+)Z$/, "$1Z");

  constructor(
    readonly config: SinkConfig,
    readonly log: Logger,
    readonly spool: Spool,
    readonly ledger: FileLedger,
    readonly publisher: JetStreamPublisher,
  ) {}

  publishFile(path: string, kind: RowKind): Promise<void> {
    // One file at a time: rows keep their order and a file is never spooled twice.
    this.#files = this.#files.then(() => this.#spoolFile(path, kind)).catch((err) =>
      this.log.error(`streaming ${path}: ${(err as Error).message}; its rows are not streamed`)
    );
    return this.#files;
  }

  async catchUp(dir: string, kind: RowKind, pattern: RegExp): Promise<void> {
    const names: string[] = [];
    const existing = new Set<string>();
    try {
      for await (const e of Deno.readDir(dir)) {
        if (!e.isFile || !pattern.test(e.name)) continue;
        existing.add(e.name);
        if (this.ledger.has(e.name)) continue;
        const info = await Deno.stat(join(dir, e.name));
        if ((info.mtime?.getTime() ?? 0) >= this.ledger.since) names.push(e.name);
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    names.sort();
    if (names.length > 0) this.log.info(`streaming ${names.length} finished files not spooled before`);
    for (const name of names) await this.publishFile(join(dir, name), kind);
    await this.ledger.prune(existing).catch(() => {});
  }

  async #spoolFile(path: string, kind: RowKind): Promise<void> {
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (this.ledger.has(name)) return;
    const time = (await Deno.stat(path)).mtime?.getTime() ?? Date.now();
    let header: string | undefined;
    let row = 0;
    for await (const line of lines(path)) {
      if (header === undefined) {
        header = line;
        continue;
      }
      if (line === "") continue;
      row++;
      this.#offer(kind, name, String(row), header, line, time);
    }
    await this.spool.sync();
    await this.ledger.add(name);
  }

  rowStream(name: string, layout: Layout, kind: RowKind): (flow: FlowRecord) => void {
    const encoder = csvEncoder(layout);
    const header = (encoder.header ?? "").replace(/\r?\n$/, "");
    const source = `${name}@${this.#runStamp}`;
    let row = 0;
    return (flow) => {
      row++;
      this.#offer(kind, source, String(row), header, encoder.row(flow).replace(/\r?\n$/, ""), Date.now());
    };
  }

  publishWindowSummary(summary: WindowSummaryRow): void {
    const name = summary.file.slice(summary.file.lastIndexOf("/") + 1);
    this.#offer(
      "window-summary",
      name,
      "summary",
      WINDOW_SUMMARY_HEADER,
      windowSummaryLine({ ...summary, file: name }),
      summary.endMs,
    );
  }

  #offer(kind: RowKind, source: string, row: string, header: string, body: string, time: number): void {
    const msg: SinkMessage = {
      subject: this.config.subject,
      id: messageId(this.config.sensor, source, row),
      sensor: this.config.sensor,
      source,
      row,
      kind,
      time,
      header,
      body,
    };
    if (this.spool.offer(msg)) this.#spooled++;
  }

  stats(): SinkStats {
    return {
      ...this.publisher.stats,
      spooled: this.#spooled,
      dropped: this.spool.dropped,
      backlogBytes: this.spool.backlogBytes,
    };
  }

  async close(drainMs = this.config.drainMs): Promise<void> {
    await this.#files;
    await this.spool.sync().catch(() => {});
    const left = await this.publisher.close(drainMs);
    await this.spool.close();
    const s = this.stats();
    this.log.info(
      `stream: ${s.spooled} rows spooled, ${s.published} acknowledged (${s.duplicates} already there)` +
        (s.dropped ? `, ${s.dropped} not streamed (spool full)` : "") +
        (left > 0 ? `; ${left} bytes stay in ${this.spool.dir} for the next start` : ""),
    );
  }
}

/** The lines of a text file, without their newlines, read in chunks. */
async function* lines(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  let rest = "";
  // The readable closes the file when it ends.
  for await (const chunk of file.readable) {
    rest += decoder.decode(chunk, { stream: true });
    let nl: number;
    let at = 0;
    while ((nl = rest.indexOf("\n", at)) >= 0) {
      yield rest.slice(at, nl).replace(/\r$/, "");
      at = nl + 1;
    }
    rest = rest.slice(at);
  }
  rest += decoder.decode();
  if (rest !== "") yield rest.replace(/\r$/, "");
}
