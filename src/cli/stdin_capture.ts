/**
 * `-` as an input: a capture piped into standard input (`tcpdump -w - | …`,
 * `cat trace.pcap.gz | …`). Read at most once, and refused at once when
 * standard input is a terminal, where reading would wait for typed bytes forever.
 */
import { UsageError } from "./errors.ts";

/** Throws a UsageError for `-` given twice, or for `-` with a terminal on stdin; `command` names the command in the hint. */
export function checkStdinInputs(inputs: readonly string[], command: string): void {
  const uses = inputs.filter((i) => i === "-").length;
  if (uses > 1) throw new UsageError("stdin (-) can be read only once");
  if (uses === 0 || !Deno.stdin.isTerminal()) return;
  throw new UsageError(
    "- reads a capture from standard input, which is a terminal here: " +
      `pipe one in (tcpdump -w - | pcap-pipeline ${command} -) or name a file`,
  );
}
