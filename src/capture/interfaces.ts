/**
 * Network interfaces: which exist, which are up, which is the default one to
 * capture on. Read from /sys/class/net (every interface, with or without an
 * address), with addresses from `Deno.networkInterfaces()`; `tcpdump -D` when
 * /sys cannot be read.
 */

export interface InterfaceInfo {
  name: string;
  /** Administratively up and not known to be down (operstate up or unknown). */
  up: boolean;
  loopback: boolean;
  /** IPv4/IPv6 addresses (empty when none or unknown). */
  addresses: string[];
}

/**
 * True for the capture devices tcpdump opens that are not in /sys/class/net:
 * `any`, and Linux netfilter log groups (`nflog` for group 0, `nflog:N`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPseudoInterface } from "./interfaces.ts";
 * assert.deepEqual(["any", "nflog", "nflog:5", "nflog:x", "eth0"].map(isPseudoInterface), [true, true, true, false, false]);
 * ```
 */
export function isPseudoInterface(name: string): boolean {
  return name === "any" || /^nflog(:\d{1,5})?$/.test(name);
}

const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
const ARPHRD_LOOPBACK = 772;

export interface ListInterfacesOptions {
  /** Where to read interfaces (tests); default /sys/class/net. */
  sysDir?: string;
  /** tcpdump to ask when /sys cannot be read; default "tcpdump". */
  tcpdump?: string;
}

/**
 * Every network interface, in kernel index order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listInterfaces } from "./interfaces.ts";
 * const names = (await listInterfaces()).map((i) => i.name);
 * assert.ok(names.includes("lo")); // and the machine's others, e.g. "eth0"
 * ```
 */
export async function listInterfaces(options: ListInterfacesOptions = {}): Promise<InterfaceInfo[]> {
  const addresses = interfaceAddresses();
  let found: (InterfaceInfo & { index: number })[] = [];
  try {
    found = await fromSys(options.sysDir ?? "/sys/class/net", addresses);
  } catch {
    found = [];
  }
  if (found.length === 0) {
    found = (await fromTcpdump(options.tcpdump ?? "tcpdump", addresses)).map((i, index) => ({ ...i, index }));
  }
  if (found.length === 0) {
    // Last resort: only the interfaces that have addresses.
    found = [...addresses.keys()].map((name, index) => ({
      name,
      index,
      up: true,
      loopback: name === "lo",
      addresses: addresses.get(name) ?? [],
    }));
  }
  return found.sort((a, b) => a.index - b.index).map(({ index: _, ...info }) => info);
}

/** The interface to capture on when none is given: the first up, non-loopback one. */
export function defaultInterface(interfaces: InterfaceInfo[]): InterfaceInfo | undefined {
  return interfaces.find((i) => i.up && !i.loopback);
}

/** `eth0 (up, 10.0.0.5), lo (up, loopback, 127.0.0.1), ifb0 (down)` for error messages. */
export function describeInterfaces(interfaces: InterfaceInfo[]): string {
  if (interfaces.length === 0) return "none found";
  return interfaces.map((i) => {
    const facts = [i.up ? "up" : "down", ...(i.loopback ? ["loopback"] : []), ...i.addresses.slice(0, 2)];
    return `${i.name} (${facts.join(", ")})`;
  }).join(", ");
}

function interfaceAddresses(): Map<string, string[]> {
  const map = new Map<string, string[]>();
  try {
    for (const ni of Deno.networkInterfaces()) {
      const list = map.get(ni.name) ?? [];
      list.push(ni.address);
      map.set(ni.name, list);
    }
  } catch { /* no sys permission: names come from /sys or tcpdump */ }
  return map;
}

async function fromSys(
  dir: string,
  addresses: Map<string, string[]>,
): Promise<(InterfaceInfo & { index: number })[]> {
  const out: (InterfaceInfo & { index: number })[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const base = `${dir}/${entry.name}`;
    const read = async (file: string) => {
      try {
        return (await Deno.readTextFile(`${base}/${file}`)).trim();
      } catch {
        return "";
      }
    };
    const flags = parseInt(await read("flags"), 16) || 0;
    const operstate = await read("operstate");
    const type = Number(await read("type"));
    out.push({
      name: entry.name,
      index: Number(await read("ifindex")) || 1e6,
      up: (flags & IFF_UP) !== 0 && operstate !== "down" && operstate !== "lowerlayerdown",
      loopback: (flags & IFF_LOOPBACK) !== 0 || type === ARPHRD_LOOPBACK,
      addresses: addresses.get(entry.name) ?? [],
    });
  }
  return out;
}

async function fromTcpdump(tcpdump: string, addresses: Map<string, string[]>): Promise<InterfaceInfo[]> {
  try {
    const out = await new Deno.Command(tcpdump, {
      args: ["-D"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(10_000),
    }).output();
    return parseTcpdumpList(new TextDecoder().decode(out.stdout), addresses);
  } catch {
    return [];
  }
}

/** Parses `tcpdump -D` lines like `1.eth0 [Up, Running, Connected]`; pseudo-devices are left out. */
export function parseTcpdumpList(text: string, addresses = new Map<string, string[]>()): InterfaceInfo[] {
  const out: InterfaceInfo[] = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^\d+\.(\S+)(?: \(([^)]*)\))?(?: \[([^\]]*)\])?/);
    if (!m) continue;
    const [, name, description = "", flagText = ""] = m;
    if (/pseudo-device|netfilter|bluetooth|d-bus|usb/i.test(description) || name.startsWith("dbus-")) {
      continue;
    }
    const flags = flagText.split(",").map((f) => f.trim().toLowerCase());
    out.push({
      name,
      up: flags.includes("up") && !flags.includes("disconnected"),
      loopback: flags.includes("loopback"),
      addresses: addresses.get(name) ?? [],
    });
  }
  return out;
}
