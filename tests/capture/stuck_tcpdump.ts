/**
 * A tcpdump that is stuck: it has written its pcap header and "listening on"
 * line, then does not act on SIGTERM. A real tcpdump does this while blocked
 * in the kernel (uninterruptible sleep in a driver or on a dead file system);
 * it cannot be made to on demand, so this shell script stands in for exactly
 * that one behaviour: `trap '' TERM USR1` ignores SIGTERM (and the SIGUSR1
 * that asks for counters, which a stuck tcpdump does not answer either) and
 * `exec sleep` keeps them ignored (an ignored signal stays ignored across exec) with no child
 * holding the pipe. Only SIGKILL ends it. Its pid is written to `pidFile` so
 * a failing test can still clean it up.
 */

/** The pcap global header tcpdump writes first: LE magic, v2.4, snaplen 65535, Ethernet. */
const PCAP_HEADER_OCTAL = "\\324\\303\\262\\241\\002\\000\\004\\000" + "\\000".repeat(8) +
  "\\377\\377\\000\\000\\001\\000\\000\\000";

/** Writes the stand-in as an executable script in `dir`; returns its path and its pid file. */
export async function writeStuckTcpdump(dir: string): Promise<{ command: string; pidFile: string }> {
  const command = `${dir}/stuck-tcpdump`;
  const pidFile = `${dir}/stuck-tcpdump.pid`;
  await Deno.writeTextFile(
    command,
    [
      "#!/bin/sh",
      `echo $$ > '${pidFile}'`,
      "trap '' TERM USR1",
      `printf '${PCAP_HEADER_OCTAL}'`,
      `echo "tcpdump: listening on $2, link-type EN10MB (Ethernet), snapshot length 65535 bytes" >&2`,
      "exec sleep 60",
      "",
    ].join("\n"),
  );
  await Deno.chmod(command, 0o755);
  return { command, pidFile };
}

/** SIGKILLs the stand-in if it still runs (a test that failed must not leave it behind). */
export async function killStuckTcpdump(pidFile: string): Promise<void> {
  try {
    Deno.kill(Number((await Deno.readTextFile(pidFile)).trim()), "SIGKILL");
  } catch { /* never started, or already gone */ }
}

/** Resolves with `promise`'s value, or with "timed out" after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timed out"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<"timed out">((r) => timer = setTimeout(() => r("timed out"), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
