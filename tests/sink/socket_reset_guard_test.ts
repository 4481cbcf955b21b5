/**
 * A server that refuses the credentials resets the socket while the NATS
 * client has no listener on it; without the guard about one attempt in ten
 * ended the process with an uncaught `read ECONNRESET` (CI saw it in the
 * wrong-credentials publisher test). Other uncaught errors still end it.
 */
import { ignoreWithout } from "../requirements.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withNats } from "./nats_cluster.ts";
import { connectOnce } from "../../src/sink/connection.ts";
import { isStraySocketReset, suppressedSocketResets } from "../../src/sink/socket_reset_guard.ts";

Deno.test({
  name:
    "200 connection attempts refused for their credentials: each fails with a clear error, none ends the process",
  ignore: ignoreWithout("nats-server"),
  async fn() {
    await withNats({ extraConfig: "authorization { token: right-token }" }, async (nats, dir) => {
      const creds = join(dir, "nats.cred");
      await Deno.writeTextFile(creds, "token = wrong-token\n", { mode: 0o600 });
      const connection = {
        servers: nats.url.split(",").map((u) => u.replace("nats://", "")),
        tlsRequired: false,
        tls: {},
        credentialsFile: creds,
      };
      for (let i = 0; i < 200; i++) {
        await assert.rejects(
          connectOnce(connection, "guard-test"),
          /refused the credentials from .*nats\.cred/,
        );
      }
      // Let resets still in flight arrive before the test ends.
      await new Promise((r) => setTimeout(r, 300));
      console.log(`stray socket resets absorbed: ${suppressedSocketResets()}`);
    });
  },
});

function errorWith(code: string, syscall: string, stack: string): Error {
  const err = Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
  err.stack = stack;
  return err;
}

Deno.test("only a socket's reset raised from Node's stream internals counts as a stray reset", () => {
  const fromStream =
    "Error: read ECONNRESET\n    at TCPWrap.onStreamRead (ext:deno_node/internal/stream_base_commons.ts:1:3690)";
  assert.equal(isStraySocketReset(errorWith("ECONNRESET", "read", fromStream)), true);
  assert.equal(isStraySocketReset(errorWith("EPIPE", "write", fromStream)), true);
  assert.equal(isStraySocketReset(errorWith("ENOENT", "read", fromStream)), false);
  assert.equal(isStraySocketReset(errorWith("ECONNRESET", "open", fromStream)), false);
  assert.equal(
    isStraySocketReset(errorWith("ECONNRESET", "read", "Error\n    at ours (file:///x.ts:1:1)")),
    false,
  );
  assert.equal(isStraySocketReset(new Error("boom")), false);
  assert.equal(isStraySocketReset("ECONNRESET"), false);
});

Deno.test("with the guard installed, any other uncaught error still ends the process", async () => {
  const guard = new URL("../../src/sink/socket_reset_guard.ts", import.meta.url).href;
  const script = `import { guardAgainstStraySocketResets } from "${guard}";
guardAgainstStraySocketResets();
setTimeout(() => { throw new Error("unrelated failure"); }, 0);
setTimeout(() => console.log("still running"), 200);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.success, false);
  assert.match(new TextDecoder().decode(out.stderr), /unrelated failure/);
  assert.doesNotMatch(new TextDecoder().decode(out.stdout), /still running/);
});
