/**
 * Checks that a BPF filter compiles for an interface before capture starts:
 * `tcpdump -d -i IFACE FILTER` compiles it for that interface's link type
 * and prints the program instead of capturing.
 */

export type BpfCheck =
  | { ok: true }
  | { ok: false; filterError: true; message: string }
  /** tcpdump could not open the interface (permission, no such device): the filter is unchecked. */
  | { ok: false; filterError: false; message: string };

export interface BpfCheckOptions {
  /** Program to run (tests); default "tcpdump". */
  tcpdump?: string;
  timeoutMs?: number;
}

const NOT_FILTER = /no such device|permission|not permitted|socket: |doesn't exist|not up|no devices/i;

/**
 * Compiles `filter` for `iface` with tcpdump. An empty filter is always fine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBpfFilter } from "./bpf_check.ts";
 * assert.deepEqual(await checkBpfFilter("tcp portx 80", "lo"), { ok: false, filterError: true, message: "can't parse filter expression: syntax error" });
 * ```
 */
export async function checkBpfFilter(
  filter: string,
  iface: string,
  options: BpfCheckOptions = {},
): Promise<BpfCheck> {
  if (filter.trim() === "") return { ok: true };
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(options.tcpdump ?? "tcpdump", {
      args: ["-d", "-i", iface, "--", filter], // "--": never options, however the filter starts
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    }).output();
  } catch (err) {
    return { ok: false, filterError: false, message: `could not run tcpdump: ${(err as Error).message}` };
  }
  if (out.success) return { ok: true };
  const message = new TextDecoder().decode(out.stderr).split("\n")
    .map((l) => l.replace(/^tcpdump: /, "").trim())
    .filter((l) => l !== "" && !l.startsWith("("))
    .at(-1) ?? `tcpdump -d exited with code ${out.code}`;
  return { ok: false, filterError: !NOT_FILTER.test(message), message };
}
