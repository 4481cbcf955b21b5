/**
 * Formats of the Timestamp column (spec §3.11). A flow's `timestampUs` is
 * integer microseconds since the epoch (UTC); formats that show local time
 * convert with an IANA zone whose UTC offset is looked up once per hour of
 * input (one `Intl.DateTimeFormat` per formatter, none per row).
 */

/** Names accepted by `--timestamp-format`. */
export const TIMESTAMP_FORMATS = ["iso", "cic2017", "ddos2019", "java", "epoch"] as const;

/**
 * - `iso`: `2017-07-07T18:30:00.123456Z`, always UTC (the zone option is ignored).
 * - `cic2017`: `07/07/2017 06:30:00`, J3's `dd/MM/yyyy hh:mm:ss`, 12-hour clock without AM/PM.
 * - `ddos2019`: `2017-07-07 18:30:00.123456`, 24-hour, always 6 fraction digits.
 * - `java`: `07/07/2017 06:30:00 PM`, JM's `dd/MM/yyyy hh:mm:ss a`.
 * - `epoch`: `1499452200123456`, integer µs since the epoch (a number, not a string).
 */
export type TimestampFormat = typeof TIMESTAMP_FORMATS[number];

/** Turns a flow's first-packet time into the Timestamp column's value. */
export type TimestampFormatter = (timestampUs: number) => string | number;

/**
 * Checks a `--timestamp-format` value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTimestampFormat } from "./timestamp_format.ts";
 * assert.deepEqual(parseTimestampFormat("cic2017"), "cic2017");
 * ```
 */
export function parseTimestampFormat(name: string): TimestampFormat {
  if ((TIMESTAMP_FORMATS as readonly string[]).includes(name)) return name as TimestampFormat;
  throw new Error(`unknown timestamp format "${name}" (expected one of: ${TIMESTAMP_FORMATS.join(", ")})`);
}

/**
 * Builds the formatter for `format` in `timeZone` (IANA name, default "UTC").
 * Throws naming the zone when it is unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeTimestampFormatter } from "./timestamp_format.ts";
 * assert.deepEqual(makeTimestampFormatter("ddos2019", "America/Halifax")(1499452200123456), "2017-07-07 15:30:00.123456");
 * ```
 */
export function makeTimestampFormatter(format: TimestampFormat, timeZone = "UTC"): TimestampFormatter {
  if (format === "epoch") return (us) => us;
  if (format === "iso") {
    const prefix = bySecond((us) => {
      const t = splitUs(us, 0);
      return `${t.date("-", true)}T${t.time(true)}.`;
    });
    return (us) => `${prefix(us)}${pad6(microsOf(us))}Z`;
  }
  const offsetMs = zoneOffsetLookup(timeZone);
  switch (format) {
    case "ddos2019": {
      const prefix = bySecond((us) => {
        const t = splitUs(us, offsetMs(Math.floor(us / 1000)));
        return `${t.date("-", true)} ${t.time(true)}.`;
      });
      return (us) => `${prefix(us)}${pad6(microsOf(us))}`;
    }
    case "cic2017":
      return bySecond((us) => {
        const t = splitUs(us, offsetMs(Math.floor(us / 1000)));
        return `${t.date("/", false)} ${t.time(false)}`;
      });
    case "java":
      return bySecond((us) => {
        const t = splitUs(us, offsetMs(Math.floor(us / 1000)));
        return `${t.date("/", false)} ${t.time(false)} ${t.hour < 12 ? "AM" : "PM"}`;
      });
  }
}

/**
 * `text` of a timestamp, computed once per whole second: rows come roughly in time
 * order, many per second (a flood: thousands), and the date and time of day are the
 * dearest part of a row after its numbers. Zone offsets change on whole seconds.
 */
function bySecond(text: (us: number) => string): (us: number) => string {
  let second = NaN, cached = "";
  return (us) => {
    if (!Number.isSafeInteger(us)) throw new RangeError(`timestamp ${us} µs is not an integer`);
    const s = Math.floor(us / 1e6);
    if (s !== second) {
      cached = text(us);
      second = s;
    }
    return cached;
  };
}

/** The µs within the second (0–999 999, also before 1970). */
function microsOf(us: number): number {
  return us - Math.floor(us / 1e6) * 1e6;
}

const ISO_OR_DDOS =
  /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d)\.(\d{6}|\d{3})Z| (\d\d):(\d\d):(\d\d)\.(\d{6}))$/;
const JAVA = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d) (AM|PM)$/;

/**
 * The instant (µs since the epoch) of a Timestamp cell written in UTC by
 * the `iso`, `ddos2019`, `java` or `epoch` formatter: the inverse of
 * `makeTimestampFormatter(format, "UTC")`; `iso` also with milliseconds
 * (`Date.prototype.toISOString`). Undefined for other text,
 * including `cic2017`'s, whose 12-hour clock without AM/PM does not say
 * which half of the day it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTimestampText } from "./timestamp_format.ts";
 * assert.equal(parseTimestampText("2017-07-07T18:30:00.123456Z"), 1499452200123456);
 * assert.equal(parseTimestampText("2017-07-07 18:30:00.123456"), 1499452200123456);
 * assert.equal(parseTimestampText("07/07/2017 06:30:00"), undefined);
 * ```
 */
