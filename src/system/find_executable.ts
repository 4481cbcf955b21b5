/**
 * Finding the external flow meters (and tcpdump) on PATH, and telling the
 * user how to install the ones that are missing.
 */

/** How to install each external program the pipeline can run. */
export const INSTALL_HINTS: Readonly<Record<string, string>> = {
  cicflowmeter:
    "install it with `pip install cicflowmeter` (Python ≥ 3.8; provides the `cicflowmeter` command)",
  nexusflowmeter: "install it with `pip install nexusflowmeter` (provides the `nexusflowmeter` command)",
  tcpdump: "install it with `apt-get install tcpdump` (Debian/Ubuntu) or your distribution's package",
};

/**
 * The absolute path of the executable `name` on PATH (first match, a regular
 * file with an execute bit), or null. A name containing `/` is checked as a
 * path itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findExecutable } from "./find_executable.ts";
 * assert.equal(await findExecutable("sh", "/nonexistent:/bin"), "/bin/sh"); // first match on the PATH given
 * assert.equal(await findExecutable("no-such-program-xyz"), null); // not installed
 * ```
 */
export async function findExecutable(
  name: string,
  path: string = Deno.env.get("PATH") ?? "",
): Promise<string | null> {
  if (name === "") return null;
  if (name.includes("/")) return await isExecutableFile(name) ? name : null;
  for (const dir of path.split(":")) {
    // An empty PATH entry means the current directory (POSIX).
    const candidate = dir === "" ? `./${name}` : `${dir.replace(/\/+$/, "")}/${name}`;
    if (await isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/**
 * The message for a program not found on PATH.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notFoundMessage } from "./find_executable.ts";
 * assert.equal(
 *   notFoundMessage("cicflowmeter"),
 *   "cicflowmeter not found on PATH; install it with `pip install cicflowmeter` (Python ≥ 3.8; provides the `cicflowmeter` command)",
 * );
 * ```
 */
export function notFoundMessage(name: string): string {
  const hint = INSTALL_HINTS[name] ?? "install it or add its directory to PATH";
  return `${name} not found on PATH; ${hint}`;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && info.mode !== null && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
