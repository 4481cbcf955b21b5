/**
 * `collect --format parquet`: Parquet per closed hour. The hourly CSV stays
 * the durable record that acknowledgements depend on (rows are appended and
 * fsynced as they arrive); once an hour is over, its CSV is converted to
 * `KIND_YYYYmmdd_HH[_hash].parquet` beside it, written atomically (temporary
 * name, fsync, rename), so a Parquet file under its final name is always
 * complete. The CSV is kept: a row of a closed hour can still arrive (a
 * sensor replaying its spool after an outage), it is appended to the CSV and
 * the Parquet file is rebuilt from it, so the Parquet file never misses or
 * repeats a row the CSV holds.
 *
 * Column types come from the layout the CSV header names (src/output/columns.ts,
 * the types of src/output/parquet_writer.ts): `int` INT64, `float` DOUBLE
 * (NaN, ±Infinity, −1 as values), strings UTF8, the Timestamp column a
 * TIMESTAMP (µs, UTC) parsed back from its text. A header name no layout has
 * is kept as UTF8; a Timestamp in the `cic2017` format (12-hour clock without
 * AM/PM, not an instant) stays UTF8 too. Window summaries have their own
 * small schema.
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { openAtomicSink } from "../output/byte_sink.ts";
import { buildLayout, type Column, LAYOUT_NAMES } from "../output/columns.ts";
import { ParquetFlowWriter, parquetSchema } from "../output/parquet_writer.ts";
import { parseTimestampText } from "../output/timestamp_format.ts";
import { ROW_KINDS } from "./message.ts";
import { WINDOW_SUMMARY_HEADER } from "./window_summary.ts";

/** A Parquet column of a collected CSV: the layout column's type marks, without a way to compute it from a flow. */
export type CsvColumn = Omit<Column, "value" | "field">;

const HOUR_MS = 3_600_000;

/** The typed columns of window summaries (src/sink/window_summary.ts). */
const WINDOW_SUMMARY_COLUMNS: readonly CsvColumn[] = [
  { name: "window_file", kind: "string" },
  { name: "start", kind: "string", timestamp: true },
  { name: "end", kind: "string", timestamp: true },
  { name: "duration_s", kind: "float" },
  { name: "packets", kind: "int" },
  { name: "flows", kind: "int" },
  { name: "attack_flows", kind: "int" },
  { name: "rule", kind: "string" },
  { name: "attackers", kind: "string" },
];

/**
 * The column types of a CSV header (its cells): window summaries by their
 * fixed header, flow rows by the layout holding most of the names (a
 * `--fields` subset included); a repeated name is matched to the layout's
 * repeat.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvColumns } from "./hour_to_parquet.ts";
 * const kinds = csvColumns(["Flow ID", " Source Port", "Flow Bytes/s"]).map((c) => c.kind);
 * assert.deepEqual(kinds, ["string", "int", "float"]);
 * ```
 */
export function csvColumns(names: readonly string[]): CsvColumn[] {
  if (names.join(",") === WINDOW_SUMMARY_HEADER) return WINDOW_SUMMARY_COLUMNS.map((c) => ({ ...c }));
  let best: readonly Column[] = [];
  let bestHits = -1;
  for (const layoutName of LAYOUT_NAMES) {
    const columns = buildLayout(layoutName).columns;
    const known = new Set(columns.map((c) => c.name));
    const hits = names.filter((n) => known.has(n)).length;
    if (hits > bestHits) [best, bestHits] = [columns, hits];
  }
  const seen = new Map<string, number>();
  return names.map((name): CsvColumn => {
    const nth = seen.get(name) ?? 0;
    seen.set(name, nth + 1);
    const c = best.filter((c) => c.name === name)[nth];
    if (!c) return { name, kind: "string" };
    // Every type mark of the layout's column (kind, timestamp, …) decides its Parquet type, as in parquetSchema;
    // how a row is read (value, field) is not a mark.
    const { value: _value, field: _field, ...marks } = c;
    return marks;
  });
}

/**
 * Splits CSV text into rows of cells (RFC 4180: quoted cells may hold
 * commas, quotes and line breaks); a last line without newline counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitCsv } from "./hour_to_parquet.ts";
 * assert.deepEqual(splitCsv('a,"b,c"\n1,2\n'), [["a", "b,c"], ["1", "2"]]);
 * ```
 */
