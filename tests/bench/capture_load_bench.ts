/**
 * Load benchmark: how fast can traffic come before a capture loses packets?
 * Real traffic is replayed with tcpreplay over a veth pair between two
 * network namespaces (load_net.ts); in the receiving namespace runs, in turn,
 * plain `tcpdump -w /dev/null`, `live`, `windows` and the `builtin` pipeline.
 * For each, rates go up until one loses packets; the report gives the highest
 * rate with zero drops next to plain tcpdump's from the same run, with CPU
 * (process and its tcpdump, % of one core over the replay) and peak memory.
 *
 *   sudo deno run -A tests/bench/capture_load_bench.ts [--pcap FILE] [--rates 25000,50000,…]
 *        [--seconds 5] [--max-packets 1000000] [--tools tcpdump,live,windows,builtin]
 *
 * Without --pcap it concatenates the public captures of ../shared/testdata
 * (our machines); elsewhere give any Ethernet capture. Needs root, iproute2,
 * tcpreplay. A shared machine makes the numbers noisy: run it alone.
 */
import { createLoadNet, type LoadNet, replay, replayInput, run } from "./load_net.ts";
import { parseTcpdumpCounts, type TcpdumpCounts } from "../../src/capture/tcpdump_counts.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const TOOLS = ["tcpdump", "live", "windows", "builtin"] as const;
type ToolName = typeof TOOLS[number];

/** One run of one tool at one rate. */
interface Trial {
  tool: ToolName;
  target: number;
  rate: number;
  sent: number;
  read: number | null;
  tcpdump: TcpdumpCounts | null;
  lost: number;
  cpuPercent: number;
  peakMiB: number;
}

/** The command for a tool, run inside the receiving namespace. */
function toolCommand(tool: ToolName, iface: string, dir: string): string[] {
  const deno = [Deno.execPath(), "run", "-A", `${REPO}main.ts`];
  switch (tool) {
    case "tcpdump":
      return ["tcpdump", "-i", iface, "-n", "-B", "16384", "-w", "/dev/null"];
    case "live":
      return [...deno, "live", "-i", iface, "-o", `${dir}/flows.csv`, "--no-progress"];
    case "windows":
      return [...deno, "windows", "-i", iface, "-o", `${dir}/windows`, "-d", "5"];
    case "builtin":
      return [
        ...deno,
        "builtin",
        "-i",
        iface,
        "--data-dir",
        `${dir}/data`,
        "--rotate",
        "3",
        "--stability-delay",
        "1",
        "--min-free-disk",
        "1",
      ];
  }
}

/** Packets the tool says it read, from its final output. */
function packetsRead(tool: ToolName, out: string, counts: TcpdumpCounts | null): number | null {
  if (tool === "tcpdump") return counts?.captured ?? null;
  if (tool === "live") return numberAfter(out, /Total packets: +(\d+)/);
  // windows and the pipeline end with "…; tcpdump received R, captured C, dropped D; read N".
  return numberAfter(out, /stopped: .*; read (\d+)/);
}

/**
 * tcpdump's final counters: its own lines for plain tcpdump; in our tools'
 * summaries "tcpdump received R, captured C, dropped D" (live: "tcpdump:  received …").
 */
function finalCounts(tool: ToolName, out: string): TcpdumpCounts | null {
  if (tool === "tcpdump") return parseTcpdumpCounts(out);
  const all = [...out.matchAll(/tcpdump:? +received (\d+), captured (\d+), dropped (\d+)/g)];
  const m = all.at(-1);
  return m ? { received: Number(m[1]), captured: Number(m[2]), dropped: Number(m[3]) } : null;
}

function numberAfter(text: string, re: RegExp): number | null {
  const m = text.match(re);
  return m ? Number(m[1]) : null;
}

/** CPU ticks (user + system) of `pid` and its descendants, and their summed peak memory in KiB. */
function usage(pid: number): { ticks: number; hwmKiB: number } {
  let ticks = 0, hwmKiB = 0;
  const visit = (p: number) => {
    try {
      const stat = Deno.readTextFileSync(`/proc/${p}/stat`);
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
      const hwm = Deno.readTextFileSync(`/proc/${p}/status`).match(/VmHWM:\s+(\d+)/);
      if (hwm) hwmKiB += Number(hwm[1]);
      for (const t of Deno.readDirSync(`/proc/${p}/task`)) {
        const kids = Deno.readTextFileSync(`/proc/${p}/task/${t.name}/children`).trim();
        for (const k of kids ? kids.split(" ") : []) visit(Number(k));
      }
    } catch { /* exited */ }
  };
  visit(pid);
  return { ticks, hwmKiB };
}

/** Clock ticks per second (getconf CLK_TCK; 100 on Linux). */
const TICKS_PER_SEC = 100;

