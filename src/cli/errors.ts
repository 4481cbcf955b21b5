export { UsageError } from "../usage_error.ts";

/**
 * The command ran but some inputs failed (e.g. one of several files was not a
 * capture). `main.ts` exits with code 1 after the command has reported them.
 */
export class PartialFailure extends Error {
  override name = "PartialFailure";
}
