/**
 * The flow meter: a pure state machine driven by packet timestamps (spec §3).
 * Packets go in with `addPacket`; finished flows come out through `onFlow`
 * when they end (FIN/RST), time out, or at `flush()`. The same packets
 * always give the same rows.
 */
import type { PacketInfo } from "../pcap/packet.ts";
import { TcpFlag } from "../pcap/packet.ts";
import type { FlowEndReason, FlowRecord } from "./flow_record.ts";
import { FlowPacket, type IgnoreReason, type PacketRules, packetRules } from "./flow_packet.ts";
import { unpackFlowPacket } from "./packet_batch.ts";
import { flowHash, FlowTable, fromFlowSource } from "./flow_table.ts";
import { DormantKeys, REVERSED } from "./dormant_keys.ts";
import { clearFlowState, type FlowBase, flowBase, get, ICMP, KEY, LINK, TIME } from "./flow_slab.ts";
import {
  closeReason,
  isReadyToClose,
  mayChangeTcpState,
  TcpRules,
  tcpState,
  updateTcpState,
} from "./tcp_termination.ts";
import { ClosingQueue } from "./closing_queue.ts";
import { PacketClock } from "./packet_clock.ts";
import { emptyMeterStats, type MeterStats } from "./meter_stats.ts";
import { addToFlow, packetCount, startFlow, updateActiveIdle } from "./flow_update.ts";
import { buildRecord } from "./flow_features.ts";
import { engelenAfterAdd } from "./engelen_flow.ts";
import { type MeterOptions, type MeterSettings, resolveSettings } from "./profile.ts";

export type { MeterStats } from "./meter_stats.ts";

