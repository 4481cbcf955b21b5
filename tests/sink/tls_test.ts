/**
 * TLS to a real nats-server with a certificate from a private CA made by
 * openssl: trusted with --sink-tls-ca the rows arrive; without it the
 * error says TLS failed and rows stay spooled.
 */
import { ignoreWithout } from "../requirements.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NatsCluster } from "./nats_cluster.ts";
import { recordingLog, until } from "./stream_reader.ts";
import { openRowSink } from "../../src/sink/row_sink.ts";
import { sinkConfigFrom } from "../../src/sink/sink_config.ts";
import { connectOnce } from "../../src/sink/connection.ts";
import { jetstreamManager } from "@nats-io/jetstream";
import { DEFAULT_STREAM, ensureStream } from "../../src/sink/stream_setup.ts";

const hasOpenssl = (() => {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
async function makeCerts(dir: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=pp test CA",
  );
  await openssl(
    dir,
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  );
  await Deno.writeTextFile(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "san.ext",
  );
}

Deno.test({
  name: "TLS: with --sink-tls-ca the rows arrive; without the CA a clear TLS error and rows stay spooled",
  ignore: !hasOpenssl || ignoreWithout("nats-server"),
  async fn() {
    const dir = await Deno.makeTempDir();
    await makeCerts(dir);
    const nats = await NatsCluster.start({
      extraConfig: `tls { cert_file: "${join(dir, "server.pem")}", key_file: "${join(dir, "server.key")}" }`,
    });
    try {
      const url = nats.url.replace("nats://", "tls://");
      const withCa = sinkConfigFrom({
        sink: url,
        sensor: "t",
        spoolDir: join(dir, "s1"),
        tlsCa: join(dir, "ca.pem"),
      }, {
        spoolDir: undefined,
        hostName: () => "h",
      })!;
      const nc = await connectOnce(withCa, "test");
      await ensureStream(await jetstreamManager(nc), { ...DEFAULT_STREAM, maxBytes: 64 * 1024 ** 2 });
      await nc.close();

      await Deno.writeTextFile(join(dir, "a.csv"), "a,b\n1,2\n3,4\n");
      const log = recordingLog();
      const good = await openRowSink(withCa, log);
      await good.publishFile(join(dir, "a.csv"), "flows");
      await good.close();
      assert.equal(good.stats().published, 2, log.lines.join("\n"));

      const noCa = { ...withCa, tls: {}, spoolDir: join(dir, "s2"), drainMs: 0 };
      const bad = await openRowSink(noCa, log);
      await bad.publishFile(join(dir, "a.csv"), "flows");
      assert(
        await until(
          () => log.lines.some((l) => /NATS servers 127\.0\.0\.1:\d+/.test(l) && /cert|TLS/i.test(l)),
          5000,
        ),
        log.lines.join("\n"),
      );
      await bad.close();
      assert.equal(bad.stats().published, 0);
      assert(bad.stats().backlogBytes > 0);
    } finally {
      await nats.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
