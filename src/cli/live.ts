/**
 * `pcap-pipeline live -i IFACE [-o flows.csv]`: flows from a live interface,
 * appended to the output as they end or time out. Ctrl+C (or SIGTERM)
 * flushes every open flow and closes the file; a second one exits at once.
 */
import { tcpdumpFailure } from "../live/session_capture.ts";
import { partPath } from "../output/parquet_parts.ts";
import { describeCommand } from "./command_descriptions.ts";
import { Command } from "commander";
import { checkCaptureTarget } from "../live/capture_target.ts";
import { type LiveProgress, type LiveResult, runLiveSession } from "../live/live_session.ts";
import { CAPTURE_BUFFER_KIB } from "../live/session_capture.ts";
import { formatTcpdumpCounts } from "../capture/tcpdump_counts.ts";
import { addFlowOptions, parseFlowOptions, type RawFlowOptions, wholeNumber } from "./flow_options.ts";
import { PartialFailure, UsageError } from "./errors.ts";
import { printInterfaces } from "./interfaces.ts";
import { listenForStop, unlessForced } from "../system/stop_signals.ts";
import {
  addSinkOptions,
  openSinkFromOptions,
  type RawSinkOptions,
  rawSinkSettings,
  stderrLogger,
} from "./sink_options.ts";

interface RawLiveOptions extends RawFlowOptions, RawSinkOptions {
  interface?: string;
  output: string;
  count?: string;
  filter?: string;
  listInterfaces?: boolean;
  progress?: boolean;
  bufferSize: string;
  parquetRotate: string;
}

/** Checks the interface and filter; a wrong one is a UsageError listing the real interfaces or tcpdump's words. */
export async function checkTarget(iface: string | undefined, filter: string | undefined): Promise<string> {
  if (iface === undefined) {
    throw new UsageError("no interface given: use -i IFACE (`pcap-pipeline interfaces` lists them)");
  }
  const problem = await checkCaptureTarget(iface, filter);
  if (problem) {
    throw problem.kind === "tcpdump" ? new Error(problem.message) : new UsageError(problem.message);
  }
  return iface;
}

/** One-line progress: packets, active flows, completed flows, packets/s, tcpdump's counters. */
export function formatLiveProgress(p: LiveProgress): string {
  return `packets ${p.packets}  active flows ${p.activeFlows}  completed flows ${p.completedFlows}  ` +
    `${p.packetsPerSec} packets/s  (${Math.round(p.elapsedMs / 1000)} s)  ` +
    `[${formatTcpdumpCounts(p.tcpdump, p.packets)}]`;
}

/** The final statistics. */
export function formatLiveResult(r: LiveResult): string {
  const lines = [
    `Total packets:       ${r.packets}`,
    `Valid flow packets:  ${r.packetsUsed}`,
    `Active flows:        ${r.activeFlows} (open at the stop, written then)`,
    `Completed flows:     ${r.completedFlows} (rows written to ${r.output === "-" ? "stdout" : r.output})`,
  ];
  const skipped = Object.entries(r.skipped).map(([k, n]) => `${k} ${n}`);
  if (skipped.length) lines.push(`Packets not used:    ${skipped.join(", ")}`);
  if (r.singlePacketFlowsDropped) {
    lines.push(`One-packet flows:    ${r.singlePacketFlowsDropped} not written (cic2017)`);
  }
  if (r.tcpdumpCounts) {
    const c = r.tcpdumpCounts;
    lines.push(`tcpdump:             received ${c.received}, captured ${c.captured}, dropped ${c.dropped}`);
  } else if (r.droppedByKernel) lines.push(`Dropped by kernel:   ${r.droppedByKernel}`);
  lines.push(`Duration:            ${(r.elapsedMs / 1000).toFixed(1)} s`);
  return lines.join("\n");
}

export function liveCommand(): Command {
  const cmd = new Command("live")
    .description(describeCommand("live"))
    .option("-i, --interface <name>", "interface to capture on (see `pcap-pipeline interfaces`)")
    .option(
      "-o, --output <file>",
      "flow file to append to (created with a header when new; - for stdout); Parquet: base name of the part files",
      "-",
    )
    .option("-c, --count <n>", "stop after N packets")
    .option("-f, --filter <bpf>", 'BPF capture filter, e.g. "tcp port 80"')
    .option("-l, --list-interfaces", "list interfaces with their state and addresses, and exit")
    .option("-B, --buffer-size <KiB>", "kernel capture buffer (tcpdump -B)", String(CAPTURE_BUFFER_KIB))
    .option(
      "--parquet-rotate <seconds>",
      "--format parquet: publish a finished file NAME_YYYYmmdd_HHMMSS.parquet this often",
      "60",
    )
    .option("--progress", "show progress on stderr even when it is not a terminal")
    .option("--no-progress", "no progress line");
  addFlowOptions(cmd, "live");
  addSinkOptions(cmd);
  return cmd.exitOverride().action(async (raw: RawLiveOptions) => {
    if (raw.listInterfaces) return await printInterfaces(false);
    const flow = parseFlowOptions(raw, "live");
    const maxPackets = raw.count === undefined ? 0 : wholeNumber("--count", raw.count, 1);
    const bufferKiB = wholeNumber("--buffer-size", raw.bufferSize, 1);
    const parquetRotateSec = wholeNumber("--parquet-rotate", raw.parquetRotate, 1);
    const iface = await checkTarget(raw.interface, raw.filter);
    const showProgress = raw.progress ?? Deno.stderr.isTerminal();
    const where = raw.output === "-"
      ? "stdout"
      : flow.format === "parquet"
      ? `${
        partPath(raw.output, Date.now()).replace(/_\d{8}_\d{6}\.parquet$/, "_*.parquet")
      } (a file every ${parquetRotateSec} s)`
      : raw.output;
    const rowSink = await openSinkFromOptions(
      rawSinkSettings(raw),
      raw.output === "-" ? undefined : `${raw.output}.spool`,
      stderrLogger,
    );
    const stop = listenForStop("stopping: writing the open flows");
    let progressShown = false;
    try {
      const result = await unlessForced(
        runLiveSession({
          ...flow,
          iface,
          output: raw.output,
          filter: raw.filter,
          maxPackets,
          bufferKiB,
          parquetRotateSec,
          rowSink,
          signal: stop.graceful,
          onListening: () =>
            console.error(
              `pcap-pipeline: listening on ${iface}${raw.filter ? ` (filter "${raw.filter}")` : ""}, ` +
                `writing flows to ${where}; Ctrl+C to stop`,
            ),
          onProgress: showProgress
            ? (p) => {
              progressShown = true;
              Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${formatLiveProgress(p)}`));
            }
            : undefined,
        }),
        stop.force,
      );
      if (progressShown) console.error("");
      if (result === undefined) {
        throw new PartialFailure("stopped at once; flows still open were not written");
      }
      console.error(formatLiveResult(result));
      const failure = tcpdumpFailure(iface, result);
      if (failure) throw failure;
    } finally {
      await rowSink?.close(stop.force.aborted ? 0 : undefined);
      stop.dispose();
    }
  });
}
