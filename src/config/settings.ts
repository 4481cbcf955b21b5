/**
 * The table of pipeline settings: for each, its config-file key, its
 * command-line flag, its type and range, its default and where it goes in
 * `PartialConfig`. The file loader and the CLI both read this one table, so
 * keys, flags and help never disagree. The `builtin` meter's settings are
 * the flow options of `convert` (src/config/flow_option_table.ts); each
 * meter's settings are taken by that meter's command only.
 */
import { LOG_LEVELS, type LogLevel } from "../log.ts";
import type { ConverterName } from "../convert/converter.ts";
import { DEFAULTS, NEXUS_FORMATS, type NexusFormat, type PartialConfig } from "./pipeline_config.ts";
import { type FlowOption, flowOptionsFor, setFlowOption } from "./flow_option_table.ts";
import type { SettingKind, SettingValue } from "./setting_kind.ts";

export interface Setting {
  /** Key in the config file; `table.key` for keys inside a table (`[retention]` → `retention.pcaps`). */
  key: string;
  /** Commander flag, e.g. `-w, --workers <n>`; a bool flag has no argument. */
  flag: string;
  /** The flag that sets a bool setting false (`--no-ipv6`), with its help. */
  negation?: { flag: string; help: string };
  kind: SettingKind;
  help: string;
  /** Default as shown in help and docs (undefined: none to show). */
  shownDefault?: string;
  /** The flow meter the setting belongs to; only that meter's command takes it (undefined: every meter's). */
  meter?: ConverterName;
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
    meter: "cicflowmeter",
    shownDefault: "off",
    apply: (c, v) => (c.cicflowmeter ??= {}).verbose = v as boolean,
  },
  {
    key: "cicflowmeter.fields",
    flag: "--cic-fields <list>",
    kind: { type: "list" },
    help: "cicflowmeter: comma-separated columns to keep",
    meter: "cicflowmeter",
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
  ...flowOptionsFor("builtin").map(builtinSetting),
  {
    key: "nexusflowmeter.flow_timeout",
    flag: "--nexus-flow-timeout <seconds>",
    kind: positive,
    help: "nexusflowmeter: flow timeout",
    meter: "nexusflowmeter",
    shownDefault: String(DEFAULTS.nexusflowmeter.flowTimeout),
    apply: (c, v) => (c.nexusflowmeter ??= {}).flowTimeout = v as number,
  },
  {
    key: "nexusflowmeter.workers",
    flag: "--nexus-workers <n>",
    kind: int(1, 64),
    help: "nexusflowmeter: its own worker processes",
    meter: "nexusflowmeter",
    shownDefault: String(DEFAULTS.nexusflowmeter.workers),
    apply: (c, v) => (c.nexusflowmeter ??= {}).workers = v as number,
  },
  {
    key: "nexusflowmeter.output_format",
    flag: "--nexus-format <format>",
    kind: { type: "enum", values: NEXUS_FORMATS },
    help: "nexusflowmeter: csv, json or xlsx",
    meter: "nexusflowmeter",
    shownDefault: DEFAULTS.nexusflowmeter.outputFormat,
    apply: (c, v) => (c.nexusflowmeter ??= {}).outputFormat = v as NexusFormat,
  },
  {
    key: "nexusflowmeter.verbose",
    flag: "--nexus-verbose",
    kind: { type: "bool" },
    help: "nexusflowmeter: verbose output",
    meter: "nexusflowmeter",
    shownDefault: "off",
    apply: (c, v) => (c.nexusflowmeter ??= {}).verbose = v as boolean,
  },
  {
    key: "nexusflowmeter.reports",
    flag: "--nexus-reports",
    kind: { type: "bool" },
    help: "nexusflowmeter: also write reports (into the reports directory)",
    meter: "nexusflowmeter",
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
    // Streaming sends the builtin meter's rows (the external meters' columns differ).
    meter: "builtin",
    apply: (c, v) => (c.sink ??= {})[field] = v as string,
  })),
  {
    key: "spool_max_mb",
    flag: "--spool-max <MiB>",
    kind: positive,
    help: "spool size limit",
    shownDefault: "256",
    meter: "builtin",
    apply: (c, v) => (c.sink ??= {}).spoolMaxMb = v as number,
  },
];

/** The setting of a flow option of the builtin meter: key `builtin.KEY`, the flag and check of `convert`. */
function builtinSetting(option: FlowOption): Setting {
  const { kind } = option;
  // Commander lists an enum's values for `convert`; the pipeline's help names them itself.
  const values = kind.type === "enum" && !kind.values.every((v) => option.help.includes(v))
    ? ` (${kind.values.join(", ")})`
    : "";
  return {
    key: `builtin.${option.key}`,
    flag: option.flag,
    negation: option.negation && { ...option.negation, help: `builtin: ${option.negation.help}` },
    kind,
    help: `builtin: ${option.help}${values}`,
    shownDefault: option.default ?? option.shownDefault,
    meter: "builtin",
    apply: (c, v) => setFlowOption(c.builtin ??= {}, option, v),
  };
}

/** The commander attribute name of a flag (`--retry-delay <s>` → `retryDelay`, `--no-root-check` → `rootCheck`). */
export function flagAttribute(flag: string): string {
  const long = flag.split(/[ ,]+/).find((p) => p.startsWith("--"))!.slice(2).replace(/^no-/, "");
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The long flag of a setting or flow option (`--workers`). */
export function longFlag(setting: { flag: string }): string {
  return setting.flag.split(/[ ,]+/).find((p) => p.startsWith("--"))!;
}
