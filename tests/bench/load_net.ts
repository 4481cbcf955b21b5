/**
 * The load benchmark's test bed: two network namespaces joined by a veth
 * pair (traffic is replayed in one, captured in the other), the replay input,
 * and `tcpreplay` at a fixed rate, bounded in packets and time. Needs root,
 * iproute2 and tcpreplay (Debian: `apt-get install tcpreplay`).
 */

/** Namespaces and interfaces of one bench run. */
export interface LoadNet {
  sender: string;
  receiver: string;
  /** Interface in the receiving namespace (capture here). */
  rxIface: string;
  txIface: string;
  remove(): Promise<void>;
}

/** Runs a command, returns its exit code and output; never throws for a non-zero exit. */
export async function run(
  cmd: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; out: string }> {
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, timeoutMs);
  const { code, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code, out: dec.decode(stdout) + dec.decode(stderr) };
}

async function must(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.out.trim()}`);
}

/**
 * Creates `PREFIX-tx` and `PREFIX-rx` with a veth pair between them (up,
 * MTU 9000 for jumbo frames in replayed captures, IPv6 off so the kernel's
 * own neighbour discovery does not add packets to the count).
 */
export async function createLoadNet(prefix = "ppbench"): Promise<LoadNet> {
  const sender = `${prefix}-tx`, receiver = `${prefix}-rx`;
  const txIface = `${prefix}tx`.slice(0, 15), rxIface = `${prefix}rx`.slice(0, 15);
  for (const ns of [sender, receiver]) await run("ip", ["netns", "del", ns]);
  await must("ip", ["netns", "add", sender]);
  await must("ip", ["netns", "add", receiver]);
  await must("ip", [
    "link",
    "add",
    txIface,
    "netns",
    sender,
    "type",
    "veth",
    "peer",
    "name",
    rxIface,
    "netns",
    receiver,
  ]);
  for (const [ns, dev] of [[sender, txIface], [receiver, rxIface]]) {
    await must("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"]);
    await must("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1"]);
    await must("ip", ["-n", ns, "link", "set", dev, "mtu", "9000", "up"]);
    await must("ip", ["-n", ns, "link", "set", "lo", "up"]);
  }
  return {
    sender,
    receiver,
    rxIface,
    txIface,
    remove: async () => {
      for (const ns of [sender, receiver]) await run("ip", ["netns", "del", ns]);
    },
  };
}

/** What tcpreplay reported. */
export interface ReplayResult {
  sent: number;
  seconds: number;
  /** Packets per second actually reached. */
  rate: number;
}

/**
 * Replays `pcap` (looped as needed) from the sender namespace at `pps`,
 * `packets` in all; killed after `timeoutMs`.
 */
export async function replay(
  net: LoadNet,
  pcap: string,
  pps: number,
  packets: number,
  timeoutMs: number,
): Promise<ReplayResult> {
  const r = await run("ip", [
    "netns",
    "exec",
    net.sender,
    "tcpreplay",
    "-q",
    "--no-flow-stats",
    "-i",
    net.txIface,
    `--pps=${pps}`,
    `--limit=${packets}`,
    "--loop=0",
    pcap,
  ], timeoutMs);
  const m = r.out.match(/Actual: (\d+) packets .* sent in ([\d.]+) seconds/);
  if (!m) throw new Error(`tcpreplay did not report (${r.code}): ${r.out.trim().split("\n").at(-1)}`);
  const sent = Number(m[1]), seconds = Number(m[2]);
  return { sent, seconds, rate: Math.round(sent / Math.max(seconds, 1e-3)) };
}

/**
 * The replay input: `given` when set; otherwise the public Ethernet captures
 * of ../shared/testdata/pcaps (our machines only) concatenated with mergecap
 * into `/tmp/pcap-pipeline-bench-replay.pcap` (never committed). Returns
 * null, with the reason, when neither exists.
 */
export async function replayInput(given: string | undefined): Promise<string | { missing: string }> {
  if (given) {
    await Deno.stat(given);
    return given;
  }
  const out = "/tmp/pcap-pipeline-bench-replay.pcap";
  try {
    if ((await Deno.stat(out)).size > 0) return out;
  } catch { /* build it */ }
  const shared = new URL("../../../shared/testdata/pcaps/", import.meta.url).pathname;
  const files: string[] = [];
  for (const folder of ["small", "medium"]) {
    try {
      for (const e of Deno.readDirSync(`${shared}${folder}`)) {
        // Captures cut mid-record or by a small snaplen replay as broken frames: leave them out.
        if (e.isFile && !/trunc|cut-mid|snaplen\d/.test(e.name)) files.push(`${shared}${folder}/${e.name}`);
      }
    } catch { /* absent */ }
  }
  const ethernet: string[] = [];
  for (const f of files.sort()) {
    const r = await run("capinfos", ["-T", "-r", "-E", f]);
    if (r.code === 0 && r.out.trim().split("\t")[1] === "ether") ethernet.push(f);
  }
  if (ethernet.length === 0) {
    return {
      missing: "no --pcap given and no public captures found (pass --pcap FILE, an Ethernet capture)",
    };
  }
  await must("mergecap", ["-a", "-F", "pcap", "-w", out, ...ethernet]);
  return out;
}
