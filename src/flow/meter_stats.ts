/** What a flow meter counted: packets offered, used and ignored (by reason), flows. */
import { IGNORE_REASONS, type IgnoreReason } from "./flow_packet.ts";

export interface MeterStats {
  /** Packets offered to the meter. */
  packets: number;
  /** Packets that went into a flow. */
  packetsUsed: number;
  ignored: Record<IgnoreReason, number>;
  /** Packets older than the packet before them (spec Q25: negative IATs follow). */
  outOfOrder: number;
  /** Packets older than their flow's last packet (corrected counts them with an IAT of 0; cic2017 goes negative). */
  earlierThanFlow: number;
  flowsEmitted: number;
  /** cic2017: flows of one packet not written (Q16). */
  singlePacketFlowsDropped: number;
  /** Largest number of flows open at once. */
  peakActiveFlows: number;
}

/**
 * Stats of a meter that has seen nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyMeterStats } from "./meter_stats.ts";
 * const stats = emptyMeterStats();
 * assert.equal(stats.ignored["not-ip"], 0);
 * ```
 */
export function emptyMeterStats(): MeterStats {
  const ignored = {} as Record<IgnoreReason, number>;
  for (const reason of IGNORE_REASONS) ignored[reason] = 0;
  return {
    packets: 0,
    packetsUsed: 0,
    ignored,
    outOfOrder: 0,
    earlierThanFlow: 0,
    flowsEmitted: 0,
    singlePacketFlowsDropped: 0,
    peakActiveFlows: 0,
  };
}
