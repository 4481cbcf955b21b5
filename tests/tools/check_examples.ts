/**
 * Checks that every `@example` in src/ is a fenced code block, so that
 * `deno test --doc` (part of `deno task test`) runs it: a loose fragment is
 * never compiled and drifts from the code it shows. Prints each loose
 * example as `path:line` and exits 1 when there is one.
 *
 *   deno run --allow-read tests/tools/check_examples.ts    # run by `deno task check`
 */
import { join, relative } from "node:path";

/** The 1-based lines of `@example` tags in `text` not followed by a code fence. */
export function looseExamples(text: string): number[] {
  const lines = text.split("\n");
  const loose: number[] = [];
  lines.forEach((line, i) => {
    if (!/^\s*\*\s*@example\b/.test(line)) return;
    // The fence may follow a caption on the tag's line or a few lines of prose.
    const next = lines.slice(i + 1, i + 4).find((l) => !/^\s*\*\s*$/.test(l)) ?? "";
    if (!/^\s*\*\s*```(ts|typescript|js)\b/.test(next)) loose.push(i + 1);
  });
  return loose;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

if (import.meta.main) {
  const root = new URL("../..", import.meta.url).pathname;
  const faults: string[] = [];
  for (const file of sourceFiles(join(root, "src"))) {
    for (const line of looseExamples(Deno.readTextFileSync(file))) {
      faults.push(
        `${
          relative(root, file)
        }:${line}: @example is not a \`\`\`ts code block (deno test --doc cannot run it)`,
      );
    }
  }
  for (const f of faults) console.error(f);
  if (faults.length > 0) Deno.exit(1);
  console.log("examples: every @example in src/ is a code block that deno test --doc runs");
}
