/**
 * `deno task parity`: our flow meter against the Java CICFlowMeter outputs in
 * ../shared/testdata/reference/ (java-master ↔ our cic2017 profile, engelen ↔
 * our corrected profile). Per capture: flows on each side and flows matched
 * (same endpoints, protocol and first-packet second); per column: the share
 * of matched flows with equal values (relative tolerance 1e-6), with the
 * reason wherever our profile differs from that build on purpose.
 *
 * Usage: deno task parity [--markdown] [--file NAME]
 */
import { FlowMeter } from "../../src/flow/meter.ts";
import type { FlowRecord, ProfileName } from "../../src/flow/flow_record.ts";
import { readCaptureFile } from "../../src/pcap/reader.ts";
import { buildLayout } from "../../src/output/columns.ts";
import { matchKey, parseReferenceCsv, referenceSecond, sameValue } from "./reference_csv.ts";
import { FLOW_COUNT_NOTES, KNOWN_DIFFERENCES } from "./known_differences.ts";

const SHARED = new URL("../../../shared/testdata/", import.meta.url).pathname;

interface Pairing {
  build: "java-master" | "engelen";
  profile: ProfileName;
}
const PAIRINGS: Pairing[] = [
  { build: "java-master", profile: "cic2017" },
  { build: "engelen", profile: "corrected" },
];

export interface FileParity {
  file: string;
  ours: number;
  theirs: number;
  matched: number;
  /** column → [equal, compared] */
  columns: Map<string, [number, number]>;
}

/** Compares one capture with one reference CSV. */
export async function fileParity(
  pcap: string,
  referenceCsv: string,
  profile: ProfileName,
): Promise<FileParity> {
  const ours: FlowRecord[] = [];
  const meter = new FlowMeter({ profile }, (r) => ours.push(r));
  await readCaptureFile(pcap, meter.addPacket);
  meter.flush();
  const reference = parseReferenceCsv(await Deno.readTextFile(referenceCsv));
  const h = (name: string) => reference.header.indexOf(name);
  const [iSrc, iSport, iDst, iDport, iProto, iTime] = [
    "Src IP",
    "Src Port",
    "Dst IP",
    "Dst Port",
    "Protocol",
    "Timestamp",
  ]
    .map(h);
  const waiting = new Map<string, string[][]>();
  for (const row of reference.rows) {
    const key = `${matchKey(row[iSrc], row[iSport], row[iDst], row[iDport], row[iProto])}@${
      referenceSecond(row[iTime])
    }`;
    const list = waiting.get(key) ?? [];
    list.push(row);
    waiting.set(key, list);
  }
  const layout = buildLayout("cicflowmeter4");
  const compared = layout.columns.filter((c) => c.name !== "Timestamp" && h(c.name) >= 0);
  const columns = new Map<string, [number, number]>(compared.map((c) => [c.name, [0, 0]]));
  let matched = 0;
  for (const r of ours) {
    const key = `${matchKey(r.srcIp, r.srcPort, r.dstIp, r.dstPort, r.protocol)}@${
      Math.floor(r.timestampUs / 1e6)
    }`;
    const row = waiting.get(key)?.shift();
    if (!row) continue;
    matched++;
    for (const c of compared) {
      const tally = columns.get(c.name)!;
      tally[1]++;
      if (sameValue(c.value(r), row[h(c.name)])) tally[0]++;
    }
  }
  return {
    file: pcap.slice(SHARED.length),
    ours: ours.length,
    theirs: reference.rows.length,
    matched,
    columns,
  };
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
export async function runParity(options: { markdown?: boolean; only?: string } = {}): Promise<void> {
  for (const { build, profile } of PAIRINGS) {
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
      const r = await fileParity(pcap, `${dir}/${name}`, profile);
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
    console.log(`\n${FLOW_COUNT_NOTES[profile]}`);
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
      const why = KNOWN_DIFFERENCES[profile][col] ?? (options.markdown ? "not explained" : "NOT EXPLAINED");
      console.log(`| ${col} | ${percent(eq, n)} | ${why} |`);
    }
  }
}

if (import.meta.main) {
  const only = Deno.args.includes("--file") ? Deno.args[Deno.args.indexOf("--file") + 1] : undefined;
  await runParity({ markdown: Deno.args.includes("--markdown"), only });
}
