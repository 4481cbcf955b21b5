/** UDP test traffic on loopback for the live and windows CLI tests. */
import dgram from "node:dgram";

/** `n` datagrams from one socket to 127.0.0.1:port (a listener receives them: no ICMP unreachable). */
export async function udpDatagrams(port: number, n: number): Promise<void> {
  const sock = dgram.createSocket("udp4");
  try {
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve, reject) =>
        sock.send(`datagram ${i}`, port, "127.0.0.1", (e) => e ? reject(e) : resolve())
      );
    }
  } finally {
    sock.close();
  }
}
