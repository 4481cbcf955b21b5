/**
 * The settings of streaming to NATS JetStream, shared by the pipeline,
 * `live`, `windows`, `collect` and `sink-check`, and the parsing of the
 * server list (`--sink nats://h1:4222,h2:4222`).
 */
import { sensorFromHostName, sensorNameProblem, subjectProblem } from "./message.ts";

/** TLS files; any given one means TLS is required. */
export interface SinkTls {
  /** CA certificate(s) to trust (PEM). */
  ca?: string;
  /** Client certificate and key (PEM), for servers that verify clients. */
  cert?: string;
  key?: string;
}

/** Where and how to reach the cluster. */
export interface SinkConnection {
  /** `host:port` of each seed server. */
  servers: string[];
  /** A `tls://` URL or any TLS file. */
  tlsRequired: boolean;
  tls: SinkTls;
  /** File with token, user/password or NKey seed (see credentials.ts). */
  credentialsFile?: string;
}

/** Everything a publishing sensor needs. */
export interface SinkConfig extends SinkConnection {
  sensor: string;
  subject: string;
  spoolDir: string;
  spoolMaxBytes: number;
  /** Publishes awaiting their acknowledgement at most. */
  maxInFlight: number;
  /** On stop, wait at most this long for the spool to empty (the rest goes at the next start). */
  drainMs: number;
}

/** Default maximum of publishes in flight. */
export const DEFAULT_MAX_IN_FLIGHT = 1024;
/** Default wait for the spool to empty at stop. */
export const DEFAULT_DRAIN_MS = 10_000;

/**
 * Parses `--sink`: comma-separated `nats://HOST:PORT` or `tls://HOST:PORT`
 * (port 4222 when left out). Throws an error naming the bad entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSinkUrls } from "./sink_config.ts";
 * assert.deepEqual(parseSinkUrls("nats://10.0.0.5:4222,nats://10.0.0.6").servers, ["10.0.0.5:4222", "10.0.0.6:4222"]);
 * ```
 */
export function parseSinkUrls(text: string): { servers: string[]; tls: boolean } {
  const servers: string[] = [];
  let tls = false;
  const parts = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (parts.length === 0) throw new Error(`--sink: no server given (e.g. nats://10.0.0.5:4222)`);
  for (const part of parts) {
    let url: URL;
    try {
      url = new URL(part.includes("://") ? part : `nats://${part}`);
    } catch {
      throw new Error(`--sink: "${part}" is not a server URL (e.g. nats://10.0.0.5:4222)`);
    }
    if (url.protocol !== "nats:" && url.protocol !== "tls:") {
      throw new Error(`--sink: "${part}": only nats:// and tls:// servers are supported`);
    }
    if (url.username || url.password) {
      throw new Error(`--sink: "${part}": no credentials in the URL; use --sink-credentials FILE`);
    }
    if (url.hostname === "") throw new Error(`--sink: "${part}" has no host`);
    if (url.pathname !== "" && url.pathname !== "/") {
      throw new Error(`--sink: "${part}" has a path; give nats://HOST:PORT`);
    }
    if (url.protocol === "tls:") tls = true;
    servers.push(`${url.hostname}:${url.port || "4222"}`);
  }
  return { servers, tls };
}

/** Raw sink settings from flags or a config file. */
export interface RawSinkSettings {
  sink?: string;
  sensor?: string;
  subject?: string;
  credentials?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  spoolDir?: string;
  spoolMaxMb?: number;
}

/**
 * The SinkConfig from raw settings, or undefined without `sink`. Bad values
 * throw errors naming the flag; `defaultSpoolDir` and `hostName` fill the
 * blanks.
 */
export function sinkConfigFrom(
  raw: RawSinkSettings,
  defaults: { spoolDir: string | undefined; hostName: () => string },
): SinkConfig | undefined {
  if (raw.sink === undefined) {
    const stray = (["sensor", "subject", "credentials", "spoolDir"] as const).find((k) =>
      raw[k] !== undefined
    );
    if (stray) throw new Error(`--${flagOf(stray)} needs --sink nats://HOST:PORT`);
    return undefined;
  }
  const { servers, tls } = parseSinkUrls(raw.sink);
  const sensor = raw.sensor ?? sensorFromHostName(defaults.hostName());
  const sensorProblem = sensorNameProblem(sensor);
  if (sensorProblem) throw new Error(`--sensor: ${sensorProblem}`);
  const subject = raw.subject ?? `flows.${sensor}`;
  const problem = subjectProblem(subject);
  if (problem) throw new Error(`--sink-subject: ${problem}`);
  const spoolDir = raw.spoolDir ?? defaults.spoolDir;
  if (spoolDir === undefined) throw new Error("--spool-dir is needed here (the output is standard output)");
  if ((raw.tlsCert === undefined) !== (raw.tlsKey === undefined)) {
    throw new Error("--sink-tls-cert and --sink-tls-key go together");
  }
  const tlsFiles: SinkTls = { ca: raw.tlsCa, cert: raw.tlsCert, key: raw.tlsKey };
  const mb = raw.spoolMaxMb ?? 256;
  if (!(mb > 0)) throw new Error(`--spool-max: must be > 0 MiB, got ${mb}`);
  return {
    servers,
    tlsRequired: tls || Object.values(tlsFiles).some((v) => v !== undefined),
    tls: tlsFiles,
    credentialsFile: raw.credentials,
    sensor,
    subject,
    spoolDir,
    spoolMaxBytes: Math.round(mb * 1024 * 1024),
    maxInFlight: DEFAULT_MAX_IN_FLIGHT,
    drainMs: DEFAULT_DRAIN_MS,
  };
}

function flagOf(key: string): string {
  return ({
    sensor: "sensor",
    subject: "sink-subject",
    credentials: "sink-credentials",
    spoolDir: "spool-dir",
  } as Record<string, string>)[key];
}
