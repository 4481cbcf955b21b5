/**
 * Where the public test captures live (../shared/testdata/pcaps beside the
 * repo). Tests that read them are ignored where they are absent:
 * `ignore: ignoreWithout("shared-pcaps")` (tests/requirements.ts).
 */
import { have, SHARED_TESTDATA } from "../requirements.ts";

export const SHARED_PCAPS = new URL("pcaps/", SHARED_TESTDATA);

/** True when ../shared/testdata/pcaps is present. */
export const haveSharedPcaps = have("shared-pcaps");

/** Path of a shared capture, e.g. sharedPcap("small/tcpreplay-test.pcap"). */
export function sharedPcap(name: string): string {
  return new URL(name, SHARED_PCAPS).pathname;
}

/** Relative names ("small/x.pcap") of every shared capture in a folder. */
export function listSharedPcaps(folder: "small" | "medium"): string[] {
  if (!haveSharedPcaps) return [];
  return [...Deno.readDirSync(new URL(`${folder}/`, SHARED_PCAPS))]
    .filter((e) => e.isFile)
    .map((e) => `${folder}/${e.name}`)
    .sort();
}
