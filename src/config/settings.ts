/**
 * The table of pipeline settings: for each, its config-file key, its
 * command-line flag, its type and range, its default and where it goes in
 * `PartialConfig`. The file loader and the CLI both read this one table, so
 * keys, flags and help never disagree.
 */
import { LOG_LEVELS, type LogLevel } from "../log.ts";
import {
  BUILTIN_FORMATS,
  type BuiltinFormat,
  DEFAULTS,
  NEXUS_FORMATS,
  type NexusFormat,
  type PartialConfig,
} from "./pipeline_config.ts";
import { PROFILE_NAMES, SNAPLEN_LENGTHS, type SnaplenLengths } from "../flow/profile.ts";
import type { ProfileName } from "../flow/flow_record.ts";
import { LAYOUT_NAMES, type LayoutName } from "../output/columns.ts";
import { parseMode } from "../system/file_mode.ts";

export type SettingKind =
  | { type: "string" }
  | { type: "int"; min: number; max?: number }
  | { type: "number"; min: number; exclusiveMin?: boolean; max?: number }
  | { type: "bool" }
  | { type: "list" }
  | { type: "enum"; values: readonly string[] }
  /** Octal permission bits ("600", "0640"), which must include `owner` (the program's own access). */
  | { type: "mode"; owner: number };

export type SettingValue = string | number | boolean | string[];

export interface Setting {
  /** Key in the config file; `table.key` for keys inside a table (`[retention]` → `retention.pcaps`). */
  key: string;
  /** Commander flag, e.g. `-w, --workers <n>`; a bool flag has no argument. */
  flag: string;
  kind: SettingKind;
  help: string;
  /** Default as shown in help and docs. */
  shownDefault: string;
  apply(config: PartialConfig, value: SettingValue): void;
}

const int = (min: number, max?: number): SettingKind => ({ type: "int", min, max });
const positive: SettingKind = { type: "number", min: 0, exclusiveMin: true };
const nonNegative: SettingKind = { type: "number", min: 0 };

