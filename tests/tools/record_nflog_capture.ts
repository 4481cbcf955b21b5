/**
 * Records testdata/captures/loopback-nflog.pcap: NFLOG frames as the Linux
 * kernel writes them (link type 239, `tcpdump -i nflog:N`). In a network
 * namespace of its own, an iptables and an ip6tables rule copy every outgoing
 * packet to NFLOG group 7 while tcpdump records that group, and this script,
 * run again inside the namespace with `--traffic`, makes HTTP requests over
 * IPv4 and IPv6 loopback and sends UDP datagrams to a closed port (answered
 * by ICMP). Nothing leaves the namespace; it is deleted afterwards.
 *
 * Needs root, iproute2, iptables (with ip6tables) and tcpdump. Bounded: five
 * requests and three datagrams, each step with a 10 s limit. The kernel
 * hands NFLOG frames over in batches and libpcap stamps them as it reads
 * them, so times within a batch are microseconds apart: that is the real
 * thing, not a fault of the recording.
 *
 *   sudo deno run -A tests/tools/record_nflog_capture.ts
 *
 * Then `deno run -A tests/tools/record_pcap_fixtures.ts` and `deno task goldens`.
 */
import dgram from "node:dgram";
import { startTcpdump } from "./start_tcpdump.ts";

const OUT = new URL("../../testdata/captures/loopback-nflog.pcap", import.meta.url).pathname;
const NAMESPACE = "pcap-pipeline-nflog";
const GROUP = "7";
const LIMIT_MS = 10_000;

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped", signal: timeout() })
    .output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

const timeout = () => AbortSignal.timeout(LIMIT_MS);
const inNamespace = (cmd: string, args: string[]) => run("ip", ["netns", "exec", NAMESPACE, cmd, ...args]);

/** The traffic, inside the namespace: HTTP over both loopbacks, UDP to a closed port. */
async function traffic(): Promise<void> {
  const servers = ["127.0.0.1", "::1"].map((hostname) =>
    Deno.serve({ hostname, port: 8080, onListen: () => {} }, () => new Response("x".repeat(3000)))
  );
  try {
    for (const url of ["http://127.0.0.1:8080/", "http://127.0.0.1:8080/again", "http://[::1]:8080/"]) {
      await (await fetch(url, { signal: timeout() })).arrayBuffer();
    }
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 }); // a connection per request
    for (const url of ["http://127.0.0.1:8080/closed", "http://[::1]:8080/closed"]) {
      await (await fetch(url, { client, signal: timeout() })).arrayBuffer();
    }
    client.close();
    const socket = dgram.createSocket("udp4");
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((done, fail) =>
        socket.send(`datagram ${i}`, 5005, "127.0.0.1", (err) => err ? fail(err) : done())
      );
      await new Promise((r) => setTimeout(r, 50));
    }
    socket.close();
  } finally {
    for (const server of servers) await server.shutdown();
  }
}

async function record(): Promise<void> {
  await run("ip", ["netns", "add", NAMESPACE]);
  try {
    await inNamespace("ip", ["link", "set", "lo", "up"]);
    for (const tables of ["iptables", "ip6tables"]) {
      await inNamespace(tables, [
        "-A",
        "OUTPUT",
        "-j",
        "NFLOG",
        "--nflog-group",
        GROUP,
        "--nflog-prefix",
        "test",
      ]);
    }
    const tcpdump = await startTcpdump("ip", [
      "netns",
      "exec",
      NAMESPACE,
      "tcpdump",
      "-i",
      `nflog:${GROUP}`,
      "-U",
      "-w",
      OUT,
    ]);
    try {
      await inNamespace(Deno.execPath(), ["run", "-A", new URL(import.meta.url).pathname, "--traffic"]);
      await new Promise((r) => setTimeout(r, 1500)); // NFLOG flushes its batch within a second
    } finally {
      tcpdump.kill("SIGINT"); // tcpdump exits 0 on SIGINT after writing what it has
    }
    const status = await tcpdump.status;
    if (!status.success) throw new Error(`tcpdump failed: ${JSON.stringify(status)}`);
  } finally {
    await run("ip", ["netns", "delete", NAMESPACE]);
  }
  console.log(`${OUT}: ${(await Deno.stat(OUT)).size} bytes`);
}

if (Deno.args.includes("--traffic")) await traffic();
else await record();
