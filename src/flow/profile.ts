/**
 * Profiles (spec §0, §5): one engine, three sets of semantics. `cic2017`
 * reproduces the numbers of CIC-IDS2017 / CSE-CIC-IDS2018 / CIC-DDoS2019,
 * quirks included (the 3.0-era Java, J3); `engelen` is the Engelen et al.
 * fork that made the improved CIC-IDS2017 / CSE-CIC-IDS2018 (2021), bugs
 * included; `corrected` fixes the bugs, following that fork where it fixed
 * them and the documented intent elsewhere.
 */
import type { ProfileName } from "./flow_record.ts";
import { PADDING_RULES, type PaddingRule } from "./java_packet.ts";

export { PADDING_RULES, type PaddingRule } from "./java_packet.ts";

export const PROFILE_NAMES: readonly ProfileName[] = ["cic2017", "corrected", "engelen"];

/** Where the lengths of a packet cut by the snaplen come from (see MeterOptions.snaplenLengths). */
export type SnaplenLengths = "ip" | "captured";
export const SNAPLEN_LENGTHS: readonly SnaplenLengths[] = ["ip", "captured"];

export interface MeterOptions {
  /** Semantics (default cic2017). */
  profile?: ProfileName;
  /** Flow timeout in µs, measured from the flow's first packet (default 120 s). */
  flowTimeoutUs?: number;
  /** Activity timeout for Active/Idle in µs (default 5 s). */
  activityTimeoutUs?: number;
  /** Write flows of a single packet (default: no in cic2017, yes in corrected; Q16). */
  keepSinglePacketFlows?: boolean;
  /** Meter IPv6 traffic (default: no in cic2017, as the Java converter; yes in corrected). */
  ipv6?: boolean;
  /** Exclude Ethernet padding from payload (default: no in cic2017 (Q21), yes in corrected). */
  trimPadding?: boolean;
  /**
   * Lengths of a packet cut by the snaplen: "ip" (default) = what the
   * program would have computed on the whole packet (IP header and the
   * record's original length); "captured" = from the captured bytes, as the
   * Java program does on a truncated file (parity tests).
   */
  snaplenLengths?: SnaplenLengths;
  /**
   * Padding rule, finer than `trimPadding` (which it overrides): `keep` (the
   * CIC-IDS2017 rows), `ip-length` (cut every packet to its IP length) or
   * `ethernet-ipv4` (cic2017 and engelen: jnetpcap 1.4's rule, cut only when IPv4
   * directly follows an Ethernet II header, as J3 at 50d668d ran).
   */
  padding?: PaddingRule;
  /**
   * Decode frames without an IPv4 header behind Ethernet from byte 0 as
   * IPv4, as J3 and the fork did (IPv6 frames become 134.221.x.x flows, ARP
   * 8.0.6.4-8.6.0.1); every link type is read as Ethernet first, as they
   * did. cic2017: for exact dataset rebuilds only (default false); engelen:
   * default true (that program); not for corrected.
   */
  nonIpv4AsIpv4?: boolean;
  /**
   * corrected only: emit a flow marked for closing (mutual FIN + ACK, or RST)
   * once no packet has come for this long, in µs (default 1 s; 0 = wait for a
   * SYN, the timeout or the end, as the Engelen fork does).
   */
  terminationGraceUs?: number;
  /**
   * Emit flows idle for longer than the flow timeout while reading, keeping
   * only their key (memory stays bounded by the active flows plus ~120 bytes
   * per swept key until the end). For input in time order the rows are those
   * of no sweep: the next packet of a swept key starts the continuation with
   * the inherited direction, as the Java does (spec §3.3). Default true.
   */
  sweepIdle?: boolean;
  /** Value of the Label column (default NeedManualLabel). */
  label?: string;
}

