/**
 * A synthetic flood for the benchmark: every packet from a different spoofed
 * source (TCP SYNs and UDP to one victim, and the victim's SYN-ACKs to
 * sources that never answer), so nearly every packet starts a flow and all
 * of them are still open when the capture ends, as in a SYN-flood capture of
 * CIC-DDoS2019. It measures what a 1 M-packet mix of real traffic does not:
 * the cost per row and the memory per open flow at scale.
 */
import { ethernet, ipv4, pcapFile, tcp, udp } from "../pcap/build_capture.ts";

const VICTIM = [192, 168, 1, 5];
const SYN = 0x02, SYN_ACK = 0x12;

/** Writes a flood of `packets` packets (~6 µs apart) to `path`. */
export async function writeFloodCapture(path: string, packets: number): Promise<void> {
  const records = [];
  let us = 1_500_000_000_000_000;
  for (let i = 0; i < packets; i++) {
    us += 3 + (i % 7);
    const a = Math.imul(i + 1, 2654435761) >>> 0; // a spread of sources and ports
    const source = [10 + (a >>> 28), (a >>> 16) & 255, (a >>> 8) & 255, a & 255];
    const port = 1024 + (a % 60000);
    const kind = i % 5;
    const data = kind < 3
      ? ethernet(
        0x0800,
        ipv4({ protocol: 6, src: source, dst: VICTIM }, tcp({ sport: port, dport: 80, flags: SYN })),
      )
      : kind === 3
      ? ethernet(0x0800, ipv4({ protocol: 17, src: source, dst: VICTIM }, udp(port, 53, new Uint8Array(40))))
      : ethernet(
        0x0800,
        ipv4({ protocol: 6, src: VICTIM, dst: source }, tcp({ sport: 80, dport: port, flags: SYN_ACK })),
      );
    records.push({ sec: Math.floor(us / 1e6), frac: us % 1e6, data });
  }
  await Deno.writeFile(path, pcapFile(records));
}
