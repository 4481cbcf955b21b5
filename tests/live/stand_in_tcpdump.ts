/**
 * A shell script that stands in for tcpdump where a real one cannot be made
 * to do what a test needs (write a broken stream, capture on a CAN bus): it
 * prints tcpdump's banner, writes the capture file it is given to stdout,
 * then waits to be stopped as tcpdump would.
 */

/** Writes the script into `dir` and returns its path. */
export async function standInTcpdump(
  dir: string,
  iface: string,
  linkType: string,
  capture: string,
): Promise<string> {
  const command = `${dir}/stand-in-tcpdump`;
  await Deno.writeTextFile(
    command,
    [
      "#!/bin/sh",
      `echo "tcpdump: listening on ${iface}, link-type ${linkType}, snapshot length 262144 bytes" >&2`,
      `cat '${capture}'`,
      "exec sleep 30",
      "",
    ].join("\n"),
  );
  await Deno.chmod(command, 0o755);
  return command;
}
