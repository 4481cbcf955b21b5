/**
 * Checks an interface name and a BPF filter before a live capture starts, so
 * a typo gives one clear line (the real interfaces, or tcpdump's own words
 * about the filter) instead of a tcpdump failure later.
 */
import { checkBpfFilter } from "../capture/bpf_check.ts";
import { interfaceLinkTypes, undecodedInterfaceProblem } from "../capture/interface_link_types.ts";
import { describeInterfaces, isPseudoInterface, listInterfaces } from "../capture/interfaces.ts";

/** What is wrong with a capture target. */
export interface CaptureTargetProblem {
  /** `interface` and `filter` are the user's input; `tcpdump`: tcpdump could not open the interface. */
  kind: "interface" | "filter" | "tcpdump";
  message: string;
}

export interface CaptureTargetOptions {
  /** tcpdump to compile the filter with (tests); default "tcpdump". */
  tcpdump?: string;
  /** Where interfaces are listed (tests); default /sys/class/net. */
  sysDir?: string;
}

/**
 * Null when `iface` exists and `filter` compiles for it, else the problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCaptureTarget } from "./capture_target.ts";
 * const problem = await checkCaptureTarget("eth9", "");
 * assert.equal(problem?.kind, "interface");
 * // e.g. 'no interface "eth9" (interfaces: lo (up, loopback, 127.0.0.1), eth0 (up, 10.0.0.5))'
 * assert.match(problem.message, /^no interface "eth9" \(interfaces: .*lo \(up, loopback/);
 * ```
 */
export async function checkCaptureTarget(
  iface: string,
  filter: string | undefined,
  options: CaptureTargetOptions = {},
): Promise<CaptureTargetProblem | null> {
  if (iface.trim() === "") return { kind: "interface", message: "the interface name is empty" };
  if (!isPseudoInterface(iface)) {
    const interfaces = await listInterfaces({ sysDir: options.sysDir, tcpdump: options.tcpdump });
    if (!interfaces.some((i) => i.name === iface)) {
      return {
        kind: "interface",
        message: `no interface "${iface}" (interfaces: ${describeInterfaces(interfaces)})`,
      };
    }
  }
  const undecoded = undecodedInterfaceProblem(
    iface,
    await interfaceLinkTypes(iface, { tcpdump: options.tcpdump }),
  );
  if (undecoded) return { kind: "interface", message: undecoded };
  if (filter === undefined || filter.trim() === "") return null;
  const check = await checkBpfFilter(filter, iface, { tcpdump: options.tcpdump });
  if (check.ok) return null;
  return check.filterError
    ? { kind: "filter", message: `bad capture filter "${filter}": ${check.message}` }
    : { kind: "tcpdump", message: `tcpdump cannot open ${iface}: ${check.message}` };
}
