/**
 * `pcap-pipeline windows -i IFACE -o DIR [-d SECONDS]`: one labeled flow file
 * per time window for a DDoS detector watching DIR through
 * `DIR/latest_capture.csv`. Defaults are chosen for detection (corrected
 * profile: one row per connection; IPv4 only, as the Live Capture Tool).
 * Ctrl+C (or SIGTERM) saves the current window; a second one exits at once.
 */
import { formatTcpdumpCounts } from "../capture/tcpdump_counts.ts";
import { tcpdumpFailure } from "../live/session_capture.ts";
import { describeCommand } from "./command_descriptions.ts";
import { Command, Option } from "commander";
import { DEFAULT_FLOOD_THRESHOLD, DEFAULT_WEB_PORTS, HttpFloodRule } from "../label/http_flood.ts";
import type { LabelRule } from "../label/rule.ts";
import { DEFAULT_SYN_THRESHOLD, SynFloodRule } from "../label/syn_flood.ts";
import { CAPTURE_BUFFER_KIB } from "../live/session_capture.ts";
import { LINK_PERMISSION_MESSAGE, runWindowsSession, type WindowSummary } from "../live/windows_session.ts";
import { canMakeSymlinks } from "../output/latest_link.ts";
import {
  addFlowOptions,
  parseFlowOptions,
  positiveSeconds,
  type RawFlowOptions,
  wholeNumber,
} from "./flow_options.ts";
import { PartialFailure, UsageError } from "./errors.ts";
import { checkTarget } from "./live.ts";
import { listenForStop, unlessForced } from "../system/stop_signals.ts";
import {
  addSinkOptions,
  openSinkFromOptions,
  type RawSinkOptions,
  rawSinkSettings,
  stderrLogger,
} from "./sink_options.ts";

/** Names accepted by `--rule`. */
export const RULE_NAMES = ["http-flood", "syn-flood"] as const;

interface RawWindowsOptions extends RawFlowOptions, RawSinkOptions {
  interface?: string;
  outputDir?: string;
  duration: string;
  filter?: string;
  rule: typeof RULE_NAMES[number];
  webPorts: string;
  floodThreshold?: string;
  jsonLog?: boolean;
  bufferSize: string;
  latestLink: boolean;
  emptyWindows?: boolean;
}

