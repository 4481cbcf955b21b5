/**
 * Logging: one line per event, levels as in the seed pipeline
 * (DEBUG/INFO/WARNING/ERROR). Library code takes a `Logger`; the pipeline
 * wires console + file sinks.
 */

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that discards everything (tests, quiet library use). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
