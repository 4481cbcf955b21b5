/**
 * Whole-process timing, as a user times a command: spawn, wait for exit,
 * wall clock. Repeated and summarised by the median, with the peak RSS of
 * the child when GNU time is installed (/usr/bin/time -f %M).
 */

/** Median of several runs of one command. */
export interface ProcessTiming {
  /** Median wall time in seconds. */
  seconds: number;
  /** Every run's wall time in seconds, in run order. */
  runs: number[];
  /** Largest peak RSS of the runs in MB, or null without /usr/bin/time. */
  peakRssMb: number | null;
}

const GNU_TIME = "/usr/bin/time";
const haveGnuTime = (() => {
  try {
    return Deno.statSync(GNU_TIME).isFile;
  } catch {
    return false;
  }
})();

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Runs `cmd args` `times` times (stdout and stderr discarded) and returns
 * the median wall time; throws with the command's stderr if a run fails.
 */
export async function timeProcess(cmd: string, args: string[], times = 5): Promise<ProcessTiming> {
  const runs: number[] = [];
  let peakKb: number | null = null;
  for (let i = 0; i < times; i++) {
    const argv = haveGnuTime ? [GNU_TIME, "-f", "%M", cmd, ...args] : [cmd, ...args];
    const start = performance.now();
    const out = await new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null", stderr: "piped" })
      .output();
    runs.push((performance.now() - start) / 1000);
    const stderr = new TextDecoder().decode(out.stderr).trim();
    if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${stderr}`);
    if (haveGnuTime) {
      const kb = Number(stderr.split("\n").at(-1));
      if (Number.isFinite(kb)) peakKb = Math.max(peakKb ?? 0, kb);
    }
  }
  return { seconds: median(runs), runs, peakRssMb: peakKb === null ? null : peakKb / 1024 };
}

/** The 1-minute load average (other work on the machine skews every timing), or "?". */
export function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}
