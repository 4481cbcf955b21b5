/**
 * Runs the CLI from source under a permission set of deno.json (as `deno task
 * cli` and the compiled binary do) with `DENO_AUDIT_PERMISSIONS`, and turns
 * Deno's audit log into a stable list of what the app touched.
 *
 * Deno writes one JSON line per permission check, granted or denied:
 * `{"v":1,"datetime":…,"permission":"read","value":"/path"}`. Deno 2.9 does
 * not log `run` checks; those are covered by running the commands under the
 * set (a program outside the list fails with NotCapable).
 */
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
export const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const SRC = new URL("../../src/", import.meta.url);

/** A fixed PATH, so that executable look-ups touch the same directories everywhere. */
export const FIXED_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface AuditedRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every check, `"<permission> <value>"`, normalised, sorted, once each. */
  touched: string[];
}

export interface AuditOptions {
  /** Permission set name (`-P=NAME`); default "default". */
  set?: string;
  /** deno.json to take the set from; default the project's. */
  config?: string;
  stdin?: Uint8Array;
  /** Replaced by the key in the audited values (longest first), e.g. { "<tmp>": dir }. */
  placeholders: Record<string, string>;
  /** Where the audit log goes (a fresh file per run). */
  auditFile: string;
  /** Send SIGINT (Ctrl+C) after this long (long-running commands such as the pipeline). */
  interruptAfterMs?: number;
  /** Runs while the command does (e.g. sends test traffic). */
  during?: () => Promise<void>;
}

/** Runs `main.ts ARGS…` under the set and returns what it touched. */
export async function auditedRun(args: string[], o: AuditOptions): Promise<AuditedRun> {
  const env: Record<string, string> = { PATH: FIXED_PATH, DENO_AUDIT_PERMISSIONS: o.auditFile };
  // The copy of deno.json has no lock file, so the child may fetch npm metadata: it needs this
  // machine's registry, proxy and certificate settings (a proxy's own CA, for one).
  const network = [
    "NODE_EXTRA_CA_CERTS",
    "DENO_CERT",
    "DENO_TLS_CA_STORE",
    "SSL_CERT_FILE",
    "NPM_CONFIG_REGISTRY",
  ];
  const proxies = ["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"];
  for (const key of ["HOME", "DENO_DIR", ...network, ...proxies]) {
    const value = Deno.env.get(key);
    if (value !== undefined) env[key] = value;
  }
  const set = o.set && o.set !== "default" ? `-P=${o.set}` : "-P";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--no-prompt", "--config", o.config ?? CONFIG, set, MAIN, ...args],
    clearEnv: true,
    env,
    stdin: o.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).spawn();
  if (o.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(o.stdin);
    await writer.close();
  }
  const timer = o.interruptAfterMs === undefined ? undefined : setTimeout(() => {
    try {
      child.kill("SIGINT");
    } catch { /* exited */ }
  }, o.interruptAfterMs);
  const [out] = await Promise.all([child.output(), o.during?.()]);
  clearTimeout(timer);
  const text = await Deno.readTextFile(o.auditFile).catch(() => "");
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    touched: normalise(text, o.placeholders),
  };
}

/** Audit lines to sorted unique `"<permission> <value>"` entries with run-specific parts replaced. */
export function normalise(jsonl: string, placeholders: Record<string, string>): string[] {
  const pairs = Object.entries(placeholders).sort((a, b) => b[1].length - a[1].length);
  const out = new Set<string>();
  for (const line of jsonl.split("\n")) {
    if (line.trim() === "") continue;
    const entry = JSON.parse(line) as { permission: string; value: string | null };
    let value = entry.value ?? "";
    // Module loading of worker code (deno run; embedded in the compiled binary).
    if (value.startsWith(SRC.href) || value.startsWith(SRC.pathname)) value = "<source module>";
    else if (value.startsWith("file://") && value.includes("/npm/")) value = "<npm module>";
    for (const [name, path] of pairs) value = value.split(path).join(name);
    // Atomic-write temp names and pids vary per run.
    value = value.replace(/\.tmp-\d+-[a-z0-9]+/g, ".tmp-*").replace(/_\d+$/, "_*");
    out.add(`${entry.permission} ${value}`);
  }
  return [...out].sort();
}

/** Lines only in `expected` (-) and only in `actual` (+), for a readable failure. */
export function diffLines(expected: string[], actual: string[]): string {
  const a = new Set(actual), e = new Set(expected);
  return [
    ...expected.filter((x) => !a.has(x)).map((x) => `- ${x}`),
    ...actual.filter((x) => !e.has(x)).map((x) => `+ ${x}`),
  ].join("\n");
}
