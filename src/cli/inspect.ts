/**
 * `pcap-pipeline inspect FILE…`: what is in a capture (like capinfos), read by
 * our own reader: format, link types, packets, time span, protocols, skips.
 */
import { describeCommand } from "./command_descriptions.ts";
import { Command } from "commander";
import { isSupportedLinkType, linkTypeName } from "../pcap/link_types.ts";
import { SKIP_REASONS } from "../pcap/packet.ts";
import { readCaptureFile, readCaptureReader, type ReadStats } from "../pcap/reader.ts";
import { checkStdinInputs } from "./stdin_capture.ts";
import { describeDamage, describeJoined, timestampIso } from "../pcap/read_stats.ts";
import { describeFileError } from "./file_errors.ts";
import { PartialFailure } from "./errors.ts";

/** The `--json` shape: one object per input file. */
export interface InspectReport {
  file: string;
  format: ReadStats["format"];
  linkTypes: number[];
  linkTypeNames: string[];
  packets: number;
  bytes: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  durationSeconds: number;
  protocols: ReadStats["protocols"];
  skipped: ReadStats["skipped"];
  /** Records longer than the snaplen, kept cut to it (as libpcap does). */
  cutToSnaplen: number;
  /** Classic pcap file headers after the first (captures joined with `cat`), read through. */
  joinedCaptures: number;
  /** Where the framing broke (nothing after it was read), or null. */
  damage: ReadStats["damage"];
}

/** Reads one capture (`-`: standard input) and summarises it. Throws (naming the file) when it is not a capture. */
export async function inspectFile(path: string): Promise<InspectReport> {
  const stats = path === "-"
    ? await readCaptureReader(Deno.stdin, () => {}, { source: "stdin" })
    : await readCaptureFile(path, () => {});
  const span = stats.firstTs && stats.lastTs
    ? (stats.lastTs.sec - stats.firstTs.sec) + (stats.lastTs.nsec - stats.firstTs.nsec) / 1e9
    : 0;
  return {
    file: path,
    format: stats.format,
    linkTypes: stats.linkTypes,
    linkTypeNames: stats.linkTypes.map(linkTypeName),
    packets: stats.packets,
    bytes: stats.bytesRead,
    firstTimestamp: stats.firstTs ? timestampIso(stats.firstTs) : null,
    lastTimestamp: stats.lastTs ? timestampIso(stats.lastTs) : null,
    durationSeconds: Math.round(span * 1e9) / 1e9,
    protocols: stats.protocols,
    skipped: stats.skipped,
    cutToSnaplen: stats.cutToSnaplen,
    joinedCaptures: stats.joinedCaptures,
    damage: stats.damage,
  };
}

/** Human-readable lines for one report. */
export function formatInspectReport(r: InspectReport): string {
  const f = r.format;
  const order = f.byteOrder === "unknown" ? "" : `, ${f.byteOrder}-endian`;
  const resolution = f.resolution ? `, timestamps in ${f.resolution}` : "";
  const links = r.linkTypes
    .map((t, i) => `${r.linkTypeNames[i]} (${t}${isSupportedLinkType(t) ? "" : ", not decoded"})`)
    .join(", ") || "none";
  const p = r.protocols;
  const skipped = SKIP_REASONS.filter((k) => r.skipped[k] > 0).map((k) => `${k} ${r.skipped[k]}`);
  return [
    r.file,
    `  format:      ${f.kind}${order}${resolution}, snaplen ${f.snaplen}` +
    (f.compression === "gzip" ? ", gzip-compressed" : ""),
    `  link types:  ${links}`,
    `  packets:     ${r.packets} (${r.bytes} bytes read${
      r.cutToSnaplen > 0 ? `; ${r.cutToSnaplen} longer than the snaplen, kept cut to it` : ""
    })`,
    `  first:       ${r.firstTimestamp ?? "-"}`,
    `  last:        ${r.lastTimestamp ?? "-"}`,
    `  duration:    ${r.durationSeconds} s`,
    `  protocols:   ipv4 ${p.ipv4}, ipv6 ${p.ipv6}, tcp ${p.tcp}, udp ${p.udp}, icmp ${p.icmp}, other ${p.other}`,
    `  skipped:     ${skipped.length ? skipped.join(", ") : "none"}`,
    r.joinedCaptures > 0 && `  joined:      ${describeJoined(r.joinedCaptures)}`,
    r.damage && `  framing:     ${describeDamage(r.damage)}`,
  ].filter(Boolean).join("\n");
}

export function inspectCommand(): Command {
  return new Command("inspect")
    .description(describeCommand("inspect"))
    .argument("<files...>", "capture files (pcap or pcapng; - reads one from stdin)")
    .option("--json", "print one JSON object per file (one per line)")
    .exitOverride()
    .action(async (files: string[], opts: { json?: boolean }) => {
      checkStdinInputs(files, "inspect");
      let failed = 0;
      for (const [i, file] of files.entries()) {
        try {
          const report = await inspectFile(file);
          if (opts.json) console.log(JSON.stringify(report));
          else console.log((i > 0 ? "\n" : "") + formatInspectReport(report));
          if (report.damage) {
            failed++;
            console.error(`pcap-pipeline: ${file}: ${describeDamage(report.damage)}`);
          }
        } catch (err) {
          failed++;
          console.error(`pcap-pipeline: ${describeFileError(file, err)}`);
        }
      }
      if (failed > 0) {
        throw new PartialFailure(`${failed} of ${files.length} file(s) could not be read or are damaged`);
      }
    });
}
