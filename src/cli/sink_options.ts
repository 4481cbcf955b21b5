/**
 * The streaming options shared by `live`, `windows`, `collect` and
 * `sink-check` (the pipeline commands take the same ones from the settings
 * table), and turning them into a SinkConfig / SinkConnection with the
 * `net` permission checked first.
 */
import type { Command } from "commander";
import type { Logger } from "../log.ts";
import { requireNetPermission } from "../sink/connection.ts";
import { openRowSink, type RowSink } from "../sink/row_sink.ts";
import {
  parseSinkUrls,
  type RawSinkSettings,
  type SinkConfig,
  sinkConfigFrom,
  type SinkConnection,
} from "../sink/sink_config.ts";
import { UsageError } from "./errors.ts";

/** Raw connection options as commander gives them. */
export interface RawSinkConnectionOptions {
  sink?: string;
  sinkCredentials?: string;
  sinkTlsCa?: string;
  sinkTlsCert?: string;
  sinkTlsKey?: string;
}

/** Raw publishing options. */
export interface RawSinkOptions extends RawSinkConnectionOptions {
  sensor?: string;
  sinkSubject?: string;
  spoolDir?: string;
  spoolMax?: string;
}

/** Adds --sink and the credentials/TLS options. */
export function addSinkConnectionOptions(cmd: Command, required = false): Command {
  const help = "NATS JetStream servers, comma-separated nats://HOST:PORT (tls://… for TLS)";
  if (required) cmd.requiredOption("--sink <urls>", help);
  else cmd.option("--sink <urls>", `stream rows to ${help}`);
  return cmd
    .option("--sink-credentials <file>", "file with token, user/password or nkey_seed (mode 600)")
    .option("--sink-tls-ca <file>", "CA certificate (PEM) to trust for the NATS servers")
    .option("--sink-tls-cert <file>", "client certificate (PEM), with --sink-tls-key")
    .option("--sink-tls-key <file>", "client key (PEM)");
}

/** Adds every publishing option (`live`, `windows`). */
export function addSinkOptions(cmd: Command): Command {
  return addSinkConnectionOptions(cmd)
    .option("--sensor <name>", "this sensor's name in the stream (default: the host name)")
    .option("--sink-subject <subject>", "subject to publish to (default: flows.<sensor>)")
    .option("--spool-dir <dir>", "durable spool for rows not yet in the stream")
    .option("--spool-max <MiB>", "spool size limit in MiB (default 256)");
}

/** The settings in the shape sinkConfigFrom takes. */
export function rawSinkSettings(raw: RawSinkOptions): RawSinkSettings {
  let spoolMaxMb: number | undefined;
  if (raw.spoolMax !== undefined) {
    spoolMaxMb = Number(raw.spoolMax);
    if (!(spoolMaxMb > 0)) {
      throw new UsageError(`--spool-max must be a number of MiB > 0, got "${raw.spoolMax}"`);
    }
  }
  return {
    sink: raw.sink,
    sensor: raw.sensor,
    subject: raw.sinkSubject,
    credentials: raw.sinkCredentials,
    tlsCa: raw.sinkTlsCa,
    tlsCert: raw.sinkTlsCert,
    tlsKey: raw.sinkTlsKey,
    spoolDir: raw.spoolDir,
    spoolMaxMb,
  };
}

/** The SinkConnection of `collect` / `sink-check`; bad values are UsageErrors. */
export function sinkConnectionFrom(raw: RawSinkConnectionOptions): SinkConnection {
  try {
    const { servers, tls } = parseSinkUrls(raw.sink ?? "");
    if ((raw.sinkTlsCert === undefined) !== (raw.sinkTlsKey === undefined)) {
      throw new Error("--sink-tls-cert and --sink-tls-key go together");
    }
    const files = { ca: raw.sinkTlsCa, cert: raw.sinkTlsCert, key: raw.sinkTlsKey };
    return {
      servers,
      tlsRequired: tls || Object.values(files).some((v) => v !== undefined),
      tls: files,
      credentialsFile: raw.sinkCredentials,
    };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The host name, for the default sensor name (needs `sys` hostname; "sensor" when not granted). */
export function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "sensor";
  }
}

/**
 * The SinkConfig for `raw`, or undefined without --sink. Checks the options
 * (UsageError) and the `net` permission (a clear refusal).
 */
export async function prepareSink(
  raw: RawSinkSettings,
  defaultSpoolDir: string | undefined,
): Promise<SinkConfig | undefined> {
  let config;
  try {
    config = sinkConfigFrom(raw, { spoolDir: defaultSpoolDir, hostName });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (config) await requireNetPermission(config.servers);
  return config;
}

/** Opens the RowSink for `raw` (see prepareSink), or undefined without --sink. */
export async function openSinkFromOptions(
  raw: RawSinkSettings,
  defaultSpoolDir: string | undefined,
  log: Logger,
): Promise<RowSink | undefined> {
  const config = await prepareSink(raw, defaultSpoolDir);
  return config && await openRowSink(config, log);
}

/** A logger that writes `pcap-pipeline: …` lines to stderr (live, windows, collect). */
export const stderrLogger: Logger = {
  debug: () => {},
  info: (m) => console.error(`pcap-pipeline: ${m}`),
  warn: (m) => console.error(`pcap-pipeline: warning: ${m}`),
  error: (m) => console.error(`pcap-pipeline: error: ${m}`),
};
