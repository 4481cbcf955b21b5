import assert from "node:assert/strict";
import { csvString, formatNumber, jsonNumber } from "../../src/output/format_value.ts";
import {
  makeTimestampFormatter,
  parseTimestampFormat,
  parseTimestampText,
  TIMESTAMP_FORMATS,
} from "../../src/output/timestamp_format.ts";
import { SAMPLE_TIMESTAMP_US } from "./sample_record.ts";

/** µs since the epoch of an ISO UTC time plus extra µs. */
const us = (iso: string, extraUs = 0) => Date.parse(iso) * 1000 + extraUs;

Deno.test("numbers: integers plain, floats shortest round-trip, NaN and Infinity in Java's spelling", () => {
  assert.equal(formatNumber(1234567), "1234567");
  assert.equal(formatNumber(-1), "-1");
  assert.equal(formatNumber(0.1 + 0.2), "0.30000000000000004");
  assert.equal(formatNumber(34.333333333333336), "34.333333333333336");
  assert.equal(formatNumber(NaN), "NaN");
  assert.equal(formatNumber(Infinity), "Infinity");
  assert.equal(formatNumber(-Infinity), "-Infinity");
  assert.equal(Number(formatNumber(6458.369698027579)), 6458.369698027579);
});

Deno.test("numbers in point style always carry a decimal point (ddos2019)", () => {
  assert.equal(formatNumber(2, "point"), "2.0");
  assert.equal(formatNumber(-1, "point"), "-1.0");
  assert.equal(formatNumber(2944, "point"), "2944.0");
  assert.equal(formatNumber(343.5, "point"), "343.5");
  assert.equal(formatNumber(458000000, "point"), "458000000.0");
  assert.equal(formatNumber(1e21, "point"), "1e+21");
  assert.equal(formatNumber(NaN, "point"), "NaN");
  assert.equal(formatNumber(Infinity, "point"), "Infinity");
});

Deno.test("JSON numbers: finite as numbers, NaN and Infinity as strings", () => {
  assert.equal(jsonNumber(2.5), "2.5");
  assert.equal(jsonNumber(-1), "-1");
  assert.equal(jsonNumber(NaN), '"NaN"');
  assert.equal(jsonNumber(-Infinity), '"-Infinity"');
  assert.deepEqual(JSON.parse(`[${jsonNumber(Infinity)},${jsonNumber(3)}]`), ["Infinity", 3]);
});

Deno.test("CSV strings are quoted only when they hold a comma, quote or newline", () => {
  assert.equal(csvString("BENIGN"), "BENIGN");
  assert.equal(csvString("DrDoS_DNS"), "DrDoS_DNS");
  assert.equal(csvString("fe80::1"), "fe80::1");
  assert.equal(csvString("a,b"), '"a,b"');
  assert.equal(csvString('say "hi"'), '"say ""hi"""');
  assert.equal(csvString("two\nlines"), '"two\nlines"');
  assert.equal(csvString("cr\r"), '"cr\r"');
});

Deno.test("iso timestamps are UTC with six fraction digits", () => {
  const iso = makeTimestampFormatter("iso");
  assert.equal(iso(SAMPLE_TIMESTAMP_US), "2017-07-07T18:30:00.123456Z");
  assert.equal(iso(0), "1970-01-01T00:00:00.000000Z");
  assert.equal(iso(us("2024-02-29T23:59:59Z", 7)), "2024-02-29T23:59:59.000007Z");
  // The zone is ignored for iso.
  assert.equal(
    makeTimestampFormatter("iso", "Asia/Tokyo")(SAMPLE_TIMESTAMP_US),
    "2017-07-07T18:30:00.123456Z",
  );
});

Deno.test("iso timestamps agree with Date for many instants", () => {
  const iso = makeTimestampFormatter("iso");
  for (let i = 0; i < 2000; i++) {
    const ms = Math.floor(((i * 7919) % 2000) * 1e9 + i * 123457);
    const want = new Date(ms).toISOString().replace("Z", "") + "321Z";
    assert.equal(iso(ms * 1000 + 321), want);
  }
});

Deno.test("cic2017 timestamps are dd/MM/yyyy hh:mm:ss, 12-hour without AM/PM, in the chosen zone", () => {
  assert.equal(makeTimestampFormatter("cic2017")(SAMPLE_TIMESTAMP_US), "07/07/2017 06:30:00");
  const halifax = makeTimestampFormatter("cic2017", "America/Halifax");
  assert.equal(halifax(SAMPLE_TIMESTAMP_US), "07/07/2017 03:30:00"); // ADT, UTC−3
  assert.equal(halifax(us("2017-01-15T12:00:00Z")), "15/01/2017 08:00:00"); // AST, UTC−4
  const utc = makeTimestampFormatter("cic2017", "UTC");
  assert.equal(utc(us("2017-07-07T00:15:09Z")), "07/07/2017 12:15:09");
  assert.equal(utc(us("2017-07-07T12:15:09Z")), "07/07/2017 12:15:09");
  assert.equal(utc(us("2017-07-07T13:00:00Z")), "07/07/2017 01:00:00");
});

Deno.test("java timestamps carry AM/PM", () => {
  const java = makeTimestampFormatter("java", "America/Halifax");
  assert.equal(java(SAMPLE_TIMESTAMP_US), "07/07/2017 03:30:00 PM");
  const utc = makeTimestampFormatter("java");
  assert.equal(utc(us("2017-07-07T00:15:09Z")), "07/07/2017 12:15:09 AM");
  assert.equal(utc(us("2017-07-07T11:59:59Z")), "07/07/2017 11:59:59 AM");
  assert.equal(utc(us("2017-07-07T12:00:00Z")), "07/07/2017 12:00:00 PM");
});

