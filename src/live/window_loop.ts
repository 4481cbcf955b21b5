/**
 * Windowed capture loop: wall-clock windows over a packet stream. Packets go
 * into a flow meter (packet time); at each window end the meter is flushed,
 * the window's flows are labeled by a rule and handed to `writeWindow`, and
 * the next window starts empty. A flow spanning two windows therefore
 * appears in each window with the part seen in it, from the same source
 * (its initiator) in both, so a server's reply cut off at a window end is
 * not counted as a connection from the server.
 *
 * The meter and the writer are injected (the flow engine's FlowMeter and a
 * FlowWriter satisfy them), so this loop holds no knowledge of features.
 */
import type { PacketInfo } from "../pcap/packet.ts";
import type { Attacker, LabelFlow, LabelRule } from "../label/rule.ts";

/** What the loop needs from a flow meter (FlowMeter satisfies it). */
export interface WindowMeter {
  addPacket(pkt: PacketInfo): void;
  /** Emits every open flow; `carryDirection`: a connection going on keeps its source in the next window. */
  flush(options?: { carryDirection?: boolean }): void;
}

export interface WindowReport<F> {
  index: number;
  /** File name `live_capture_YYYYmmdd_HHMMSS.csv` from the window's start (local time). */
  fileName: string;
  startMs: number;
  endMs: number;
  packets: number;
  flows: F[];
  labels: string[];
  attackers: Attacker[];
}

export interface WindowLoopOptions<F extends LabelFlow> {
  windowMs: number;
  rule: LabelRule;
  /** Builds the meter; `onFlow` receives each finished flow. */
  createMeter(onFlow: (flow: F) => void): WindowMeter;
  /** Writes one window (atomically); called in order, awaited before the next. */
  writeWindow(report: WindowReport<F>): Promise<void>;
  /** Wall clock (tests). */
  now?: () => number;
}

/** Name of a window file from its start time: live_capture_20261123_051200.csv */
export function windowFileName(startMs: number): string {
  const d = new Date(startMs);
  const p = (n: number) => String(n).padStart(2, "0");
  return `live_capture_${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_` +
    `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.csv`;
}

/**
 * Drives windows: call `onPacket` for every packet, `start()` once, and
 * `stop()` to save the current window and end. Writes are serialized.
 */
export class WindowLoop<F extends LabelFlow> {
  #opts: WindowLoopOptions<F>;
  #meter: WindowMeter;
  #flows: F[] = [];
  #packets = 0;
  #index = 0;
  #startMs = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #writes: Promise<void> = Promise.resolve();
  #error: unknown;

  constructor(options: WindowLoopOptions<F>) {
    if (!(options.windowMs > 0)) {
      throw new RangeError(`window duration must be > 0 ms, got ${options.windowMs}`);
    }
    this.#opts = options;
    this.#meter = options.createMeter((f) => this.#flows.push(f));
  }

  readonly onPacket = (pkt: PacketInfo): void => {
    this.#packets++;
    this.#meter.addPacket(pkt);
  };

  start(): void {
    this.#startMs = this.#now();
    this.#timer = setInterval(() => this.#closeWindow(), this.#opts.windowMs);
  }

  /** Saves the current window, stops the timer, waits for every write. Rejects if a write failed. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#closeWindow();
    await this.#writes;
    if (this.#error) throw this.#error;
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  #closeWindow(): void {
    this.#meter.flush({ carryDirection: true });
    const flows = this.#flows;
    const endMs = this.#now();
    const { labels, attackers } = this.#opts.rule.label(flows);
    const report: WindowReport<F> = {
      index: this.#index++,
      fileName: windowFileName(this.#startMs),
      startMs: this.#startMs,
      endMs,
      packets: this.#packets,
      flows,
      labels,
      attackers,
    };
    this.#flows = [];
    this.#packets = 0;
    this.#startMs = endMs;
    this.#writes = this.#writes.then(() => this.#opts.writeWindow(report)).catch((e) => {
      this.#error ??= e;
    });
  }
}