/** Every setting, in the order of `--help`. */
export const SETTINGS: readonly Setting[] = [
  {
    key: "interface",
    flag: "-i, --interface <name>",
    kind: { type: "string" },
    help: "interface to capture on",
    shownDefault: "first up, non-loopback interface",
    apply: (c, v) => c.interface = v as string,
  },
  {
    key: "filter",
    flag: "-f, --filter <expr>",
    kind: { type: "string" },
    help: "BPF filter expression",
    shownDefault: "all traffic",
    apply: (c, v) => c.filter = v as string,
  },
  {
    key: "snaplen",
    flag: "-s, --snaplen <bytes>",
    kind: int(1, 262144),
    help: "bytes captured per packet",
    shownDefault: String(DEFAULTS.snaplen),
    apply: (c, v) => c.snaplen = v as number,
  },
  {
    key: "rotate",
    flag: "--rotate <seconds>",
    kind: int(1),
    help: "start a new pcap every SECONDS",
    shownDefault: String(DEFAULTS.rotateSeconds),
    apply: (c, v) => c.rotateSeconds = v as number,
  },
  {
    key: "data_dir",
    flag: "--data-dir <dir>",
    kind: { type: "string" },
    help: "parent of pcaps/, csv/, log/, reports/, failed/",
    shownDefault: DEFAULTS.dataDir,
    apply: (c, v) => (c.dirs ??= {}).data = v as string,
  },
  ...(["pcaps", "csv", "log", "reports", "failed"] as const).map((name): Setting => {
    const key = name === "pcaps" ? "pcap" : name;
    return {
      key: `${key}_dir`,
      flag: `--${key}-dir <dir>`,
      kind: { type: "string" },
      help: `directory for ${name === "log" ? "log files" : name}`,
      shownDefault: `DATA_DIR/${name}`,
      apply: (c, v) => (c.dirs ??= {})[name] = v as string,
    };
  }),
  {
    key: "retention",
    flag: "--retention <minutes>",
    kind: positive,
    help: "delete pcaps, CSVs and reports older than this (converted pcaps only)",
    shownDefault: String(DEFAULTS.retentionMinutes.pcaps),
    apply: (c, v) => c.retentionMinutes = { pcaps: v as number, csv: v as number, reports: v as number },
  },
  ...(["pcaps", "csv", "reports"] as const).map((kind): Setting => ({
    key: `retention.${kind}`,
    flag: `--retention-${kind} <minutes>`,
    kind: positive,
    help: `retention of ${kind} alone`,
    shownDefault: String(DEFAULTS.retentionMinutes[kind]),
    apply: (c, v) => (c.retentionMinutes ??= {})[kind] = v as number,
  })),
  {
    key: "workers",
    flag: "--workers <n>",
    kind: int(1, 64),
    help: "conversions run at once",
    shownDefault: String(DEFAULTS.workers),
    apply: (c, v) => c.workers = v as number,
  },
  {
    key: "retries",
    flag: "--retries <n>",
    kind: int(0, 100),
    help: "retries of a failed conversion before the pcap goes to failed/",
    shownDefault: String(DEFAULTS.retries),
    apply: (c, v) => c.retries = v as number,
  },
  {
    key: "retry_delay",
    flag: "--retry-delay <seconds>",
    kind: nonNegative,
    help: "wait between retries",
    shownDefault: String(DEFAULTS.retryDelaySeconds),
    apply: (c, v) => c.retryDelaySeconds = v as number,
  },
  {
    key: "timeout",
    flag: "--timeout <seconds>",
    kind: positive,
    help: "conversion timeout (the meter is killed)",
    shownDefault: String(DEFAULTS.timeoutSeconds),
    apply: (c, v) => c.timeoutSeconds = v as number,
  },
  {
    key: "stability_delay",
    flag: "--stability-delay <seconds>",
    kind: positive,
    help: "a pcap whose size is unchanged this long is complete (left-over and last files)",
    shownDefault: String(DEFAULTS.stabilitySeconds),
    apply: (c, v) => c.stabilitySeconds = v as number,
  },
  {
    key: "min_free_disk_mb",
    flag: "--min-free-disk <MB>",
    kind: nonNegative,
    help: "warn below this free space; below half of it delete converted pcaps, then pause capture",
    shownDefault: String(DEFAULTS.minFreeDiskMb),
    apply: (c, v) => c.minFreeDiskMb = v as number,
  },
  {
    key: "disk_check_interval",
    flag: "--disk-check-interval <seconds>",
    kind: positive,
    help: "how often free disk is checked",
    shownDefault: String(DEFAULTS.diskCheckSeconds),
    apply: (c, v) => c.diskCheckSeconds = v as number,
  },
  {
    key: "log_level",
    flag: "--log-level <level>",
    kind: { type: "enum", values: LOG_LEVELS },
    help: "DEBUG, INFO, WARNING or ERROR",
    shownDefault: DEFAULTS.logLevel,
    apply: (c, v) => c.logLevel = v as LogLevel,
  },
  {
    key: "shutdown_timeout",
    flag: "--shutdown-timeout <seconds>",
    kind: nonNegative,
    help: "how long shutdown waits for pending conversions",
    shownDefault: String(DEFAULTS.shutdownTimeoutSeconds),
    apply: (c, v) => c.shutdownTimeoutSeconds = v as number,
  },
  {
    key: "root_check",
    flag: "--no-root-check",
    kind: { type: "bool" },
    help: "do not require root (tcpdump has cap_net_raw, or tests)",
    shownDefault: "root required",
    apply: (c, v) => c.rootCheck = v as boolean,
  },
  {
    key: "meter_check",
    flag: "--no-meter-check",
    kind: { type: "bool" },
    help: "do not test the external meter on a small generated capture before starting",
    shownDefault: "checked",
    apply: (c, v) => c.meterCheck = v as boolean,
  },
  {
    key: "cicflowmeter.verbose",
    flag: "--cic-verbose",
    kind: { type: "bool" },
    help: "cicflowmeter: verbose output (-v)",
    shownDefault: "off",
    apply: (c, v) => (c.cicflowmeter ??= {}).verbose = v as boolean,
  },
  {
    key: "cicflowmeter.fields",
    flag: "--cic-fields <list>",
    kind: { type: "list" },
    help: "cicflowmeter: comma-separated columns to keep",
    shownDefault: "all",
    apply: (c, v) => (c.cicflowmeter ??= {}).fields = v as string[],
  },
  {
    key: "file_mode",
    flag: "--file-mode <octal>",
    kind: { type: "mode", owner: 0o600 },
    help: "mode of the files the pipeline writes and of finished pcaps",
    shownDefault: DEFAULTS.fileMode.toString(8),
    apply: (c, v) => c.fileMode = v as number,
  },
  {
    key: "dir_mode",
    flag: "--dir-mode <octal>",
    kind: { type: "mode", owner: 0o700 },
    help: "mode of the directories the pipeline creates",
    shownDefault: DEFAULTS.dirMode.toString(8),
    apply: (c, v) => c.dirMode = v as number,
  },
  {
    key: "builtin.profile",
    flag: "--profile <name>",
    kind: { type: "enum", values: PROFILE_NAMES },
    help: "builtin: semantics, cic2017 (dataset numbers), engelen (the 2021 fixed fork) or corrected",
    shownDefault: DEFAULTS.builtin.profile,
    apply: (c, v) => (c.builtin ??= {}).profile = v as ProfileName,
  },
  {
    key: "builtin.columns",
    flag: "--columns <layout>",
    kind: { type: "enum", values: LAYOUT_NAMES },
    help: "builtin: header layout (cic2017, cicids2018, cicflowmeter4, ddos2019, python)",
    shownDefault: DEFAULTS.builtin.columns,
    apply: (c, v) => (c.builtin ??= {}).columns = v as LayoutName,
  },
  {
    key: "builtin.flow_timeout",
    flag: "--flow-timeout <seconds>",
    kind: positive,
    help: "builtin: flow timeout, from a flow's first packet",
    shownDefault: String(DEFAULTS.builtin.flowTimeout),
    apply: (c, v) => (c.builtin ??= {}).flowTimeout = v as number,
  },
  {
    key: "builtin.activity_timeout",
    flag: "--activity-timeout <seconds>",
    kind: positive,
    help: "builtin: activity timeout for the Active/Idle columns",
    shownDefault: String(DEFAULTS.builtin.activityTimeout),
    apply: (c, v) => (c.builtin ??= {}).activityTimeout = v as number,
  },
  {
    key: "builtin.label",
    flag: "--label <text>",
    kind: { type: "string" },
    help: "builtin: value of the Label column",
    shownDefault: DEFAULTS.builtin.label,
    apply: (c, v) => (c.builtin ??= {}).label = v as string,
  },
  {
    key: "builtin.snaplen_lengths",
    flag: "--snaplen-lengths <source>",
    kind: { type: "enum", values: SNAPLEN_LENGTHS },
    help:
      "builtin: lengths of packets cut by the snaplen, ip (whole packet) or captured (as the Java program)",
    shownDefault: DEFAULTS.builtin.snaplenLengths,
    apply: (c, v) => (c.builtin ??= {}).snaplenLengths = v as SnaplenLengths,
  },
  {
    key: "builtin.format",
    flag: "--format <format>",
    kind: { type: "enum", values: BUILTIN_FORMATS },
    help: "builtin: flow files per capture: csv, parquet, or csv+parquet (side by side)",
    shownDefault: DEFAULTS.builtin.format,
    apply: (c, v) => (c.builtin ??= {}).format = v as BuiltinFormat,
  },
  {
    key: "nexusflowmeter.flow_timeout",
    flag: "--nexus-flow-timeout <seconds>",
    kind: positive,
    help: "nexusflowmeter: flow timeout",
    shownDefault: String(DEFAULTS.nexusflowmeter.flowTimeout),
    apply: (c, v) => (c.nexusflowmeter ??= {}).flowTimeout = v as number,
  },
  {
    key: "nexusflowmeter.workers",
    flag: "--nexus-workers <n>",
    kind: int(1, 64),
    help: "nexusflowmeter: its own worker processes",
    shownDefault: String(DEFAULTS.nexusflowmeter.workers),
    apply: (c, v) => (c.nexusflowmeter ??= {}).workers = v as number,
  },
  {
    key: "nexusflowmeter.output_format",
    flag: "--nexus-format <format>",
    kind: { type: "enum", values: NEXUS_FORMATS },
    help: "nexusflowmeter: csv, json or xlsx",
    shownDefault: DEFAULTS.nexusflowmeter.outputFormat,
    apply: (c, v) => (c.nexusflowmeter ??= {}).outputFormat = v as NexusFormat,
  },
  {
    key: "nexusflowmeter.verbose",
    flag: "--nexus-verbose",
    kind: { type: "bool" },
    help: "nexusflowmeter: verbose output",
    shownDefault: "off",
    apply: (c, v) => (c.nexusflowmeter ??= {}).verbose = v as boolean,
  },
  {
    key: "nexusflowmeter.reports",
    flag: "--nexus-reports",
    kind: { type: "bool" },
    help: "nexusflowmeter: also write reports (into the reports directory)",
    shownDefault: "off",
    apply: (c, v) => (c.nexusflowmeter ??= {}).reports = v as boolean,
  },
  ...([
    [
      "sink",
      "--sink <urls>",
      "stream the builtin meter's rows to NATS JetStream servers, comma-separated nats://HOST:PORT (tls:// for TLS)",
      "off",
      "sink",
    ],
    ["sensor", "--sensor <name>", "this sensor's name in the stream", "the host name", "sensor"],
    ["sink_subject", "--sink-subject <subject>", "subject to publish to", "flows.<sensor>", "subject"],
    [
      "sink_credentials",
      "--sink-credentials <file>",
      "file with token, user/password or nkey_seed (mode 600)",
      "none",
      "credentials",
    ],
    [
      "sink_tls_ca",
      "--sink-tls-ca <file>",
      "CA certificate (PEM) to trust for the NATS servers",
      "system CAs",
      "tlsCa",
    ],
    [
      "sink_tls_cert",
      "--sink-tls-cert <file>",
      "client certificate (PEM), with --sink-tls-key",
      "none",
      "tlsCert",
    ],
    ["sink_tls_key", "--sink-tls-key <file>", "client key (PEM)", "none", "tlsKey"],
    [
      "spool_dir",
      "--spool-dir <dir>",
      "durable spool for rows not yet in the stream",
      "DATA_DIR/spool",
      "spoolDir",
    ],
  ] as const).map(([key, flag, help, shownDefault, field]): Setting => ({
    key,
    flag,
    kind: { type: "string" },
    help,
    shownDefault,
    apply: (c, v) => (c.sink ??= {})[field] = v as string,
  })),
  {
    key: "spool_max_mb",
    flag: "--spool-max <MiB>",
    kind: positive,
    help: "spool size limit",
    shownDefault: "256",
    apply: (c, v) => (c.sink ??= {}).spoolMaxMb = v as number,
  },
];

