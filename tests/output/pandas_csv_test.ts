/**
 * Debian's pandas (`/usr/bin/python3`, apt package python3-pandas, installed
 * by .ci/run) reads our CSV of every layout with a plain `pd.read_csv`: the
 * dataset's exact column names (leading spaces kept, pandas' `.1` for the
 * repeated one), numbers as numbers (NaN and Infinity included), strings as
 * strings, every row.
 */
import { ignoreWithout } from "../requirements.ts";
import assert from "node:assert/strict";
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { layoutFrom } from "../../src/convert/flow_table_options.ts";
import { LAYOUT_NAMES } from "../../src/output/columns.ts";
import { pandasNames, parseCsv } from "./duckdb_reader.ts";
import { writeFlowMix } from "./flow_mix.ts";

const PYTHON = "/usr/bin/python3";

const READ_CSV = `
import json, sys
import pandas as pd
out = {}
for path in sys.argv[1:]:
    df = pd.read_csv(path)
    out[path] = {"columns": list(df.columns), "dtypes": [str(t) for t in df.dtypes], "rows": len(df),
                 "inf": int(df.select_dtypes("number").isin([float("inf")]).sum().sum()),
                 "nan": int(df.select_dtypes("number").isna().sum().sum())}
print(json.dumps(out))
`;

interface PandasView {
  columns: string[];
  dtypes: string[];
  rows: number;
  inf: number;
  nan: number;
}

async function readWithPandas(paths: string[]): Promise<Record<string, PandasView>> {
  const r = await new Deno.Command(PYTHON, {
    args: ["-c", READ_CSV, ...paths],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const stderr = new TextDecoder().decode(r.stderr);
  assert.ok(r.success, `pandas failed (apt-get install python3-pandas): ${stderr}`);
  return JSON.parse(new TextDecoder().decode(r.stdout));
}

for (const profile of ["cic2017", "corrected"] as const) {
  Deno.test({
    name: `pandas reads the CSV of every layout with exact names and numeric dtypes (${profile})`,
    ignore: ignoreWithout("pandas"),
  }, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const input = await writeFlowMix(dir);
      const paths = LAYOUT_NAMES.map((columns) => `${dir}/${columns}.csv`);
      for (const [i, columns] of LAYOUT_NAMES.entries()) {
        await convertCaptureFile(input, paths[i], { profile, columns, label: "web, flood" });
      }
      const views = await readWithPandas(paths);
      for (const [i, columns] of LAYOUT_NAMES.entries()) {
        const layout = layoutFrom({ columns });
        const csv = parseCsv(await Deno.readTextFile(paths[i]));
        const view = views[paths[i]];
        assert.deepEqual(view.columns, pandasNames(layout.columns.map((c) => c.name)), columns);
        assert.equal(view.rows, csv.rows.length, columns);
        const expected = layout.columns.map((c, j) => {
          if (c.kind === "string") return "object";
          if (c.kind === "int") return "int64";
          // A float column prints integral values without a point (except ddos2019), so pandas
          // reads it as int64 unless some value has a fraction or is NaN/Infinity — as with the datasets.
          const integral = csv.rows.every((row) => /^-?\d+$/.test(row[j]));
          return layout.floatStyle === "point" || !integral ? "float64" : "int64";
        });
        assert.deepEqual(view.dtypes, expected, columns);
        if (profile === "cic2017") {
          assert.ok(view.inf > 0 && view.nan > 0, `${columns}: NaN and Infinity read`);
        } else assert.equal(view.inf + view.nan, 0, columns);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
