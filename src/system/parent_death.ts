/**
 * tcpdump must not outlive us: if this process is killed with SIGKILL, a
 * capture child would go on writing (or, with a quiet filter, wait forever).
 * util-linux `setpriv --pdeathsig TERM -- tcpdump …` makes the kernel send
 * it SIGTERM when we die.
 */
import { findExecutable } from "./find_executable.ts";

/** Path of `setpriv` when it is installed and this process may run it, else undefined. */
export async function findParentDeathHelper(): Promise<string | undefined> {
  const path = await findExecutable("setpriv");
  if (!path) return undefined;
  try {
    const state = await Deno.permissions.query({ name: "run", command: path });
    return state.state === "granted" ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The command line that runs `program args…` under `helper --pdeathsig TERM`,
 * or directly when there is no helper.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { underParentDeath } from "./parent_death.ts";
 * assert.deepEqual(underParentDeath("/usr/bin/setpriv", "tcpdump", ["-i", "lo"]), ["/usr/bin/setpriv", ["--pdeathsig", "TERM", "--", "tcpdump", "-i", "lo"]]);
 * ```
 */
export function underParentDeath(
  helper: string | undefined,
  program: string,
  args: string[],
): [string, string[]] {
  return helper ? [helper, ["--pdeathsig", "TERM", "--", program, ...args]] : [program, args];
}
