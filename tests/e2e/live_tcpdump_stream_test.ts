/**
 * The tcpdump stream on loopback (real tcpdump, root only): packets arrive
 * through the pipe, -c stops, SIGTERM on abort keeps what was captured, and a
 * bad interface or filter is a clear error naming the interface.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { captureFromTcpdump, TcpdumpStartError } from "../../src/capture/tcpdump_stream.ts";
import { ignoreWithout } from "../requirements.ts";
import type { TcpdumpCounts } from "../../src/capture/tcpdump_counts.ts";

/** Sends `n` UDP datagrams to 127.0.0.1:port, 10 ms apart. */
async function sendUdp(n: number, port: number) {
  const sock = dgram.createSocket("udp4");
  try {
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve, reject) =>
        sock.send(`hello ${i}`, port, "127.0.0.1", (err) => err ? reject(err) : resolve())
      );
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    sock.close();
  }
}

Deno.test({
  name: "tcpdump stream delivers loopback packets and stops after -c N",
  ignore: ignoreWithout("root"),
  async fn() {
    const port = 39000 + Math.floor(Math.random() * 1000);
    let seen = 0;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 15000);
    const capture = captureFromTcpdump(
      { iface: "lo", filter: `udp and dst port ${port}`, maxPackets: 5, signal: ac.signal },
      (p) => {
        if (p.dstPort === port) seen++;
      },
    );
    await new Promise((r) => setTimeout(r, 1000)); // tcpdump needs a moment to attach
    await sendUdp(20, port);
    const { stats } = await capture;
    clearTimeout(timer);
    assert.equal(stats.packets, 5);
    assert.equal(seen, 5);
  },
});

Deno.test({
  name: "abort sends SIGTERM and keeps every packet already captured",
  ignore: ignoreWithout("root"),
  async fn() {
    const port = 38000 + Math.floor(Math.random() * 1000);
    let seen = 0;
    const ac = new AbortController();
    const capture = captureFromTcpdump(
      { iface: "lo", filter: `udp and dst port ${port}`, signal: ac.signal },
      (p) => {
        if (p.dstPort === port) seen++;
      },
    );
    await new Promise((r) => setTimeout(r, 1000));
    await sendUdp(12, port);
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const { stats, stderr } = await capture;
    assert.equal(seen, 12);
    assert.equal(stats.packets, 12);
    assert.match(stderr, /packets captured/);
  },
});

Deno.test({
  name:
    "packets sent just before the stop are delivered; tcpdump's counters come while running and at the end",
  ignore: ignoreWithout("root"),
  async fn() {
    const port = 37000 + Math.floor(Math.random() * 1000);
    let seen = 0;
    const ac = new AbortController();
    const running: TcpdumpCounts[] = [];
    const capture = captureFromTcpdump(
      {
        iface: "lo",
        filter: `udp and dst port ${port}`,
        signal: ac.signal,
        countsIntervalMs: 200,
        onCounts: (c) => running.push(c),
      },
      (p) => {
        if (p.dstPort === port) seen++;
      },
    );
    await new Promise((r) => setTimeout(r, 1000));
    await sendUdp(12, port);
    // No pause: the last packets are still in a kernel block tcpdump has not been handed yet.
    ac.abort();
    const { stats, counts } = await capture;
    assert.equal(seen, 12);
    assert.equal(stats.packets, 12);
    // On lo the kernel also counts each packet's outgoing copy as received (libpcap skips it).
    assert.equal(counts?.captured, 12);
    assert.equal(counts?.dropped, 0);
    assert.ok(counts !== null && counts.received >= 12);
    assert.ok(running.length >= 2, `counters while running: ${running.length}`);
    assert.ok(running.every((c) => c.dropped === 0 && c.captured <= c.received));
  },
});

Deno.test({
  name: "an unknown interface or a bad filter is a TcpdumpStartError naming the interface",
  ignore: ignoreWithout("root"),
  async fn() {
    await assert.rejects(
      captureFromTcpdump({ iface: "nosuchif0" }, () => {}),
      (e) =>
        e instanceof TcpdumpStartError && /nosuchif0/.test(e.message) && /No such device/i.test(e.message),
    );
    await assert.rejects(
      captureFromTcpdump({ iface: "lo", filter: "port port port" }, () => {}),
      (e) => e instanceof TcpdumpStartError && /lo/.test(e.message) && /syntax error/i.test(e.message),
    );
  },
});