async function trial(
  net: LoadNet,
  pcap: string,
  tool: ToolName,
  pps: number,
  packets: number,
): Promise<Trial> {
  const dir = await Deno.makeTempDir({ prefix: `bench_${tool}_` });
  const [cmd, ...args] = toolCommand(tool, net.rxIface, dir);
  if (tool === "windows") await Deno.mkdir(`${dir}/windows`);
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", net.receiver, cmd, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: dir,
  }).spawn();
  let out = "";
  const collect = async (s: ReadableStream<Uint8Array>) => {
    for await (const text of s.pipeThrough(new TextDecoderStream())) out += text;
  };
  const collected = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const kill = (sig: Deno.Signal) => {
    try {
      child.kill(sig);
    } catch { /* exited */ }
  };
  try {
    const started = Date.now();
    while (!/listening on/.test(out)) {
      if (Date.now() - started > 20_000) throw new Error(`${tool} did not start: ${out.trim()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = usage(child.pid);
    const t0 = performance.now();
    const sent = await replay(net, pcap, pps, packets, Math.ceil(packets / pps) * 3000 + 20_000);
    // tcpdump hands packets over within its 1 s buffer timeout; then the tool has the rest.
    await new Promise((r) => setTimeout(r, 2500));
    const after = usage(child.pid);
    const seconds = (performance.now() - t0) / 1000;
    kill("SIGINT");
    const killer = setTimeout(() => kill("SIGKILL"), 120_000);
    await child.status;
    clearTimeout(killer);
    await collected;
    const counts = finalCounts(tool, out);
    const read = packetsRead(tool, out, counts);
    return {
      tool,
      target: pps,
      rate: sent.rate,
      sent: sent.sent,
      read,
      tcpdump: counts,
      lost: read === null ? sent.sent : Math.max(0, sent.sent - read),
      cpuPercent: Math.round((after.ticks - before.ticks) / TICKS_PER_SEC / seconds * 100),
      peakMiB: Math.round(after.hwmKiB / 1024),
    };
  } finally {
    kill("SIGKILL");
    await child.status.catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

interface BenchOptions {
  pcap?: string;
  rates: number[];
  seconds: number;
  maxPackets: number;
  tools: ToolName[];
}

function parseArgs(argv: string[]): BenchOptions {
  const o: BenchOptions = {
    rates: [25_000, 50_000, 100_000, 200_000],
    seconds: 5,
    maxPackets: 1_000_000,
    tools: [...TOOLS],
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--pcap") o.pcap = value;
    else if (flag === "--rates") o.rates = value.split(",").map(Number);
    else if (flag === "--seconds") o.seconds = Number(value);
    else if (flag === "--max-packets") o.maxPackets = Number(value);
    else if (flag === "--tools") o.tools = value.split(",") as ToolName[];
    else throw new Error(`unknown argument ${flag} (see the comment at the top of capture_load_bench.ts)`);
    i++;
  }
  if (o.rates.some((r) => !(r > 0))) throw new Error("--rates: packets per second > 0, comma-separated");
  for (const t of o.tools) if (!TOOLS.includes(t)) throw new Error(`--tools: unknown tool ${t}`);
  return o;
}

function describe(t: Trial): string {
  const c = t.tcpdump;
  const td = c
    ? `tcpdump received ${c.received}, captured ${c.captured}, dropped ${c.dropped}`
    : "no tcpdump counts";
  return `${t.tool.padEnd(8)} target ${String(t.target).padStart(7)}/s, reached ${
    String(t.rate).padStart(7)
  }/s: sent ${t.sent}, read ${
    t.read ?? "?"
  }, lost ${t.lost} (${td}); CPU ${t.cpuPercent}% of a core, peak ${t.peakMiB} MiB`;
}

/** Runs the benchmark; prints each trial and the summary. Skips (with a message) without root or tcpreplay. */
export async function runCaptureLoadBench(argv: string[] = []): Promise<void> {
  const o = parseArgs(argv);
  if (Deno.uid() !== 0) return console.log("capture load: skipped (needs root for network namespaces)");
  if ((await run("tcpreplay", ["--version"]).catch(() => ({ code: -1 }))).code !== 0) {
    return console.log("capture load: skipped (tcpreplay not installed: apt-get install tcpreplay)");
  }
  const pcap = await replayInput(o.pcap);
  if (typeof pcap !== "string") return console.log(`capture load: skipped (${pcap.missing})`);
  console.log(
    `capture load: replaying ${pcap}; load average ${(await Deno.readTextFile("/proc/loadavg")).trim()}`,
  );
  const net = await createLoadNet();
  const best = new Map<ToolName, Trial | null>();
  const worst = new Map<ToolName, Trial>();
  try {
    for (const tool of o.tools) {
      best.set(tool, null);
      for (const pps of o.rates) {
        const packets = Math.min(o.maxPackets, Math.round(pps * o.seconds));
        const t = await trial(net, pcap, tool, pps, packets);
        console.log(`  ${describe(t)}`);
        if (t.lost > 0 || (t.tcpdump?.dropped ?? 0) > 0) {
          worst.set(tool, t);
          break;
        }
        best.set(tool, t);
      }
    }
  } finally {
    await net.remove();
  }
  console.log("capture load: highest rate reached with zero drops (rates tried: " + o.rates.join(", ") + ")");
  for (const tool of o.tools) {
    const b = best.get(tool), w = worst.get(tool);
    const held = b
      ? `${b.rate}/s (target ${b.target}/s), CPU ${b.cpuPercent}%, peak ${b.peakMiB} MiB`
      : "none";
    const lost = w ? `; lost ${w.lost} of ${w.sent} at ${w.rate}/s` : "; no loss at any rate tried";
    console.log(`  ${tool.padEnd(8)} ${held}${lost}`);
  }
}

if (import.meta.main) await runCaptureLoadBench(Deno.args);
