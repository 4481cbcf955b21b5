/**
 * `pcap-pipeline windows` end to end in private network namespaces (root
 * only): the CLI runs in the server namespace and captures on its bridge;
 * real clients in other namespaces make an HTTP flood, polite requests and a
 * SYN flood. The window files must appear on the window clock, parse with
 * the ddos2019 header, and carry the rule's labels in their Label column.
 * A reader following the MPI DDoS detector's rules (detector_contract.ts)
 * polls DIR/latest_capture.csv throughout: it must always name the newest
 * complete window, and through it the flood must read as attack traffic.
 */
import assert from "node:assert/strict";
import { createTestNet, httpClientLoop, type TestNet } from "./netns.ts";
import { type CliProcess, parseCsv, startCli } from "../live/cli_process.ts";
import { buildLayout } from "../../src/output/columns.ts";
import { isAtomicTempName } from "../../src/system/atomic_write.ts";
import { ignoreWithout } from "../requirements.ts";
import { DETECTOR_LINK, type DetectorWindow, readLatestWindow } from "./detector_contract.ts";

interface WindowLog {
  event: string;
  index: number;
  file: string | null;
  durationSec: number;
  packets: number;
  flows: number;
  attackFlows: number;
  attackers: { ip: string; connections: number }[];
}

function windowLogs(stdout: string): WindowLog[] {
  return stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    .filter((e) => e.event === "window");
}