/** The commander attribute name of a flag (`--retry-delay <s>` → `retryDelay`, `--no-root-check` → `rootCheck`). */
export function flagAttribute(flag: string): string {
  const long = flag.split(/[ ,]+/).find((p) => p.startsWith("--"))!.slice(2).replace(/^no-/, "");
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The long flag of a setting (`--workers`). */
export function longFlag(setting: Setting): string {
  return setting.flag.split(/[ ,]+/).find((p) => p.startsWith("--"))!;
}

/** Describes what a kind accepts, for error messages ("an integer from 1 to 64"). */
export function describeKind(kind: SettingKind): string {
  switch (kind.type) {
    case "string":
      return "a string";
    case "bool":
      return "true or false";
    case "list":
      return "a list of strings";
    case "enum":
      return `one of ${kind.values.join(", ")}`;
    case "mode":
      return `octal permission bits including ${kind.owner.toString(8)} (e.g. "${
        (kind.owner | 0o040).toString(8)
      }")`;
    case "int":
      return kind.max === undefined
        ? `an integer ≥ ${kind.min}`
        : `an integer from ${kind.min} to ${kind.max}`;
    case "number": {
      const low = kind.exclusiveMin ? `> ${kind.min}` : `≥ ${kind.min}`;
      return kind.max === undefined ? `a number ${low}` : `a number ${low} and ≤ ${kind.max}`;
    }
  }
}

/**
 * Checks a value (from a file, or a flag's text when `fromText`) against a
 * kind; returns the typed value or undefined when it does not fit.
 */
export function coerceSetting(kind: SettingKind, raw: unknown, fromText: boolean): SettingValue | undefined {
  switch (kind.type) {
    case "string":
      return typeof raw === "string" ? raw : undefined;
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (fromText && typeof raw === "string" && /^(true|false)$/i.test(raw)) {
        return raw.toLowerCase() === "true";
      }
      return undefined;
    case "list":
      if (Array.isArray(raw) && raw.every((x) => typeof x === "string")) return raw as string[];
      if (fromText && typeof raw === "string") {
        return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
      }
      return undefined;
    case "enum": {
      if (typeof raw !== "string") return undefined;
      const found = kind.values.find((v) =>
        v.toLowerCase() === raw.toLowerCase() || (v === "WARNING" && /^warn$/i.test(raw))
      );
      return found;
    }
    case "mode":
      return parseMode(raw, kind.owner);
    case "int":
    case "number": {
      let n: number;
      if (typeof raw === "number") n = raw;
      else if (typeof raw === "bigint") n = Number(raw);
      else if (
        fromText && typeof raw === "string" && raw.trim() !== "" && /^[-+]?[0-9.e+-]+$/i.test(raw.trim())
      ) {
        n = Number(raw);
      } else return undefined;
      if (!Number.isFinite(n)) return undefined;
      if (kind.type === "int" && !Number.isInteger(n)) return undefined;
      if (kind.type === "number" && kind.exclusiveMin ? n <= kind.min : n < kind.min) return undefined;
      if (kind.max !== undefined && n > kind.max) return undefined;
      return n;
    }
  }
}