export function splitCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/**
 * The records of a CSV file, one chunk's worth at a time, so an hour of
 * any size is never held in memory whole. A line without quotes is split
 * directly; a record with quotes (possibly over several lines) by `splitCsv`.
 * Blank lines are skipped.
 */
export async function* csvRecords(path: string): AsyncGenerator<string[][]> {
  const file = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  let rest = "";
  let pending: string | undefined;
  let quotes = 0;
  const take = (line: string, out: string[][]): void => {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (pending === undefined && line === "") return;
    pending = pending === undefined ? line : `${pending}\n${line}`;
    for (let q = line.indexOf('"'); q >= 0; q = line.indexOf('"', q + 1)) quotes++;
    if (quotes % 2 === 1) return; // a quoted line break: the record goes on
    out.push(quotes === 0 ? pending.split(",") : splitCsv(pending)[0]);
    pending = undefined;
    quotes = 0;
  };
  // The readable closes the file when it ends or is cancelled.
  for await (const chunk of file.readable) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const out: string[][] = [];
    let at = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", at)) {
      take(text.slice(at, nl), out);
      at = nl + 1;
    }
    rest = text.slice(at);
    if (out.length > 0) yield out;
  }
  const out: string[][] = [];
  rest += decoder.decode();
  if (rest !== "") take(rest, out);
  if (pending !== undefined) out.push(splitCsv(pending)[0] ?? []);
  if (out.length > 0) yield out;
}

/** Options of a conversion. */
export interface HourConversionOptions {
  /** Mode of the Parquet file (default 0600). */
  fileMode?: number;
}

/**
 * Converts the collected CSV `csvPath` to the Parquet file `parquetPath`
 * (atomically; an existing one is replaced). Returns the number of rows.
 * Throws naming the file, row and column when a cell does not fit its type;
 * `parquetPath` is then untouched.
 */
export async function convertCsvToParquet(
  csvPath: string,
  parquetPath: string,
  options: HourConversionOptions = {},
): Promise<number> {
  const records = csvRecords(csvPath);
  let first = (await records.next()).value ?? [];
  const headerCells = first[0];
  if (headerCells === undefined) throw new Error(`${csvPath}: empty file, no header`);
  first = first.slice(1);
  const columns = csvColumns(headerCells);
  // A Timestamp whose text is not an instant (cic2017's format) stays text.
  for (const [i, c] of columns.entries()) {
    if (c.timestamp && first.length > 0 && parseTimestampText(first[0][i] ?? "") === undefined) {
      columns[i] = { name: c.name, kind: "string" };
    }
  }
  // Cells are parsed to the type parquetSchema gives each column, so both always agree.
  const layout = { columns: columns.map((c) => ({ ...c, value: notAFlowColumn })) };
  const leaves = parquetSchema(layout).slice(1);
  const types = columns.map((c, i) =>
    c.timestamp
      ? "TIMESTAMP"
      : leaves[i].type === "INT64"
      ? "INT64"
      : leaves[i].type === "DOUBLE"
      ? "DOUBLE"
      : "UTF8"
  );
  const parse = types.map(cellParser);
  const writer = new ParquetFlowWriter(await openAtomicSink(parquetPath, options.fileMode), layout);
  const values: (number | string)[] = new Array(columns.length);
  let row = 0;
  try {
    for (let rows: string[][] | void = first; rows !== undefined; rows = (await records.next()).value) {
      for (const cells of rows) {
        row++;
        if (cells.length !== columns.length) {
          throw new Error(`row ${row} has ${cells.length} cells, the header ${columns.length}`);
        }
        for (let i = 0; i < cells.length; i++) {
          const v = parse[i](cells[i]);
          if (v === undefined) {
            throw new Error(
              `row ${row}, column "${columns[i].name}": "${cells[i]}" is not ${TYPE_NAMES[types[i]]}`,
            );
          }
          values[i] = v;
        }
        writer.writeValues(values);
      }
      await writer.ready();
    }
  } catch (err) {
    await writer.abort();
    await records.return(undefined);
    throw new Error(`${csvPath}: ${(err as Error).message}`, { cause: err });
  }
  await writer.close();
  return row;
}