async function waitForHttp(net: TestNet, ns: string, ip: string, port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await net.exec(ns, `exec 3<>/dev/tcp/${ip}/${port}`, 2000)).code === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no HTTP server on ${ip}:${port} in ${ns}`);
}

/** Window file names in DIR (no link, no temporary file), oldest first: names sort by start time. */
async function windowFiles(dir: string): Promise<string[]> {
  const names = [];
  for await (const e of Deno.readDir(dir)) {
    if (/^live_capture_\d{8}_\d{6}\.csv$/.test(e.name)) names.push(e.name);
  }
  return names.sort();
}

/**
 * Reads DIR the detector's way every 200 ms until stopped: each distinct link
 * target once (with its rows), and every poll at which the link did not name
 * the newest window file even 100 ms later (the instant between a window's
 * rename and the link update is allowed).
 */
function pollLatestLink(dir: string) {
  const seen: DetectorWindow[] = [];
  const stale: string[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const latest = await readLatestWindow(dir);
      if (latest && latest.target !== seen.at(-1)?.target) seen.push(latest);
      const newest = (await windowFiles(dir)).at(-1);
      if (newest !== latest?.target) {
        await new Promise((r) => setTimeout(r, 100));
        const again = await readLatestWindow(dir);
        if ((await windowFiles(dir)).at(-1) !== again?.target) {
          stale.push(`link ${again?.target ?? "missing"}, newest file ${newest}`);
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    seen,
    stale,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** The window file's rows as objects keyed by trimmed header names. */
async function readWindow(path: string): Promise<{ header: string[]; rows: Record<string, string>[] }> {
  const { header, rows } = parseCsv(await Deno.readTextFile(path));
  const keys = header.map((h) => h.trim());
  return { header, rows: rows.map((r) => Object.fromEntries(keys.map((k, i) => [k, r[i]]))) };
}

Deno.test({
  name:
    "windows: an HTTP flood is Attack in the window file; the polite client and the busy server are Benign",
  ignore: ignoreWithout("root"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const net = await createTestNet(2);
    const dir = await Deno.makeTempDir();
    const [flood, polite] = net.clients;
    let cli: CliProcess | undefined;
    try {
      // HTTP/1.1 keeps connections open, so the flood client (keep-alive) closes first, as curl or a browser
      // would: cic2017 would then write each teardown's rest as a flow from the server (what hid the flood).
      // (http.server's --protocol flag needs Python 3.11; setting the class attribute works on every Python 3.)
      net.spawn(
        net.server,
        `python3 -c 'import http.server as h; h.SimpleHTTPRequestHandler.protocol_version = "HTTP/1.1"; ` +
          `h.ThreadingHTTPServer(("10.200.0.1", 80), h.SimpleHTTPRequestHandler).serve_forever()'`,
      );
      // The polite client also serves on 8080, and the server opens 60 connections to it: the server
      // starts ≥ 50 connections to a web port, yet it serves from port 80 and must stay Benign.
      net.spawn(polite.ns, `python3 -m http.server 8080 --bind ${polite.ip}`);
      await waitForHttp(net, flood.ns, net.serverIp, 80);
      await waitForHttp(net, net.server, polite.ip, 8080);

      const windowSec = 10;
      cli = startCli(
        ["windows", "-i", "br0", "-o", dir, "-d", String(windowSec), "-f", "tcp", "--json-log"],
        ["ip", "netns", "exec", net.server],
      );
      await cli.waitFor(/listening on br0/, 15_000);
      const poller = pollLatestLink(dir);
      const t0 = performance.now();
      const results = await Promise.all([
        net.exec(flood.ns, keepAliveClient(net.serverIp, 80, 200, 8), 10_000),
        net.exec(polite.ns, httpClientLoop(net.serverIp, 80, 5, 8), 10_000),
        net.exec(net.server, httpClientLoop(polite.ip, 8080, 60, 8), 10_000),
      ]);
      const trafficMs = Math.round(performance.now() - t0);
      assert.deepEqual(results.map((r) => r.code), [0, 0, 0], `client loops finished (${trafficMs} ms)`);

      // The first window is written by the window clock, while the capture goes on.
      await cli.waitFor(/"event":"window","index":1,/, windowSec * 1000 + 5000);
      const first = windowLogs(cli.stdout)[0];
      assert.ok(
        first.durationSec >= windowSec - 1 && first.durationSec <= windowSec + 2,
        `window 1 lasted ${first.durationSec} s`,
      );
      assert.match(first.file ?? "", new RegExp(`^${dir}/live_capture_\\d{8}_\\d{6}\\.csv$`));
      const firstFile = first.file!;
      await Deno.stat(firstFile); // there before the stop
      // The detector polls every 2 s: let the reader see window 1 through the link before the stop.
      for (let i = 0; i < 20 && poller.seen.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      cli.signal("SIGINT");
      assert.equal(await cli.exit(), 0, cli.stderr);
      await poller.stop();
      // tcpdump's own counters next to ours: in every window line and at the stop.
      const stopped = JSON.parse(cli.stdout.split("\n").find((l) => l.includes('"event":"stopped"')) ?? "{}");
      assert.equal(stopped.capture?.tcpdump?.dropped, 0, cli.stdout);
      assert.equal(stopped.capture?.tcpdump?.captured, stopped.capture?.packetsRead);
      assert.ok(windowLogs(cli.stdout).every((w) => "packetsRead" in w && "tcpdump" in w));

      const logs = windowLogs(cli.stdout);
      assert.equal(
        logs.length,
        2,
        "window 1 on the clock, window 2 by Ctrl+C (with a file only if it has flows)",
      );
      const written = logs.filter((l) => l.file !== null);
      for (const l of logs) {
        assert.equal(l.file === null, l.flows === 0, `window ${l.index}: file only with flows`);
      }
      const names = [];
      for await (const e of Deno.readDir(dir)) names.push(e.name);
      assert.deepEqual(
        names.sort(),
        [DETECTOR_LINK, ...written.map((l) => l.file!.slice(dir.length + 1))].sort(),
      );
      assert.ok(!names.some(isAtomicTempName), "no temporary files left");

      // The link contract, as the detector reads it: relative, always the newest complete window.
      assert.deepEqual(poller.stale, [], "the link named the newest window at every poll");
      assert.equal(
        await Deno.readLink(`${dir}/${DETECTOR_LINK}`),
        written.at(-1)!.file!.slice(dir.length + 1),
      );
      assert.equal(poller.seen[0]?.path, firstFile, "the first window the detector reads is window 1");
      for (const w of poller.seen) {
        assert.equal(w.rejected, 0, `${w.target}: every row has the header's field count`);
        assert.ok(w.rows.length > 0, `${w.target}: no header-only window`);
      }
      const flood1 = poller.seen[0].rows;
      const rowsFrom = (ip: string) => flood1.filter((r) => r.srcIp === ip);
      assert.ok(rowsFrom(flood.ip).length >= 200 && rowsFrom(flood.ip).every((r) => r.isAttack));
      assert.ok(rowsFrom(polite.ip).length >= 5 && rowsFrom(polite.ip).every((r) => !r.isAttack));
      assert.ok(rowsFrom(net.serverIp).every((r) => !r.isAttack), "the server is never attack traffic");
      assert.deepEqual(
        flood1.filter((r) => r.srcIp === net.serverIp && r.srcPort === 80),
        [],
        "one row per connection, from its client: the server never appears to open its served connections",
      );
      assert.ok(
        flood1.every((r) => r.totalFwdPackets > 0 && r.protocol === 6),
        "packet totals and protocol read as numbers",
      );

      assert.deepEqual(first.attackers, [{ ip: flood.ip, connections: 200 }], `traffic took ${trafficMs} ms`);
      const { header, rows } = await readWindow(firstFile);
      assert.deepEqual(header, buildLayout("ddos2019").columns.map((c) => c.name));
      assert.equal(rows.length, first.flows);
      const from = (ip: string) => rows.filter((r) => r["Source IP"] === ip);
      assert.ok(from(flood.ip).length >= 200);
      assert.ok(from(flood.ip).every((r) => r.Label === "Attack"), "every flood flow is Attack");
      assert.ok(from(polite.ip).length >= 5, "polite client's flows captured");
      assert.ok(from(polite.ip).every((r) => r.Label === "Benign"));
      assert.ok(from(net.serverIp).length >= 60, "server's own connections captured");
      assert.ok(from(net.serverIp).every((r) => r.Label === "Benign"), "the server is never an attacker");
      assert.equal(rows.filter((r) => r.Label === "Attack").length, first.attackFlows);
      assert.equal(first.attackFlows, from(flood.ip).length);
      // Window 2 holds what came after window 1 (possibly nothing: then no file) and parses with the same header.
      if (logs[1].file !== null) {
        const second = await readWindow(logs[1].file);
        assert.deepEqual(second.header, header);
        assert.ok(second.rows.every((r) => r.Label === "Benign"), "no flood in window 2");
      }
    } finally {
      if (cli) {
        cli.signal("SIGKILL");
        await cli.exit();
      }
      await net.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Python: `n` HTTP/1.1 GETs to ip:port, one connection each, the client closing first after the response. */
function keepAliveClient(ip: string, port: number, n: number, timeoutS: number): string {
  const py = [
    "import http.client",
    `for i in range(${n}):`,
    `    c = http.client.HTTPConnection("${ip}", ${port}, timeout=5)`,
    `    c.request("GET", "/"); c.getresponse().read(); c.close()`,
  ].join("\n");
  return `timeout ${timeoutS} python3 -c '${py}'`;
}

/** Python: `n` non-blocking connects to ip:port, held 0.8 s (before the SYN retransmit), then closed. */
function synBurst(ip: string, port: number, n: number): string {
  const py = [
    "import socket, time",
    "s = []",
    `for i in range(${n}):`,
    "    k = socket.socket(); k.setblocking(False)",
    `    k.connect_ex(("${ip}", ${port})); s.append(k)`,
    "time.sleep(0.8)",
    "[k.close() for k in s]",
  ].join("\n");
  return `timeout 10 python3 -c '${py}'`;
}

Deno.test({
  name: "windows --rule syn-flood: unanswered SYNs from one source are Attack, answered connections Benign",
  ignore: ignoreWithout("root"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const net = await createTestNet(2);
    const dir = await Deno.makeTempDir();
    const [flood, polite] = net.clients;
    const victim = "10.200.0.50"; // no host has it: SYNs to it are never answered
    let cli: CliProcess | undefined;
    try {
      net.spawn(net.server, "python3 -m http.server 80 --bind 10.200.0.1");
      await waitForHttp(net, polite.ns, net.serverIp, 80);
      // A static neighbour entry: the flood client sends its SYNs without waiting for ARP; the bridge floods them.
      const neigh = await net.exec(flood.ns, `ip neigh replace ${victim} lladdr 02:00:00:00:00:50 dev eth0`);
      assert.equal(neigh.code, 0, neigh.stderr);

      cli = startCli(
        ["windows", "-i", "br0", "-o", dir, "-d", "20", "-f", "tcp", "--json-log", "--rule", "syn-flood"],
        ["ip", "netns", "exec", net.server],
      );
      await cli.waitFor(/listening on br0/, 15_000);
      const [syn, ok] = await Promise.all([
        net.exec(flood.ns, synBurst(victim, 80, 120), 12_000),
        net.exec(polite.ns, httpClientLoop(net.serverIp, 80, 5, 8), 10_000),
      ]);
      assert.equal(syn.code, 0, syn.stderr);
      assert.equal(ok.code, 0, ok.stderr);
      await new Promise((r) => setTimeout(r, 300));
      cli.signal("SIGINT"); // saves the (only) window
      assert.equal(await cli.exit(), 0, cli.stderr);

      const [w] = windowLogs(cli.stdout);
      assert.deepEqual(w.attackers, [{ ip: flood.ip, connections: 120 }]);
      const { rows } = await readWindow(w.file!);
      const synRows = rows.filter((r) => r["Source IP"] === flood.ip);
      assert.equal(synRows.length, 120, "one-packet SYN flows are kept for this rule");
      assert.ok(synRows.every((r) => r.Label === "Attack" && r["Destination IP"] === victim));
      const politeRows = rows.filter((r) => r["Source IP"] === polite.ip);
      assert.ok(politeRows.length >= 5);
      assert.ok(politeRows.every((r) => r.Label === "Benign"));
      assert.equal(w.attackFlows, 120);
    } finally {
      if (cli) {
        cli.signal("SIGKILL");
        await cli.exit();
      }
      await net.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
