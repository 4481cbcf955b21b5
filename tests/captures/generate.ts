/**
 * Writes the project's own test captures (tests/captures/catalogue.ts) to
 * testdata/captures/. Deterministic: running it again changes no byte.
 * Recorded captures (loopback-*, made by tests/tools/record_loopback_captures.ts)
 * are left alone.
 *
 *   deno task captures
 */
import { catalogue } from "./catalogue.ts";

export const CAPTURES_DIR = new URL("../../testdata/captures/", import.meta.url);

if (import.meta.main) {
  await Deno.mkdir(CAPTURES_DIR, { recursive: true });
  let total = 0;
  for (const spec of catalogue()) {
    const bytes = spec.bytes();
    total += bytes.length;
    await Deno.writeFile(new URL(spec.file, CAPTURES_DIR), bytes);
    console.log(`${spec.file.padEnd(40)} ${String(bytes.length).padStart(6)} B  ${spec.about}`);
  }
  console.log(`${catalogue().length} captures, ${total} bytes in ${CAPTURES_DIR.pathname}`);
}
