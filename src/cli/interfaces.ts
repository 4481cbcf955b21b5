/**
 * `pcap-pipeline interfaces`: the network interfaces one can capture on, with
 * their state (up/down) and addresses. `live -l` prints the same list.
 */
import { describeCommand } from "./command_descriptions.ts";
import { Command } from "commander";
import { type InterfaceInfo, listInterfaces } from "../capture/interfaces.ts";

/**
 * One line per interface: name, state, loopback, addresses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatInterfaces } from "./interfaces.ts";
 * assert.deepEqual(formatInterfaces([{ name: "lo", up: true, loopback: true, addresses: ["127.0.0.1", "::1"] }]), "lo  up    loopback  127.0.0.1, ::1");
 * ```
 */
export function formatInterfaces(interfaces: InterfaceInfo[]): string {
  if (interfaces.length === 0) return "no network interfaces found";
  const width = Math.max(...interfaces.map((i) => i.name.length));
  return interfaces.map((i) => {
    const cells = [
      i.name.padEnd(width),
      (i.up ? "up" : "down").padEnd(4),
      (i.loopback ? "loopback" : "").padEnd(8),
    ];
    const addresses = i.addresses.length ? i.addresses.join(", ") : "-";
    return `${cells.join("  ")}  ${addresses}`;
  }).join("\n");
}

/** Prints the interfaces, as text or one JSON object per line. */
export async function printInterfaces(json: boolean): Promise<void> {
  const interfaces = await listInterfaces();
  if (json) { for (const i of interfaces) console.log(JSON.stringify(i)); }
  else console.log(formatInterfaces(interfaces));
}

export function interfacesCommand(): Command {
  return new Command("interfaces")
    .description(describeCommand("interfaces"))
    .option("--json", "one JSON object per interface (name, up, loopback, addresses), one per line")
    .exitOverride()
    .action(async (opts: { json?: boolean }) => {
      await printInterfaces(opts.json === true);
    });
}
