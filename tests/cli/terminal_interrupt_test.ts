/**
 * Ctrl+C in a terminal signals the whole foreground job: our process and the
 * tcpdump it started. tcpdump must not take that SIGINT for itself (it would
 * exit at once, the pipeline would log it as a crash and start another, and
 * the packets of the stop's drain would be lost): the run stops it, after the
 * drain, as a plain stop does.
 */
import assert from "node:assert/strict";
import { startCli } from "../live/cli_process.ts";
import { udpDatagrams } from "../live/udp_traffic.ts";
import { ignoreWithout } from "../requirements.ts";

/** A test that captures (root, tcpdump) in a temporary directory of its own. */
function captureTest(name: string, fn: (dir: string) => Promise<void>): void {
  Deno.test({
    name,
    ignore: ignoreWithout("root", "tcpdump"),
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const dir = await Deno.makeTempDir();
      try {
        await fn(dir);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

captureTest(
  "Ctrl+C to the whole job stops builtin once: no 'died', no second tcpdump, one pcap, converted",
  async (dir) => {
    const cli = startCli(
      [
        "builtin",
        "-i",
        "lo",
        "-f",
        "udp port 9",
        "--rotate",
        "60",
        "--data-dir",
        dir,
        "--stability-delay",
        "0.5",
      ],
      [],
      undefined,
      { ownGroup: true },
    );
    await cli.waitFor(/tcpdump: listening on lo/, 15_000);
    cli.signalGroup("SIGINT");
    assert.equal(await cli.exit(30_000), 0, cli.stderr);
    const out = cli.stdout + cli.stderr;
    assert.doesNotMatch(out, /died/);
    assert.equal(out.match(/tcpdump started/g)?.length, 1, out);
    const pcaps = [...Deno.readDirSync(`${dir}/pcaps`)].map((e) => e.name);
    assert.equal(pcaps.length, 1, `${pcaps}`);
    assert.match(out, /stopped: 1 captured, 1 converted, 0 failed/);
  },
);

captureTest(
  "Ctrl+C to the whole job stops live and windows as a plain stop does: exit 0, tcpdump stopped by them",
  async (dir) => {
    for (
      const args of [
        ["live", "-i", "lo", "-f", "udp port 9", "-o", `${dir}/flows.csv`, "--no-progress"],
        ["windows", "-i", "lo", "-f", "udp port 9", "-o", `${dir}/windows`, "-d", "5"],
      ]
    ) {
      const cli = startCli(args, [], undefined, { ownGroup: true });
      await cli.waitFor(/listening on lo/, 15_000);
      // Datagrams just before the Ctrl+C are still in the kernel's buffer: the stop's 1.2 s drain
      // reads them, if tcpdump has not taken the SIGINT for itself and quit at once.
      await udpDatagrams(9, 200);
      cli.signalGroup("SIGINT");
      assert.equal(await cli.exit(30_000), 0, `${args[0]}: ${cli.stderr}`);
      assert.doesNotMatch(cli.stderr, /exited with code|stream broke/, args[0]);
      if (args[0] === "live") assert.match(cli.stderr, /Total packets: +200\n/);
    }
  },
);
