/**
 * A tiny capture built in memory: a few complete IPv4 TCP conversations and
 * UDP request/response pairs, as classic pcap (Ethernet). The pipeline feeds
 * it to an external flow meter before capturing (the meter check), and tests
 * use it as a capture with known flows. Built at run time because a compiled
 * binary cannot read files from the source tree.
 */

/** TCP conversations in the probe capture (client ports 40001…). */
export const PROBE_TCP_FLOWS = 3;
/** UDP request/response pairs in the probe capture (client ports 50001…). */
export const PROBE_UDP_FLOWS = 2;
/** Flows a meter should find in the probe capture. */
export const PROBE_FLOWS = PROBE_TCP_FLOWS + PROBE_UDP_FLOWS;

const CLIENT = [10, 99, 0, 1];
const SERVER = [10, 99, 0, 2];
const TCP_SYN = 0x02, TCP_ACK = 0x10, TCP_PSH = 0x08, TCP_FIN = 0x01;

interface ProbePacket {
  /** Seconds after the first packet. */
  offset: number;
  fromClient: boolean;
  protocol: 6 | 17;
  clientPort: number;
  serverPort: number;
  tcpFlags: number;
  seq: number;
  ack: number;
  payload: number;
}

/**
 * The probe capture as pcap bytes; its first packet is stamped `startSeconds`
 * (Unix time). Stamp it "now": the Python cicflowmeter expires flows by the
 * wall clock, so an old timestamp would change what it reports.
 *
 * @example
 * ```ts
 * import { buildProbeCapture } from "./probe_capture.ts";
 * const bytes = buildProbeCapture(Date.now() / 1000);
 * if (new DataView(bytes.buffer).getUint32(0, true) !== 0xa1b2c3d4) throw new Error("not pcap");
 * ```
 */
export function buildProbeCapture(startSeconds: number): Uint8Array {
  const packets = probePackets();
  const frames = packets.map(frameOf);
  const size = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true); // snaplen
  view.setUint32(20, 1, true); // Ethernet
  let at = 24;
  const startMicros = Math.floor(startSeconds * 1e6);
  packets.forEach((p, i) => {
    const micros = startMicros + Math.round(p.offset * 1e6);
    view.setUint32(at, Math.floor(micros / 1e6), true);
    view.setUint32(at + 4, micros % 1e6, true);
    view.setUint32(at + 8, frames[i].length, true);
    view.setUint32(at + 12, frames[i].length, true);
    out.set(frames[i], at + 16);
    at += 16 + frames[i].length;
  });
  return out;
}

/** Handshake, request, response, FIN exchange per TCP flow; one query and answer per UDP flow. */
function probePackets(): ProbePacket[] {
  const packets: ProbePacket[] = [];
  let t = 0;
  const add = (p: Omit<ProbePacket, "offset">) => packets.push({ ...p, offset: t += 0.01 });
  for (let i = 1; i <= PROBE_TCP_FLOWS; i++) {
    const tcp = { protocol: 6 as const, clientPort: 40000 + i, serverPort: 80 };
    add({ ...tcp, fromClient: true, tcpFlags: TCP_SYN, seq: 1000, ack: 0, payload: 0 });
    add({ ...tcp, fromClient: false, tcpFlags: TCP_SYN | TCP_ACK, seq: 5000, ack: 1001, payload: 0 });
    add({ ...tcp, fromClient: true, tcpFlags: TCP_ACK, seq: 1001, ack: 5001, payload: 0 });
    add({ ...tcp, fromClient: true, tcpFlags: TCP_PSH | TCP_ACK, seq: 1001, ack: 5001, payload: 40 });
    add({ ...tcp, fromClient: false, tcpFlags: TCP_PSH | TCP_ACK, seq: 5001, ack: 1041, payload: 200 });
    add({ ...tcp, fromClient: true, tcpFlags: TCP_FIN | TCP_ACK, seq: 1041, ack: 5201, payload: 0 });
    add({ ...tcp, fromClient: false, tcpFlags: TCP_FIN | TCP_ACK, seq: 5201, ack: 1042, payload: 0 });
    add({ ...tcp, fromClient: true, tcpFlags: TCP_ACK, seq: 1042, ack: 5202, payload: 0 });
  }
  for (let i = 1; i <= PROBE_UDP_FLOWS; i++) {
    const udp = { protocol: 17 as const, clientPort: 50000 + i, serverPort: 53, tcpFlags: 0, seq: 0, ack: 0 };
    add({ ...udp, fromClient: true, payload: 30 });
    add({ ...udp, fromClient: false, payload: 60 });
  }
  return packets;
}

/** One Ethernet + IPv4 + TCP/UDP frame; payload bytes are zero. */
function frameOf(p: ProbePacket): Uint8Array {
  const l4Header = p.protocol === 6 ? 20 : 8;
  const ipLength = 20 + l4Header + p.payload;
  const frame = new Uint8Array(14 + ipLength);
  const view = new DataView(frame.buffer);
  frame.set(p.fromClient ? [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1] : [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
  view.setUint16(12, 0x0800);
  const ip = 14;
  frame[ip] = 0x45;
  view.setUint16(ip + 2, ipLength);
  frame[ip + 8] = 64; // TTL
  frame[ip + 9] = p.protocol;
  frame.set(p.fromClient ? CLIENT : SERVER, ip + 12);
  frame.set(p.fromClient ? SERVER : CLIENT, ip + 16);
  view.setUint16(ip + 10, ipv4Checksum(frame.subarray(ip, ip + 20)));
  const l4 = ip + 20;
  view.setUint16(l4, p.fromClient ? p.clientPort : p.serverPort);
  view.setUint16(l4 + 2, p.fromClient ? p.serverPort : p.clientPort);
  if (p.protocol === 6) {
    view.setUint32(l4 + 4, p.seq);
    view.setUint32(l4 + 8, p.ack);
    frame[l4 + 12] = 5 << 4;
    frame[l4 + 13] = p.tcpFlags;
    view.setUint16(l4 + 14, 64240);
  } else {
    view.setUint16(l4 + 4, 8 + p.payload);
  }
  return frame;
}

function ipv4Checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += (header[i] << 8) | header[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}