const SYN_ACK = TcpFlag.SYN | TcpFlag.ACK;

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FlowRecord } from "./flow_record.ts";
 * import { FlowMeter } from "./meter.ts";
 * import { readCaptureFile } from "../pcap/reader.ts";
 * const rows: FlowRecord[] = [];
 * const meter = new FlowMeter({ profile: "cic2017" }, (flow) => rows.push(flow));
 * await readCaptureFile(new URL("../../testdata/captures/udp.pcap", import.meta.url).pathname, meter.addPacket);
 * meter.flush(); // the flows still open at the end of the capture
 * assert.equal(rows.length, 2);
 * assert.equal(rows[0].srcIp, "10.0.0.1");
 * ```
 */
export class FlowMeter {
  readonly settings: MeterSettings;
  readonly stats: MeterStats;
  readonly #onFlow: (flow: FlowRecord) => void;
  readonly #table: FlowTable;
  /** Keys of flows the idle sweep emitted, so their continuations keep the direction (spec §3.3). */
  readonly #dormant: DormantKeys;
  readonly #p = new FlowPacket();
  readonly #rules: PacketRules;
  readonly #clock: PacketClock;
  #nextSweepAt = -Infinity;
  /** corrected (engelen only with a grace period set): flows whose termination is complete, in their grace period. */
  readonly #closing = new ClosingQueue();
  /** `#end` as a function, for the closing queue. */
  readonly #endFlow = (slot: number, reason: FlowEndReason): void => this.#end(slot, reason);
  /** Where the next `flushPartly` goes on (a slot index; 0 when no flush is under way). */
  #flushCursor = 0;
  /** Keys of the flows cut by the last `flush({ carryDirection })`, oriented as they were. */
  #cut: FlowTable | null = null;

  constructor(options: MeterOptions, onFlow: (flow: FlowRecord) => void) {
    this.settings = resolveSettings(options);
    this.#onFlow = onFlow;
    this.#table = new FlowTable(this.settings.legacy);
    this.#dormant = new DormantKeys(this.settings.legacy);
    this.#rules = packetRules(this.settings);
    this.#clock = new PacketClock(this.settings.flowTimeoutUs);
    this.stats = emptyMeterStats();
  }

  /** Flows open now. */
  get activeFlows(): number {
    return this.#table.size;
  }

  /** Adds one decoded packet (the reader's reused record; nothing of it is kept). */
  readonly addPacket = (pkt: PacketInfo): void => {
    const stats = this.stats;
    stats.packets++;
    const p = this.#p;
    const ignored = p.load(pkt, this.#rules);
    if (ignored !== null) {
      stats.ignored[ignored]++;
      return;
    }
    this.#addLoaded(p, flowHash(p));
  };

  /**
   * Adds the `count` packets of a batch loaded elsewhere (a reader thread;
   * see packet_batch.ts). Packets it ignored are counted by `countIgnored`.
   */
  addBatch(batch: Float64Array, count: number): void {
    const p = this.#p;
    this.stats.packets += count;
    for (let i = 0; i < count; i++) {
      this.#addLoaded(p, unpackFlowPacket(batch, i, p));
    }
  }

  /** Counts packets a reader thread loaded but did not use (they are offered packets too). */
  countIgnored(reason: IgnoreReason, n: number): void {
    this.stats.packets += n;
    this.stats.ignored[reason] += n;
  }

  /** Adds the loaded packet `p`, whose flow hash is `hash`. */
  #addLoaded(p: FlowPacket, hash: number): void {
    const s = this.settings;
    const stats = this.stats;
    stats.packetsUsed++;
    const t = p.t;
    if (this.#clock.near(t)) this.#advance(t);
    else this.#farFromClock(p);

    const slot = this.#table.find(p, hash);
    if (slot < 0) {
      const dormant = this.#dormant.size > 0 ? this.#dormant.take(p, hash) : 0;
      if (dormant !== 0) this.#resumeSwept(p, hash, dormant === REVERSED);
      else this.#newFlow(p, hash);
      return;
    }
    const c = this.#table.slab.cellsOf(slot), b = flowBase(slot);
    if (t < get(c, b, TIME.last)) {
      stats.earlierThanFlow++;
      // corrected: counted at the flow's last time (IAT 0), so no duration, IAT or rate goes negative.
      // (The packet's time is read again below, not kept in `t`: a local that may hold either number
      // made V8 box the packet's time on every packet.)
      if (s.profile === "corrected") p.t = get(c, b, TIME.last);
    }
    if (s.engelen) {
      this.#addEngelen(slot, b, p, hash);
      return;
    }
    if (p.t - get(c, b, TIME.first) > s.flowTimeoutUs) {
      this.#emit(slot, "timeout");
      this.#continueAfterTimeout(slot, p);
      return;
    }
    if (s.legacy) {
      // Q13/Q14: the first FIN either way ends the flow (added without an Active/Idle step); RST is ignored.
      if (p.flags & TcpFlag.FIN) {
        addToFlow(c, b, p, this.#isForward(c, b, p), false, true);
        this.#end(slot, "fin");
        return;
      }
      updateActiveIdle(c, b, p, s.activityTimeoutUs);
      addToFlow(c, b, p, this.#isForward(c, b, p), false, true);
      return;
    }
    const state = tcpState(c, b);
    const icmpChanged = p.icmpType >= 0 && p.icmpType !== get(c, b, ICMP.type) &&
      p.icmpCode !== get(c, b, ICMP.code);
    if ((isReadyToClose(state) && (p.flags & TcpFlag.SYN)) || icmpChanged) {
      // A SYN after a finished connection (E), or a new ICMP type and code, starts a new flow.
      this.#end(slot, icmpChanged ? "end" : closeReason(state));
      this.#newFlow(p, hash);
      return;
    }
    updateActiveIdle(c, b, p, s.activityTimeoutUs);
    const fwd = this.#isForward(c, b, p);
    addToFlow(c, b, p, fwd, false, false);
    if (p.isTcp && mayChangeTcpState(state, p.flags)) {
      this.#trackTermination(slot, b, p.flags, fwd, TcpRules.Corrected);
    }
  }

  /** engelen: FlowGenerator.addPacket of the fork for a packet of an open flow. */
  #addEngelen(slot: number, b: FlowBase, p: FlowPacket, hash: number): void {
    const c = this.#table.slab.cellsOf(slot);
    const s = this.settings;
    const t = p.t;
    const state = tcpState(c, b);
    const timedOut = t - get(c, b, TIME.first) > s.flowTimeoutUs;
    const synAfterEnd = isReadyToClose(state) && (p.flags & TcpFlag.SYN) !== 0;
    if (timedOut || synAfterEnd) {
      const lastSeen = get(c, b, TIME.last);
      this.#emit(slot, timedOut ? "timeout" : closeReason(state));
      clearFlowState(c, b);
      // A SYN after termination, a UDP packet after a silence longer than the timeout, and
      // any protocol but TCP and UDP start from the packet's own side; TCP and UDP inherit.
      const fresh = synAfterEnd || (p.proto === 17 && t - lastSeen > s.flowTimeoutUs) ||
        (p.proto !== 6 && p.proto !== 17);
      if (fresh) this.#orientTo(slot, p);
      this.#startWith(slot, p, false);
      return;
    }
    const icmpChanged = p.flags === 0 && get(c, b, KEY.proto) === 1 && p.icmpType !== get(c, b, ICMP.type) &&
      p.icmpCode !== get(c, b, ICMP.code);
    if (icmpChanged) {
      this.#end(slot, "end");
      this.#newFlow(p, hash);
      return;
    }
    updateActiveIdle(c, b, p, s.activityTimeoutUs);
    const fwd = this.#isForward(c, b, p);
    addToFlow(c, b, p, fwd, false, false);
    engelenAfterAdd(c, b, p, fwd, false);
    if (mayChangeTcpState(state, p.flags)) this.#trackTermination(slot, b, p.flags, fwd, TcpRules.Engelen);
  }

  /** Orients the slot as the packet (sender → receiver), then reverses it for a SYN-ACK (E). */
  #orientTo(slot: number, p: FlowPacket): void {
    const same = fromFlowSource(this.#table.slab.cellsOf(slot), flowBase(slot), p, true);
    const synAck = (p.flags & SYN_ACK) === SYN_ACK;
    if (same === synAck) this.#table.reverse(slot);
  }

  /**
   * Moves the packet clock to `tUs` without a packet (live capture: a quiet
   * interface still expires finished and idle flows). Times before the last
   * packet are ignored.
   */
  advanceTo(tUs: number): void {
    if (tUs > this.#clock.now) this.#advance(tUs);
  }

  /**
   * Emits every open flow (end of input, a window end, Ctrl+C) and empties
   * the table. With `carryDirection` (a window end, packets go on), the rest
   * of a flow cut here starts its next flow from the same source, until the
   * next flush: the initiator stays the source even when the rest begins
   * with the other side's packet (a server's data or FIN), except that a
   * pure SYN starts a new connection from its sender.
   */
  flush(options: { carryDirection?: boolean } = {}): void {
    let cut: FlowTable | null = null;
    if (options.carryDirection && this.#table.size > 0) {
      let capacity = 16;
      while (capacity < this.#table.size) capacity *= 2;
      cut = new FlowTable(this.settings.legacy, capacity);
    }
    this.#endOpenFlows(Infinity, cut);
    this.#afterFlush(cut);
  }

  /**
   * `flush()` a part at a time: ends at most `max` open flows, in the order
   * flush() would, and returns true once none is left. A caller with many
   * open flows at the end of its input (a flood) awaits its writer between
   * calls, so their rows are written while the rest are built instead of
   * all being held in memory first. No packet may be added until it returns
   * true: the flows it has ended are still in the table's bucket chains until
   * the last one ends.
   */
  flushPartly(max: number): boolean {
    if (!this.#endOpenFlows(max, null)) return false;
    this.#afterFlush(null);
    return true;
  }

  /** Ends up to `max` open flows from the flush cursor on (their keys into `cut`); true when all are ended. */
  #endOpenFlows(max: number, cut: FlowTable | null): boolean {
    const slab = this.#table.slab;
    let ended = 0;
    try {
      for (let slot = this.#flushCursor; slot < slab.highWater; slot++) {
        const c = slab.cellsOf(slot), b = flowBase(slot);
        if (get(c, b, LINK.live) !== 1) continue;
        if (ended === max) {
          this.#flushCursor = slot;
          return false;
        }
        cut?.insertKeyOf(c, b);
        // Every open flow ends here, so the slot is freed without unlinking it from its bucket
        // (a random access per flow: a tenth of a second for a flood's 600 000); the buckets
        // are emptied at once when the last one has ended.
        this.#emit(slot, closeReason(tcpState(c, b)));
        slab.release(slot);
        ended++;
      }
    } catch (error) {
      // A consumer threw: the flows not ended yet stay open, linked again on their own.
      this.#table.relink();
      this.#flushCursor = 0;
      throw error;
    }
    this.#table.unlinkAll();
    this.#flushCursor = 0;
    return true;
  }

  #afterFlush(cut: FlowTable | null): void {
    this.#cut = cut;
    this.#closing.clear();
    this.#dormant.clear();
  }

  #advance(t: number): void {
    const s = this.settings;
    this.#clock.now = t;
    if (this.#closing.waiting) {
      this.#closing.endQuiet(t, s.terminationGraceUs, this.#table.slab, this.#endFlow);
    }
    if (s.sweepIdle && t >= this.#nextSweepAt) {
      if (this.#nextSweepAt !== -Infinity) this.#sweepIdle(t);
      this.#nextSweepAt = t + Math.max(1_000_000, s.flowTimeoutUs / 4);
    }
  }

  /** A packet before the clock or more than the flow timeout after it (packet_clock.ts). */
  #farFromClock(p: FlowPacket): void {
    const t = p.t;
    if (t < this.#clock.now) this.stats.outOfOrder++;
    const move = this.#clock.far(t, this.stats.packetsUsed);
    if (move === "back") {
      // A new time base: flows waiting out their grace belong to the old one, and the sweep's
      // schedule starts again (flows of the old base are not idle by the new clock, so they stay).
      this.#closing.endAll(this.#table.slab, this.#endFlow);
      this.#nextSweepAt = -Infinity;
    }
    if (move !== "stay") this.#advance(t);
  }

  #isForward(c: Float64Array, b: FlowBase, p: FlowPacket): boolean {
    // Spec §3.2: forward when the source address equals the flow's source address (ports not compared).
    // corrected: a host talking to itself (loopback) would be all-forward and its FIN/RST state
    // could never see both sides, so there the source port decides.
    return fromFlowSource(c, b, p, false) &&
      (this.settings.legacy || this.settings.engelen || !p.sameAddress || get(c, b, KEY.sport) === p.sport);
  }

  #newFlow(p: FlowPacket, hash: number): void {
    const slot = this.#table.insert(p, hash);
    if (this.#cut !== null && this.#cut.size > 0 && this.#takeCutDirection(slot, p, hash)) {
      // The rest of a flow cut at a window end: oriented as before the cut.
    } else if (!this.settings.legacy && (p.flags & SYN_ACK) === SYN_ACK) {
      // E: a flow that starts with a SYN-ACK is reversed: the SYN was missed or came late.
      this.#table.reverse(slot);
    }
    this.#startWith(slot, p, false);
    if (this.#table.size > this.stats.peakActiveFlows) this.stats.peakActiveFlows = this.#table.size;
  }

  /** When `p` continues a flow cut by the last flush, gives `slot` that flow's orientation and returns true. */
  #takeCutDirection(slot: number, p: FlowPacket, hash: number): boolean {
    const cut = this.#cut!;
    if ((p.flags & SYN_ACK) === TcpFlag.SYN) return false;
    const was = cut.find(p, hash);
    if (was < 0) return false;
    if (!fromFlowSource(cut.slab.cellsOf(was), flowBase(was), p, true)) this.#table.reverse(slot);
    cut.remove(was);
    return true;
  }

  /** The packet that hit the timeout starts the next flow in the same slot, keeping the key (spec §3.3). */
  #continueAfterTimeout(slot: number, p: FlowPacket): void {
    clearFlowState(this.#table.slab.cellsOf(slot), flowBase(slot));
    this.#startContinuation(slot, p);
  }

  /**
   * The first packet for the key of a flow the idle sweep emitted: without the
   * sweep that flow would still be open and this packet would time it out, so
   * it starts the continuation with the flow's orientation.
   */
  #resumeSwept(p: FlowPacket, hash: number, reversed: boolean): void {
    const slot = this.#table.insert(p, hash);
    if (reversed) this.#table.reverse(slot);
    this.#startContinuation(slot, p);
    if (this.#table.size > this.stats.peakActiveFlows) this.stats.peakActiveFlows = this.#table.size;
  }

  #startContinuation(slot: number, p: FlowPacket): void {
    const c = this.#table.slab.cellsOf(slot), b = flowBase(slot);
    if (this.settings.engelen) {
      // Only TCP flows that were not ready for termination are kept dormant (#sweepIdle): they inherit.
      this.#startWith(slot, p, false);
      return;
    }
    if (this.settings.legacy) {
      // Q15: the continuation's first packet is forward whatever its sender; the source is inherited.
      this.#startWith(slot, p, true);
      return;
    }
    // E: the direction is inherited, except that a pure SYN starts the flow from its sender.
    if ((p.flags & SYN_ACK) === TcpFlag.SYN && !this.#isForward(c, b, p)) this.#table.reverse(slot);
    this.#startWith(slot, p, false);
  }

  #startWith(slot: number, p: FlowPacket, forceForward: boolean): void {
    const c = this.#table.slab.cellsOf(slot), b = flowBase(slot);
    startFlow(c, b, p);
    const fwd = forceForward || this.#isForward(c, b, p);
    addToFlow(c, b, p, fwd, true, this.settings.legacy);
    if (this.settings.engelen) {
      engelenAfterAdd(c, b, p, fwd, true);
      this.#trackTermination(slot, b, p.flags, fwd, TcpRules.EngelenFirst);
    } else if (!this.settings.legacy && p.isTcp) {
      this.#trackTermination(slot, b, p.flags, fwd, TcpRules.Corrected);
    }
  }

  /**
   * corrected and engelen (spec §3.4): moves the flow's TCP termination state;
   * a flow that becomes ready to close is queued for the grace period.
   */
  #trackTermination(slot: number, b: FlowBase, flags: number, fwd: boolean, rules: TcpRules): void {
    const c = this.#table.slab.cellsOf(slot);
    if (!updateTcpState(c, b, flags, fwd, rules)) return;
    if (this.settings.terminationGraceUs > 0) {
      this.#closing.add(slot, get(c, b, TIME.first), get(c, b, TIME.last));
    }
  }

  /** Emits flows idle for longer than the flow timeout (memory bound; spec §9.3). */
  #sweepIdle(t: number): void {
    const slab = this.#table.slab;
    const limit = this.settings.flowTimeoutUs;
    for (let slot = 0; slot < slab.highWater; slot++) {
      const c = slab.cellsOf(slot), b = flowBase(slot);
      if (get(c, b, LINK.live) === 1 && t - get(c, b, TIME.last) > limit) {
        // engelen: only a TCP flow not ready for termination continues with its orientation.
        const inherits = !this.settings.engelen ||
          (get(c, b, KEY.proto) === 6 && !isReadyToClose(tcpState(c, b)));
        if (inherits) this.#dormant.add(c, b);
        this.#end(slot, "timeout");
      }
    }
  }

  #end(slot: number, reason: FlowEndReason): void {
    this.#emit(slot, reason);
    this.#table.remove(slot);
  }

  #emit(slot: number, reason: FlowEndReason): void {
    const c = this.#table.slab.cellsOf(slot), b = flowBase(slot);
    if (!this.settings.keepSinglePacketFlows && packetCount(c, b) <= 1) {
      this.stats.singlePacketFlowsDropped++;
      return;
    }
    this.stats.flowsEmitted++;
    this.#onFlow(buildRecord(c, b, this.settings, reason));
  }
}
