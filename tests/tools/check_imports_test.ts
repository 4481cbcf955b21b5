import assert from "node:assert/strict";
import { findCycles, importFaults, importSpecifiers, layerOf, readModules } from "./check_imports.ts";

Deno.test("importSpecifiers reads static, type-only, re-export and dynamic imports, not comments or strings", () => {
  const text = [
    '/** @example\n * import { x } from "./in_a_comment.ts";\n */',
    'import { a } from "./a.ts";',
    "import type {\n  B,\n  C,\n} from '../b.ts';",
    'export { d } from "./d.ts";',
    'import "./side_effect.ts";',
    'const m = await import("./lazy.ts");',
    'const s = "import { y } from \\"./in_a_string.ts\\"";',
    '// import { z } from "./in_a_line_comment.ts";',
    'import { parse } from "smol-toml";',
  ].join("\n");
  assert.deepEqual(importSpecifiers(text).sort(), [
    "../b.ts",
    "./a.ts",
    "./d.ts",
    "./lazy.ts",
    "./side_effect.ts",
  ]);
});

Deno.test("layerOf puts pcap below flow below output, cli above the subsystems, main.ts on top", () => {
  const order = ["src/log.ts", "src/pcap/reader.ts", "src/flow/meter.ts", "src/output/columns.ts"];
  order.push("src/convert/builtin.ts", "src/pipeline/pipeline.ts", "src/cli/run.ts", "main.ts");
  const layers = order.map(layerOf);
  assert.deepEqual([...layers].sort((x, y) => x - y), layers);
  assert.equal(new Set(layers).size, layers.length);
  assert.equal(layerOf("src/new_folder/x.ts"), -1);
});

Deno.test("importFaults names an upward import, an unclaimed module and a cycle", () => {
  const faults = importFaults([
    { path: "src/flow/a.ts", imports: ["src/output/b.ts"] },
    { path: "src/output/b.ts", imports: ["src/output/c.ts"] },
    { path: "src/output/c.ts", imports: ["src/output/b.ts"] },
    { path: "src/elsewhere/d.ts", imports: [] },
  ]);
  assert.equal(faults.length, 3, faults.join("\n"));
  assert.match(faults[0], /^src\/flow\/a\.ts imports src\/output\/b\.ts: upward/);
  assert.match(faults[1], /src\/elsewhere\/d\.ts: no layer/);
  assert.equal(faults[2], "import cycle: src/output/b.ts → src/output/c.ts → src/output/b.ts");
});

Deno.test("findCycles reports a longer cycle once, and none in a tree", () => {
  const ring = ["x", "y", "z"].map((p, i, all) => ({ path: p, imports: [all[(i + 1) % 3]] }));
  assert.deepEqual(findCycles(ring), [["x", "y", "z", "x"]]);
  assert.deepEqual(findCycles([{ path: "x", imports: ["y", "z"] }, { path: "y", imports: ["z"] }]), []);
});

Deno.test("the repository's own imports point one way (what `deno task check` enforces)", () => {
  const modules = readModules(new URL("../../", import.meta.url));
  assert.ok(modules.length > 100, `${modules.length} modules`);
  assert.deepEqual(importFaults(modules), []);
});
