/**
 * What one streamed row looks like on the wire, shared by the publishing
 * side (sensors) and `collect`. The body is the row exactly as written to
 * the local file (one CSV line, no newline); NATS headers carry where it
 * came from and the file's header line, so `collect` can write the same
 * layout without any other message.
 *
 * The message id is stable: `sensor/source/row`. A replay (spool after an
 * outage, a restart) publishes the same id again and JetStream's
 * de-duplication window drops it.
 */

/** Header names (NATS headers are case-sensitive on our side; keep these exact). */
export const HDR = {
  sensor: "Pp-Sensor",
  /** The local file (base name) or window the row belongs to. */
  source: "Pp-Source",
  /** 1-based data row in that source; "summary" for a window summary. */
  row: "Pp-Row",
  /** `flows` (pipeline, live), `windows` (window rows) or `window-summary`. */
  kind: "Pp-Kind",
  /** When the row was written locally (ms since the epoch): decides the hour file in collect. */
  time: "Pp-Time",
  /** The local file's header line (no newline). */
  header: "Pp-Header",
} as const;

/** Kinds of streamed rows; each is written to its own files by collect. */
export const ROW_KINDS = ["flows", "windows", "window-summary"] as const;
/** A kind of streamed row. */
export type RowKind = typeof ROW_KINDS[number];

/** One message to publish, as it is kept in the spool. */
export interface SinkMessage {
  /** Subject, e.g. `flows.lab1`. */
  subject: string;
  /** Stable message id (`Nats-Msg-Id`). */
  id: string;
  sensor: string;
  source: string;
  row: string;
  kind: RowKind;
  time: number;
  header: string;
  /** The row text without its newline. */
  body: string;
}

/**
 * The stable message id of one row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageId } from "./message.ts";
 * assert.deepEqual(messageId("lab1", "capture_20261202_081500.csv", 17), "lab1/capture_20261202_081500.csv/17");
 * ```
 */
export function messageId(sensor: string, source: string, row: number | string): string {
  return `${sensor}/${source}/${row}`;
}

const SENSOR_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Checks a sensor name: it becomes a subject token and a directory name in
 * collect's output, so only letters, digits, `_` and `-` (at most 64).
 * Returns an error message, or undefined when the name is good.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sensorNameProblem } from "./message.ts";
 * assert.deepEqual(sensorNameProblem("lab-1"), undefined);
 * ```
 */
export function sensorNameProblem(name: string): string | undefined {
  if (SENSOR_NAME.test(name)) return undefined;
  return `sensor name "${name}" must be 1 to 64 letters, digits, "_" or "-" ` +
    `(it names the subject and collect's directory)`;
}

/**
 * The default sensor name from a host name: dots and other characters a
 * subject token cannot hold become `_`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sensorFromHostName } from "./message.ts";
 * assert.deepEqual(sensorFromHostName("probe1.lab.example"), "probe1_lab_example");
 * ```
 */
export function sensorFromHostName(host: string): string {
  const name = host.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
  return name === "" ? "sensor" : name;
}

/**
 * The default subject of a sensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultSubject } from "./message.ts";
 * assert.deepEqual(defaultSubject("lab1"), "flows.lab1");
 * ```
 */
export function defaultSubject(sensor: string): string {
  return `flows.${sensor}`;
}

/**
 * Checks a subject to publish to: dot-separated tokens, no wildcards or
 * spaces. Returns an error message or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subjectProblem } from "./message.ts";
 * assert.deepEqual(subjectProblem("flows.lab1"), undefined);
 * ```
 */
export function subjectProblem(subject: string): string | undefined {
  if (subject === "" || subject.split(".").some((t) => t === "" || /[\s*>]/.test(t))) {
    return `subject "${subject}" is not a publish subject (dot-separated tokens, no spaces, * or >)`;
  }
  return undefined;
}
