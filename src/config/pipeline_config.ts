/**
 * The pipeline's settings: one `PipelineConfig` type, its defaults, and the
 * layering defaults ← config file ← command-line flags.
 */
import type { ConverterName } from "../convert/converter.ts";
import type { BuiltinOptions } from "../convert/builtin.ts";
import type { LogLevel } from "../log.ts";
import { flowOptionDefaults } from "./flow_option_table.ts";
import type { RawSinkSettings } from "../sink/sink_config.ts";

/** Output formats of nexusflowmeter. */
export const NEXUS_FORMATS = ["csv", "json", "xlsx"] as const;
export type NexusFormat = typeof NEXUS_FORMATS[number];

export interface PipelineDirs {
  /** Parent of the others unless they are set one by one (default `./data`). */
  data: string;
  pcaps: string;
  csv: string;
  log: string;
  reports: string;
  failed: string;
}

export interface CicflowmeterOptions {
  /** Pass `-v` to cicflowmeter. */
  verbose: boolean;
  /** Columns to keep (`--fields a,b,c`); empty = all. */
  fields: string[];
}

export interface NexusflowmeterOptions {
  /** Flow timeout in seconds. */
  flowTimeout: number;
  /** nexusflowmeter's own worker processes. */
  workers: number;
  outputFormat: NexusFormat;
  verbose: boolean;
  /** Also write nexusflowmeter's reports (into the reports directory). */
  reports: boolean;
}

/** Every setting of the capture pipeline. Durations are in the unit their name says. */
export interface PipelineConfig {
  meter: ConverterName;
  /** Capture interface; "" = the first up, non-loopback interface. */
  interface: string;
  /** BPF filter expression; "" = everything. */
  filter: string;
  snaplen: number;
  rotateSeconds: number;
  dirs: PipelineDirs;
  retentionMinutes: { pcaps: number; csv: number; reports: number };
  workers: number;
  retries: number;
  retryDelaySeconds: number;
  timeoutSeconds: number;
  /** A file whose size has not changed for this long is complete (start-up leftovers, last file). */
  stabilitySeconds: number;
  /** The built-in meter's flow options (those of `convert`), with their defaults. */
  builtin: BuiltinOptions;
  cicflowmeter: CicflowmeterOptions;
  nexusflowmeter: NexusflowmeterOptions;
  minFreeDiskMb: number;
  diskCheckSeconds: number;
  logLevel: LogLevel;
  /** How long shutdown waits for pending conversions. */
  shutdownTimeoutSeconds: number;
  /** Refuse to start unless root (off for setups where tcpdump has cap_net_raw). */
  rootCheck: boolean;
  /** Before capturing, run the external meter on a generated test capture and refuse to start if it fails. */
  meterCheck: boolean;
  /** Mode of written files and finished pcaps (captures hold payload: default 0o600). */
  fileMode: number;
  /** Mode of created directories (default 0o700). */
  dirMode: number;
  /** Streaming rows to NATS JetStream (`sink` unset: no streaming). */
  sink: RawSinkSettings;
}

/** A config with every field optional, as read from a file or from flags. */
export type PartialConfig =
  & Partial<
    Omit<PipelineConfig, "dirs" | "retentionMinutes" | "builtin" | "cicflowmeter" | "nexusflowmeter" | "sink">
  >
  & {
    dirs?: Partial<PipelineDirs>;
    retentionMinutes?: Partial<PipelineConfig["retentionMinutes"]>;
    builtin?: BuiltinOptions;
    cicflowmeter?: Partial<CicflowmeterOptions>;
    nexusflowmeter?: Partial<NexusflowmeterOptions>;
    sink?: RawSinkSettings;
  };

/** The defaults (the seed's values). Directories are derived from `dirs.data` by `mergeConfig`. */
export const DEFAULTS = {
  interface: "",
  filter: "",
  snaplen: 128,
  rotateSeconds: 60,
  dataDir: "./data",
  retentionMinutes: { pcaps: 30, csv: 30, reports: 30 },
  workers: 2,
  retries: 3,
  retryDelaySeconds: 5,
  timeoutSeconds: 300,
  stabilitySeconds: 2,
  builtin: flowOptionDefaults("builtin") as Readonly<BuiltinOptions>,
  cicflowmeter: { verbose: false, fields: [] as string[] },
  nexusflowmeter: {
    flowTimeout: 60,
    workers: 1,
    outputFormat: "csv" as NexusFormat,
    verbose: false,
    reports: false,
  },
  minFreeDiskMb: 1000,
  diskCheckSeconds: 60,
  logLevel: "INFO" as LogLevel,
  shutdownTimeoutSeconds: 60,
  rootCheck: true,
  meterCheck: true,
  fileMode: 0o600,
  dirMode: 0o700,
} as const;

