/**
 * For the capture-recording tools: tcpdump (or any command that runs it, such
 * as `ip netns exec NS tcpdump …`) started and waited for until it listens.
 */

/** Starts `command args…` and resolves once tcpdump's "listening on" line appears (10 s at most). */
export async function startTcpdump(command: string, args: string[]): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = Date.now() + 10_000;
  while (!seen.includes("listening on") && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`tcpdump exited: ${seen}`);
    seen += value;
  }
  reader.releaseLock();
  child.stderr.cancel().catch(() => {});
  return child;
}
