/**
 * Help and usage text to standard output or error. A reader that went away
 * (`pcap-pipeline cicflowmeter --help | head -1`) ends the text quietly, as
 * in Unix tools; commander's own writer (Node's process.stdout) raised an
 * uncaught EPIPE with a stack trace there.
 */

const encoder = new TextEncoder();

/** Writes all of `text` to `target`; stops without error when the pipe is closed. */
export function writeTextSync(target: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  try {
    for (let at = 0; at < bytes.length;) at += target.writeSync(bytes.subarray(at));
  } catch (err) {
    if (!(err instanceof Deno.errors.BrokenPipe)) throw err;
  }
}

/** Commander's output settings using `writeTextSync`. */
export const COMMAND_OUTPUT = {
  writeOut: (text: string) => writeTextSync(Deno.stdout, text),
  writeErr: (text: string) => writeTextSync(Deno.stderr, text),
};