/** Builds the labeling rule from the options; bad values are UsageErrors naming the option. */
export function ruleFromOptions(
  raw: Pick<RawWindowsOptions, "rule" | "webPorts" | "floodThreshold">,
): LabelRule {
  const threshold = raw.floodThreshold === undefined
    ? undefined
    : wholeNumber("--flood-threshold", raw.floodThreshold, 1);
  if (raw.rule === "syn-flood") return new SynFloodRule({ threshold });
  const webPorts = raw.webPorts.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
    const port = Number(s);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`--web-ports: "${s}" is not a port number (1-65535)`);
    }
    return port;
  });
  if (webPorts.length === 0) throw new UsageError("--web-ports: no port given");
  return new HttpFloodRule({ webPorts, threshold });
}

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * The console lines for one window: packets, flows, duration, the file, and
 * the attackers with their connection counts when the rule found any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatWindow } from "./windows.ts";
 * const startMs = new Date(2026, 10, 23, 12, 0, 0).getTime(); // 12:00:00 local time
 * const text = formatWindow({ index: 0, file: "w/live_capture_20261123_120000.csv", startMs, endMs: startMs + 10_000,
 *   packets: 2400, flows: 410, attackFlows: 400, attackers: [{ ip: "10.0.0.9", connections: 200 }], rule: "http-flood" });
 * assert.equal(text,
 *   "[12:00:10] window 1: 2400 packets, 410 flows in 10.0 s, saved w/live_capture_20261123_120000.csv\n" +
 *   "[12:00:10]   http-flood detected: 10.0.0.9 (200 connections); 400 flows labeled Attack");
 * ```
 */
export function formatWindow(w: WindowSummary): string {
  const at = `[${clock(w.endMs)}]`;
  const lines = [
    `${at} window ${w.index + 1}: ${w.packets} packets, ${w.flows} flows in ${
      ((w.endMs - w.startMs) / 1000).toFixed(1)
    } s, ${w.file === null ? "no file (no flows)" : `saved ${w.file}`}`,
  ];
  if (w.attackers.length > 0) {
    const who = w.attackers.map((a) => `${a.ip} (${a.connections} connections)`).join(", ");
    lines.push(`${at}   ${w.rule} detected: ${who}; ${w.attackFlows} flows labeled Attack`);
  }
  if (w.capture) {
    lines.push(`${at}   capture: ${formatTcpdumpCounts(w.capture.tcpdump, w.capture.packetsRead)}`);
  }
  return lines.join("\n");
}

/** The `--json-log` line for one window. */
export function windowJson(w: WindowSummary): string {
  return JSON.stringify({
    event: "window",
    index: w.index + 1,
    file: w.file,
    start: new Date(w.startMs).toISOString(),
    end: new Date(w.endMs).toISOString(),
    durationSec: (w.endMs - w.startMs) / 1000,
    packets: w.packets,
    flows: w.flows,
    attackFlows: w.attackFlows,
    rule: w.rule,
    attackers: w.attackers,
    ...(w.capture ? { tcpdump: w.capture.tcpdump, packetsRead: w.capture.packetsRead } : {}),
  });
}

export function windowsCommand(): Command {
  const cmd = new Command("windows")
    .description(describeCommand("windows"))
    .option("-i, --interface <name>", "interface to capture on (see `pcap-pipeline interfaces`)")
    .option("-o, --output-dir <dir>", "directory for the window files (created if missing)")
    .option("-d, --duration <seconds>", "window length", "10")
    .option("-f, --filter <bpf>", 'BPF capture filter, e.g. "tcp"')
    .option("-B, --buffer-size <KiB>", "kernel capture buffer (tcpdump -B)", String(CAPTURE_BUFFER_KIB))
    .addOption(
      new Option("--rule <name>", "labeling rule").choices([...RULE_NAMES]).default("http-flood"),
    )
    .option("--web-ports <list>", "http-flood: ports that identify web servers", DEFAULT_WEB_PORTS.join(","))
    .option(
      "--flood-threshold <n>",
      `connections from one source in a window that make it an attacker ` +
        `(default: ${DEFAULT_FLOOD_THRESHOLD} for http-flood, ${DEFAULT_SYN_THRESHOLD} unanswered SYNs for syn-flood)`,
    )
    .option("--json-log", "one JSON object per window on stdout instead of the console lines")
    .option("--no-latest-link", "do not keep DIR/latest_capture.csv pointing at the newest window file")
    .option("--empty-windows", "also write a header-only file for a window without flows");
  // Detection defaults (profile corrected, ddos2019 columns, IPv4 only) come from the flow option table.
  addFlowOptions(cmd, "windows");
  addSinkOptions(cmd);
  return cmd.exitOverride().action(async (raw: RawWindowsOptions) => {
    if (raw.label !== undefined) {
      throw new UsageError("--label does not apply to windows: the rule sets each label");
    }
    const flow = parseFlowOptions(raw, "windows");
    const windowSec = positiveSeconds("--duration", raw.duration);
    if (windowSec < 1) throw new UsageError(`--duration must be at least 1 second, got "${raw.duration}"`);
    const rule = ruleFromOptions(raw);
    const bufferKiB = wholeNumber("--buffer-size", raw.bufferSize, 1);
    if (raw.outputDir === undefined) throw new UsageError("no output directory given: use -o DIR");
    if (raw.latestLink && !canMakeSymlinks()) throw new UsageError(LINK_PERMISSION_MESSAGE);
    const outputDir = raw.outputDir;
    const iface = await checkTarget(raw.interface, raw.filter);
    try {
      await Deno.mkdir(outputDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new Error(`${outputDir}: cannot create the output directory: ${(err as Error).message}`);
    }
    if (raw.sink !== undefined && (flow.format ?? "csv") !== "csv") {
      throw new UsageError("--sink streams CSV window files; use --format csv with it");
    }
    const rowSink = await openSinkFromOptions(rawSinkSettings(raw), `${outputDir}/.spool`, stderrLogger);
    // Window files saved by a run that died before it spooled them.
    await rowSink?.catchUp(outputDir, "windows", /^live_capture_\d{8}_\d{6}(_\d+)?\.csv$/);
    const stop = listenForStop("stopping: saving the current window");
    try {
      const result = await unlessForced(
        runWindowsSession({
          ...flow,
          // A SYN flood is made of one-packet flows, which cic2017 would drop.
          keepSinglePacketFlows: flow.keepSinglePacketFlows ?? (raw.rule === "syn-flood" ? true : undefined),
          latestLink: raw.latestLink,
          emptyWindows: raw.emptyWindows ?? false,
          iface,
          outputDir,
          windowSec,
          rule,
          filter: raw.filter,
          bufferKiB,
          rowSink,
          signal: stop.graceful,
          onListening: () =>
            console.error(
              `pcap-pipeline: listening on ${iface}${raw.filter ? ` (filter "${raw.filter}")` : ""}, ` +
                `${windowSec} s windows into ${outputDir}, rule ${rule.name}; Ctrl+C to stop`,
            ),
          onWindow: (w) => console.log(raw.jsonLog ? windowJson(w) : formatWindow(w)),
        }),
        stop.force,
      );
      if (result === undefined) throw new PartialFailure("stopped at once; the current window was not saved");
      const summary = `${result.windows} window files, ${result.packets} packets, ${result.flows} flows ` +
        `(${result.attackFlows} Attack)` +
        `; ${formatTcpdumpCounts(result.capture.tcpdump, result.capture.packetsRead)}`;
      if (raw.jsonLog) console.log(JSON.stringify({ event: "stopped", ...result }));
      else console.error(`pcap-pipeline: stopped: ${summary}`);
      const failure = tcpdumpFailure(iface, result);
      if (failure) throw failure;
    } finally {
      await rowSink?.close(stop.force.aborted ? 0 : undefined);
      stop.dispose();
    }
  });
}
