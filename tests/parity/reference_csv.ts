/**
 * Reading the Java CICFlowMeter reference CSVs (../shared/testdata/reference)
 * and matching their flows with ours: by the unordered 5-tuple (JM and E
 * write directional Flow IDs, cic2017 canonical ones) and the first-packet
 * time to the second (JM prints whole seconds).
 */

export interface ReferenceTable {
  header: string[];
  rows: string[][];
}

/** Parses a reference CSV (plain comma-separated, no quoting in these files). */
export function parseReferenceCsv(text: string): ReferenceTable {
  const lines = text.split(/\r?\n/).filter((l) => l !== "");
  const [head, ...rest] = lines;
  return { header: head.split(","), rows: rest.map((l) => l.split(",")) };
}

/** Seconds since the epoch (UTC) of a JM (`dd/MM/yyyy hh:mm:ss a`) or E (`yyyy-MM-dd HH:mm:ss[.ffffff]`) timestamp. */
export function referenceSecond(text: string): number {
  let m = text.match(/^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)(?: ([AP]M))?$/);
  if (m) {
    let hour = Number(m[4]) % 12;
    if (m[7] === "PM") hour += 12;
    if (!m[7]) hour = Number(m[4]);
    return Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]), hour, Number(m[5]), Number(m[6])) / 1000;
  }
  m = text.match(/^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)/);
  if (m) {
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) /
      1000;
  }
  throw new Error(`unrecognised reference timestamp "${text}"`);
}

/** The unordered endpoints and protocol of a flow, e.g. "10.0.0.1:80|10.0.0.2:5000|6". */
export function matchKey(
  srcIp: string,
  srcPort: string | number,
  dstIp: string,
  dstPort: string | number,
  proto: string | number,
): string {
  const a = `${srcIp}:${srcPort}`, b = `${dstIp}:${dstPort}`;
  return a < b ? `${a}|${b}|${proto}` : `${b}|${a}|${proto}`;
}

/** True when two cells hold the same value (numbers within relative 1e-6; NaN equals NaN). */
export function sameValue(ours: string | number, theirs: string): boolean {
  const a = typeof ours === "number" ? ours : Number(ours);
  const b = Number(theirs);
  if (Number.isNaN(a) && Number.isNaN(b)) {
    return String(ours) === theirs || (isNumeric(ours) && isNumeric(theirs));
  }
  if (!Number.isNaN(a) && !Number.isNaN(b) && isNumeric(theirs)) {
    if (a === b) return true;
    return Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
  }
  return String(ours) === theirs;
}

function isNumeric(x: string | number): boolean {
  return typeof x === "number" || /^-?(\d|NaN|Infinity)/.test(x);
}
