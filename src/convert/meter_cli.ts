/**
 * What we learn about an installed external meter before driving it: which
 * command line its release accepts (from its `--help` text), its version
 * (from the Python package metadata beside it, when readable), and the one
 * line of its output that says why it failed.
 */
import { runProcess } from "./process_runner.ts";

/**
 * How a cicflowmeter release is driven.
 * - `directory`: `-d INDIR -c OUTDIR` (0.5.0 / master: its `-f` always crashes, see README).
 * - `file`: `-f FILE -c OUT.csv` (0.1.x–0.4.x, which have no `-d`).
 */
export type CicflowmeterMode = "directory" | "file";

/** An installed meter program. */
export interface MeterIdentity {
  program: string;
  /** Absolute path of the executable. */
  path: string;
  /** The package version, or undefined when it cannot be read (neither CLI has `--version`). */
  version?: string;
  /** How it is run, for messages (e.g. "-d DIR -c OUTDIR"). */
  invocation: string;
}

/** Limit for `--help`: a Python meter imports scapy first (about a second, more on a busy host). */
const HELP_TIMEOUT_MS = 60_000;

/**
 * Runs `cicflowmeter --help` and picks the mode its release supports: the
 * directory mode when `-d/--directory` is listed, else `-f`. Throws when the
 * program does not print a cicflowmeter usage text (message names the path
 * and what it printed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectCicflowmeterMode } from "./meter_cli.ts";
 * // The project's stand-ins for two cicflowmeter releases (testdata/fake-meters).
 * const release = (v: string) =>
 *   new URL(`../../testdata/fake-meters/cicflowmeter-${v}/cicflowmeter`, import.meta.url).pathname;
 * assert.equal(await detectCicflowmeterMode(release("0.5.0")), "directory");
 * assert.equal(await detectCicflowmeterMode(release("0.4.2")), "file");
 * await assert.rejects(detectCicflowmeterMode("/bin/true"), /\/bin\/true/); // no usage text: names the path
 * ```
 */
export async function detectCicflowmeterMode(executable: string): Promise<CicflowmeterMode> {
  const result = await runProcess(executable, { args: ["--help"], timeoutMs: HELP_TIMEOUT_MS });
  const text = result.stdoutTail + "\n" + result.stderrTail;
  if (result.code === 0 && /(^|\s)--directory\b/m.test(text)) return "directory";
  if (result.code === 0 && /(^|\s)--file\b/m.test(text)) return "file";
  const said = meterErrorLine(result.stdoutTail, result.stderrTail) ?? "no usage text";
  const how = result.timedOut ? "did not answer within 60 s" : `exited with code ${result.code}`;
  throw new Error(`${executable} --help ${how} and does not describe cicflowmeter's -f or -d: ${said}`);
}

/**
 * The version of the Python package `dist` installed for `executable`, read
 * from the `DIST-VERSION.dist-info` directory of the environment the
 * executable belongs to (a venv, pipx, `pip install --user`, or /usr/local).
 * Undefined when it cannot be found or read (e.g. under the compiled
 * binary's read permissions).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { installedVersion } from "./meter_cli.ts";
 * const venv = await Deno.makeTempDir(); // laid out as pip installs into /opt/venv
 * await Deno.mkdir(`${venv}/lib/python3.11/site-packages/cicflowmeter-0.5.0.dist-info`, { recursive: true });
 * assert.equal(await installedVersion(`${venv}/bin/cicflowmeter`, "cicflowmeter"), "0.5.0");
 * await Deno.remove(venv, { recursive: true });
 * ```
 */
export async function installedVersion(executable: string, dist: string): Promise<string | undefined> {
  const prefix = executable.replace(/\/[^/]*\/[^/]*$/, "") || "/";
  const wanted = new RegExp(`^${dist.replace(/[-_.]+/g, "[-_.]")}-([^-]+)\\.dist-info$`, "i");
  try {
    for await (const lib of Deno.readDir(`${prefix}/lib`)) {
      if (!lib.name.startsWith("python")) continue;
      for (const packages of ["site-packages", "dist-packages"]) {
        try {
          for await (const entry of Deno.readDir(`${prefix}/lib/${lib.name}/${packages}`)) {
            const match = wanted.exec(entry.name);
            if (match) return match[1];
          }
        } catch {
          // not this layout
        }
      }
    }
  } catch {
    // no lib directory beside bin/, or not readable
  }
  return undefined;
}

/** `program 1.2.3 (/path)` or `program (/path, version unknown)`. */
export function describeMeter(id: MeterIdentity): string {
  return id.version
    ? `${id.program} ${id.version} (${id.path})`
    : `${id.program} (${id.path}, version unknown)`;
}

/**
 * The line by which a Python meter reports that it failed, whatever its exit
 * code: the first error line on stdout (`Error processing x.pcap: …`,
 * `Error: No pcap files found in …`, `Error reading PCAP file …`), else the
 * exception line ending a traceback on stderr (`AttributeError: 'bool' object
 * has no attribute 'split'`, also from a dying thread).
 * Undefined when it reported none (tcpdump's `reading from file …` lines and
 * log warnings are not errors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportedError } from "./meter_cli.ts";
 * assert.deepEqual(reportedError("", "Traceback (most recent call last):\n  File \"x\"\nValueError: bad\n"), "ValueError: bad");
 * assert.deepEqual(reportedError("Error: No pcap files found in in\n", ""), "Error: No pcap files found in in");
 * ```
 */
export function reportedError(stdout: string, stderr: string): string | undefined {
  // What the meter chose to print comes first: it names the file and the cause.
  const printed = stdout.split("\n").map((l) => l.trim()).find((l) => /^(Error\b|-> ERROR\b)/.test(l));
  if (printed) return printed;
  const errLines = stderr.split("\n").map((l) => l.trimEnd());
  const traceback = errLines.findLastIndex((l) =>
    /^(Traceback \(most recent call last\)|Exception in thread)/.test(l)
  );
  if (traceback < 0) return undefined;
  // The exception line is the first unindented "SomethingError: …" after the frames.
  const exception = errLines.slice(traceback + 1).find((l) =>
    /^[A-Za-z_][\w.]*(Error|Exception|Exit)\b/.test(l)
  );
  return exception ?? errLines[traceback];
}

/**
 * The line to quote when a meter failed: `reportedError`, else the last
 * stderr line naming an error (a traceback whose start fell out of the
 * kept tail), else the last non-empty stderr line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meterErrorLine } from "./meter_cli.ts";
 * assert.deepEqual(meterErrorLine("", "tcpdump: unknown file format\n"), "tcpdump: unknown file format");
 * ```
 */
export function meterErrorLine(stdout: string, stderr: string): string | undefined {
  const reported = reportedError(stdout, stderr);
  if (reported) return reported;
  // tcpdump's "reading from file …" (scapy filters offline captures through it) is not an error.
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("reading from file")
  );
  return lines.findLast((l) => /\b(Error|Exception|error)\b/.test(l)) ?? lines.at(-1);
}
