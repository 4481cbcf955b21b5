/**
 * Where the public test captures live (../shared/testdata beside the repo),
 * and a way for tests to skip clearly when they are absent.
 */
export const SHARED_PCAPS = new URL("../../../shared/testdata/pcaps/", import.meta.url);

function exists(url: URL): boolean {
  try {
    Deno.statSync(url);
    return true;
  } catch {
    return false;
  }
}

/** True when ../shared/testdata/pcaps is present. */
export const haveSharedPcaps = exists(SHARED_PCAPS);

if (!haveSharedPcaps) {
  console.warn(`skipping tests on public captures: ${SHARED_PCAPS.pathname} not found`);
}

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