/** Every option resolved for one profile. */
export interface MeterSettings {
  profile: ProfileName;
  legacy: boolean;
  /** The Engelen et al. fork exactly (GintsEngelen/CICFlowMeter 4dd5319), bugs included. */
  engelen: boolean;
  flowTimeoutUs: number;
  activityTimeoutUs: number;
  keepSinglePacketFlows: boolean;
  ipv6: boolean;
  trimPadding: boolean;
  snaplenLengths: SnaplenLengths;
  padding: PaddingRule;
  nonIpv4AsIpv4: boolean;
  terminationGraceUs: number;
  sweepIdle: boolean;
  label: string;
}

export const DEFAULT_FLOW_TIMEOUT_US = 120_000_000;
export const DEFAULT_ACTIVITY_TIMEOUT_US = 5_000_000;
export const DEFAULT_LABEL = "NeedManualLabel";
/** Bulk and subflow gap (spec §3.8, §3.9). */
export const SUBFLOW_GAP_US = 1_000_000;

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSettings } from "./profile.ts";
 * assert.deepEqual(resolveSettings({ profile: "corrected" }).keepSinglePacketFlows, true);
 * ```
 */
export function resolveSettings(options: MeterOptions = {}): MeterSettings {
  const profile = options.profile ?? "cic2017";
  if (!PROFILE_NAMES.includes(profile)) {
    throw new RangeError(`unknown profile "${profile}" (valid: ${PROFILE_NAMES.join(", ")})`);
  }
  const legacy = profile === "cic2017";
  const engelen = profile === "engelen";
  const settings: MeterSettings = {
    profile,
    legacy,
    engelen,
    flowTimeoutUs: options.flowTimeoutUs ?? DEFAULT_FLOW_TIMEOUT_US,
    activityTimeoutUs: options.activityTimeoutUs ?? DEFAULT_ACTIVITY_TIMEOUT_US,
    keepSinglePacketFlows: options.keepSinglePacketFlows ?? !legacy,
    ipv6: options.ipv6 ?? profile === "corrected",
    trimPadding: options.trimPadding ?? !legacy,
    snaplenLengths: options.snaplenLengths ?? "ip",
    padding: "keep",
    nonIpv4AsIpv4: options.nonIpv4AsIpv4 ?? engelen,
    terminationGraceUs: options.terminationGraceUs ?? (engelen ? 0 : 1_000_000),
    sweepIdle: options.sweepIdle ?? true,
    label: options.label ?? DEFAULT_LABEL,
  };
  for (const key of ["flowTimeoutUs", "activityTimeoutUs", "terminationGraceUs"] as const) {
    const v = settings[key];
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${key} must be a number ≥ 0, got ${v}`);
  }
  if (!SNAPLEN_LENGTHS.includes(settings.snaplenLengths)) {
    throw new RangeError(
      `unknown snaplen lengths "${settings.snaplenLengths}" (valid: ${SNAPLEN_LENGTHS.join(", ")})`,
    );
  }
  if (settings.flowTimeoutUs === 0) throw new RangeError("the flow timeout must be > 0");
  const padding = options.padding ??
    (engelen && options.trimPadding === undefined
      ? "ethernet-ipv4"
      : settings.trimPadding
      ? "ip-length"
      : "keep");
  if (!PADDING_RULES.includes(padding)) {
    throw new RangeError(`unknown padding rule "${padding}" (valid: ${PADDING_RULES.join(", ")})`);
  }
  if (profile === "corrected" && padding === "ethernet-ipv4") {
    throw new RangeError(
      `padding rule "ethernet-ipv4" (the Java decoder's) is for cic2017 and engelen, not profile ${profile}`,
    );
  }
  if (profile === "corrected" && settings.nonIpv4AsIpv4) {
    throw new RangeError(
      `decoding non-IPv4 frames as IPv4 is for cic2017 and engelen, not profile ${profile}`,
    );
  }
  settings.padding = padding;
  settings.trimPadding = padding !== "keep";
  return settings;
}
