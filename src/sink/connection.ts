/**
 * Connecting to the NATS servers of a SinkConnection, with the errors a user
 * can act on: which servers, whose credentials, what to check. Also the
 * `net` permission check that refuses `--sink` up front when this process
 * may not open sockets.
 */
import { connect, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { readCredentials } from "./credentials.ts";
import { guardAgainstStraySocketResets } from "./socket_reset_guard.ts";
import type { SinkConnection } from "./sink_config.ts";

/**
 * Throws a clear error when this process may not connect to `servers`
 * (Deno's `net` permission). Without `--sink` nothing needs `net`, so the
 * permission sets for installations that do not stream leave it out.
 */
export async function requireNetPermission(servers: string[]): Promise<void> {
  for (const host of servers) {
    const { state } = await Deno.permissions.query({ name: "net", host });
    if (state !== "granted") {
      throw new Error(
        `--sink needs network access to ${host}, which this installation does not grant ` +
          `(run with the fleet permission set, -P=fleet or -P=binary-fleet, or --allow-net=${host}; ` +
          `see "Security" in the README)`,
      );
    }
  }
}

/** The client options for `c`; reads the credentials file. */
export async function connectionOptions(c: SinkConnection, name: string): Promise<ConnectionOptions> {
  const options: ConnectionOptions = {
    servers: c.servers,
    name,
    // Reconnects forever: an outage only delays rows (they wait in the spool).
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    timeout: 5000,
    pingInterval: 10_000,
  };
  if (c.credentialsFile) options.authenticator = (await readCredentials(c.credentialsFile)).authenticator;
  if (c.tlsRequired) {
    options.tls = {
      caFile: c.tls.ca,
      certFile: c.tls.cert,
      keyFile: c.tls.key,
    };
  }
  return options;
}

/**
 * Connects once (no waiting for servers that are down); the error says
 * which servers and what went wrong.
 */
export async function connectOnce(c: SinkConnection, name: string): Promise<NatsConnection> {
  const options = await connectionOptions(c, name);
  guardAgainstStraySocketResets();
  try {
    return await connect(options);
  } catch (err) {
    throw new Error(connectErrorMessage(c, err));
  }
}

/** A one-line reason for a failed connection, naming the servers and the credentials file. */
export function connectErrorMessage(c: SinkConnection, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const where = c.servers.join(",");
  if (/authoriz|authenticat|permissions? violation/i.test(message)) {
    return `NATS servers ${where} refused the credentials` +
      (c.credentialsFile ? ` from ${c.credentialsFile}` : " (none given: use --sink-credentials FILE)") +
      `: ${message}`;
  }
  if (/tls|certificate|ssl/i.test(message)) {
    return `TLS with NATS servers ${where} failed: ${message} (check --sink-tls-ca/--sink-tls-cert/--sink-tls-key)`;
  }
  return `cannot reach NATS servers ${where}: ${message}`;
}
