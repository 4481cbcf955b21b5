/**
 * `pcap-pipeline live` as a user runs it: a real CLI subprocess capturing on
 * loopback with real tcpdump (root only), real TCP connections to a local
 * Deno.serve and UDP datagrams; flows are written while it runs, SIGINT
 * writes the open ones, the counts match the traffic. Plus the one-line
 * errors for a wrong interface, filter or option.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { runCli } from "./run_cli.ts";
import { parseCsv, startCli } from "../live/cli_process.ts";
import { udpDatagrams } from "../live/udp_traffic.ts";
import { buildLayout } from "../../src/output/columns.ts";
import { ignoreWithout } from "../requirements.ts";

/**
 * The server listens on 127.0.0.2; the client's address is 127.0.0.1 (the
 * kernel's source for 127/8). With the same address on both sides every
 * packet would be "forward" (spec §3.2 compares addresses only) and the
 * corrected profile could never see a FIN from each side.
 */
const SERVER_IP = "127.0.0.2";

/** `n` HTTP/1.0 requests to SERVER_IP:port, one TCP connection each, read to the server's close. */
async function httpConnections(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const conn = await Deno.connect({ hostname: SERVER_IP, port });
    await conn.write(new TextEncoder().encode("GET / HTTP/1.0\r\nHost: x\r\n\r\n"));
    const buf = new Uint8Array(4096);
    while ((await conn.read(buf)) !== null) { /* until the server closes */ }
    conn.close();
  }
}

function udpListener(port: number): Promise<dgram.Socket> {
  const sock = dgram.createSocket("udp4");
  return new Promise((resolve) => sock.bind(port, "127.0.0.1", () => resolve(sock)));
}

const randomPort = () => 20000 + Math.floor(Math.random() * 20000);