Deno.test("ddos2019 timestamps are 24-hour with six fraction digits", () => {
  const d = makeTimestampFormatter("ddos2019");
  assert.equal(d(us("2018-12-01T11:13:44Z", 496470)), "2018-12-01 11:13:44.496470");
  assert.equal(d(us("2018-12-01T23:00:00Z", 5)), "2018-12-01 23:00:00.000005");
  const halifax = makeTimestampFormatter("ddos2019", "America/Halifax");
  assert.equal(halifax(SAMPLE_TIMESTAMP_US), "2017-07-07 15:30:00.123456");
});

Deno.test("epoch timestamps are the integer µs", () => {
  assert.equal(makeTimestampFormatter("epoch")(SAMPLE_TIMESTAMP_US), SAMPLE_TIMESTAMP_US);
});

Deno.test("zone offsets switch exactly at a DST transition, also on a half-hour boundary", () => {
  // Halifax: 2017-03-12 02:00 AST (06:00Z) becomes 03:00 ADT.
  const halifax = makeTimestampFormatter("ddos2019", "America/Halifax");
  assert.equal(halifax(us("2017-03-12T05:30:00Z")), "2017-03-12 01:30:00.000000");
  assert.equal(halifax(us("2017-03-12T05:59:59Z", 999999)), "2017-03-12 01:59:59.999999");
  assert.equal(halifax(us("2017-03-12T06:00:00Z")), "2017-03-12 03:00:00.000000");
  assert.equal(halifax(us("2017-03-12T05:59:00Z")), "2017-03-12 01:59:00.000000"); // cached hour, asked again
  // St. John's: 2017-03-12 02:00 NST (UTC−3:30, 05:30Z) becomes 03:00 NDT, mid-way through a UTC hour.
  const stJohns = makeTimestampFormatter("ddos2019", "America/St_Johns");
  assert.equal(stJohns(us("2017-03-12T05:00:00Z")), "2017-03-12 01:30:00.000000");
  assert.equal(stJohns(us("2017-03-12T05:29:59Z")), "2017-03-12 01:59:59.000000");
  assert.equal(stJohns(us("2017-03-12T05:30:00Z")), "2017-03-12 03:00:00.000000");
  assert.equal(stJohns(us("2017-03-12T05:45:00Z")), "2017-03-12 03:15:00.000000");
});

Deno.test("zoned timestamps agree with Intl for many instants", () => {
  const f = makeTimestampFormatter("ddos2019", "Europe/Berlin");
  const intl = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Europe/Berlin",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  for (let i = 0; i < 500; i++) {
    const ms = 1_490_000_000_000 + i * 3_600_000 * 17 + i * 1000;
    assert.equal(f(ms * 1000), intl.format(ms) + ".000000", new Date(ms).toISOString());
  }
});

Deno.test("unknown zones and formats are errors naming them", () => {
  assert.throws(() => makeTimestampFormatter("cic2017", "Mars/Olympus"), /"Mars\/Olympus"/);
  assert.throws(() => parseTimestampFormat("rfc3339"), /"rfc3339".*iso, cic2017/);
  for (const f of TIMESTAMP_FORMATS) assert.equal(parseTimestampFormat(f), f);
});

Deno.test("timestamp text written in UTC reads back as the instant; cic2017's 12-hour text does not", () => {
  const instants = [
    SAMPLE_TIMESTAMP_US,
    1_499_419_800_000_000,
    0,
    1_764_633_600_999_999,
    1_764_676_799_000_001,
  ];
  for (const us of instants) {
    for (const format of ["iso", "ddos2019", "epoch"] as const) {
      assert.equal(parseTimestampText(String(makeTimestampFormatter(format)(us))), us, `${format} ${us}`);
    }
    // java keeps whole seconds.
    assert.equal(parseTimestampText(String(makeTimestampFormatter("java")(us))), Math.floor(us / 1e6) * 1e6);
    assert.equal(parseTimestampText(String(makeTimestampFormatter("cic2017")(us))), undefined);
  }
  assert.equal(parseTimestampText("2026-12-02T08:15:00.123Z"), Date.UTC(2026, 11, 2, 8, 15, 0, 123) * 1000);
  for (
    const bad of ["", "2026-02-30 08:00:00.000000", "2026-12-02T08:15:00.123456", "13/01/2026 13:00:00 PM"]
  ) {
    assert.equal(parseTimestampText(bad), undefined, bad);
  }
});

Deno.test("a formatter reused for many rows gives each time its own text: within a second, across seconds, back in time, before 1970", () => {
  const base = us("2017-11-05T05:59:58Z"); // an hour before Halifax leaves daylight time
  const times = [
    ...Array.from({ length: 40 }, (_, i) => base + i * 99_991), // ~10 per second over 4 s
    base + 3600e6 - 1, // the last µs before the change of offset, then the first after
    base + 3600e6,
    base + 3600e6 + 500_000,
    base - 1, // back in time: the second before the cached one
    base,
    -1, // 1969-12-31T23:59:59.999999Z
    -1_000_000,
    0,
  ];
  for (const format of TIMESTAMP_FORMATS) {
    for (const zone of ["UTC", "America/Halifax"]) {
      const reused = makeTimestampFormatter(format, zone);
      for (const t of times) {
        assert.equal(reused(t), makeTimestampFormatter(format, zone)(t), `${format} ${zone} ${t}`);
      }
    }
  }
  assert.equal(makeTimestampFormatter("iso")(-1), "1969-12-31T23:59:59.999999Z");
  assert.throws(() => makeTimestampFormatter("iso")(1.5), /not an integer/);
});
