/**
 * Regression: a BPF filter that starts with "-" was handed to tcpdump as
 * options. `live -i lo -f "-w/tmp/x.pcap"` passed the `tcpdump -d` check
 * (there it was an option too) and made tcpdump write the capture to a file
 * of the caller's choosing; `-z COMMAND` with rotation would run a command.
 * Every tcpdump argument list now ends options with "--" before the filter.
 */
import assert from "node:assert/strict";
import { rotatingCaptureArgs } from "../../src/capture/tcpdump_rotate.ts";
import { tcpdumpStreamArgs } from "../../src/capture/tcpdump_stream.ts";
import { checkBpfFilter } from "../../src/capture/bpf_check.ts";
import { ignoreWithout } from "../requirements.ts";

const EVIL = "-w/tmp/pcap_pipeline_injected.pcap";

Deno.test("tcpdump argument lists end options with -- before the filter, so '-w FILE' stays a filter", () => {
  const lists = [
    rotatingCaptureArgs({ iface: "lo", snaplen: 128, rotateSeconds: 60, pcapDir: "/d", filter: EVIL }),
    tcpdumpStreamArgs({ iface: "lo", filter: EVIL }),
  ];
  for (const args of lists) {
    assert.equal(args.at(-1), EVIL);
    assert.equal(args.at(-2), "--");
    assert.equal(args.filter((a) => a === "--").length, 1);
  }
});

Deno.test({
  name: "a filter that looks like tcpdump options fails the BPF check as a filter error",
  ignore: ignoreWithout("root", "tcpdump"), // `tcpdump -d -i lo` opens the interface: root only
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const check = await checkBpfFilter(`-w${dir}/evil.pcap`, "lo");
      assert.equal(check.ok, false);
      assert.equal(!check.ok && check.filterError, true);
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "live -f '-wFILE' is refused as a bad filter (exit 2) and no file is written",
  ignore: ignoreWithout("root", "tcpdump"),
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-q",
          "--config",
          new URL("../../deno.json", import.meta.url).pathname,
          "-P",
          new URL("../../main.ts", import.meta.url).pathname,
          "live",
          "-i",
          "lo",
          "-f",
          `-w${dir}/evil.pcap`,
          "-o",
          `${dir}/flows.csv`,
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 2, stderr);
      assert.match(stderr, /filter/);
      await assert.rejects(Deno.stat(`${dir}/evil.pcap`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