Deno.test({
  name: "live on loopback: ended flows are appended while running, SIGINT writes the open ones, counts match",
  ignore: ignoreWithout("root"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const out = `${dir}/flows.csv`;
    const tcpPort = randomPort(), udpPort = tcpPort + 1;
    const server = Deno.serve(
      { hostname: SERVER_IP, port: tcpPort, onListen() {} },
      () => new Response("hello"),
    );
    const udp = await udpListener(udpPort);
    const cli = startCli([
      "live",
      "-i",
      "lo",
      "-o",
      out,
      "--profile",
      "corrected",
      "--progress",
      "-f",
      `(host ${SERVER_IP} and tcp port ${tcpPort}) or (host 127.0.0.1 and udp port ${udpPort})`,
    ]);
    try {
      await cli.waitFor(/listening on lo/, 15_000);
      const connections = 12, datagrams = 7;
      await httpConnections(tcpPort, connections);
      await udpDatagrams(udpPort, datagrams);

      // corrected closes a connection 1 s after its last packet; the wall clock moves the meter on a quiet interface.
      let running = parseCsv("");
      for (let i = 0; i < 100; i++) {
        running = parseCsv(await Deno.readTextFile(out).catch(() => ""));
        if (running.rows.length >= connections) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(
        running.rows.length,
        connections,
        "every closed connection is in the file before the stop",
      );
      const dport = running.header.indexOf(" Destination Port");
      assert.ok(running.rows.every((r) => r[dport] === String(tcpPort)), "only the TCP flows so far");

      cli.signal("SIGINT");
      assert.equal(await cli.exit(), 0, cli.stderr);
      const { header, rows } = parseCsv(await Deno.readTextFile(out));
      assert.deepEqual(header, buildLayout("cic2017").columns.map((c) => c.name));
      assert.ok(rows.every((r) => r.length === header.length), "every row has every column");
      const col = (name: string) => header.indexOf(name);
      const tcp = rows.filter((r) => r[col(" Protocol")] === "6");
      const udpRows = rows.filter((r) => r[col(" Protocol")] === "17");
      assert.equal(tcp.length, connections, "one flow per connection");
      assert.ok(
        tcp.every((r) =>
          r[col(" Destination Port")] === String(tcpPort) && r[col(" Destination IP")] === SERVER_IP
        ),
      );
      assert.equal(
        new Set(tcp.map((r) => r[col(" Source Port")])).size,
        connections,
        "distinct client ports",
      );
      assert.equal(udpRows.length, 1, "the open UDP flow is written at the stop");
      assert.equal(udpRows[0][col(" Total Fwd Packets")], String(datagrams));
      assert.equal(udpRows[0][col(" Destination Port")], String(udpPort));
      assert.match(cli.stderr, new RegExp(`Completed flows: +${connections + 1} `));
      assert.match(cli.stderr, /Active flows: +1 /);
      const total = Number(cli.stderr.match(/Total packets: +(\d+)/)?.[1]);
      const used = Number(cli.stderr.match(/Valid flow packets: +(\d+)/)?.[1]);
      const packetsInRows = rows.reduce(
        (n, r) => n + Number(r[col(" Total Fwd Packets")]) + Number(r[col(" Total Backward Packets")]),
        0,
      );
      assert.equal(used, packetsInRows, "every valid packet is in exactly one written flow");
      assert.equal(total, used);
      assert.doesNotMatch(cli.stderr, /Dropped by kernel/);
      assert.match(
        cli.stderr,
        /packets \d+ {2}active flows \d+ {2}completed flows \d+ {2}\d+ packets\/s/,
        "progress",
      );
      assert.match(cli.stderr, /\[tcpdump received \d+, captured \d+, dropped 0; read \d+\]/, "counters");
      const final = cli.stderr.match(/tcpdump: +received (\d+), captured (\d+), dropped (\d+)/);
      assert.ok(final, "tcpdump's final counters in the summary");
      assert.equal(Number(final[2]), total, "tcpdump captured what we read");
      assert.equal(final[3], "0");
    } finally {
      cli.signal("SIGKILL");
      await cli.exit();
      udp.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "live -c N stops by itself after N packets; a second run appends to the same file under one header",
  ignore: ignoreWithout("root"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const out = `${dir}/flows.csv`;
    const port = randomPort();
    const udp = await udpListener(port);
    try {
      for (const run of [1, 2]) {
        const cli = startCli(["live", "-i", "lo", "-o", out, "-c", "10", "-f", `udp and dst port ${port}`]);
        await cli.waitFor(/listening on lo/, 15_000);
        // One socket per run: 15 datagrams of one flow; only the first 10 are read.
        await udpDatagrams(port, 15);
        assert.equal(await cli.exit(), 0, cli.stderr);
        assert.match(cli.stderr, /Total packets: +10\n/);
        assert.match(cli.stderr, /Completed flows: +1 /);
        const text = await Deno.readTextFile(out);
        assert.equal(text.match(/^Flow ID/gm)?.length, 1, "one header");
        const { header, rows } = parseCsv(text);
        assert.equal(rows.length, run);
        assert.equal(rows[run - 1][header.indexOf(" Total Fwd Packets")], "10");
      }
    } finally {
      udp.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Child processes of `pid` named `name`. */
async function childPids(pid: number, name: string): Promise<number[]> {
  const out = await new Deno.Command("pgrep", { args: ["-P", String(pid), name], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim().split("\n").filter((l) => l !== "").map(Number);
}

Deno.test({
  name: "live: a second Ctrl+C exits at once while the first is still waiting for tcpdump",
  ignore: ignoreWithout("root"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const cli = startCli([
      "live",
      "-i",
      "lo",
      "-o",
      `${dir}/flows.csv`,
      "-f",
      `udp and dst port ${randomPort()}`,
    ]);
    let tcpdump: number[] = [];
    try {
      await cli.waitFor(/listening on lo/, 15_000);
      tcpdump = await childPids(cli.pid, "tcpdump");
      assert.equal(tcpdump.length, 1);
      // A stopped tcpdump cannot act on SIGTERM: the graceful stop waits for its end of stream.
      Deno.kill(tcpdump[0], "SIGSTOP");
      cli.signal("SIGINT");
      await cli.waitFor(/press Ctrl\+C again to exit at once/, 5_000);
      await new Promise((r) => setTimeout(r, 500));
      cli.signal("SIGINT");
      assert.equal(await cli.exit(5_000), 1);
      assert.match(cli.stderr, /pcap-pipeline: stopped at once; flows still open were not written\n$/);
    } finally {
      for (const pid of tcpdump) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
      cli.signal("SIGKILL");
      await cli.exit();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "live: a wrong interface lists the real ones, a bad filter names it, options are checked (exit 2)",
  ignore: ignoreWithout("root"),
  async fn() {
    const badIface = await runCli(["live", "-i", "nosuch0"]);
    assert.equal(badIface.code, 2);
    assert.match(badIface.stderr, /^pcap-pipeline: no interface "nosuch0" \(interfaces: .*lo \(up, loopback/);
    const badFilter = await runCli(["live", "-i", "lo", "-f", "tcp portx 80"]);
    assert.equal(badFilter.code, 2);
    assert.match(badFilter.stderr, /bad capture filter "tcp portx 80": .*syntax error/);
    const noIface = await runCli(["live"]);
    assert.equal(noIface.code, 2);
    assert.match(noIface.stderr, /no interface given: use -i IFACE/);
    const badCount = await runCli(["live", "-i", "lo", "-c", "0"]);
    assert.equal(badCount.code, 2);
    assert.match(badCount.stderr, /--count must be a whole number ≥ 1, got "0"/);
    const badTimeout = await runCli(["live", "-i", "lo", "-t", "soon"]);
    assert.equal(badTimeout.code, 2);
    assert.match(badTimeout.stderr, /--flow-timeout/);
  },
});

Deno.test("live --help names every option; live -l lists interfaces like `interfaces`", async () => {
  const help = await runCli(["live", "--help"]);
  assert.equal(help.code, 0);
  for (
    const opt of ["--interface", "--output", "--count", "--filter", "--list-interfaces", "--flow-timeout"]
  ) {
    assert.ok(help.stdout.includes(opt), opt);
  }
  const list = await runCli(["live", "-l"]);
  const interfaces = await runCli(["interfaces"]);
  assert.equal(list.code, 0);
  assert.equal(list.stdout, interfaces.stdout);
  assert.match(list.stdout, /^lo +up +loopback +127\.0\.0\.1/m);
});

/** Pids of running tcpdump processes whose command line contains `marker`. */
function tcpdumpsWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0");
      if (cmd[0].endsWith("tcpdump") && cmd.join(" ").includes(marker)) pids.push(Number(entry.name));
    } catch { /* gone */ }
  }
  return pids;
}

const haveSetpriv = ["/usr/bin/setpriv", "/bin/setpriv"].some((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});
if (!haveSetpriv) console.warn("skipping the SIGKILL test: util-linux setpriv is not installed");

Deno.test({
  name: "live killed with SIGKILL leaves no tcpdump behind (setpriv --pdeathsig)",
  ignore: !haveSetpriv || ignoreWithout("root"),
  fn: async () => {
    // A filter no traffic matches: such a tcpdump never writes, so only the parent-death signal can stop it.
    const marker = `udp port ${40000 + Math.floor(Math.random() * 20000)}`;
    const p = startCli(["live", "-i", "lo", "-f", marker, "-o", "-", "--no-progress"]);
    try {
      await p.waitFor(/listening on lo/, 15_000);
      assert.equal(tcpdumpsWith(marker).length, 1, "tcpdump runs while live runs");
      Deno.kill(p.pid, "SIGKILL");
      await p.exit(5_000);
      const deadline = Date.now() + 5_000;
      while (tcpdumpsWith(marker).length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(tcpdumpsWith(marker), []);
    } finally {
      for (const pid of tcpdumpsWith(marker)) Deno.kill(pid, "SIGKILL");
    }
  },
});