function notAFlowColumn(): never {
  throw new Error("collected CSV columns are written with writeValues");
}

type CellType = "TIMESTAMP" | "INT64" | "DOUBLE" | "UTF8";

const TYPE_NAMES: Record<CellType, string> = {
  TIMESTAMP: "a timestamp",
  INT64: "a whole number",
  DOUBLE: "a number",
  UTF8: "text",
};

const INTEGER = /^-?\d+$/;

/** A cell's text → its Parquet value; undefined when it does not fit. */
function cellParser(type: CellType): (text: string) => number | string | undefined {
  if (type === "TIMESTAMP") return parseTimestampText;
  if (type === "INT64") {
    return (text) => {
      if (!INTEGER.test(text)) return undefined;
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : undefined;
    };
  }
  if (type === "DOUBLE") {
    return (text) => {
      const n = text.trim() === "" ? NaN : Number(text);
      return n === n || text === "NaN" ? n : undefined;
    };
  }
  return (text) => text;
}

const HOUR_FILE = /^([a-z-]+)_(\d{4})(\d\d)(\d\d)_(\d\d)(_[0-9a-f]{8})?(\.\d+)?\.csv$/;

/** A collected hour file found in the output directory. */
interface HourCsv {
  rel: string;
  kind: string;
  /** Start of its hour, ms since the epoch. */
  hourMs: number;
}

/**
 * Converts every closed hour's CSV under `dir` (`SENSOR/KIND_YYYYmmdd_HH[_hash][.part].csv`)
 * whose Parquet file is missing or older than the CSV. An hour is closed when
 * `nowMs` is past its end, or when the same sensor already has a file of that
 * kind for a later hour. Returns the files converted. A file that cannot be
 * converted is logged (once per CSV state) and keeps its CSV; the others go on.
 */
export async function convertClosedHours(
  dir: string,
  nowMs: number,
  log: Logger,
  options: HourConversionOptions & { failed?: Map<string, number> } = {},
): Promise<number> {
  let converted = 0;
  for (const sensor of await entries(dir, (e) => e.isDirectory)) {
    const files: HourCsv[] = [];
    for (const name of await entries(join(dir, sensor), (e) => e.isFile)) {
      const m = HOUR_FILE.exec(name);
      if (!m || !(ROW_KINDS as readonly string[]).includes(m[1])) continue;
      const hourMs = Date.UTC(+m[2], +m[3] - 1, +m[4], +m[5]);
      files.push({ rel: join(sensor, name), kind: m[1], hourMs });
    }
    const latest = new Map<string, number>();
    for (const f of files) latest.set(f.kind, Math.max(latest.get(f.kind) ?? -Infinity, f.hourMs));
    for (const f of files) {
      if (nowMs < f.hourMs + HOUR_MS && f.hourMs >= latest.get(f.kind)!) continue;
      if (await convertIfStale(dir, f.rel, log, options)) converted++;
    }
  }
  return converted;
}

/** Converts one CSV when its Parquet file is missing or older; true when it did. */
async function convertIfStale(
  dir: string,
  rel: string,
  log: Logger,
  options: HourConversionOptions & { failed?: Map<string, number> },
): Promise<boolean> {
  const csvPath = join(dir, rel);
  const parquetRel = rel.replace(/\.csv$/, ".parquet");
  let csvTime: number;
  try {
    csvTime = (await Deno.stat(csvPath)).mtime!.getTime();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false; // removed since the listing
    throw err;
  }
  try {
    // Equal times count as stale: a rebuild costs little, a missed row would not.
    if ((await Deno.stat(join(dir, parquetRel))).mtime!.getTime() > csvTime) return false;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (options.failed?.get(rel) === csvTime) return false;
  try {
    const rows = await convertCsvToParquet(csvPath, join(dir, parquetRel), options);
    options.failed?.delete(rel);
    log.info(`collect: ${parquetRel} written (${rows} rows of the closed hour)`);
    return true;
  } catch (err) {
    options.failed?.set(rel, csvTime);
    log.error(`collect: no Parquet file for ${rel}, its CSV is kept: ${(err as Error).message}`);
    return false;
  }
}

async function entries(dir: string, keep: (e: Deno.DirEntry) => boolean): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (keep(e) && !e.name.startsWith(".")) names.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}
