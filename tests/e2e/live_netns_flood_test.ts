/**
 * Real HTTP flood in private namespaces, captured with tcpdump on the
 * server's bridge through the stream reader, labeled by the HTTP-flood rule.
 * Flows are built from 5-tuples here, so this checks the capture and the rule
 * alone; windows_netns_flood_test.ts runs the same flood through the CLI with
 * the real flow meter and window files.
 */
import assert from "node:assert/strict";
import { captureFromTcpdump } from "../../src/capture/tcpdump_stream.ts";
import { bufferArgs } from "../../src/live/session_capture.ts";
import { HttpFloodRule } from "../../src/label/http_flood.ts";
import type { LabelFlow } from "../../src/label/rule.ts";
import { createTestNet, httpClientLoop } from "./netns.ts";
import { ignoreWithout } from "../requirements.ts";

Deno.test({
  name: "a 200-connection HTTP flood is Attack; the polite client and the server are Benign",
  ignore: ignoreWithout("root"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const net = await createTestNet(2);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 35000);
    try {
      const [flood, polite] = net.clients;
      net.spawn(net.server, "python3 -m http.server 80 --bind 10.200.0.1");
      const flows = new Map<string, LabelFlow>();
      const capture = captureFromTcpdump({
        iface: "br0",
        filter: "tcp",
        signal: ac.signal,
        command: "ip",
        // A 16 MiB kernel buffer, as live and windows use: the default drops part of a 200-connection burst.
        prefixArgs: ["netns", "exec", net.server, "tcpdump", ...bufferArgs()],
      }, (p) => {
        const dec = (b: Uint8Array) => `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
        const src = dec(p.src), dst = dec(p.dst);
        const a = `${src}:${p.srcPort}`, b = `${dst}:${p.dstPort}`;
        const key = a < b ? `${a}-${b}` : `${b}-${a}`;
        const f = flows.get(key);
        if (!f) {
          flows.set(key, {
            srcIp: src,
            dstIp: dst,
            srcPort: p.srcPort,
            dstPort: p.dstPort,
            protocol: p.protocol,
            totalBwdPackets: 0,
          });
        } else if (f.srcIp !== src) f.totalBwdPackets!++;
      });
      // Wait (bounded) for the server to listen and for tcpdump to capture: a probe connection that
      // succeeds and shows up in the capture. (Waiting for the server alone let the flood start
      // before tcpdump did, now and then, and its first connections went unseen.)
      for (let i = 0; i < 50 && flows.size === 0; i++) {
        await net.exec(flood.ns, "exec 3<>/dev/tcp/10.200.0.1/80", 2000);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(flows.size > 0, "tcpdump captures before the flood starts");
      const t0 = performance.now();
      const [rf, rp] = await Promise.all([
        net.exec(flood.ns, httpClientLoop(net.serverIp, 80, 200, 25), 30000),
        net.exec(polite.ns, httpClientLoop(net.serverIp, 80, 5, 25), 30000),
      ]);
      console.log(`clients done in ${Math.round(performance.now() - t0)} ms (exit ${rf.code}, ${rp.code})`);
      await new Promise((r) => setTimeout(r, 300));
      ac.abort();
      await capture;
      const list = [...flows.values()];
      const { labels, attackers } = new HttpFloodRule().label(list);
      console.log("attackers:", attackers);
      assert.equal(attackers.length, 1);
      assert.equal(attackers[0].ip, flood.ip);
      assert.ok(attackers[0].connections >= 200, `flood connections ${attackers[0].connections}`);
      for (const [i, f] of list.entries()) {
        assert.equal(labels[i], f.srcIp === flood.ip ? "Attack" : "Benign", `${f.srcIp}:${f.srcPort}`);
      }
      assert.ok(list.some((f) => f.srcIp === polite.ip), "polite client flows captured");
    } finally {
      clearTimeout(timer);
      ac.abort();
      await net.close();
    }
  },
});
