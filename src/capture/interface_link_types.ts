/**
 * The link types tcpdump can capture on an interface (`tcpdump -L -i IFACE`),
 * so a capture of frames the reader cannot decode is refused before it starts.
 */
import { decodesLibpcapName } from "../pcap/link_types.ts";

/**
 * libpcap's names of the link types `iface` offers, in the order tcpdump lists them
 * ("EN10MB", "LINUX_SLL2", …); null when tcpdump cannot tell (no such
 * device, no permission, no tcpdump).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interfaceLinkTypes } from "./interface_link_types.ts";
 * const lo = await interfaceLinkTypes("lo");
 * assert.ok(lo === null || lo.includes("EN10MB"), `${lo}`); // null where tcpdump may not open lo
 * ```
 */
export async function interfaceLinkTypes(
  iface: string,
  options: { tcpdump?: string; timeoutMs?: number } = {},
): Promise<string[] | null> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(options.tcpdump ?? "tcpdump", {
      args: ["-L", "-i", iface],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    }).output();
  } catch {
    return null;
  }
  if (!out.success) return null;
  // "Data link types for lo (use option -y to set):" then "  EN10MB (Ethernet)" per type (on stderr).
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const names = text.split("\n").filter((l) => /^\s+\S/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
  return names.length > 0 ? names : null;
}

/**
 * The problem with capturing on an interface none of whose link types (from
 * `interfaceLinkTypes`) the reader decodes, or undefined. (Not only the
 * first: tcpdump's default is not always the first one listed.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { undecodedInterfaceProblem } from "./interface_link_types.ts";
 * assert.equal(undecodedInterfaceProblem("lo", ["EN10MB"]), undefined);
 * assert.match(undecodedInterfaceProblem("can0", ["CAN_SOCKETCAN"])!, /^interface can0 captures CAN_SOCKETCAN frames/);
 * ```
 */
export function undecodedInterfaceProblem(iface: string, linkTypes: string[] | null): string | undefined {
  if (linkTypes === null || linkTypes.some(decodesLibpcapName)) return undefined;
  return `interface ${iface} captures ${linkTypes.join(" or ")} frames, which the reader does not decode ` +
    `(see "The reader" in the README for the types it reads); capture on another interface`;
}
