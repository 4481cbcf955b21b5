/**
 * An error in what the user asked for (bad option, bad config file, missing
 * file, unknown name). `main.ts` prints its message on one line and exits
 * with code 2. It lives below every layer so that config/ and the commands
 * can both throw it.
 */
export class UsageError extends Error {
  override name = "UsageError";
}
