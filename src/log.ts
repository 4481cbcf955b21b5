/**
 * Logging: one line per event, levels as in the seed pipeline
 * (DEBUG/INFO/WARNING/ERROR). Library code takes a `Logger`; the pipeline
 * wires console + file sinks with `createLogger`.
 *
 * Line format (local time): `2026-11-23 10:15:00 INFO capture_20261123_101500.pcap converted (123 flows, 0.4 s)`.
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

/** Log levels by name, as written in log lines and accepted by `--log-level`. */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 };

/** Parses a level name case-insensitively (`warn` is accepted for WARNING); undefined if unknown. */
export function parseLogLevel(text: string): LogLevel | undefined {
  const upper = text.trim().toUpperCase();
  if (upper === "WARN") return "WARNING";
  return (LOG_LEVELS as readonly string[]).includes(upper) ? upper as LogLevel : undefined;
}

/** A logger with sinks that must be closed (the file). */
export interface ClosableLogger extends Logger {
  /** The log file, when there is one. */
  readonly filePath?: string;
  close(): void;
}

export interface LoggerOptions {
  /** Lowest level written (default INFO). */
  level?: LogLevel;
  /** Write to the console (default true): DEBUG/INFO to stdout, WARNING/ERROR to stderr. */
  console?: boolean;
  /** Directory for `pipeline_YYYYmmdd_HHMMSS.log` (created if missing); no file when undefined. */
  logDir?: string;
  /** Clock for timestamps and the file name (tests). */
  now?: () => Date;
  /** Modes of the log file and a created log directory (default 0o600, 0o700). */
  fileMode?: number;
  dirMode?: number;
}

/** `2026-11-23 10:15:00` in local time. */
export function formatLogTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `20261123_101500` in local time, the stamp used in capture and log file names. */
export function fileStamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_` +
    `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * A logger writing to the console and/or `LOGDIR/pipeline_YYYYmmdd_HHMMSS.log`.
 * Each line is written to the file at once (synchronously, appended), so the
 * log survives a crash up to the last event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "./log.ts";
 * const logDir = await Deno.makeTempDir();
 * const log = createLogger({ level: "INFO", logDir, console: false });
 * log.info("capture_20261123_101500.pcap converted (123 flows, 0.4 s)");
 * log.debug("below the level: not written");
 * log.close();
 * const [file] = await Array.fromAsync(Deno.readDir(logDir));
 * assert.match(file.name, /^pipeline_\d{8}_\d{6}\.log$/);
 * const text = await Deno.readTextFile(`${logDir}/${file.name}`);
 * assert.match(text, /INFO.*capture_20261123_101500\.pcap converted \(123 flows, 0\.4 s\)\n$/);
 * await Deno.remove(logDir, { recursive: true });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): ClosableLogger {
  const now = options.now ?? (() => new Date());
  const minRank = RANK[options.level ?? "INFO"];
  const toConsole = options.console ?? true;
  let file: Deno.FsFile | undefined;
  let filePath: string | undefined;
  if (options.logDir !== undefined) {
    Deno.mkdirSync(options.logDir, { recursive: true, mode: options.dirMode ?? 0o700 });
    filePath = `${options.logDir}/pipeline_${fileStamp(now())}.log`;
    file = Deno.openSync(filePath, { append: true, create: true, mode: options.fileMode ?? 0o600 });
  }
  const encoder = new TextEncoder();
  const write = (level: LogLevel, message: string) => {
    if (RANK[level] < minRank) return;
    // One event, one line: embedded newlines (e.g. a tool's stderr) are folded.
    const line = `${formatLogTime(now())} ${level} ${message.replace(/\r?\n/g, " | ")}`;
    if (toConsole) {
      if (RANK[level] >= RANK.WARNING) console.error(line);
      else console.log(line);
    }
    if (file) {
      try {
        const bytes = encoder.encode(line + "\n");
        let written = 0;
        while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
      } catch (err) {
        // A full disk must not take the pipeline down; the console still has the line.
        if (toConsole) console.error(`log file ${filePath}: ${(err as Error).message}`);
      }
    }
  };
  return {
    filePath,
    debug: (m) => write("DEBUG", m),
    info: (m) => write("INFO", m),
    warn: (m) => write("WARNING", m),
    error: (m) => write("ERROR", m),
    close() {
      try {
        file?.close();
      } catch { /* already closed */ }
      file = undefined;
    },
  };
}

/** A logger that keeps lines in memory (tests): `lines` holds `LEVEL message`. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`DEBUG ${m}`),
    info: (m) => lines.push(`INFO ${m}`),
    warn: (m) => lines.push(`WARNING ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
}
