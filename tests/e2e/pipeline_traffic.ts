/**
 * Test traffic on loopback only: a Deno.serve HTTP server on 127.0.0.1 and a
 * client loop bounded in requests and time. Also the root/tcpdump checks the
 * pipeline e2e tests skip on.
 */

import { have, missingReason } from "../requirements.ts";

export const isRoot = have("root");

export const hasTcpdump = have("tcpdump");

/** Why a capture test cannot run here, or undefined when it can. */
export const captureSkipReason = missingReason("root", "tcpdump");

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 100 ms until true or `ms` passed; returns the last result. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await sleep(100);
  }
  return await cond();
}

export interface TrafficServer {
  port: number;
  /** Ports the client used (one TCP connection per request). */
  clientPorts: Set<number>;
  /** Requests made so far. */
  requests: number;
  /** Sends `count` requests, `gapMs` apart (bounded by count). */
  send(count: number, gapMs: number): Promise<void>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (a free port) and a client for it. */
export function startTrafficServer(): TrafficServer {
  const clientPorts = new Set<number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (_req, info) => {
      clientPorts.add((info.remoteAddr as Deno.NetAddr).port);
      return new Response("hello from the pipeline test\n");
    },
  );
  const port = (server.addr as Deno.NetAddr).port;
  const t: TrafficServer = {
    port,
    clientPorts,
    requests: 0,
    async send(count, gapMs) {
      for (let i = 0; i < count; i++) {
        // A fresh connection per request so that each is its own flow.
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        const req = `GET /${i} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
        await conn.write(new TextEncoder().encode(req));
        const buf = new Uint8Array(4096);
        while ((await conn.read(buf)) !== null) { /* read to EOF */ }
        conn.close();
        t.requests++;
        if (gapMs > 0) await sleep(gapMs);
      }
    },
    close: () => server.shutdown(),
  };
  return t;
}

/** Capture files in `dir`, sorted (oldest first). */
export async function captureFiles(dir: string, ext = "pcap"): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && new RegExp(`^capture_\\d{8}_\\d{6}\\.${ext}$`).test(e.name)) names.push(e.name);
    }
  } catch { /* not there yet */ }
  return names.sort();
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
/** The stand-in external meters (cicflowmeter, nexusflowmeter: the default releases). */
export const FAKE_METERS = new URL("../../testdata/fake-meters", import.meta.url).pathname;

/**
 * An environment with the stand-in meters first on PATH (`cicflowmeter`: the
 * stand-in of that release, default 0.5.0), plus `extra` (e.g. FAKE_METER_MODE).
 */
export function fakeMetersEnv(
  extra: Record<string, string> = {},
  cicflowmeter?: string,
): Record<string, string> {
  const release = cicflowmeter ? `${FAKE_METERS}/cicflowmeter-${cicflowmeter}:` : "";
  return { PATH: `${release}${FAKE_METERS}:${Deno.env.get("PATH")}`, ...extra };
}

/**
 * The command line of a pipeline run on loopback that captures only the
 * test's own traffic: `METER -i lo -f "tcp port PORT" --rotate N --data-dir DATA …extra`.
 */
export function loopbackPipelineArgs(
  meter: string,
  port: number,
  data: string,
  rotateSeconds: number,
  ...extra: string[]
): string[] {
  return [
    meter,
    "-i",
    "lo",
    "-f",
    `tcp port ${port}`,
    "--rotate",
    String(rotateSeconds),
    "--data-dir",
    data,
    ...extra,
  ];
}

/** A pipeline running as a real subprocess (`deno run -P main.ts …`, the project's permission set). */
export interface PipelineProcess {
  child: Deno.ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Waits for exit (bounded; SIGKILL after `ms`). */
  exit(ms: number): Promise<Deno.CommandStatus>;
}

/**
 * Starts `pcap-pipeline ARGS` as a subprocess; `env` is added to this process's environment.
 * `permissionSet` names another set of deno.json than the default (e.g. "fleet").
 */
export function spawnPipeline(
  args: string[],
  env: Record<string, string> = {},
  permissionSet?: string,
): PipelineProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--config", CONFIG, permissionSet ? `-P=${permissionSet}` : "-P", MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  let text = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text += chunk;
  };
  const collected = Promise.all([collect(child.stdout), collect(child.stderr)]);
  return {
    child,
    output: () => text,
    async exit(ms) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const status = await Promise.race([
        child.status,
        new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), ms)),
      ]);
      clearTimeout(timer);
      if (!status) {
        try {
          child.kill("SIGKILL");
        } catch { /* exited */ }
      }
      const final = await child.status;
      await collected;
      return final;
    },
  };
}

/** Child processes of `pid` whose command name is `name`, or whose command line has an argument ending in `/name`. */
export async function childPids(pid: number, name: string): Promise<number[]> {
  const out: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      const m = stat.match(/^\d+ \((.*)\) \S (\d+)/);
      if (!m || Number(m[2]) !== pid) continue;
      // A script run through its shebang shows as "bash"; its path is in the command line.
      const argv = (await Deno.readTextFile(`/proc/${e.name}/cmdline`)).split("\0");
      if (m[1] === name || argv.some((a) => a === name || a.endsWith(`/${name}`))) out.push(Number(e.name));
    } catch { /* gone */ }
  }
  return out;
}

/** Parses a CSV's header and rows (no quoted commas in flow CSVs' port columns). */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l !== "");
  return { header: lines[0]?.split(",") ?? [], rows: lines.slice(1).map((l) => l.split(",")) };
}
