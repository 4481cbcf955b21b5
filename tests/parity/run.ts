/**
 * `deno task parity`: our flow meter against the Java CICFlowMeter outputs in
 * ../shared/testdata/reference/ (j3 ↔ our cic2017 profile, java-master ↔
 * cic2017, engelen ↔ our corrected profile). Per capture: flows on each side
 * and flows matched (j3: same Flow ID and exact start µs from the `.times`
 * sidecar; the others: same endpoints, protocol and first-packet second); per
 * column: the share of matched flows with equal values (relative tolerance
 * 1e-6), with the reason wherever our profile differs from that build.
 *
 * Usage: deno task parity [--markdown] [--file NAME] [--build j3|java-master|engelen] [--verbose]
 * (--verbose lists the unmatched flows and every unequal cell under each capture)
 */
import { FlowMeter } from "../../src/flow/meter.ts";
import type { MeterOptions } from "../../src/flow/profile.ts";
import type { FlowRecord, ProfileName } from "../../src/flow/flow_record.ts";
import { readCaptureFile } from "../../src/pcap/reader.ts";
import { buildLayout, type LayoutName } from "../../src/output/columns.ts";
import { matchKey, parseReferenceCsv, referenceSecond, sameValue } from "./reference_csv.ts";
import { FLOW_COUNT_NOTES, KNOWN_DIFFERENCES } from "./known_differences.ts";

const SHARED = new URL("../../../shared/testdata/", import.meta.url).pathname;

/** A reference build, the profile compared with it, and how rows are matched. */
export interface Pairing {
  build: "j3" | "java-master" | "engelen";
  profile: ProfileName;
  /** Our layout whose column names the reference header uses. */
  layout: LayoutName;
  /** Options that make our profile run as that build did. */
  options?: MeterOptions;
}
export const PAIRINGS: Pairing[] = [
  {
    build: "j3",
    profile: "cic2017",
    layout: "cic2017",
    // J3 at 50d668d ran on jnetpcap 1.4 (cuts padding after Ethernet II + IPv4), read non-IPv4
    // frames from byte 0, and wrote BENIGN (BOTNET for 147.32.84.165) as the label.
    options: { padding: "ethernet-ipv4", nonIpv4AsIpv4: true, label: "BENIGN" },
  },
  { build: "java-master", profile: "cic2017", layout: "cicflowmeter4" },
  { build: "engelen", profile: "engelen", layout: "cicflowmeter4" },
];

/**
 * How the Java programs were run, as meter options, in one place: they read
 * lengths from the captured bytes of a snaplen-cut packet.
 */
export const JAVA_RUN_OPTIONS: MeterOptions = { snaplenLengths: "captured" };

export interface FileParity {
  file: string;
  ours: number;
  theirs: number;
  matched: number;
  /** column → [equal, compared] */
  columns: Map<string, [number, number]>;
  /** Flow ID@start of our flows without a reference row, and Flow IDs of reference rows without ours. */
  unmatchedOurs: string[];
  unmatchedTheirs: string[];
  /** Every unequal cell of a matched flow, as text (for --verbose). */
  unequalCells: string[];
}

/** Compares one capture with one reference CSV (and its `.times` sidecar when there is one). */
export async function fileParity(
  pcap: string,
  referenceCsv: string,
  profile: ProfileName,
  layoutName: LayoutName = "cicflowmeter4",
  options: MeterOptions = {},
): Promise<FileParity> {
  const ours: FlowRecord[] = [];
  const meter = new FlowMeter({ ...JAVA_RUN_OPTIONS, ...options, profile }, (r) => ours.push(r));
  await readCaptureFile(pcap, meter.addPacket);
  meter.flush();
  const reference = parseReferenceCsv(await Deno.readTextFile(referenceCsv));
  const starts = await readTimes(`${referenceCsv}.times`);
  if (starts && starts.length !== reference.rows.length) {
    throw new Error(`${referenceCsv}.times has ${starts.length} lines for ${reference.rows.length} rows`);
  }
  const h = (name: string) => reference.header.findIndex((n) => n.trim() === name);
  const [iId, iSrc, iSport, iDst, iDport, iProto, iTime] = [
    "Flow ID",
    "Src IP",
    "Src Port",
    "Dst IP",
    "Dst Port",
    "Protocol",
    "Timestamp",
  ].map(h);
  const referenceKey = (row: string[], i: number) =>
    starts
      ? `${row[iId]}@${starts[i]}`
      : `${matchKey(row[iSrc], row[iSport], row[iDst], row[iDport], row[iProto])}@${
        referenceSecond(row[iTime])
      }`;
  const ourKey = (r: FlowRecord) =>
    starts
      ? `${r.flowId}@${r.timestampUs}`
      : `${matchKey(r.srcIp, r.srcPort, r.dstIp, r.dstPort, r.protocol)}@${Math.floor(r.timestampUs / 1e6)}`;
  const waiting = new Map<string, string[][]>();
  reference.rows.forEach((row, i) => {
    const key = referenceKey(row, i);
    const list = waiting.get(key) ?? [];
    list.push(row);
    waiting.set(key, list);
  });
  // Columns are compared by position when the reference header is our layout's (j3: the
  // 85-column 2017 header, whose Fwd Header Length appears twice), else by name.
  const layout = buildLayout(layoutName);
  const byPosition = layout.columns.length === reference.header.length &&
    layout.columns.every((c, i) => c.name === reference.header[i]);
  const compared = layout.columns
    .map((c, i) => ({ column: c, at: byPosition ? i : h(c.name), label: c.name.trim() }))
    .filter((c) => c.column.name.trim() !== "Timestamp" && c.at >= 0);
  const labels = [...new Set(compared.map((c) => c.label))];
  const columns = new Map<string, [number, number]>(labels.map((l) => [l, [0, 0]]));
  const unmatchedOurs: FlowRecord[] = [];
  const unequalCells: string[] = [];
  let matched = 0;
  for (const r of ours) {
    const row = waiting.get(ourKey(r))?.shift();
    if (!row) {
      unmatchedOurs.push(r);
      continue;
    }
    matched++;
    for (const c of compared) {
      const tally = columns.get(c.label)!;
      tally[1]++;
      if (sameValue(c.column.value(r), row[c.at])) tally[0]++;
      else {
        unequalCells.push(
          `${r.flowId}@${r.timestampUs} ${c.label}: ours ${c.column.value(r)}, theirs ${row[c.at]}`,
        );
      }
    }
  }
  const unmatchedTheirs = [...waiting.values()].flat().map((row) => row[iId]);
  return {
    file: pcap.slice(SHARED.length),
    ours: ours.length,
    theirs: reference.rows.length,
    matched,
    columns,
    unmatchedOurs: unmatchedOurs.map((r) => `${r.flowId}@${r.timestampUs}`),
    unmatchedTheirs,
    unequalCells,
  };
}

