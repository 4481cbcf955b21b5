import assert from "node:assert/strict";
import { looseExamples } from "./check_examples.ts";

Deno.test("looseExamples finds @example tags without a code fence, and only those", () => {
  const text = [
    "/**", //  1
    " * @example", //  2: fenced
    " * ```ts", //  3
    " * f();", //  4
    " * ```", //  5
    " *", //  6
    " * @example A caption", //  7: fenced after a caption and an empty line
    " *", //  8
    " * ```ts", //  9
    " * ```", // 10
    " * @example", // 11: loose
    " * f() // 1", // 12
    " */", // 13
  ].join("\n");
  assert.deepEqual(looseExamples(text), [11]);
  assert.deepEqual(looseExamples("/** no examples */"), []);
});
