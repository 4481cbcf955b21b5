/**
 * `live -i nflog:N` end to end: in a network namespace of its own, an
 * iptables rule logs UDP datagrams to an NFLOG group, the CLI captures that
 * group with tcpdump, and the flow row holds the datagrams' real sizes (the
 * padding after each NFLOG payload is not payload).
 */
import assert from "node:assert/strict";
import { NS_PREFIX, removeStaleNamespaces, sh } from "../e2e/netns.ts";
import { parseCsv, startCli } from "../live/cli_process.ts";
import { ignoreWithout } from "../requirements.ts";

Deno.test({
  name: "live -i nflog:N reads what an iptables NFLOG rule logs; the attribute padding is not payload",
  ignore: ignoreWithout("root", "tcpdump", "iptables"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await removeStaleNamespaces();
    const ns = `${NS_PREFIX}-nflog-${Deno.pid % 100000}`;
    const inNs = (cmd: string) => sh(`ip netns exec ${ns} bash -c '${cmd}'`, 10_000);
    const dir = await Deno.makeTempDir();
    try {
      assert.equal((await sh(`ip netns add ${ns}`)).code, 0);
      for (
        const cmd of [
          "ip link set lo up",
          // Logged on the way out; dropped on the way in, so no ICMP port-unreachable comes back.
          "iptables -A OUTPUT -p udp --dport 5005 -j NFLOG --nflog-group 9",
          "iptables -A INPUT -p udp --dport 5005 -j DROP",
        ]
      ) {
        const r = await inNs(cmd);
        assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      }
      const out = `${dir}/flows.csv`;
      const cli = startCli(["live", "-i", "nflog:9", "-o", out, "-c", "10"], ["ip", "netns", "exec", ns]);
      try {
        await cli.waitFor(/listening on nflog:9/, 15_000);
        // Twelve 11-byte datagrams from one socket (one flow): the IP packet is 39 bytes, so each
        // NFLOG payload attribute ends with a byte of padding. -c 10 stops after ten.
        const send = await inNs(
          'exec 3>/dev/udp/127.0.0.1/5005; for i in $(seq 10 21); do printf "datagram-$i" >&3; done',
        );
        assert.equal(send.code, 0, send.stderr);
        assert.equal(await cli.exit(15_000), 0, cli.stderr);
      } finally {
        cli.signal("SIGKILL");
        await cli.exit();
      }
      const { header, rows } = parseCsv(await Deno.readTextFile(out));
      assert.equal(rows.length, 1, "one flow");
      const cell = (name: string) => rows[0][header.indexOf(name)];
      assert.deepEqual(
        [
          cell(" Destination Port"),
          cell(" Protocol"),
          cell(" Total Fwd Packets"),
          cell(" Total Backward Packets"),
        ],
        ["5005", "17", "10", "0"],
      );
      assert.equal(cell("Total Length of Fwd Packets"), "110");
      assert.deepEqual([cell(" Fwd Packet Length Max"), cell(" Fwd Packet Length Min")], ["11", "11"]);
    } finally {
      await sh(`ip netns del ${ns}`);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
