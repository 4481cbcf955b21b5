/**
 * The CLI as a long-running subprocess (same permission set as `deno task
 * cli`), for tests of `live` and `windows`: stdout and stderr are collected
 * as they come, so a test can wait for a line, send SIGINT and check what
 * was written meanwhile.
 */
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

export interface CliProcess {
  /** Process id of the CLI (its tcpdump is a child of it). */
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when `pattern` appears in stdout or stderr; rejects after `timeoutMs` naming it. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends a signal (SIGINT: like Ctrl+C). */
  signal(sig: Deno.Signal): void;
  /**
   * Sends a signal to the CLI's whole process group, as a terminal's Ctrl+C does to its
   * foreground job (started with `ownGroup`).
   */
  signalGroup(sig: Deno.Signal): void;
  /** Waits for the exit (SIGKILL after `timeoutMs`) and returns the exit code. */
  exit(timeoutMs?: number): Promise<number>;
}

/**
 * Starts `deno run -P main.ts ARGS…`, or `PREFIX… deno run …` (e.g. `ip netns exec NS`); with
 * `ownGroup`, in a process group of its own, as a shell runs a foreground job.
 *
 * @example
 * const p = startCli(["live", "-i", "lo", "-o", "flows.csv"]);
 * await p.waitFor(/listening on lo/, 10_000);
 */
export function startCli(
  args: string[],
  prefix: string[] = [],
  permissionSet?: string,
  options: { ownGroup?: boolean } = {},
): CliProcess {
  const denoArgs = [
    "run",
    "-q",
    "--config",
    CONFIG,
    permissionSet ? `-P=${permissionSet}` : "-P",
    MAIN,
    ...args,
  ];
  const command = prefix.length ? prefix[0] : Deno.execPath();
  const child = new Deno.Command(command, {
    args: prefix.length ? [...prefix.slice(1), Deno.execPath(), ...denoArgs] : denoArgs,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    // Its own process group (and session), as a shell runs a foreground job.
    detached: options.ownGroup === true,
  }).spawn();
  let out = "", err = "";
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      add(text);
      for (const w of waiters) w();
    }
  };
  const pumps = Promise.all([pump(child.stdout, (s) => out += s), pump(child.stderr, (s) => err += s)]);
  let exitCode: number | undefined;
  const status = child.status.then(async (s) => {
    await pumps;
    exitCode = s.code;
    for (const w of waiters) w();
    return s.code;
  });
  return {
    pid: child.pid,
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern) ?? err.match(pattern);
          if (m) done(() => resolve(m));
          else if (exitCode !== undefined) {
            done(() => reject(new Error(`exited (${exitCode}) before ${pattern}; stderr: ${err}`)));
          }
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; stderr: ${err}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    signal(sig) {
      try {
        child.kill(sig);
      } catch { /* exited */ }
    },
    signalGroup(sig) {
      try {
        Deno.kill(-child.pid, sig);
      } catch { /* exited */ }
    },
    async exit(timeoutMs = 15_000) {
      const timer = setTimeout(() => this.signal("SIGKILL"), timeoutMs);
      try {
        return await status;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Splits a CSV file (no quoted commas in flow files) into header and rows. */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split("\n").filter((l) => l !== "");
  return { header: lines[0]?.split(",") ?? [], rows: lines.slice(1).map((l) => l.split(",")) };
}