export function parseTimestampText(text: string): number | undefined {
  if (/^-?\d{1,16}$/.test(text)) {
    const us = Number(text);
    return Number.isSafeInteger(us) ? us : undefined;
  }
  const iso = ISO_OR_DDOS.exec(text);
  if (iso) {
    const t = iso[4] !== undefined ? iso.slice(4, 8) : iso.slice(8, 12);
    const us = t[3].length === 3 ? +t[3] * 1000 : +t[3];
    return civilToUs(+iso[1], +iso[2], +iso[3], +t[0], +t[1], +t[2], us);
  }
  const java = JAVA.exec(text);
  if (java) {
    const h12 = +java[4];
    if (h12 < 1 || h12 > 12) return undefined;
    const hour = h12 % 12 + (java[7] === "PM" ? 12 : 0);
    return civilToUs(+java[3], +java[2], +java[1], hour, +java[5], +java[6], 0);
  }
  return undefined;
}

/** µs since the epoch of a UTC civil time; undefined when a field is out of range. */
function civilToUs(y: number, mo: number, d: number, h: number, mi: number, s: number, us: number) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (date.getUTCDate() !== d) return undefined;
  return date.getTime() * 1000 + us;
}

/** Civil time fields of one instant, filled by `splitUs` (reused, not allocated per row). */
class CivilTime {
  year = 0;
  month = 0;
  day = 0;
  hour = 0;
  minute = 0;
  second = 0;

  /** `yyyy-MM-dd` (isoOrder) or `dd/MM/yyyy`. */
  date(sep: string, isoOrder: boolean): string {
    const y = String(this.year).padStart(4, "0");
    return isoOrder
      ? `${y}${sep}${pad2(this.month)}${sep}${pad2(this.day)}`
      : `${pad2(this.day)}${sep}${pad2(this.month)}${sep}${y}`;
  }

  /** `HH:mm:ss` (24-hour) or `hh:mm:ss` (12-hour, 12 for noon and midnight). */
  time(h24: boolean): string {
    const h = h24 ? this.hour : (this.hour + 11) % 12 + 1;
    return `${pad2(h)}:${pad2(this.minute)}:${pad2(this.second)}`;
  }
}

const civil = new CivilTime();

/** Splits µs since the epoch, shifted by a zone offset, into civil fields to the second (`bySecond` checks `us`). */
function splitUs(us: number, offsetMs: number): CivilTime {
  const secs = Math.floor(us / 1e6);
  const local = secs + offsetMs / 1000;
  const days = Math.floor(local / 86400);
  const sod = local - days * 86400;
  civil.hour = Math.floor(sod / 3600);
  civil.minute = Math.floor((sod % 3600) / 60);
  civil.second = sod % 60;
  civilFromDays(days, civil);
  return civil;
}

/** Days since 1970-01-01 to year/month/day (Howard Hinnant's algorithm, proleptic Gregorian). */
function civilFromDays(days: number, out: CivilTime): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  out.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  out.month = mp < 10 ? mp + 3 : mp - 9;
  out.year = yoe + era * 400 + (out.month <= 2 ? 1 : 0);
}

const HOUR_MS = 3_600_000;

/**
 * Returns `ms → offset of timeZone at ms` (in ms, whole seconds), caching one
 * offset per UTC hour. An hour whose start and end offsets differ holds a
 * transition and is computed per call instead.
 */
function zoneOffsetLookup(timeZone: string): (ms: number) => number {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return () => 0;
  let dtf: Intl.DateTimeFormat;
  try {
    dtf = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
  } catch {
    throw new Error(
      `unknown time zone "${timeZone}" (expected an IANA name such as "Europe/Berlin" or "UTC")`,
    );
  }
  const exact = (ms: number): number => {
    const whole = Math.floor(ms / 1000) * 1000;
    const f: Record<string, string> = {};
    for (const part of dtf.formatToParts(whole)) f[part.type] = part.value;
    let year = Number(f.year);
    if (f.era === "BC" || f.era === "B") year = 1 - year;
    const asUtc = Date.UTC(
      year,
      Number(f.month) - 1,
      Number(f.day),
      Number(f.hour),
      Number(f.minute),
      Number(f.second),
    );
    return asUtc - whole;
  };
  const cache = new Map<number, number>();
  return (ms) => {
    const hour = Math.floor(ms / HOUR_MS);
    const cached = cache.get(hour);
    if (cached !== undefined) return cached;
    const start = exact(hour * HOUR_MS);
    if (start !== exact(hour * HOUR_MS + HOUR_MS - 1000)) return exact(ms);
    if (cache.size > 4096) cache.clear();
    cache.set(hour, start);
    return start;
  };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad6(n: number): string {
  return String(n).padStart(6, "0");
}
