/**
 * Rewrites every golden CSV (testdata/golden/) from the captures in
 * testdata/captures/ and the profiles the meter has now; removes goldens of
 * captures or profiles that are gone. Review the diff (`git diff testdata/golden`)
 * before committing: every changed number must be explained by the change made.
 *
 *   deno task goldens
 */
import { captureFiles, GOLDEN_DIR, GOLDEN_PROFILES, goldenPath, renderGolden } from "./golden_files.ts";

await Deno.mkdir(GOLDEN_DIR, { recursive: true });
const wanted = new Set<string>();
let changed = 0;
for (const capture of captureFiles()) {
  for (const profile of GOLDEN_PROFILES) {
    const path = goldenPath(capture, profile);
    wanted.add(path);
    const text = await renderGolden(capture, profile);
    const before = await Deno.readTextFile(path).catch(() => null);
    if (before === text) continue;
    await Deno.writeTextFile(path, text);
    changed++;
    console.log(`${before === null ? "new" : "changed"}: ${path}`);
  }
}
for (const e of Deno.readDirSync(GOLDEN_DIR)) {
  const path = new URL(e.name, GOLDEN_DIR).pathname;
  if (e.name.endsWith(".csv") && !wanted.has(path)) {
    await Deno.remove(path);
    changed++;
    console.log(`removed: ${path}`);
  }
}
console.log(`${wanted.size} goldens, ${changed} written or removed`);
