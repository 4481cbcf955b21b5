/**
 * Each command's description, in one place: the top-level help
 * (`commands.ts`, loaded at start-up) and each command module (loaded only
 * when it runs) read it from here, so neither imports the other.
 */

/** Command name → description, as the help shows it. */
export const COMMAND_DESCRIPTIONS: Readonly<Record<string, string>> = {
  "inspect": "Describe pcap/pcapng files: format, link types, packets, time span, protocols, skipped records",
  "convert": "Convert pcap/pcapng files (or - for stdin) into flow tables with the built-in flow meter.",
  "live": "Flows from a live interface (tcpdump), appended to the output as they end or time out.\n" +
    "Ctrl+C writes every open flow and closes the file; Ctrl+C again exits at once.",
  "windows":
    "Capture in time windows for DDoS detection: every window writes DIR/live_capture_YYYYmmdd_HHMMSS.csv\n" +
    "(atomically) with every flow seen in it, labeled Attack/Benign by a flood rule, then points the\n" +
    "DIR/latest_capture.csv symlink at it. A window without flows writes no file.\n" +
    "Ctrl+C saves the current window; Ctrl+C again exits at once.",
  "interfaces": "List network interfaces with their state (up/down) and addresses",
  "collect": "Central writer of a fleet: a durable JetStream consumer writing every streamed row to\n" +
    "DIR/SENSOR/KIND_YYYYmmdd_HH.csv (kinds: flows, windows, window-summary), acknowledging a row\n" +
    "only once it is on disk. Ctrl+C finishes the current batch and stops.",
  "sink-check":
    "Connect to the NATS servers, create the fleet's JetStream stream if it is missing (or check it),\n" +
    "and print its state.",
  "cicflowmeter": "capture and convert each pcap with the cicflowmeter CLI (pip install cicflowmeter)",
  "nexusflowmeter": "capture and convert each pcap with the nexusflowmeter CLI",
  "builtin": "capture and convert each pcap with the built-in flow meter (no external program)",
};

/**
 * The description of command `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeCommand } from "./command_descriptions.ts";
 * assert.match(describeCommand("convert"), /^Convert pcap\/pcapng files/);
 * ```
 */
export function describeCommand(name: string): string {
  const description = COMMAND_DESCRIPTIONS[name];
  if (description === undefined) throw new Error(`no command ${name}`);
  return description;
}
