/**
 * Checks that imports in src/ and main.ts point one way (DESIGN.md: pcap →
 * flow → output, the subsystems above, cli above all, main.ts on top): no
 * module imports a layer above its own, and no import cycle exists between
 * modules (type-only imports included: a cycle of types is still two homes
 * for one concern). Prints every fault and exits 1 when there is one.
 *
 *   deno run --allow-read tests/tools/check_imports.ts    # run by `deno task check`
 *
 * Pure Deno: import specifiers are read with a small scanner that skips
 * comments and strings, so examples inside JSDoc do not count as imports.
 */

/**
 * The layers, lowest first. A module may import modules of its own layer or
 * of a layer listed before it, never one after it. Keys are paths relative to
 * the repository root: a folder (ending in "/") or one file.
 */
export const LAYERS: readonly (readonly string[])[] = [
  // Process-wide basics with no knowledge of packets or flows.
  ["src/log.ts", "src/paths.ts", "src/usage_error.ts", "src/version.ts", "src/system/"],
  ["src/pcap/"],
  ["src/flow/"],
  ["src/output/"],
  ["src/label/"],
  ["src/sink/"],
  ["src/convert/"],
  ["src/capture/"],
  ["src/config/"],
  ["src/live/"],
  ["src/pipeline/"],
  ["src/cli/"],
  ["main.ts"],
];

/** The layer index of a repository-relative path, or -1 when no layer claims it. */
export function layerOf(path: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((keys, index) => {
    for (const key of keys) {
      const match = key.endsWith("/") ? path.startsWith(key) : path === key;
      if (match && key.length > bestLength) {
        best = index;
        bestLength = key.length;
      }
    }
  });
  return best;
}

/**
 * The relative import specifiers of TypeScript source `text`: static imports
 * and re-exports (type-only included) and `import("…")` with a literal.
 */
export function importSpecifiers(text: string): string[] {
  const code = blankCommentsAndStrings(text);
  const found: string[] = [];
  // Statements are found in the blanked code; the specifier is read from the
  // original text at the same offset (strings were blanked in place).
  const fromClause = /\b(?:import|export)\b[^;'"`]*?\bfrom\s*(["'])/g;
  const bare = /\bimport\s*(["'])/g;
  const dynamic = /\bimport\s*\(\s*(["'])/g;
  for (const re of [fromClause, bare, dynamic]) {
    for (const m of code.matchAll(re)) {
      const quoteAt = m.index! + m[0].length - 1;
      const end = text.indexOf(text[quoteAt], quoteAt + 1);
      const spec = text.slice(quoteAt + 1, end);
      if (spec.startsWith(".")) found.push(spec);
    }
  }
  return found;
}

/**
 * `text` with comments replaced by spaces and string contents replaced by
 * spaces (quotes kept), so offsets stay the same.
 */
function blankCommentsAndStrings(text: string): string {
  const out = text.split("");
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let k = i + 1;
      while (k < text.length && text[k] !== c) k += text[k] === "\\" ? 2 : 1;
      blank(i + 1, k);
      i = k + 1;
    } else {
      i++;
    }
  }
  return out.join("");
}

/** One module's path and the repository-relative paths it imports. */
export interface ModuleImports {
  path: string;
  imports: string[];
}

/** Reads main.ts and every .ts file under src/ of the repository at `root`. */
export function readModules(root: URL): ModuleImports[] {
  const paths = ["main.ts", ...walk(new URL("src/", root), "src/")];
  return paths.map((path) => {
    const text = Deno.readTextFileSync(new URL(path, root));
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
    return { path, imports: importSpecifiers(text).map((spec) => normalize(dir + spec)) };
  });
}

function walk(dir: URL, prefix: string): string[] {
  const found: string[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory) found.push(...walk(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`));
    else if (e.name.endsWith(".ts")) found.push(prefix + e.name);
  }
  return found;
}

/** Resolves "." and ".." segments of a relative path. */
function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "." && part !== "") parts.push(part);
  }
  return parts.join("/");
}

/** Every fault in `modules`: modules no layer claims, upward imports, cycles. */
export function importFaults(modules: readonly ModuleImports[]): string[] {
  const faults: string[] = [];
  for (const { path, imports } of modules) {
    const from = layerOf(path);
    if (from < 0) {
      faults.push(`${path}: no layer in tests/tools/check_imports.ts LAYERS claims this module`);
      continue;
    }
    for (const target of imports) {
      const to = layerOf(target);
      if (to > from) {
        faults.push(`${path} imports ${target}: upward (layer ${LAYERS[from][0]} → ${LAYERS[to][0]})`);
      }
    }
  }
  for (const cycle of findCycles(modules)) faults.push(`import cycle: ${cycle.join(" → ")}`);
  return faults;
}

/** The cycles of the import graph, each as a path ending where it began (one per strongly connected part). */
export function findCycles(modules: readonly ModuleImports[]): string[][] {
  const edges = new Map(modules.map((m) => [m.path, [...new Set(m.imports)].sort()]));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "open") {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join("|");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const path of [...edges.keys()].sort()) if (!state.has(path)) visit(path);
  return cycles;
}

if (import.meta.main) {
  const root = new URL("../..", import.meta.url);
  const faults = importFaults(readModules(root));
  for (const fault of faults) console.error(`check_imports: ${fault}`);
  if (faults.length > 0) {
    console.error(
      `check_imports: ${faults.length} fault(s); the layer order is LAYERS in tests/tools/check_imports.ts`,
    );
    Deno.exitCode = 1;
  }
}
