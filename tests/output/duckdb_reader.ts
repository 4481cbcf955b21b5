/**
 * DuckDB (`@duckdb/node-api`, its own Linux binary) as the independent
 * reader of the Parquet files we write, and the checks every Parquet test
 * makes against the CSV of the same conversion.
 */
import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Layout } from "../../src/output/columns.ts";
import { parquetColumnNames } from "../../src/output/parquet_writer.ts";

/** What DuckDB sees in one Parquet file. */
export interface ParquetByDuckDb {
  names: string[];
  /** DuckDB type names, e.g. BIGINT, DOUBLE, VARCHAR, "TIMESTAMP WITH TIME ZONE". */
  types: string[];
  /** Rows; timestamps as µs since the epoch (bigint), BIGINT as bigint, DOUBLE as number. */
  rows: unknown[][];
  /** `compression` of every column chunk, distinct. */
  codecs: string[];
  rowGroups: number;
}

/** Reads `path` with DuckDB. */
export async function readParquetWithDuckDb(path: string): Promise<ParquetByDuckDb> {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    const file = `'${path.replaceAll("'", "''")}'`;
    const data = await con.runAndReadAll(`SELECT * FROM read_parquet(${file})`);
    const meta = await con.runAndReadAll(
      `SELECT DISTINCT compression FROM parquet_metadata(${file}) ORDER BY 1`,
    );
    const groups = await con.runAndReadAll(
      `SELECT count(DISTINCT row_group_id) FROM parquet_metadata(${file})`,
    );
    const types = data.columnTypes().map((t) => t.toString());
    const rows = data.getRows().map((row) =>
      row.map((v) =>
        v !== null && typeof v === "object" && "micros" in v ? (v as { micros: bigint }).micros : v
      )
    );
    return {
      names: data.columnNames(),
      types,
      rows,
      codecs: meta.getRows().map((r) => String(r[0])),
      rowGroups: Number(groups.getRows()[0][0]),
    };
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** Splits our CSV (RFC 4180: quotes only around cells holding a comma, quote or line break). */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const records: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n") {
      row.push(cell);
      records.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  const [header, ...rows] = records;
  return { header, rows };
}

/** µs since the epoch of an `iso` (…Z) or `ddos2019` (UTC) timestamp text, or an `epoch` integer. */
function timestampUs(text: string): bigint {
  if (/^\d+$/.test(text)) return BigInt(text);
  const m = text.match(/^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)\.(\d{6})Z?$/);
  if (!m) throw new Error(`unexpected timestamp text "${text}"`);
  return BigInt(Date.parse(`${m[1]}T${m[2]}Z`)) * 1000n + BigInt(m[3]);
}

/** Column names as `pd.read_csv` gives them: a repeated name gets `.1`, `.2`, … */
export function pandasNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((h) => {
    const n = seen.get(h) ?? 0;
    seen.set(h, n + 1);
    return n === 0 ? h : `${h}.${n}`;
  });
}

/** The DuckDB type a layout column must have. */
function expectedType(layout: Layout, i: number): string {
  const c = layout.columns[i];
  if (c.timestamp) return "TIMESTAMP WITH TIME ZONE";
  if (c.kind === "float" || c.averaged) return "DOUBLE";
  return c.kind === "int" ? "BIGINT" : "VARCHAR";
}

/**
 * Asserts that DuckDB reads `parquetPath` as the CSV `csvText` of the same
 * conversion: row count, names (the CSV header, a repeated name with
 * pandas' `.1`), the layout's types, and every value (integers exactly,
 * doubles to 1e-12 relative, NaN and ±Infinity as such).
 */
export async function assertParquetEqualsCsv(parquetPath: string, csvText: string, layout: Layout) {
  const csv = parseCsv(csvText);
  const pq = await readParquetWithDuckDb(parquetPath);
  assert.deepEqual(pq.names, parquetColumnNames(layout));
  assert.deepEqual(pq.names, pandasNames(csv.header));
  assert.deepEqual(pq.types, layout.columns.map((_, i) => expectedType(layout, i)));
  assert.equal(pq.rows.length, csv.rows.length);
  assert.ok(pq.rows.length > 0, "no rows to compare");
  for (let r = 0; r < csv.rows.length; r++) {
    for (let i = 0; i < csv.header.length; i++) {
      const text = csv.rows[r][i];
      const got = pq.rows[r][i];
      const where = `row ${r}, column "${pq.names[i]}"`;
      switch (pq.types[i]) {
        case "TIMESTAMP WITH TIME ZONE":
          assert.equal(got, timestampUs(text), where);
          break;
        case "BIGINT":
          assert.equal(got, BigInt(text), where);
          break;
        case "DOUBLE": {
          const want = Number(text);
          assert.equal(typeof got, "number", where);
          const g = got as number;
          const same = Object.is(g, want) || g === want ||
            (Number.isFinite(want) && Math.abs(g - want) <= 1e-12 * Math.abs(want));
          assert.ok(same, `${where}: DuckDB ${g}, CSV ${text}`);
          break;
        }
        default:
          assert.equal(got, text, where);
      }
    }
  }
}
