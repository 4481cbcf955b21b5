/**
 * The publisher: reads the spool in order and publishes each message to
 * JetStream with its stable id, keeping at most `maxInFlight` publishes
 * waiting for their acknowledgement. The spool cursor only moves over a
 * contiguous run of acknowledged messages, so after any failure (server
 * down, timeout, no stream) publishing resumes at the first unacknowledged
 * message; JetStream's de-duplication drops the ones it already had.
 *
 * It never throws at its caller: connection and publish failures are
 * logged (the same message at most once a minute) and retried, while rows
 * keep going to the spool.
 */
import { headers, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "../log.ts";
import { connectOnce } from "./connection.ts";
import { HDR, type SinkMessage } from "./message.ts";
import type { SinkConnection } from "./sink_config.ts";
import type { Spool } from "./spool.ts";

/** How to publish. */
export interface PublisherOptions {
  connection: SinkConnection;
  spool: Spool;
  log: Logger;
  /** Client name shown by the servers (`pcap-pipeline lab1`). */
  clientName: string;
  maxInFlight?: number;
  /** Wait for one acknowledgement at most (default 5 s). */
  publishTimeoutMs?: number;
  /** Wait between attempts after a failure (default 1 s, doubling to 5 s). */
  retryMs?: number;
}

/** Counters of a publisher. */
export interface PublisherStats {
  /** Messages the stream acknowledged. */
  published: number;
  /** Of those, ones the stream already had (replays dropped by de-duplication). */
  duplicates: number;
  /** Failed attempts (each followed by a retry). */
  failures: number;
  connected: boolean;
}

interface InFlight {
  end: number;
  done: boolean;
}

/** Publishes a spool's messages until closed; see the module comment. */
export class JetStreamPublisher {
  #o: PublisherOptions;
  #nc: NatsConnection | undefined;
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #stats: PublisherStats = { published: 0, duplicates: 0, failures: 0, connected: false };
  #lastLogged = new Map<string, number>();
  #checkedSubjects = new Set<string>();

  constructor(options: PublisherOptions) {
    this.#o = options;
  }

  get stats(): Readonly<PublisherStats> {
    return this.#stats;
  }

  /** Starts publishing in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Stops: waits up to `drainMs` for the spool to empty (its rows are
   * published at the next start otherwise), then closes the connection.
   * Resolves with the bytes still spooled.
   */
  async close(drainMs: number): Promise<number> {
    const deadline = Date.now() + drainMs;
    await this.#o.spool.sync().catch(() => {});
    while (this.#o.spool.cursor < this.#o.spool.end && Date.now() < deadline && this.#loop) {
      await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
    }
    this.#stop.abort();
    await this.#loop;
    const nc = this.#nc;
    this.#nc = undefined;
    await nc?.close().catch(() => {});
    return this.#o.spool.end - this.#o.spool.cursor;
  }

  async #run(): Promise<void> {
    let delay = this.#o.retryMs ?? 1000;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        const js = await this.#client();
        await this.#pump(js);
        delay = this.#o.retryMs ?? 1000;
      } catch (err) {
        if (signal.aborted) break;
        this.#stats.failures++;
        this.#report(err instanceof Error ? err.message : String(err));
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** The JetStream client, connecting first when there is no open connection. */
  async #client(): Promise<JetStreamClient> {
    if (this.#nc === undefined || this.#nc.isClosed()) {
      this.#stats.connected = false;
      this.#nc = await connectOnce(this.#o.connection, this.#o.clientName);
      this.#stats.connected = true;
      this.#o.log.info(`streaming to NATS ${this.#nc.getServer()} (spool ${this.#o.spool.dir})`);
      this.#checkedSubjects.clear();
      const nc = this.#nc;
      void nc.closed().then((err) => {
        if (this.#nc === nc) this.#stats.connected = false;
        if (err && !this.#stop.signal.aborted) this.#report(`NATS connection closed: ${err.message}`);
      });
    }
    return jetstream(this.#nc, { timeout: this.#o.publishTimeoutMs ?? 5000 });
  }

  /** Publishes from the cursor until the spool is empty and stop is asked, or a publish fails. */
  async #pump(js: JetStreamClient): Promise<void> {
    const spool = this.#o.spool;
    const max = this.#o.maxInFlight ?? 1024;
    const signal = this.#stop.signal;
    const inFlight: InFlight[] = [];
    let failure: unknown;
    let wake: (() => void) | undefined;
    const settled = () => {
      while (inFlight.length > 0 && inFlight[0].done) spool.ack(inFlight.shift()!.end);
      const w = wake;
      wake = undefined;
      w?.();
    };
    const waitForSlot = () => new Promise<void>((resolve) => (wake = resolve));
    let readAt = spool.cursor;
    while (failure === undefined && !signal.aborted) {
      if (readAt >= spool.end) {
        await spool.waitForData(readAt, signal);
        continue;
      }
      const records = await spool.read(readAt);
      for (const { msg, end } of records) {
        while (inFlight.length >= max && failure === undefined) await waitForSlot();
        if (failure !== undefined || signal.aborted) break;
        if (!this.#checkedSubjects.has(msg.subject)) await this.#checkStream(msg.subject);
        const entry: InFlight = { end, done: false };
        inFlight.push(entry);
        readAt = end;
        js.publish(msg.subject, msg.body, {
          msgID: msg.id,
          headers: messageHeaders(msg),
        }).then((ack) => {
          this.#stats.published++;
          if (ack.duplicate) this.#stats.duplicates++;
          entry.done = true;
          settled();
        }, (err) => {
          failure ??= err;
          settled();
        });
      }
    }
    // Let the publishes already sent finish, so their acknowledgements still move the cursor.
    while (inFlight.some((e) => !e.done) && failure === undefined && !signal.aborted) await waitForSlot();
    if (failure !== undefined) throw new Error(this.#publishErrorMessage(failure, inFlight));
  }

  /** Confirms once per connection that a stream takes `subject`; a clear error otherwise. */
  async #checkStream(subject: string): Promise<void> {
    const jsm = await jetstreamManager(this.#nc!, { timeout: this.#o.publishTimeoutMs ?? 5000 });
    try {
      await jsm.streams.find(subject);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/no stream matches|not found/i.test(message)) {
        throw new Error(
          `no JetStream stream takes subject "${subject}" on ${this.#o.connection.servers.join(",")}: ` +
            `create it or add the subject with \`pcap-pipeline sink-check\`; rows wait in the spool`,
        );
      }
      throw err;
    }
    this.#checkedSubjects.add(subject);
    this.#report(undefined);
  }

  #publishErrorMessage(err: unknown, inFlight: InFlight[]): string {
    const message = err instanceof Error ? err.message : String(err);
    const waiting = inFlight.filter((e) => !e.done).length;
    this.#checkedSubjects.clear();
    return `publishing to NATS failed (${message}); ${waiting} in flight, ` +
      `${this.#o.spool.end - this.#o.spool.cursor} bytes wait in the spool and are retried`;
  }

  /** Logs a failure, the same text at most once a minute; `undefined` marks recovery. */
  #report(message: string | undefined): void {
    if (message === undefined) {
      if (this.#lastLogged.size > 0) this.#o.log.info("streaming to NATS again");
      this.#lastLogged.clear();
      return;
    }
    const key = message.replace(/\d+/g, "#");
    const last = this.#lastLogged.get(key);
    if (last !== undefined && Date.now() - last < 60_000) return;
    this.#lastLogged.set(key, Date.now());
    this.#o.log.error(message);
  }
}

/** The NATS headers of a spooled message (see message.ts). */
export function messageHeaders(msg: SinkMessage): ReturnType<typeof headers> {
  const h = headers();
  h.set(HDR.sensor, msg.sensor);
  h.set(HDR.source, msg.source);
  h.set(HDR.row, msg.row);
  h.set(HDR.kind, msg.kind);
  h.set(HDR.time, String(msg.time));
  h.set(HDR.header, msg.header);
  return h;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
