/**
 * The flow-table options shared by `convert`, `live` and `windows`: semantics
 * (profile, timeouts), layout (columns, fields, timestamp) and file format,
 * added to a commander command. Parsed and checked once, before any capture
 * is opened (flow_settings.ts).
 */
import { type Command, Option } from "commander";
import type { ProfileName } from "../flow/flow_record.ts";
import { PADDING_RULES, PROFILE_NAMES, SNAPLEN_LENGTHS } from "../flow/profile.ts";
import { LAYOUT_NAMES, type LayoutName } from "../output/columns.ts";
import { DEFAULT_ROW_GROUP_ROWS, OUTPUT_FORMATS, PARQUET_COMPRESSIONS } from "../output/flow_writer.ts";
import { TIMESTAMP_FORMATS } from "../output/timestamp_format.ts";

export {
  fileMode,
  type FlowSettings,
  nonNegativeSeconds,
  parseFlowOptions,
  positiveSeconds,
  type RawFlowOptions,
  wholeNumber,
} from "./flow_settings.ts";

/** Defaults a command sets differently from `convert` (`windows`: for detection, not dataset parity). */
export interface FlowOptionDefaults {
  profile?: ProfileName;
  /** Meter IPv6 whatever the profile (undefined: as the profile says). */
  ipv6?: boolean;
}

/**
 * Adds the shared options to a command. `defaultColumns` and `defaults`
 * differ per command (`windows` writes the ddos2019 layout, corrected, IPv4 by default).
 */
export function addFlowOptions(
  cmd: Command,
  defaultColumns: LayoutName = "cic2017",
  defaults: FlowOptionDefaults = {},
): Command {
  return cmd
    .option("-t, --flow-timeout <seconds>", "flow timeout, from a flow's first packet", "120")
    .option("--activity-timeout <seconds>", "activity timeout for the Active/Idle columns", "5")
    .addOption(
      new Option(
        "--profile <name>",
        "semantics: cic2017 (dataset numbers, quirks included), engelen (the Engelen et al. 2021 fork, exactly) " +
          "or corrected",
      )
        .choices(PROFILE_NAMES as string[]).default(defaults.profile ?? "cic2017"),
    )
    .addOption(
      new Option("--columns <layout>", "header layout").choices([...LAYOUT_NAMES]).default(defaultColumns),
    )
    .addOption(new Option("--format <format>", "file format").choices([...OUTPUT_FORMATS]).default("csv"))
    .addOption(
      new Option("--compression <codec>", "Parquet compression").choices([...PARQUET_COMPRESSIONS]).default(
        "zstd",
      ),
    )
    .option(
      "--row-group-rows <n>",
      "Parquet: rows per row group, the rows held in memory before they are written",
      String(DEFAULT_ROW_GROUP_ROWS),
    )
    .option(
      "--fields <list>",
      "write only these columns, in this order (comma-separated names of the layout)",
    )
    .option("--label <text>", "value of the Label column (default NeedManualLabel)")
    .addOption(
      new Option(
        "--timestamp-format <format>",
        "Timestamp column format (default: iso; ddos2019 for that layout)",
      )
        .choices([...TIMESTAMP_FORMATS]),
    )
    .option(
      "--time-zone <zone>",
      "IANA time zone for the cic2017, ddos2019 and java timestamp formats",
      "UTC",
    )
    .option(
      "--home-net <cidrs>",
      "home networks for the ddos2019 Inbound column (default: RFC 1918 + fc00::/7)",
    )
    .option(
      "--keep-single-packet-flows",
      "also write 1-packet flows in the cic2017 profile (corrected always does)",
    )
    .option(
      "--ipv6",
      `meter IPv6 too (default: ${
        defaults.ipv6 === undefined ? "off in cic2017, on in corrected" : defaults.ipv6 ? "on" : "off"
      })`,
    )
    .option("--no-ipv6", "ignore IPv6 packets")
    .option(
      "--trim-padding",
      "exclude Ethernet padding from payload (default: off in cic2017, on in corrected)",
    )
    .option("--no-trim-padding", "count Ethernet padding as payload, as the CIC-IDS2017 build did")
    .addOption(
      new Option(
        "--snaplen-lengths <source>",
        "lengths of packets cut by the snaplen: ip = whole-packet numbers from the IP header and " +
          "original length; captured = the captured bytes, as the Java program on a truncated file",
      ).choices([...SNAPLEN_LENGTHS]).default("ip"),
    )
    .addOption(
      new Option(
        "--padding <rule>",
        "padding rule (overrides --trim-padding): keep, ip-length, or ethernet-ipv4 (cic2017: jnetpcap 1.4's " +
          "rule, trim only when IPv4 directly follows Ethernet II, as the Java at 50d668d ran)",
      ).choices([...PADDING_RULES]),
    )
    .option(
      "--non-ipv4-as-ipv4",
      "cic2017: read frames without IPv4 from byte 0 as IPv4, as the 3.0-era Java did (IPv6 frames become " +
        "134.221.x.x flows); for exact dataset rebuilds only",
    )
    .option(
      "--termination-grace <seconds>",
      "corrected: write a finished TCP flow after this long without packets (0 = wait for a SYN, as the Engelen " +
        "fork; engelen: default 0)",
    )
    .option(
      "--no-idle-sweep",
      "keep idle flows until their next packet or the end (same rows, more memory)",
    )
    .option("--file-mode <octal>", "mode of the flow files written (they describe captured traffic)", "600");
}
