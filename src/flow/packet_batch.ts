/**
 * Loaded packets (FlowPacket) packed into a Float64Array, so one thread can
 * read and decode a capture while another runs the flow meter: a batch
 * crosses between them as one transferred buffer, and neither side
 * allocates per packet.
 */
import type { FlowPacket } from "./flow_packet.ts";

/** Doubles per packet in a batch: the FlowPacket fields, then its flow hash. */
export const PACKET_WIDTH = 22;

/**
 * Writes `p` and its flow hash (flowHash in flow_table.ts, computed on the
 * reading side to take work off the meter's thread) as packet `i` of `batch`.
 */
export function packFlowPacket(p: FlowPacket, hash: number, batch: Float64Array, i: number): void {
  const at = i * PACKET_WIDTH;
  batch[at] = p.t;
  batch[at + 1] = p.ver;
  batch[at + 2] = p.proto;
  batch[at + 3] = p.sport;
  batch[at + 4] = p.dport;
  batch[at + 5] = p.s0;
  batch[at + 6] = p.s1;
  batch[at + 7] = p.s2;
  batch[at + 8] = p.s3;
  batch[at + 9] = p.d0;
  batch[at + 10] = p.d1;
  batch[at + 11] = p.d2;
  batch[at + 12] = p.d3;
  batch[at + 13] = p.sameAddress ? 1 : 0;
  batch[at + 14] = p.payload;
  batch[at + 15] = p.hdr;
  batch[at + 16] = p.flags;
  batch[at + 17] = p.isTcp ? 1 : 0;
  batch[at + 18] = p.window;
  batch[at + 19] = p.icmpType;
  batch[at + 20] = p.icmpCode;
  batch[at + 21] = hash;
}

/** Reads packet `i` of `batch` into `p`; returns its flow hash. */
export function unpackFlowPacket(batch: Float64Array, i: number, p: FlowPacket): number {
  const at = i * PACKET_WIDTH;
  p.t = batch[at];
  p.ver = batch[at + 1];
  p.proto = batch[at + 2];
  p.sport = batch[at + 3];
  p.dport = batch[at + 4];
  p.s0 = batch[at + 5];
  p.s1 = batch[at + 6];
  p.s2 = batch[at + 7];
  p.s3 = batch[at + 8];
  p.d0 = batch[at + 9];
  p.d1 = batch[at + 10];
  p.d2 = batch[at + 11];
  p.d3 = batch[at + 12];
  p.sameAddress = batch[at + 13] === 1;
  p.payload = batch[at + 14];
  p.hdr = batch[at + 15];
  p.flags = batch[at + 16];
  p.isTcp = batch[at + 17] === 1;
  p.window = batch[at + 18];
  p.icmpType = batch[at + 19];
  p.icmpCode = batch[at + 20];
  return batch[at + 21];
}
