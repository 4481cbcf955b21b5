/**
 * `-` as an input: a capture piped into standard input (`tcpdump -w - | …`,
 * `cat trace.pcap.gz | …`), refused at once when standard input is a
 * terminal, where reading would wait for typed bytes forever.
 */
import { UsageError } from "./errors.ts";

/** Throws a UsageError when standard input is a terminal; `command` names the command in the hint. */
export function assertStdinPiped(command: string): void {
  if (!Deno.stdin.isTerminal()) return;
  throw new UsageError(
    "- reads a capture from standard input, which is a terminal here: " +
      `pipe one in (tcpdump -w - | pcap-pipeline ${command} -) or name a file`,
  );
}
