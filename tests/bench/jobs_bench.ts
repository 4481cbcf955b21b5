/**
 * `--jobs` scaling, a step of `deno task bench`: whole-process `convert` of
 * several files with one job (on one thread, and the default) and with one
 * job per CPU. Two cases: the bench capture twice (large files: one job
 * already reads each on a second thread), and the capture cut by tcpdump
 * into 32 MB files, four times over (the pipeline's rotated files: one job
 * converts each on one thread).
 */
import { timeProcess } from "./process_timing.ts";

type Cli = (...args: string[]) => [string, string[]];

/** Times `convert --quiet INPUTS -o DIR/` under each set of extra options; median of 3. */
async function timeJobs(
  cli: Cli,
  title: string,
  inputs: string[],
  packets: number,
  outDir: string,
  variants: string[][],
): Promise<void> {
  console.log(`\n--jobs: ${title}, whole process, cic2017, median of 3:`);
  const seconds: number[] = [];
  for (const extra of variants) {
    const t = await timeProcess(...cli("convert", "--quiet", ...extra, ...inputs, "-o", `${outDir}/`), 3);
    seconds.push(t.seconds);
    const rate = `${(packets / t.seconds / 1e6).toFixed(2)} M packets/s`;
    console.log(
      `  ${extra.join(" ").padEnd(30)} ${t.seconds.toFixed(2)} s, ${rate} (runs ${
        t.runs.map((r) => r.toFixed(2)).join(" ")
      })`,
    );
  }
  const best = Math.min(...seconds.slice(1));
  console.log(
    `  speed-up over one thread: ${(seconds[0] / best).toFixed(2)}× on ${navigator.hardwareConcurrency} CPUs`,
  );
}

/** Cuts `path` into files of about 32 MB with tcpdump -C (as root, tcpdump must not drop to its own user). */
async function cutCapture(path: string, dir: string): Promise<string[]> {
  await Deno.mkdir(dir);
  const asRoot = Deno.uid() === 0 ? ["-Z", "root"] : [];
  const out = await new Deno.Command("tcpdump", {
    args: [...asRoot, "-r", path, "-w", `${dir}/part`, "-C", "32"],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`tcpdump -C: ${new TextDecoder().decode(out.stderr).trim()}`);
  return [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`).sort();
}

/** Both cases for the capture `path` of `packets` packets, in the scratch directory `dir`. */
export async function benchJobs(cli: Cli, path: string, packets: number, dir: string): Promise<void> {
  const cpus = String(navigator.hardwareConcurrency);
  // Absolute targets: a relative --pcap FILE would name nothing from inside the temp dir.
  const real = await Deno.realPath(path);
  await Deno.symlink(real, `${dir}/a.pcap`);
  await Deno.symlink(real, `${dir}/b.pcap`);
  await timeJobs(cli, "the capture twice", [`${dir}/a.pcap`, `${dir}/b.pcap`], 2 * packets, `${dir}/jobs`, [
    ["--jobs", "1", "--no-reader-thread"],
    ["--jobs", "1"],
    ["--jobs", cpus],
  ]);
  let parts: string[];
  try {
    parts = await cutCapture(real, `${dir}/parts`);
  } catch (err) {
    console.log(`\n--jobs on 32 MB files: skipped (${err instanceof Error ? err.message : err})`);
    return;
  }
  const inputs = [1, 2, 3, 4].flatMap((round) =>
    parts.map((p) => {
      const link = `${p}.${round}.pcap`;
      Deno.symlinkSync(p, link);
      return link;
    })
  );
  await timeJobs(
    cli,
    `the capture cut into ${parts.length} files of 32 MB, 4 times (${inputs.length} files)`,
    inputs,
    4 * packets,
    `${dir}/jobs-parts`,
    [
      ["--jobs", "1"],
      ["--jobs", cpus],
    ],
  );
}
