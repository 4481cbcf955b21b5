/**
 * Test helpers: the stand-in meters of testdata/fake-meters/ first on PATH
 * (one directory per real release they mirror), capture files whose names
 * select a stand-in's test hook, directory listings.
 */
import type { ConvertJob } from "../../src/convert/converter.ts";
import { buildProbeCapture } from "../../src/pcap/probe_capture.ts";

/** testdata/fake-meters, absolute: `cicflowmeter` and `nexusflowmeter` there are the default releases. */
export const FAKE_METERS_DIR = new URL("../../testdata/fake-meters", import.meta.url).pathname;

/** The cicflowmeter releases with a stand-in that works (0.5.0: -d only; 0.4.2: -f only, like 0.1.x–0.3.x). */
export const CICFLOWMETER_RELEASES = ["0.5.0", "0.4.2"] as const;
/** A broken install with a stand-in: 0.3.0 on scapy 2.5 writes 0-byte CSVs and exits 0. */
export const BROKEN_CICFLOWMETER = "0.3.0-scapy2.5";
/** The nexusflowmeter releases with a stand-in. */
export const NEXUSFLOWMETER_RELEASES = ["0.1.5"] as const;

/** Which stand-in release of each meter goes first on PATH. */
export interface FakeReleases {
  cicflowmeter?: string;
  nexusflowmeter?: string;
}

/** PATH with the chosen stand-in releases (default: 0.5.0 and 0.1.5) before `path`. */
export function fakeMetersPath(releases: FakeReleases = {}, path = Deno.env.get("PATH") ?? ""): string {
  const dirs = [
    `${FAKE_METERS_DIR}/cicflowmeter-${releases.cicflowmeter ?? CICFLOWMETER_RELEASES[0]}`,
    `${FAKE_METERS_DIR}/nexusflowmeter-${releases.nexusflowmeter ?? NEXUSFLOWMETER_RELEASES[0]}`,
  ];
  return `${dirs.join(":")}:${path}`;
}

/**
 * Runs `fn` with the stand-in meters first on PATH, then restores PATH (test
 * modules share the process environment).
 */
export async function withFakeMeters<T>(fn: () => Promise<T>, releases: FakeReleases = {}): Promise<T> {
  const path = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", fakeMetersPath(releases, path));
  try {
    return await fn();
  } finally {
    Deno.env.set("PATH", path);
  }
}

/**
 * A small capture built by the project (src/pcap/probe_capture.ts: 3 TCP and
 * 2 UDP flows), written once per test process to a temporary file.
 */
export const SAMPLE_PCAP = await (async () => {
  const dir = await Deno.makeTempDir({ prefix: "fake_meters_sample_" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const path = `${dir}/sample.pcap`;
  await Deno.writeFile(path, buildProbeCapture(Date.now() / 1000));
  return path;
})();

/** Copies the sample capture to `dir/name` (the name may hold a test-hook word: hang, fail, …). */
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

/** A classic pcap holding one ARP frame: packets, but no IPv4 TCP/UDP flow. */
export async function writeNonIpCapture(path: string): Promise<string> {
  const header = new Uint8Array(24);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, 1, true);
  const frame = new Uint8Array(42);
  frame.fill(0xff, 0, 6);
  frame.set([2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1], 6);
  const record = new Uint8Array(16);
  const rv = new DataView(record.buffer);
  rv.setUint32(0, Math.floor(Date.now() / 1000), true);
  rv.setUint32(8, frame.length, true);
  rv.setUint32(12, frame.length, true);
  await Deno.writeFile(path, new Uint8Array([...header, ...record, ...frame]));
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
