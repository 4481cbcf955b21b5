/**
 * What a test needs from the machine it runs on, in one place, so a clone
 * with nothing beside it passes and says once what it could not prove.
 *
 * `../shared/testdata` (public captures, Java reference CSVs) exists only on
 * the project's own machines; capture tests need root and tcpdump. A test
 * that needs one of them is *ignored* where it is missing, never failed:
 *
 * ```ts ignore
 * import { ignoreWithout, sharedPath } from "../requirements.ts";
 * Deno.test({
 *   name: "reader matches tshark on small/x.pcap",
 *   ignore: ignoreWithout("shared-pcaps"), // call it once per test: it counts
 *   fn: async () => { await readCaptureFile(sharedPath("pcaps/small/x.pcap"), () => {}); },
 * });
 * ```
 *
 * `deno task test` first runs tests/ignored_summary.ts, which loads every
 * test module without running it and prints one line: how many tests are
 * ignored here and why.
 */

/** Something a test may need that a user's machine may lack. */
export type Requirement =
  | "shared-pcaps"
  | "shared-reference"
  | "root"
  | "tcpdump"
  | "nats-server"
  | "pandas"
  | "iptables";

/** ../shared/testdata beside the repository (tests/ is one level down). */
export const SHARED_TESTDATA = new URL("../../shared/testdata/", import.meta.url);

function exists(url: URL): boolean {
  try {
    Deno.statSync(url);
    return true;
  } catch {
    return false;
  }
}

function uidIsRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/** `command --version` runs and succeeds. */
function runs(command: string): boolean {
  try {
    return new Deno.Command(command, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

function natsServerInstalled(): boolean {
  return ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"].some((p) =>
    exists(new URL(`file://${p}`))
  );
}

/** Debian's python3 with pandas (the independent CSV reader; the pyenv python on PATH may lack it). */
function debianPandas(): boolean {
  try {
    return new Deno.Command("/usr/bin/python3", {
      args: ["-c", "import pandas"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

const available: Record<Requirement, boolean> = {
  "shared-pcaps": exists(new URL("pcaps/", SHARED_TESTDATA)),
  "shared-reference": exists(new URL("reference/", SHARED_TESTDATA)),
  root: uidIsRoot(),
  tcpdump: runs("tcpdump"),
  "nats-server": natsServerInstalled(),
  pandas: debianPandas(),
  // The NFLOG tests add an iptables rule in a network namespace of their own.
  iptables: runs("iptables"),
};

/** Why each requirement may be missing, as the summary line says it. */
export const REQUIREMENT_REASONS: Record<Requirement, string> = {
  "shared-pcaps": "need the public captures of ../shared/testdata/pcaps (not found beside the repo)",
  "shared-reference":
    "need the Java reference CSVs of ../shared/testdata/reference (not found beside the repo)",
  root: "need root for packet capture",
  tcpdump: "need tcpdump (apt-get install tcpdump)",
  "nats-server": "need nats-server (apt-get install nats-server)",
  pandas: "need Debian's pandas in /usr/bin/python3 (apt-get install python3-pandas)",
  iptables: "need iptables for NFLOG captures (apt-get install iptables)",
};

const tally = new Map<Requirement, number>();

/** True when every requirement is met here (no counting; for helpers, not for `ignore:`). */
export function have(...needs: Requirement[]): boolean {
  return needs.every((r) => available[r]);
}

/**
 * The `ignore` value of one test that needs `needs`: true when one is
 * missing here. Counts the test under the first missing requirement for the
 * run's summary line, so call it once per test.
 */
export function ignoreWithout(...needs: Requirement[]): boolean {
  const missing = needs.find((r) => !available[r]);
  if (missing === undefined) return false;
  tally.set(missing, (tally.get(missing) ?? 0) + 1);
  return true;
}

/** The first missing requirement's reason, or undefined when all are met. */
export function missingReason(...needs: Requirement[]): string | undefined {
  const missing = needs.find((r) => !available[r]);
  return missing && REQUIREMENT_REASONS[missing];
}

/** Tests counted as ignored so far, by the requirement that is missing. */
export function ignoredTally(): ReadonlyMap<Requirement, number> {
  return tally;
}

/** Absolute path of a file under ../shared/testdata, e.g. sharedPath("pcaps/small/x.pcap"). */
export function sharedPath(relative: string): string {
  return new URL(relative, SHARED_TESTDATA).pathname;
}
