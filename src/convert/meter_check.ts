/**
 * The meter check: before the pipeline captures anything, the external meter
 * converts a tiny capture the project builds (a few TCP and UDP flows). A
 * meter that writes no valid flow table for it would send every capture of
 * the run to failed/, so the pipeline refuses to start and says why.
 */
import { buildProbeCapture, PROBE_FLOWS } from "../pcap/probe_capture.ts";
import { type Converter, ConvertError } from "./converter.ts";
import { describeMeter, type MeterIdentity } from "./meter_cli.ts";

/** A converter that runs an installed program it can name. */
export interface IdentifiedConverter extends Converter {
  identify(): Promise<MeterIdentity>;
}

/** True for the external meters (they can say which program they run). */
export function isIdentified(converter: Converter): converter is IdentifiedConverter {
  return typeof (converter as Partial<IdentifiedConverter>).identify === "function";
}

/** The meter failed the check; the message says what to do. */
export class MeterCheckError extends Error {
  override name = "MeterCheckError";
}

/** What a passed check found. */
export interface MeterCheckResult {
  identity: MeterIdentity;
  /** Flows the meter wrote for the test capture (undefined: not countable, xlsx). */
  flows: number | undefined;
  elapsedMs: number;
}

/** How long the meter may take on the test capture (Python start-up and imports included). */
export const METER_CHECK_TIMEOUT_MS = 120_000;

/**
 * Runs `converter` on the test capture in a private directory under
 * `workDir` (removed afterwards). Resolves when it wrote a valid output with
 * flow rows; rejects with a MeterCheckError naming the program, its path and
 * version, the first line of its error, and what to do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CicflowmeterConverter } from "./cicflowmeter.ts";
 * import { checkMeter, MeterCheckError } from "./meter_check.ts";
 * // The project's stand-ins (testdata/fake-meters): 0.5.0 works; 0.3.0 on scapy 2.5 writes 0-byte CSVs, exit 0.
 * const release = (v: string) =>
 *   new URL(`../../testdata/fake-meters/cicflowmeter-${v}/cicflowmeter`, import.meta.url).pathname;
 * const workDir = await Deno.makeTempDir();
 * const good = await checkMeter(new CicflowmeterConverter({ executable: release("0.5.0") }), workDir);
 * assert.ok(good.flows! > 0);
 * await assert.rejects(
 *   checkMeter(new CicflowmeterConverter({ executable: release("0.3.0-scapy2.5") }), workDir),
 *   MeterCheckError, // "cicflowmeter 0.3.0 (…/cicflowmeter) … wrote no flow row …"
 * );
 * await Deno.remove(workDir, { recursive: true });
 * ```
 */
export async function checkMeter(
  converter: IdentifiedConverter,
  workDir: string,
  timeoutMs = METER_CHECK_TIMEOUT_MS,
): Promise<MeterCheckResult> {
  let identity: MeterIdentity;
  try {
    identity = await converter.identify();
  } catch (err) {
    throw new MeterCheckError(`${converter.name} cannot be used: ${(err as Error).message}. ${WHAT_TO_DO}`);
  }
  await removeStaleCheckDirs(workDir);
  const dir = await Deno.makeTempDir({ dir: workDir, prefix: CHECK_DIR_PREFIX });
  const ext = converter.outputExtension ?? ".csv";
  const input = `${dir}/meter_check.pcap`;
  try {
    await Deno.writeFile(input, buildProbeCapture(Date.now() / 1000), { mode: 0o600 });
    let outcome;
    try {
      outcome = await converter.convert({
        input,
        output: `${dir}/meter_check${ext}`,
        reportsDir: `${dir}/reports`,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const reason = err instanceof ConvertError
        ? err.message.replace(/^meter_check\.pcap: /, "")
        : (err as Error).message;
      throw new MeterCheckError(failureMessage(identity, reason));
    }
    const countable = !outcome.detail?.includes("rows not counted");
    if (countable && outcome.flows === 0) {
      throw new MeterCheckError(
        failureMessage(identity, `it wrote no flow row (and printed no error)`),
      );
    }
    return { identity, flows: countable ? outcome.flows : undefined, elapsedMs: outcome.elapsedMs };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const CHECK_DIR_PREFIX = ".meter-check-";

/** Directories of a check whose process was killed (only one pipeline uses a data directory). */
async function removeStaleCheckDirs(workDir: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(workDir)) {
      if (entry.isDirectory && entry.name.startsWith(CHECK_DIR_PREFIX)) {
        await Deno.remove(`${workDir}/${entry.name}`, { recursive: true }).catch(() => {});
      }
    }
  } catch {
    // makeTempDir below reports an unusable directory
  }
}

const WHAT_TO_DO = "Use the built-in meter instead (`pcap-pipeline builtin …`; `--columns python` writes " +
  "the Python cicflowmeter's columns), or install a release that works (README: External flow meters). " +
  "--no-meter-check skips this check.";

function failureMessage(id: MeterIdentity, reason: string): string {
  return `${describeMeter(id)}, run as \`${id.program} ${id.invocation}\`, failed on a test capture of ` +
    `${PROBE_FLOWS} TCP/UDP flows, so every capture would fail: ${firstLine(reason)}. ${WHAT_TO_DO}`;
}

function firstLine(text: string): string {
  return text.split("\n")[0].trim();
}
