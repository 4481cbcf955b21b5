/**
 * Prints one line before the test run: how many tests are ignored on this
 * machine and why (../shared absent, not root, no tcpdump). It loads every
 * test module under tests/ without running a test (Deno.test only records
 * here) and reads the tally kept by tests/requirements.ts.
 *
 *   deno run -A tests/ignored_summary.ts    # run by `deno task test` first
 */
import { ignoredTally, REQUIREMENT_REASONS } from "./requirements.ts";

const TESTS = new URL("./", import.meta.url);

function testModules(dir: URL): URL[] {
  const found: URL[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory) found.push(...testModules(new URL(`${e.name}/`, dir)));
    else if (/_test\.ts$/.test(e.name)) found.push(new URL(e.name, dir));
  }
  return found;
}

let ignored = 0;
const record = (options: unknown) => {
  if (typeof options === "object" && options !== null && (options as { ignore?: boolean }).ignore) ignored++;
};
// Outside `deno test`, Deno.test is a no-op; make it count ignored tests instead.
// deno-lint-ignore no-explicit-any
(Deno as any).test = (a: unknown, b?: unknown) => record(typeof a === "object" ? a : b);

const quiet = { log: console.log, warn: console.warn };
console.log = console.warn = () => {};
const broken: string[] = [];
for (const url of testModules(TESTS)) {
  try {
    await import(url.href);
  } catch {
    broken.push(url.pathname.slice(TESTS.pathname.length)); // the test run reports the error itself
  }
}
Object.assign(console, quiet);

const parts = [...ignoredTally()].map(([need, n]) => `${n} ${REQUIREMENT_REASONS[need]}`);
const explained = [...ignoredTally().values()].reduce((a, b) => a + b, 0);
if (ignored > explained) parts.push(`${ignored - explained} for other reasons (see "ignored" below)`);
console.log(
  ignored === 0
    ? "ignored tests: none (../shared, root and tcpdump all present)"
    : `ignored tests: ${ignored} on this machine: ${parts.join("; ")}`,
);
if (broken.length > 0) console.log(`(could not load ${broken.join(", ")}; the run below says why)`);
