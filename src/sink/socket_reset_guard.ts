/**
 * A guard for one fault of the NATS client (@nats-io/transport-node 3.4 on
 * Deno's `node:net`): while it sets up a connection it removes every
 * listener from its socket for a moment, so a reset arriving just then
 * (a server refusing credentials closes the socket at once) becomes an
 * uncaught `read ECONNRESET` that would end the whole process. Measured:
 * about 1 in 10 connection attempts with wrong credentials.
 *
 * The guard turns only that kind of error (a socket read or write that
 * failed with a reset, raised from Node's stream internals) into a counted
 * no-op; the client still sees the attempt fail and retries as usual. Any
 * other uncaught error ends the process as before.
 */

const SOCKET_RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

let installed = false;
let suppressed = 0;

/** How many stray socket resets the guard has absorbed in this process. */
export function suppressedSocketResets(): number {
  return suppressed;
}

/** True for an error a reset socket raises with no listener attached. */
export function isStraySocketReset(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code, syscall } = err as Error & { code?: unknown; syscall?: unknown };
  return typeof code === "string" && SOCKET_RESET_CODES.has(code) &&
    (syscall === "read" || syscall === "write") &&
    /onStreamRead|onWriteComplete|stream_base_commons/.test(err.stack ?? "");
}

/** Installs the guard once per process (idempotent). */
export function guardAgainstStraySocketResets(): void {
  if (installed) return;
  installed = true;
  globalThis.addEventListener("error", (event) => {
    if (!isStraySocketReset(event.error)) return;
    suppressed++;
    event.preventDefault();
  });
}
