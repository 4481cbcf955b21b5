/**
 * Web Worker entry of a conversion read on two threads (split_read.ts):
 * reads and decodes one capture file, loads each packet under the meter's
 * packet rules (flow_packet.ts) and sends the used ones in batches
 * (packet_batch.ts) to the thread that runs the flow meter. Batch buffers
 * are transferred there and back, so a few are in flight at most and
 * nothing is allocated per packet.
 */
/// <reference lib="deno.worker" />
import { FlowPacket, IGNORE_REASONS, type IgnoreReason, packetRules } from "../flow/flow_packet.ts";
import { PACKET_WIDTH, packFlowPacket } from "../flow/packet_batch.ts";
import { flowHash } from "../flow/flow_table.ts";
import { type MeterOptions, resolveSettings } from "../flow/profile.ts";
import { readCaptureFile, type ReadStats } from "../pcap/reader.ts";
import { toWorkerError, type WorkerError } from "./worker_error.ts";

export interface ReaderRequest {
  input: string;
  meter: MeterOptions;
  maxPackets?: number;
  /** Packets per batch. */
  batchPackets: number;
  /** Batches with the meter thread at once before reading waits for one to come back. */
  inFlight: number;
}

/** Reader → meter thread. `bytesRead` and `packets` are the reader's progress when the batch left. */
export type ReaderMessage =
  | { kind: "batch"; buffer: ArrayBuffer; count: number; bytesRead: number; packets: number }
  | { kind: "done"; stats: ReadStats; ignored: Record<IgnoreReason, number> }
  | ({ kind: "error" } & WorkerError);

/** Meter thread → reader: a batch's buffer, to fill again. */
export interface BatchReturn {
  buffer: ArrayBuffer;
}

const returned: Float64Array<ArrayBuffer>[] = [];
let wake: (() => void) | null = null;

self.onmessage = (event: MessageEvent<ReaderRequest | BatchReturn>) => {
  const m = event.data;
  if ("input" in m) {
    read(m).catch((err: unknown) => post({ kind: "error", ...toWorkerError(err) }));
    return;
  }
  returned.push(new Float64Array(m.buffer));
  wake?.();
};

function post(m: ReaderMessage, transfer: Transferable[] = []): void {
  self.postMessage(m, transfer);
}

async function read(request: ReaderRequest): Promise<void> {
  const rules = packetRules(resolveSettings(request.meter));
  const p = new FlowPacket();
  const ignored = {} as Record<IgnoreReason, number>;
  for (const reason of IGNORE_REASONS) ignored[reason] = 0;
  const doubles = request.batchPackets * PACKET_WIDTH;
  let batch = new Float64Array(doubles);
  let made = 1;
  let count = 0;
  let bytesRead = 0;
  let packets = 0;
  // Batches with the meter thread: all made, less the one being filled and those back.
  const out = () => made - 1 - returned.length;
  const send = () => {
    post({ kind: "batch", buffer: batch.buffer, count, bytesRead, packets }, [batch.buffer]);
    const again = returned.pop();
    if (again) batch = again;
    else {
      batch = new Float64Array(doubles);
      made++;
    }
    count = 0;
  };
  const stats = await readCaptureFile(request.input, (pkt) => {
    const why = p.load(pkt, rules);
    if (why !== null) {
      ignored[why]++;
      return;
    }
    packFlowPacket(p, flowHash(p), batch, count);
    if (++count === request.batchPackets) send();
  }, {
    maxPackets: request.maxPackets,
    onProgress: (bytes, s) => {
      bytesRead = bytes;
      packets = s.packets;
    },
    // The meter thread is behind: wait for batches to come back.
    afterChunk: () => out() > request.inFlight ? waitForBatches(out, request.inFlight) : undefined,
  });
  if (count > 0) send();
  post({ kind: "done", stats, ignored });
}

async function waitForBatches(out: () => number, limit: number): Promise<void> {
  while (out() > limit) {
    await new Promise<void>((resolve) => wake = resolve);
    wake = null;
  }
}
