/**
 * Records the project's real-traffic captures: tcpdump on the loopback
 * interface while a local HTTP server (Deno.serve on 127.0.0.1) answers curl.
 * Needs root, tcpdump and curl. Bounded: a handful of requests, each with a
 * 10 s limit. Writes into testdata/captures/:
 *
 * - loopback-http.pcap: µs timestamps; a small GET, a 100 kB GET (bulk), a
 *   50 kB POST, and two GETs on one keep-alive connection.
 * - loopback-http-ns-snaplen.pcap: ns timestamps and a 128-byte snaplen (data
 *   segments cut, wire lengths kept); two GETs.
 *
 * Re-recording changes times and ports: run `deno task goldens` afterwards
 * and review the new goldens (the flow shapes must stay the same).
 *
 *   sudo deno run -A tests/tools/record_loopback_captures.ts
 */
import { startTcpdump } from "./start_tcpdump.ts";

const OUT = new URL("../../testdata/captures/", import.meta.url);
const BIG = "x".repeat(100_000);

function startServer(): { port: number; server: Deno.HttpServer } {
  let port = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: (a) => (port = a.port) },
    async (req) => {
      const path = new URL(req.url).pathname;
      if (req.method === "POST") return new Response(`got ${(await req.arrayBuffer()).byteLength} bytes\n`);
      return new Response(path === "/big" ? BIG : "hello\n");
    },
  );
  return { port, server };
}

/** tcpdump on `lo` for the server's port. */
function tcpdumpOnLoopback(file: string, port: number, extra: string[]): Promise<Deno.ChildProcess> {
  // --immediate-mode: without it, packets of the last second wait in the kernel ring and SIGINT loses them.
  return startTcpdump("tcpdump", [
    "-i",
    "lo",
    "-U",
    "--immediate-mode",
    "-w",
    file,
    ...extra,
    "--",
    `tcp port ${port}`,
  ]);
}

async function curl(args: string[]): Promise<void> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "10", "-o", "/dev/null", ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`curl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

async function record(name: string, tcpdumpArgs: string[], traffic: (base: string) => Promise<void>) {
  const { port, server } = startServer();
  const file = new URL(name, OUT).pathname;
  const tcpdump = await tcpdumpOnLoopback(file, port, tcpdumpArgs);
  let status: Deno.CommandStatus;
  try {
    await traffic(`http://127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 500)); // let the last FIN/ACKs be captured
  } finally {
    tcpdump.kill("SIGINT"); // tcpdump exits 0 on SIGINT after writing what it has
    status = await tcpdump.status;
    await server.shutdown();
  }
  if (!status.success) throw new Error(`tcpdump failed: ${JSON.stringify(status)}`);
  console.log(`${name}: ${(await Deno.stat(file)).size} bytes`);
}

await Deno.mkdir(OUT, { recursive: true });
await record("loopback-http.pcap", [], async (base) => {
  await curl([`${base}/`]);
  await curl([`${base}/big`]);
  await curl(["--data-binary", "y".repeat(50_000), `${base}/upload`]); // a POST
  await curl([`${base}/a`, `${base}/b`]); // one connection, two requests
});
await record(
  "loopback-http-ns-snaplen.pcap",
  ["--time-stamp-precision", "nano", "-s", "128"],
  async (base) => {
    await curl([`${base}/`]);
    await curl([`${base}/big`]);
  },
);
