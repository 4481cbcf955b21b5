/**
 * The benchmark's input: a ~1 M-packet mix of real traffic. Either a capture
 * the user names (`deno task bench --pcap FILE`), or one built from the
 * public captures in ../shared/testdata/pcaps the way issue 15 describes:
 * the medium and small Ethernet captures concatenated (`mergecap -a`), that
 * round repeated with each copy's timestamps shifted 200 s later
 * (`editcap -t`), until about a million packets. Without Wireshark's
 * mergecap/editcap the records of the classic little-endian µs Ethernet
 * pcaps among them are repeated by our own code instead (said in the output).
 * The built file goes to a temporary directory and is removed afterwards.
 */
import { buildBenchPcap } from "./reader_bench.ts";
import { haveSharedPcaps, listSharedPcaps, sharedPcap } from "../pcap/shared_pcaps.ts";

/** Packets the built mix aims for. */
export const TARGET_PACKETS = 1_000_000;
/** Seconds each repeated round is shifted later (so rounds make new flows). */
export const SHIFT_SECONDS = 200;

/** The capture every step of the benchmark reads. */
export interface BenchCapture {
  path: string;
  /** Records in the file. */
  packets: number;
  bytes: number;
  /** How it was made, for the report. */
  origin: string;
  /** Removes the file if the benchmark built it. */
  cleanup(): Promise<void>;
}

async function run(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null; // not installed
  }
}

/** Link type name and packet count per `capinfos -T -m -E -c`, or null. */
async function describe(file: string): Promise<{ link: string; packets: number } | null> {
  const out = await run("capinfos", ["-T", "-m", "-E", "-c", file]);
  const fields = out?.trim().split("\n").at(-1)?.split(",");
  if (!fields || fields.length < 3) return null;
  return { link: fields[1], packets: Number(fields[2]) };
}

/** The recipe with mergecap/editcap; null when they are not installed. */
async function buildWithWireshark(dir: string): Promise<{ path: string; packets: number } | null> {
  if ((await run("mergecap", ["-v"])) === null || (await run("editcap", ["-v"])) === null) return null;
  const files: string[] = [];
  let perRound = 0;
  for (const name of [...listSharedPcaps("medium"), ...listSharedPcaps("small")]) {
    if (name.includes("cut-mid-record")) continue; // ends mid-record: a reader test case, not traffic
    const info = await describe(sharedPcap(name));
    if (info?.link !== "ether") continue;
    files.push(sharedPcap(name));
    perRound += info.packets;
  }
  if (perRound === 0) return null;
  const round = `${dir}/round.pcap`;
  if ((await run("mergecap", ["-a", "-F", "pcap", "-w", round, ...files])) === null) return null;
  const rounds = Math.ceil(TARGET_PACKETS / perRound);
  const parts: string[] = [];
  for (let k = 0; k < rounds; k++) {
    const part = `${dir}/round-${k}.pcap`;
    if ((await run("editcap", ["-F", "pcap", "-t", String(k * SHIFT_SECONDS), round, part])) === null) {
      return null;
    }
    parts.push(part);
  }
  const path = `${dir}/bench.pcap`;
  if ((await run("mergecap", ["-a", "-F", "pcap", "-w", path, ...parts])) === null) return null;
  for (const part of [round, ...parts]) await Deno.remove(part);
  return { path, packets: perRound * rounds };
}

/**
 * The capture named by `--pcap FILE` in `args`, or the mix built from the
 * shared captures; null when neither is possible (no shared captures).
 */
export async function benchCapture(args: string[]): Promise<BenchCapture | null> {
  const at = args.indexOf("--pcap");
  if (at >= 0) {
    const path = args[at + 1];
    if (!path) throw new Error("--pcap needs a file");
    const info = await describe(path);
    return {
      path,
      packets: info?.packets ?? NaN,
      bytes: (await Deno.stat(path)).size,
      origin: `${path} (given)`,
      cleanup: () => Promise.resolve(),
    };
  }
  if (!haveSharedPcaps) return null;
  const dir = await Deno.makeTempDir({ prefix: "pcap-bench-" });
  const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    let built = await buildWithWireshark(dir);
    let origin = "medium + small Ethernet captures (mergecap -a), repeated with editcap -t +200 s per round";
    if (built === null) {
      const files = [...listSharedPcaps("medium"), ...listSharedPcaps("small")]
        .filter((name) => !name.includes("cut-mid-record")).map(sharedPcap);
      const made = await buildBenchPcap(files, TARGET_PACKETS, SHIFT_SECONDS);
      built = { path: `${dir}/bench.pcap`, packets: made.packets };
      await Deno.rename(made.path, built.path);
      origin = "little-endian µs Ethernet pcaps of medium + small repeated (+200 s per round; " +
        "mergecap/editcap not found, so not the issue's exact mix)";
    }
    return { ...built, bytes: (await Deno.stat(built.path)).size, origin, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
