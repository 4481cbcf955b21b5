import assert from "node:assert/strict";
import { parseSinkUrls, sinkConfigFrom } from "../../src/sink/sink_config.ts";
import { parseCredentials } from "../../src/sink/credentials.ts";

const defaults = { spoolDir: "/tmp/spool", hostName: () => "probe1.lab" };

Deno.test("--sink takes several servers, nats:// or tls://, port 4222 by default", () => {
  assert.deepEqual(parseSinkUrls("nats://10.0.0.5:4333, 10.0.0.6"), {
    servers: ["10.0.0.5:4333", "10.0.0.6:4222"],
    tls: false,
  });
  assert.deepEqual(parseSinkUrls("tls://nats.lab:4222").tls, true);
});

Deno.test("--sink refuses other schemes, credentials in the URL and empty lists, naming the entry", () => {
  assert.throws(() => parseSinkUrls("kafka://h:9092"), /kafka:\/\/h:9092.*only nats:\/\/ and tls:\/\//);
  assert.throws(
    () => parseSinkUrls("nats://u:p@h:4222"),
    /no credentials in the URL; use --sink-credentials/,
  );
  assert.throws(() => parseSinkUrls(" , "), /no server given/);
});

Deno.test("sensor defaults to the host name made a subject token, subject to flows.<sensor>", () => {
  const c = sinkConfigFrom({ sink: "nats://h:1" }, defaults)!;
  assert.deepEqual(c.sensor, "probe1_lab");
  assert.deepEqual(c.subject, "flows.probe1_lab");
  assert.deepEqual(c.spoolDir, "/tmp/spool");
});

Deno.test("bad sensor names and subjects are refused naming the flag; sink options without --sink too", () => {
  assert.throws(() => sinkConfigFrom({ sink: "nats://h:1", sensor: "a.b" }, defaults), /--sensor: .*"a\.b"/);
  assert.throws(() => sinkConfigFrom({ sink: "nats://h:1", subject: "flows.*" }, defaults), /--sink-subject/);
  assert.throws(() => sinkConfigFrom({ sensor: "x" }, defaults), /--sensor needs --sink/);
  assert.throws(
    () => sinkConfigFrom({ sink: "nats://h:1" }, { ...defaults, spoolDir: undefined }),
    /--spool-dir is needed/,
  );
  assert.deepEqual(sinkConfigFrom({}, defaults), undefined);
});

Deno.test("credentials files: token, user + password, NKey seed; mixed or broken ones are refused", () => {
  assert.deepEqual(parseCredentials("# lab\ntoken = 's3cr3t'\n", "c").describe, "token");
  assert.deepEqual(parseCredentials("user = sensor1\npassword = pw\n", "c").describe, "user sensor1");
  const seed = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
  assert.deepEqual(parseCredentials(`${seed}\n`, "c").describe, "nkey seed");
  assert.throws(
    () => parseCredentials("token = a\nuser = b\npassword = c\n", "c.cred"),
    /c\.cred: give one of/,
  );
  assert.throws(() => parseCredentials("user = b\n", "c.cred"), /user and password go together/);
  assert.throws(() => parseCredentials("secret: x\n", "c.cred"), /c\.cred:1: expected "key = value"/);
  assert(parseCredentials("nkey_seed = " + seed, "c").authenticator);
});
