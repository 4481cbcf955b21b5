/**
 * Real nats-server processes for the tests: one server or a 3-node
 * JetStream cluster on free loopback ports, each with its own store in a
 * temporary directory. Nodes can be killed and started again on the same
 * ports and store. `stop()` kills every node and removes the directory.
 */
import { join } from "node:path";

/** Where nats-server is, or undefined (tests are ignored then). */
export const natsServerPath: string | undefined = (() => {
  for (const p of ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not here
    }
  }
  return undefined;
})();

/** `n` distinct free TCP ports on 127.0.0.1 (every listener is open until all are found). */
export function freePorts(n: number): number[] {
  const listeners = Array.from({ length: n }, () => Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}

/** A free TCP port on 127.0.0.1 (the listener is closed again). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Extra server configuration, e.g. an `authorization { … }` block. */
export interface ClusterOptions {
  nodes?: 1 | 3;
  extraConfig?: string;
}

interface Node {
  name: string;
  port: number;
  clusterPort: number;
  httpPort: number;
  config: string;
  process?: Deno.ChildProcess;
}

/** A running set of servers. */
export class NatsCluster {
  readonly dir: string;
  readonly nodes: Node[];

  private constructor(dir: string, nodes: Node[]) {
    this.dir = dir;
    this.nodes = nodes;
  }

  /** `nats://127.0.0.1:P1,nats://127.0.0.1:P2,…` for --sink. */
  get url(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(",");
  }

  /** Writes the configs and starts every node; resolves when JetStream is ready on all. */
  static async start(options: ClusterOptions = {}): Promise<NatsCluster> {
    const dir = await Deno.makeTempDir({ prefix: "pp-nats-" });
    const count = options.nodes ?? 1;
    // All listeners open at once: closed one by one, the kernel may hand out the same port twice
    // (a node then fails to start and the cluster never becomes healthy).
    const ports = freePorts(count * 3);
    const nodes: Node[] = [];
    for (let i = 0; i < count; i++) {
      nodes.push({
        name: `n${i + 1}`,
        port: ports[3 * i],
        clusterPort: ports[3 * i + 1],
        httpPort: ports[3 * i + 2],
        config: join(dir, `n${i + 1}.conf`),
      });
    }
    for (const n of nodes) {
      const cluster = count > 1
        ? `cluster { name: pp, listen: 127.0.0.1:${n.clusterPort}, routes: [${
          nodes.filter((o) => o !== n).map((o) => `nats://127.0.0.1:${o.clusterPort}`).join(", ")
        }] }`
        : "";
      await Deno.writeTextFile(
        n.config,
        `server_name: ${n.name}
listen: 127.0.0.1:${n.port}
http: 127.0.0.1:${n.httpPort}
jetstream { store_dir: "${join(dir, n.name)}", max_memory_store: 64MB, max_file_store: 1GB }
${cluster}
${options.extraConfig ?? ""}
`,
      );
    }
    const c = new NatsCluster(dir, nodes);
    try {
      for (const n of nodes) c.#spawn(n);
      await c.ready();
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  #spawn(n: Node): void {
    n.process = new Deno.Command(natsServerPath!, {
      args: ["-c", n.config],
      stdout: "null",
      stderr: "null",
    }).spawn();
  }

  /** Waits until every running node says it is healthy (JetStream current). */
  async ready(timeoutMs = 40_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const n of this.nodes) {
      if (!n.process) continue;
      for (;;) {
        try {
          const r = await fetch(`http://127.0.0.1:${n.httpPort}/healthz`);
          const ok = r.ok;
          await r.body?.cancel();
          if (ok) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`nats-server ${n.name} not healthy in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** SIGKILLs node `i` (0-based). */
  async kill(i: number): Promise<void> {
    const p = this.nodes[i].process;
    this.nodes[i].process = undefined;
    if (!p) return;
    try {
      p.kill("SIGKILL");
    } catch {
      // already gone
    }
    await p.status;
  }

  /** Starts node `i` again with its store. */
  restart(i: number): void {
    if (!this.nodes[i].process) this.#spawn(this.nodes[i]);
  }

  /** Kills every node and removes the stores. */
  async stop(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.kill(i);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs `fn` with a started cluster and a temporary directory; both are
 * removed afterwards, whatever `fn` does.
 */
export async function withNats(
  options: ClusterOptions,
  fn: (nats: NatsCluster, dir: string) => Promise<void>,
): Promise<void> {
  const nats = await NatsCluster.start(options);
  const dir = await Deno.makeTempDir({ prefix: "pp-nats-test-" });
  try {
    await fn(nats, dir);
  } finally {
    await nats.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
