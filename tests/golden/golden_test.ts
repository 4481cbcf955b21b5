/**
 * The project's own captures and their golden outputs: the committed
 * captures are what the generator writes, and `convert` still writes every
 * golden CSV byte for byte. After an intended change of output, run
 * `deno task goldens` and review `git diff testdata/golden`.
 */
import assert from "node:assert/strict";
import { catalogue } from "../captures/catalogue.ts";
import {
  captureFiles,
  CAPTURES_DIR,
  firstDifferences,
  GOLDEN_PROFILES,
  goldenPath,
  renderGolden,
} from "./golden_files.ts";

Deno.test("the committed captures are exactly what the generator writes (deno task captures)", async () => {
  for (const spec of catalogue()) {
    const committed = await Deno.readFile(new URL(spec.file, CAPTURES_DIR));
    assert.deepEqual(
      committed,
      spec.bytes(),
      `${spec.file} differs from the generator: run deno task captures`,
    );
  }
});

Deno.test("the project's captures and goldens stay small (under 2 MB in all)", () => {
  let total = 0;
  for (const dir of [CAPTURES_DIR, new URL("../../testdata/golden/", import.meta.url)]) {
    for (const e of Deno.readDirSync(dir)) total += Deno.statSync(new URL(e.name, dir)).size;
  }
  assert.ok(total < 2_000_000, `${total} bytes`);
});

for (const capture of captureFiles()) {
  for (const profile of GOLDEN_PROFILES) {
    Deno.test(`golden: ${capture} under ${profile} gives testdata/golden/${capture}.${profile}.csv`, async () => {
      const path = goldenPath(capture, profile);
      const golden = await Deno.readTextFile(path).catch(() => null);
      assert.ok(golden !== null, `${path} is missing: run deno task goldens and review it`);
      const now = await renderGolden(capture, profile);
      if (now !== golden) {
        assert.fail(
          `convert output differs from ${path}; if intended, run deno task goldens and review the diff\n` +
            firstDifferences(golden, now),
        );
      }
    });
  }
}
