/**
 * Runs the CLI from source exactly as `deno task cli` does (same permission set),
 * for tests that check what a user sees.
 */
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  options: { stdin?: Uint8Array; env?: Record<string, string>; permissionSet?: string } = {},
): Promise<CliResult> {
  const set = options.permissionSet ? `-P=${options.permissionSet}` : "-P";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--config", CONFIG, set, MAIN, ...args],
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