/** The start µs of every row of a `.times` sidecar (`start,lastSeen,finished|current`), or null. */
async function readTimes(path: string): Promise<number[] | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  return text.split("\n").filter((l) => l !== "").map((l) => Number(l.split(",")[0]));
}

function percent(equal: number, total: number): string {
  return total === 0 ? "–" : `${(100 * equal / total).toFixed(1)}%`;
}

async function findPcap(name: string): Promise<string | null> {
  for (const dir of ["pcaps/small", "pcaps/medium"]) {
    const path = `${SHARED}${dir}/${name}`;
    try {
      await Deno.stat(path);
      return path;
    } catch { /* not in this folder */ }
  }
  return null;
}

/** Runs every pairing and prints the report. */
export async function runParity(
  options: { markdown?: boolean; only?: string; verbose?: boolean; build?: string } = {},
): Promise<void> {
  for (const { build, profile, layout, options: meterOptions } of PAIRINGS) {
    if (options.build && options.build !== build) continue;
    const dir = `${SHARED}reference/${build}`;
    let names: string[];
    try {
      names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".csv")).sort();
    } catch {
      console.log(`parity: ${dir} not found; skipped`);
      continue;
    }
    if (options.only) names = names.filter((n) => n.includes(options.only!));
    const totals = new Map<string, [number, number]>();
    let ours = 0, theirs = 0, matched = 0;
    console.log(`\n## ${build} reference vs our \`${profile}\` profile\n`);
    console.log("| capture | our flows | their flows | matched |\n|---|---:|---:|---:|");
    for (const name of names) {
      const pcap = await findPcap(name.slice(0, -4));
      if (!pcap) continue;
      const r = await fileParity(pcap, `${dir}/${name}`, profile, layout, meterOptions);
      if (options.verbose) {
        for (const k of r.unmatchedTheirs) console.log(`  only theirs: ${k}`);
        for (const k of r.unmatchedOurs) console.log(`  only ours: ${k}`);
        for (const k of r.unequalCells) console.log(`  differs: ${k}`);
      }
      ours += r.ours;
      theirs += r.theirs;
      matched += r.matched;
      for (const [col, [eq, n]] of r.columns) {
        const t = totals.get(col) ?? [0, 0];
        t[0] += eq;
        t[1] += n;
        totals.set(col, t);
      }
      console.log(`| ${r.file} | ${r.ours} | ${r.theirs} | ${r.matched} |`);
    }
    console.log(`| **all** | **${ours}** | **${theirs}** | **${matched}** |`);
    console.log(`\n${FLOW_COUNT_NOTES[build]}`);
    const all = [...totals.entries()];
    const perfect = all.filter(([, [eq, n]]) => eq === n).length;
    const nearly = all.filter(([, [eq, n]]) => eq >= 0.99 * n).length;
    const cells = all.reduce((t, [, [eq, n]]) => [t[0] + eq, t[1] + n], [0, 0]);
    console.log(
      `\nCells equal: ${percent(cells[0], cells[1])} of ${
        cells[1]
      } compared; columns equal on every matched flow: ` +
        `${perfect} of ${all.length}; on ≥ 99% of them: ${nearly}.`,
    );
    console.log("\n| column | equal | why we differ |\n|---|---:|---|");
    for (const [col, [eq, n]] of all) {
      if (eq === n) continue;
      const why = KNOWN_DIFFERENCES[build][col] ?? (options.markdown ? "not explained" : "NOT EXPLAINED");
      console.log(`| ${col} | ${percent(eq, n)} | ${why} |`);
    }
  }
}

if (import.meta.main) {
  const value = (flag: string) =>
    Deno.args.includes(flag) ? Deno.args[Deno.args.indexOf(flag) + 1] : undefined;
  await runParity({
    markdown: Deno.args.includes("--markdown"),
    only: value("--file"),
    build: value("--build"),
    verbose: Deno.args.includes("--verbose"),
  });
}
