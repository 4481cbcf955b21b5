/**
 * Test helpers: the stand-in meters of testdata/fake-meters/ first on PATH,
 * capture files whose names select a stand-in's behaviour, directory listings.
 */
import type { ConvertJob } from "../../src/convert/converter.ts";

/** testdata/fake-meters, absolute. */
export const FAKE_METERS_DIR = new URL("../../testdata/fake-meters", import.meta.url).pathname;

/**
 * Runs `fn` with the stand-in meters first on PATH, then restores PATH (test
 * modules share the process environment).
 */
export async function withFakeMeters<T>(fn: () => Promise<T>): Promise<T> {
  const path = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", `${FAKE_METERS_DIR}:${path}`);
  try {
    return await fn();
  } finally {
    Deno.env.set("PATH", path);
  }
}

/** A small capture of the project's own (nanosecond, big-endian pcap; tests/captures/catalogue.ts). */
export const SAMPLE_PCAP =
  new URL("../../testdata/captures/format-pcap-ns-be.pcap", import.meta.url).pathname;

/** Copies the sample capture to `dir/name` (the name may hold a behaviour word: hang, fail, …). */
export async function makeCapture(dir: string, name: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${name}`;
  await Deno.copyFile(SAMPLE_PCAP, path);
  return path;
}

/** A classic pcap with only its 24-byte global header (no packets). */
export async function makeEmptyPcap(path: string): Promise<string> {
  const header = new Uint8Array(24);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 262144, true);
  view.setUint32(20, 1, true);
  await Deno.writeFile(path, header);
  return path;
}

/** Names in `dir` (sorted), [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

/** A job for `input` writing `csvDir/<stem><ext>`. */
export function jobFor(
  input: string,
  csvDir: string,
  reportsDir: string,
  ext = ".csv",
  signal?: AbortSignal,
): ConvertJob {
  const stem = input.slice(input.lastIndexOf("/") + 1).replace(/\.[^.]*$/, "");
  return {
    input,
    output: `${csvDir}/${stem}${ext}`,
    reportsDir,
    signal: signal ?? new AbortController().signal,
  };
}
