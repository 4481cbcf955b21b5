/**
 * What the CLI touches under the project's permission set, compared with
 * tests/security/expected_permissions.json. A new permission need (a file
 * read outside the inputs and outputs, an environment variable, a system
 * call) shows up here as a diff, and a need the set does not grant as a
 * failing command. Re-record after a deliberate change with
 * `UPDATE_EXPECTED=1 deno test -A tests/security/permissions_test.ts`.
 */
import assert from "node:assert/strict";
import { auditedRun, diffLines } from "./permission_audit.ts";
import { buildProgram } from "../../main.ts";
import { OWN_CAPTURES, ownCapture } from "../captures/own_captures.ts";

const EXPECTED = new URL("./expected_permissions.json", import.meta.url);
const UPDATE = Deno.env.get("UPDATE_EXPECTED") === "1";
const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

type Expectation = Record<string, Record<string, string[]>>;
const expected: Expectation = JSON.parse(await Deno.readTextFile(EXPECTED).catch(() => "{}"));
const recorded: Expectation = {};

interface Scenario {
  name: string;
  args: (tmp: string) => string[];
  stdin?: () => Promise<Uint8Array>;
  /** Checks of the output beyond exit code 0. */
  check?: (tmp: string, stdout: string) => Promise<void> | void;
}

const PCAP = "loopback-http.pcap";
const PCAP2 = "link-sll.pcap";

const scenarios: Scenario[] = [
  { name: "--version", args: () => ["--version"] },
  { name: "--help", args: () => ["--help"] },
  ...(await buildProgram()).commands.map((c) => ({
    name: `${c.name()} --help`,
    args: () => [c.name(), "--help"],
  })),
  {
    name: "inspect PCAP",
    args: () => ["inspect", ownCapture(PCAP)],
    check: (_tmp, stdout) => assert.match(stdout, /packets: +49/),
  },
  // One thread (also the default for a file this small; --no-reader-thread says so on any machine).
  {
    name: "convert PCAP -o FILE --no-reader-thread",
    args: (tmp) => ["convert", "-q", ownCapture(PCAP), "-o", `${tmp}/out.csv`, "--no-reader-thread"],
    check: async (tmp) => assert.ok((await Deno.stat(`${tmp}/out.csv`)).size > 1000),
  },
  {
    name: "convert PCAP -o FILE --format parquet --no-reader-thread",
    args: (tmp) => [
      "convert",
      "-q",
      ownCapture(PCAP),
      "-o",
      `${tmp}/out.parquet`,
      "--format",
      "parquet",
      "--no-reader-thread",
    ],
    check: async (tmp) => assert.ok((await Deno.stat(`${tmp}/out.parquet`)).size > 1000),
  },
  // By default a file this small is read on one thread (under 64 MiB): no worker module is read.
  {
    name: "convert PCAP -o FILE",
    args: (tmp: string) => ["convert", "-q", ownCapture(PCAP), "-o", `${tmp}/out.csv`],
    check: async (tmp: string) => assert.ok((await Deno.stat(`${tmp}/out.csv`)).size > 1000),
  },
  // The reader thread, forced for this small file: its worker module is read.
  {
    name: "convert PCAP -o FILE --reader-thread",
    args: (tmp: string) => ["convert", "-q", ownCapture(PCAP), "-o", `${tmp}/out.csv`, "--reader-thread"],
    check: async (tmp: string) => assert.ok((await Deno.stat(`${tmp}/out.csv`)).size > 1000),
  },
  {
    name: "convert --jobs 2 PCAP PCAP2 -o DIR --stats-json FILE",
    args: (tmp) => [
      "convert",
      "-q",
      "--jobs",
      "2",
      "--stats-json",
      `${tmp}/stats.json`,
      ownCapture(PCAP),
      ownCapture(PCAP2),
      "-o",
      tmp,
    ],
    check: async (tmp) => {
      for (const name of ["loopback-http.pcap.csv", "link-sll.pcap.csv", "stats.json"]) {
        assert.ok((await Deno.stat(`${tmp}/${name}`)).size > 0, name);
      }
    },
  },
  {
    name: "convert - -o - --format ndjson (stdin to stdout)",
    args: () => ["convert", "-q", "-", "-o", "-", "--format", "ndjson", "--profile", "corrected"],
    stdin: () => Deno.readFile(ownCapture(PCAP)),
    check: (_tmp, stdout) => assert.equal(stdout.trim().split("\n").length, 4), // 4 connections
  },
  { name: "interfaces", args: () => ["interfaces", "--json"], check: (_t, out) => assert.match(out, /"lo"/) },
];

for (const s of scenarios) {
  Deno.test({
    name:
      `under the default permission set, "${s.name}" succeeds and touches only what expected_permissions.json lists`,
    fn: async () => {
      const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "pcap_pipeline_perm_" }));
      try {
        const run = await auditedRun(s.args(tmp), {
          stdin: s.stdin ? await s.stdin() : undefined,
          auditFile: `${tmp}/../${tmp.split("/").pop()}.audit.jsonl`,
          placeholders: { "<tmp>": tmp, "<pcaps>": OWN_CAPTURES.pathname.replace(/\/$/, ""), "<repo>": REPO },
        });
        assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
        await s.check?.(tmp, run.stdout);
        (recorded.default ??= {})[s.name] = run.touched;
        if (UPDATE) return;
        const want = expected.default?.[s.name];
        assert.ok(
          want,
          `no expectation for "${s.name}"; record with UPDATE_EXPECTED=1. Touched:\n${
            run.touched.join("\n")
          }`,
        );
        const diff = diffLines(want, run.touched);
        assert.equal(
          diff,
          "",
          `permission checks differ from expected_permissions.json (- expected, + actual):\n${diff}`,
        );
      } finally {
        await Deno.remove(tmp, { recursive: true });
        await Deno.remove(`${tmp}.audit.jsonl`).catch(() => {});
      }
    },
  });
}

if (UPDATE) {
  Deno.test({
    name: "write expected_permissions.json",
    sanitizeResources: false,
    fn: async () => {
      const merged = { ...expected, ...recorded };
      merged.default = { ...expected.default, ...recorded.default };
      await Deno.writeTextFile(EXPECTED, JSON.stringify(merged, null, 2) + "\n");
    },
  });
}