/**
 * Layers settings: `DEFAULTS` ← each of `layers` in order (later wins, field
 * by field). Directories not set one by one go under the data directory of
 * the merged result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeConfig } from "./pipeline_config.ts";
 * assert.equal(mergeConfig("builtin").dirs.csv, "./data/csv"); // unless set
 * assert.equal(mergeConfig("builtin", { workers: 2 }, { workers: 4 }).workers, 4); // later layers win
 * ```
 */
export function mergeConfig(meter: ConverterName, ...layers: PartialConfig[]): PipelineConfig {
  const pick = <T>(get: (l: PartialConfig) => T | undefined, fallback: T): T => {
    let value = fallback;
    for (const layer of layers) {
      const v = get(layer);
      if (v !== undefined) value = v;
    }
    return value;
  };
  const data = pick((l) => l.dirs?.data, DEFAULTS.dataDir as string).replace(/\/+$/, "") || "/";
  const under = (name: string) => data === "/" ? `/${name}` : `${data}/${name}`;
  return {
    meter,
    interface: pick((l) => l.interface, DEFAULTS.interface as string),
    filter: pick((l) => l.filter, DEFAULTS.filter as string),
    snaplen: pick((l) => l.snaplen, DEFAULTS.snaplen as number),
    rotateSeconds: pick((l) => l.rotateSeconds, DEFAULTS.rotateSeconds as number),
    dirs: {
      data,
      pcaps: pick((l) => l.dirs?.pcaps, under("pcaps")),
      csv: pick((l) => l.dirs?.csv, under("csv")),
      log: pick((l) => l.dirs?.log, under("log")),
      reports: pick((l) => l.dirs?.reports, under("reports")),
      failed: pick((l) => l.dirs?.failed, under("failed")),
    },
    retentionMinutes: {
      pcaps: pick((l) => l.retentionMinutes?.pcaps, DEFAULTS.retentionMinutes.pcaps as number),
      csv: pick((l) => l.retentionMinutes?.csv, DEFAULTS.retentionMinutes.csv as number),
      reports: pick((l) => l.retentionMinutes?.reports, DEFAULTS.retentionMinutes.reports as number),
    },
    workers: pick((l) => l.workers, DEFAULTS.workers as number),
    retries: pick((l) => l.retries, DEFAULTS.retries as number),
    retryDelaySeconds: pick((l) => l.retryDelaySeconds, DEFAULTS.retryDelaySeconds as number),
    timeoutSeconds: pick((l) => l.timeoutSeconds, DEFAULTS.timeoutSeconds as number),
    stabilitySeconds: pick((l) => l.stabilitySeconds, DEFAULTS.stabilitySeconds as number),
    builtin: definedOf(DEFAULTS.builtin, ...layers.map((l) => l.builtin ?? {})),
    cicflowmeter: {
      verbose: pick((l) => l.cicflowmeter?.verbose, DEFAULTS.cicflowmeter.verbose as boolean),
      fields: pick((l) => l.cicflowmeter?.fields, [...DEFAULTS.cicflowmeter.fields]),
    },
    nexusflowmeter: {
      flowTimeout: pick((l) => l.nexusflowmeter?.flowTimeout, DEFAULTS.nexusflowmeter.flowTimeout as number),
      workers: pick((l) => l.nexusflowmeter?.workers, DEFAULTS.nexusflowmeter.workers as number),
      outputFormat: pick((l) => l.nexusflowmeter?.outputFormat, DEFAULTS.nexusflowmeter.outputFormat),
      verbose: pick((l) => l.nexusflowmeter?.verbose, DEFAULTS.nexusflowmeter.verbose as boolean),
      reports: pick((l) => l.nexusflowmeter?.reports, DEFAULTS.nexusflowmeter.reports as boolean),
    },
    minFreeDiskMb: pick((l) => l.minFreeDiskMb, DEFAULTS.minFreeDiskMb as number),
    diskCheckSeconds: pick((l) => l.diskCheckSeconds, DEFAULTS.diskCheckSeconds as number),
    logLevel: pick((l) => l.logLevel, DEFAULTS.logLevel),
    shutdownTimeoutSeconds: pick((l) => l.shutdownTimeoutSeconds, DEFAULTS.shutdownTimeoutSeconds as number),
    rootCheck: pick((l) => l.rootCheck, DEFAULTS.rootCheck as boolean),
    meterCheck: pick((l) => l.meterCheck, DEFAULTS.meterCheck as boolean),
    fileMode: pick((l) => l.fileMode, DEFAULTS.fileMode as number),
    dirMode: pick((l) => l.dirMode, DEFAULTS.dirMode as number),
    sink: Object.assign({}, ...layers.map((l) => l.sink ?? {})),
  };
}

/** The objects' fields merged, later ones winning; a field set to undefined does not count. */
function definedOf<T extends object>(...objects: T[]): T {
  const merged: Record<string, unknown> = {};
  for (const o of objects) {
    for (const [key, value] of Object.entries(o)) if (value !== undefined) merged[key] = value;
  }
  return merged as T;
}
