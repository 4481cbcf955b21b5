/**
 * A small capture with varied flows for format tests: TCP sessions of
 * different sizes and durations, UDP exchanges, a flow whose two packets
 * share one timestamp (duration 0: NaN/Infinity rates in cic2017, −1 in
 * corrected), one-packet flows, and a host talking to many ports.
 */
import { F, pcapOf, type TestPacket } from "../flow/flow_harness.ts";

/** Packets of the mix, in time order. */
export function flowMixPackets(flows = 60): TestPacket[] {
  const packets: TestPacket[] = [];
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  for (let i = 0; i < flows; i++) {
    const start = i * 50_000;
    const client: [string, number] = [`10.0.${i % 3}.${1 + (i % 200)}`, 40_000 + i];
    const server: [string, number] = [`192.168.1.${1 + (i % 5)}`, [80, 443, 53, 8080][i % 4]];
    if (i % 7 === 3) {
      // UDP request/answer pairs.
      for (let k = 0; k < 1 + rand(4); k++) {
        packets.push({ t: start + k * 900, from: client, to: server, proto: "udp", pl: 30 + rand(60) });
        packets.push({
          t: start + k * 900 + 300,
          from: server,
          to: client,
          proto: "udp",
          pl: 80 + rand(400),
        });
      }
    } else if (i % 11 === 5) {
      // Two packets in the same microsecond: duration 0 (with no payload: 0/0 bytes per second).
      const empty = i % 22 === 5;
      packets.push({ t: start, from: client, to: server, flags: F.SYN | F.ACK, pl: empty ? 0 : 10 });
      packets.push({ t: start, from: server, to: client, flags: F.ACK, pl: empty ? 0 : 20 });
    } else if (i % 13 === 6) {
      packets.push({ t: start, from: client, to: server, flags: F.SYN });
    } else {
      packets.push({ t: start, from: client, to: server, flags: F.SYN, win: 64240 });
      packets.push({
        t: start + 200 + rand(500),
        from: server,
        to: client,
        flags: F.SYN | F.ACK,
        win: 65160,
      });
      const n = 1 + rand(8);
      for (let k = 0; k < n; k++) {
        const t = start + 1_000 + k * (100 + rand(3_000));
        packets.push({ t, from: client, to: server, flags: F.ACK | F.PSH, pl: rand(700) });
        packets.push({ t: t + 150, from: server, to: client, flags: F.ACK, pl: rand(1400) });
      }
      packets.push({ t: start + 40_000, from: client, to: server, flags: F.FIN | F.ACK });
      packets.push({ t: start + 40_200, from: server, to: client, flags: F.FIN | F.ACK });
      packets.push({ t: start + 40_400, from: client, to: server, flags: F.ACK });
    }
  }
  return packets.sort((a, b) => a.t - b.t);
}

/** Writes the mix as a pcap file in `dir` and returns its path. */
export async function writeFlowMix(dir: string, flows = 60): Promise<string> {
  const path = `${dir}/flow-mix.pcap`;
  await Deno.writeFile(path, pcapOf(flowMixPackets(flows)));
  return path;
}
