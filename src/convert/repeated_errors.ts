/**
 * A Converter wrapper that notices when an external meter fails the same way
 * on consecutive captures (a broken install, a bad option) and says so once,
 * as an error with the reason, instead of only one warning per file.
 */
import type { Logger } from "../log.ts";
import { baseName } from "../paths.ts";
import { type Converter, ConvertError, type ConvertJob, type ConvertOutcome } from "./converter.ts";

/** Distinct consecutive captures failing alike before the error is logged (default). */
export const REPEAT_THRESHOLD = 3;

/**
 * Wraps `inner`; after `threshold` different captures in a row failed with
 * the same reason (file names aside), logs one error. A success, or another
 * reason, starts the count again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryLogger } from "../log.ts";
 * import { type Converter, ConvertError, type ConvertJob } from "./converter.ts";
 * import { RepeatedErrorWatch } from "./repeated_errors.ts";
 * const broken: Converter = { // e.g. a meter whose Python install is broken
 *   name: "cicflowmeter",
 *   convert: (job) => Promise.reject(new ConvertError(`${job.input}: ModuleNotFoundError: No module named 'scapy'`)),
 * };
 * const log = memoryLogger();
 * const converter = new RepeatedErrorWatch(broken, log);
 * for (const n of [1, 2, 3]) {
 *   const job: ConvertJob = { input: `capture_${n}.pcap`, output: `capture_${n}.csv`, reportsDir: ".",
 *     signal: new AbortController().signal };
 *   await assert.rejects(converter.convert(job), ConvertError);
 * }
 * assert.equal(log.lines.filter((l) => l.includes("ERROR")).length, 1); // said once, after the third
 * ```
 */
export class RepeatedErrorWatch implements Converter {
  readonly name: Converter["name"];
  readonly outputExtension?: string;
  #reason = "";
  #files = new Set<string>();
  #reported = false;

  constructor(readonly inner: Converter, readonly log: Logger, readonly threshold = REPEAT_THRESHOLD) {
    this.name = inner.name;
    this.outputExtension = inner.outputExtension;
  }

  /** Converts with `inner`, counting repeated failures. */
  async convert(job: ConvertJob): Promise<ConvertOutcome> {
    try {
      const outcome = await this.inner.convert(job);
      if (this.#reported) {
        this.log.info(`${this.name} converts again after ${this.#files.size} failed captures`);
      }
      this.#reset("");
      return outcome;
    } catch (err) {
      if (err instanceof ConvertError && !job.signal.aborted) this.#note(job.input, err.message);
      throw err;
    }
  }

  #note(input: string, message: string): void {
    const name = baseName(input);
    const stem = name.replace(/\.[^.]*$/, "");
    const reason = message.split(name).join("<capture>").split(stem).join("<capture>").replace(
      /^<capture>: /,
      "",
    );
    if (reason !== this.#reason) this.#reset(reason);
    this.#files.add(input);
    if (!this.#reported && this.#files.size >= this.threshold) {
      this.#reported = true;
      this.log.error(
        `${this.name} fails the same way on every capture (${this.#files.size} in a row): ${reason}. ` +
          `Their pcaps go to failed/; fix the meter or use the built-in one (pcap-pipeline builtin).`,
      );
    }
  }

  #reset(reason: string): void {
    this.#reason = reason;
    this.#files.clear();
    this.#reported = false;
  }
}
