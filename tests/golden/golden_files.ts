/**
 * Golden outputs: for every capture in testdata/captures/ and every profile,
 * the CSV `convert` writes with default options, kept in
 * testdata/golden/<capture file>.<profile>.csv. A new profile is one more
 * file per capture; `deno task goldens` (tests/golden/update.ts) rewrites them.
 */
import { convertCaptureFile } from "../../src/convert/convert_file.ts";
import { PROFILE_NAMES } from "../../src/flow/profile.ts";
import type { ProfileName } from "../../src/flow/flow_record.ts";

export const CAPTURES_DIR = new URL("../../testdata/captures/", import.meta.url);
export const GOLDEN_DIR = new URL("../../testdata/golden/", import.meta.url);

/** Capture file names in testdata/captures/, sorted. */
export function captureFiles(): string[] {
  return [...Deno.readDirSync(CAPTURES_DIR)]
    .filter((e) => e.isFile && /\.(pcap|pcapng)$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

/** Every profile the meter has (a new one gets its goldens from `deno task goldens`). */
export const GOLDEN_PROFILES: readonly ProfileName[] = PROFILE_NAMES;

/** Path of the golden CSV of one capture and profile. */
export function goldenPath(capture: string, profile: ProfileName): string {
  return new URL(`${capture}.${profile}.csv`, GOLDEN_DIR).pathname;
}

/** What `convert --profile PROFILE` writes for a capture today. */
export async function renderGolden(capture: string, profile: ProfileName): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "golden_" });
  try {
    const out = `${dir}/out.csv`;
    await convertCaptureFile(new URL(capture, CAPTURES_DIR).pathname, out, { profile });
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The first lines where two CSV texts differ, for a readable failure. */
export function firstDifferences(want: string, got: string, max = 3): string {
  const a = want.split("\n"), b = got.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < max; i++) {
    if (a[i] !== b[i]) {
      out.push(`line ${i + 1}:\n  golden: ${a[i] ?? "(none)"}\n  now:    ${b[i] ?? "(none)"}`);
    }
  }
  return out.join("\n");
}
