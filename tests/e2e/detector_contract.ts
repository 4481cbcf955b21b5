/**
 * Test helper: reads a windows directory the way the MPI DDoS detector's live
 * mode does (the entropy/PCA/CUSUM detector fed by the Live Capture Tool,
 * ddos_mpi_detector: src/core/orchestrator.c and src/core/csv_parser.c), so
 * the suite checks the contract our `windows` output must keep for it:
 *
 * - it opens only `DIR/latest_capture.csv`, through readlink; a relative
 *   target is taken from DIR (orchestrator.c, live loop);
 * - header fields are split on commas (double quotes toggle quoting and are
 *   dropped), trimmed, lower-cased, and each wanted field is the first column
 *   whose name contains it (csv_parser.c, find_column_index);
 * - a row whose field count differs from the header's is skipped silently
 *   (parse_flow_record), so here it is counted as rejected;
 * - numbers are read as C atoi/atof would; a label without "benign" in it
 *   (any case) and not empty is an attack.
 *
 * The detector also accepts shorter aliases ("src ip", "bwd packets", …) and
 * needs only the two addresses; our contract is stricter: all 15 fields below
 * under these names, the ones our ddos2019 header gives it.
 */

/** The 15 fields the detector reads, by the lower-case substring it looks for. */
export const DETECTOR_FIELDS = {
  srcIp: "source ip",
  dstIp: "destination ip",
  srcPort: "source port",
  dstPort: "destination port",
  protocol: "protocol",
  timestamp: "timestamp",
  flowDuration: "flow duration",
  totalFwdPackets: "total fwd packets",
  totalBwdPackets: "total backward packets",
  flowBytesPerSec: "flow bytes/s",
  flowPacketsPerSec: "flow packets/s",
  fwdIatMean: "fwd iat mean",
  packetLengthMean: "packet length mean",
  synFlagCount: "syn flag count",
  label: "label",
} as const;

export type DetectorField = keyof typeof DETECTOR_FIELDS;

/** The link the detector polls (every 2 s) in its live mode. */
export const DETECTOR_LINK = "latest_capture.csv";

/** The detector reads lines with fgets into a buffer of this size (common.h MAX_LINE_LENGTH). */
const MAX_LINE_LENGTH = 8192;

export interface DetectorRow {
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  timestamp: string;
  flowDuration: number;
  totalFwdPackets: number;
  totalBwdPackets: number;
  flowBytesPerSec: number;
  flowPacketsPerSec: number;
  fwdIatMean: number;
  packetLengthMean: number;
  synFlagCount: number;
  label: string;
  isAttack: boolean;
}

export interface DetectorWindow {
  /** What readlink returned. */
  target: string;
  /** The file read. */
  path: string;
  /** Column index of each field. */
  columns: Record<DetectorField, number>;
  rows: DetectorRow[];
  /** Rows the detector would skip (field count ≠ header's, or longer than its line buffer). */
  rejected: number;
}

/** csv_parser.c parse_csv_line: commas split outside quotes, quotes dropped, fields trimmed. */
export function splitDetectorLine(line: string): string[] {
  const fields: string[] = [];
  let field = "", quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      fields.push(field.trim());
      field = "";
    } else field += ch;
  }
  fields.push(field.trim());
  return fields;
}

/** C atoi: leading integer digits, 0 when none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** C atof: the longest numeric prefix, including nan and inf(inity); 0 when none. */
function atof(s: string): number {
  const t = s.trim();
  if (/^[+-]?nan/i.test(t)) return NaN;
  const inf = /^([+-]?)inf/i.exec(t);
  if (inf) return inf[1] === "-" ? -Infinity : Infinity;
  const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(t);
  return m ? Number(m[0]) : 0;
}

/**
 * Parses window text as the detector does. Throws when a field is missing
 * (the detector itself stops only without the two addresses).
 *
 * @example
 * parseDetectorCsv(await Deno.readTextFile("w.csv"), "w.csv").rows.filter((r) => r.isAttack)
 */
export function parseDetectorCsv(text: string, path: string): Omit<DetectorWindow, "target"> {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const header = splitDetectorLine(lines[0] ?? "").map((h) => h.toLowerCase());
  const columns = {} as Record<DetectorField, number>;
  const missing: string[] = [];
  for (const [field, name] of Object.entries(DETECTOR_FIELDS) as [DetectorField, string][]) {
    columns[field] = header.findIndex((h) => h.includes(name));
    if (columns[field] < 0) missing.push(name);
  }
  if (missing.length) throw new Error(`${path}: the detector finds no column for ${missing.join(", ")}`);
  const rows: DetectorRow[] = [];
  let rejected = 0;
  for (const line of lines.slice(1)) {
    const f = splitDetectorLine(line.replace(/\r$/, ""));
    if (f.length !== header.length || line.length + 1 >= MAX_LINE_LENGTH) {
      rejected++;
      continue;
    }
    const at = (k: DetectorField) => f[columns[k]];
    const label = at("label");
    rows.push({
      srcIp: at("srcIp"),
      dstIp: at("dstIp"),
      srcPort: atoi(at("srcPort")),
      dstPort: atoi(at("dstPort")),
      protocol: atoi(at("protocol")),
      timestamp: at("timestamp"),
      flowDuration: atof(at("flowDuration")),
      totalFwdPackets: atoi(at("totalFwdPackets")),
      totalBwdPackets: atoi(at("totalBwdPackets")),
      flowBytesPerSec: atof(at("flowBytesPerSec")),
      flowPacketsPerSec: atof(at("flowPacketsPerSec")),
      fwdIatMean: atof(at("fwdIatMean")),
      packetLengthMean: atof(at("packetLengthMean")),
      synFlagCount: atoi(at("synFlagCount")),
      label,
      isAttack: label !== "" && !label.toLowerCase().includes("benign"),
    });
  }
  return { path, columns, rows, rejected };
}

/**
 * The window the detector would analyse now: the target of
 * `DIR/latest_capture.csv`, or null while there is no link.
 */
export async function readLatestWindow(dir: string): Promise<DetectorWindow | null> {
  let target: string;
  try {
    target = await Deno.readLink(`${dir}/${DETECTOR_LINK}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  const path = target.startsWith("/") ? target : `${dir}/${target}`;
  return { target, ...parseDetectorCsv(await Deno.readTextFile(path), path) };
}
