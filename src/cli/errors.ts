/**
 * An error in what the user asked for (bad option, missing file, unknown name).
 * `main.ts` prints its message on one line and exits with code 2.
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * The command ran but some inputs failed (e.g. one of several files was not a
 * capture). `main.ts` exits with code 1 after the command has reported them.
 */
export class PartialFailure extends Error {
  override name = "PartialFailure";
}
