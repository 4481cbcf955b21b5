/**
 * Test harness: a private network of namespaces. A server namespace holds a
 * bridge `br0` (10.200.0.1/24) with one veth per client namespace
 * (10.200.0.2, .3, …). The addresses exist only inside these namespaces;
 * nothing leaves the host. Stale namespaces from a crashed run are removed
 * first; `close()` always removes everything.
 */

export const NS_PREFIX = "ppl";

export async function sh(
  cmd: string,
  timeoutMs = 30000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("bash", { args: ["-c", cmd], signal: AbortSignal.timeout(timeoutMs) })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function must(cmd: string): Promise<string> {
  const r = await sh(cmd);
  if (r.code !== 0) throw new Error(`${cmd}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

export interface TestNet {
  server: string;
  serverIp: string;
  clients: { ns: string; ip: string }[];
  /** `ip netns exec NS bash -c CMD` */
  exec(
    ns: string,
    cmd: string,
    timeoutMs?: number,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts a background process in NS; returns it for kill(). */
  spawn(ns: string, cmd: string): Deno.ChildProcess;
  close(): Promise<void>;
}

export async function removeStaleNamespaces(): Promise<void> {
  const list = await sh("ip netns list");
  for (const line of list.stdout.split("\n")) {
    const name = line.split(" ")[0];
    if (name.startsWith(`${NS_PREFIX}-`)) await sh(`ip netns del ${name}`);
  }
}

/** Creates the server namespace and `clientCount` client namespaces. Root only. */
export async function createTestNet(clientCount: number): Promise<TestNet> {
  await removeStaleNamespaces();
  const tag = String(Deno.pid % 100000);
  const server = `${NS_PREFIX}-srv-${tag}`;
  const clients = Array.from(
    { length: clientCount },
    (_, i) => ({ ns: `${NS_PREFIX}-c${i}-${tag}`, ip: `10.200.0.${i + 2}` }),
  );
  const children: Deno.ChildProcess[] = [];
  const net: TestNet = {
    server,
    serverIp: "10.200.0.1",
    clients,
    exec: (ns, cmd, timeoutMs) => sh(`ip netns exec ${ns} bash -c ${quote(cmd)}`, timeoutMs),
    spawn(ns, cmd) {
      const child = new Deno.Command("ip", {
        args: ["netns", "exec", ns, "bash", "-c", `exec ${cmd}`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      children.push(child);
      return child;
    },
    async close() {
      for (const c of children) {
        try {
          c.kill("SIGKILL");
        } catch { /* gone */ }
        await c.status.catch(() => {});
      }
      for (const c of clients) await sh(`ip netns del ${c.ns}`);
      await sh(`ip netns del ${server}`);
    },
  };
  try {
    await must(`ip netns add ${server}`);
    await must(`ip -n ${server} link set lo up`);
    await must(`ip -n ${server} link add br0 type bridge && ip -n ${server} addr add 10.200.0.1/24 dev br0`);
    await must(`ip -n ${server} link set br0 up`);
    for (const [i, c] of clients.entries()) {
      await must(`ip netns add ${c.ns} && ip -n ${c.ns} link set lo up`);
      await must(`ip -n ${server} link add p${i} type veth peer name eth0 netns ${c.ns}`);
      await must(`ip -n ${server} link set p${i} master br0 && ip -n ${server} link set p${i} up`);
      await must(`ip -n ${c.ns} addr add ${c.ip}/24 dev eth0 && ip -n ${c.ns} link set eth0 up`);
    }
  } catch (e) {
    await net.close();
    throw e;
  }
  return net;
}

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Bash loop: `n` HTTP/1.0 GETs to ip:port, one connection each, bounded by `timeoutS`. */
export function httpClientLoop(ip: string, port: number, n: number, timeoutS = 30): string {
  return `timeout ${timeoutS} bash -c 'for i in $(seq ${n}); do exec 3<>/dev/tcp/${ip}/${port} || continue; ` +
    `printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3 >/dev/null; exec 3>&-; done'`;
}
