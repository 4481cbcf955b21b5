/**
 * Validation before anything starts: root, the builtin meter's flow options,
 * interface, BPF filter, directories, the programs to run. Every problem is collected and reported
 * together, one clear line each.
 */
import type { ConverterName } from "../convert/converter.ts";
import type { BpfCheck } from "../capture/bpf_check.ts";
import {
  defaultInterface,
  describeInterfaces,
  type InterfaceInfo,
  isPseudoInterface,
} from "../capture/interfaces.ts";
import { checkBpfFilter } from "../capture/bpf_check.ts";
import { interfaceLinkTypes, undecodedInterfaceProblem } from "../capture/interface_link_types.ts";
import { listInterfaces } from "../capture/interfaces.ts";
import { findExecutable, notFoundMessage } from "../system/find_executable.ts";
import { flowOptionsProblem } from "../convert/flow_table_options.ts";
import { ConfigError } from "./config_file.ts";
import type { PipelineConfig } from "./pipeline_config.ts";

/** What validation looks at, injectable for tests. */
export interface ValidationDeps {
  listInterfaces(): Promise<InterfaceInfo[]>;
  checkFilter(filter: string, iface: string): Promise<BpfCheck>;
  /** libpcap's names of the link types `iface` offers, or null (see interface_link_types.ts); unset: not checked. */
  linkTypes?(iface: string): Promise<string[] | null>;
  /** Absolute path of a program on PATH, or null. */
  findExecutable(name: string): Promise<string | null>;
  isRoot(): boolean;
}

export interface ValidatedConfig {
  /** The config with the interface resolved (never ""). */
  config: PipelineConfig;
  /** Things worth a log line that do not stop the start (e.g. a filter that could not be checked). */
  warnings: string[];
  /** Where tcpdump and the external meter were found. */
  programs: Record<string, string>;
}

/** The seed's message, kept word for word, and how to run without root. */
export const ROOT_MESSAGE = "This script must be run as root (sudo) for packet capture " +
  "(or pass --no-root-check where tcpdump has the cap_net_raw capability)";

/** The external program each flow meter needs (none for the built-in one). */
export const METER_PROGRAMS: Record<ConverterName, string | undefined> = {
  cicflowmeter: "cicflowmeter",
  nexusflowmeter: "nexusflowmeter",
  builtin: undefined,
};

/**
 * Checks a merged config. Creates the data directories (mode 0700) as part
 * of checking that they are writable. Throws ConfigError listing every problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "./config_file.ts";
 * import { mergeConfig } from "./pipeline_config.ts";
 * import { validateConfig, type ValidationDeps } from "./validate.ts";
 * // A machine without tcpdump, not root (defaultValidationDeps() asks the real one).
 * const deps: ValidationDeps = {
 *   listInterfaces: () => Promise.resolve([{ name: "lo", up: true, loopback: true, addresses: ["127.0.0.1"] }]),
 *   checkFilter: () => Promise.resolve({ ok: true }),
 *   findExecutable: () => Promise.resolve(null),
 *   isRoot: () => false,
 * };
 * const data = await Deno.makeTempDir();
 * const merged = mergeConfig("builtin", { dirs: { data } });
 * await assert.rejects(validateConfig(merged, deps), (err: ConfigError) => {
 *   assert.match(err.message, /tcpdump/); // every problem listed at once
 *   assert.match(err.message, /root/);
 *   return true;
 * });
 * await Deno.remove(data, { recursive: true });
 * ```
 */
export async function validateConfig(config: PipelineConfig, deps: ValidationDeps): Promise<ValidatedConfig> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const programs: Record<string, string> = {};

  if (config.rootCheck && !deps.isRoot()) problems.push(ROOT_MESSAGE);

  // The built-in meter's options are checked as `convert` checks them, so a bad field or
  // option mix stops the start instead of failing every capture. Other meters ignore them.
  const flowProblem = config.meter === "builtin" ? flowOptionsProblem(config.builtin) : undefined;
  if (flowProblem) problems.push(`builtin meter: ${flowProblem}`);

  for (const program of ["tcpdump", METER_PROGRAMS[config.meter]]) {
    if (program === undefined) continue;
    const path = await deps.findExecutable(program);
    if (path === null) {
      // sudo resets PATH (secure_path): a meter installed with pip --user is not found under sudo.
      const sudoHint = program === "tcpdump"
        ? ""
        : "; under sudo, install it system-wide or run sudo env PATH=$PATH …";
      problems.push(notFoundMessage(program) + sudoHint);
    } else programs[program] = path;
  }

  let iface = config.interface;
  const interfaces = await deps.listInterfaces();
  let ifaceOk = false;
  if (iface === "") {
    const chosen = defaultInterface(interfaces);
    if (chosen) {
      iface = chosen.name;
      ifaceOk = true;
    } else {
      problems.push(
        `no up, non-loopback interface to capture on; choose one with -i (interfaces: ${
          describeInterfaces(interfaces)
        })`,
      );
    }
  } else if (isPseudoInterface(iface)) {
    ifaceOk = true;
  } else {
    const found = interfaces.find((i) => i.name === iface);
    if (!found) {
      problems.push(`interface '${iface}' does not exist; interfaces: ${describeInterfaces(interfaces)}`);
    } else if (!found.up) {
      problems.push(`interface '${iface}' is down; bring it up (ip link set ${iface} up) or choose another`);
    } else {
      ifaceOk = true;
    }
  }

  // The built-in meter reads the pcaps itself: frames it cannot decode would make empty flow tables.
  if (ifaceOk && config.meter === "builtin" && programs.tcpdump && deps.linkTypes) {
    const problem = undecodedInterfaceProblem(iface, await deps.linkTypes(iface));
    if (problem) problems.push(problem);
  }

  if (ifaceOk && config.filter.trim() !== "" && programs.tcpdump) {
    const check = await deps.checkFilter(config.filter, iface);
    if (!check.ok && check.filterError) {
      problems.push(
        `BPF filter ${JSON.stringify(config.filter)} does not compile for ${iface}: ${check.message}`,
      );
    } else if (!check.ok) {
      warnings.push(`BPF filter ${JSON.stringify(config.filter)} could not be checked: ${check.message}`);
    }
  }

  const names: [keyof PipelineConfig["dirs"], string][] = [
    ["pcaps", "pcap"],
    ["csv", "CSV"],
    ["log", "log"],
    ["reports", "reports"],
    ["failed", "failed"],
  ];
  for (const [key, label] of names) {
    const problem = await checkWritableDir(config.dirs[key], config.dirMode);
    if (problem) problems.push(`${label} directory ${config.dirs[key]}: ${problem}`);
    else {
      const open = await openToOthers(config.dirs[key], config.dirMode);
      if (open) {
        warnings.push(
          `${label} directory ${config.dirs[key]} ${open}: captures hold payload bytes; chmod 700 it`,
        );
      }
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { config: { ...config, interface: iface }, warnings, programs };
}

/** "is open to group/others (mode 0755)" for a directory more open than `allowed`, else undefined. */
async function openToOthers(dir: string, allowed: number): Promise<string | undefined> {
  try {
    const mode = (await Deno.stat(dir)).mode;
    if (mode !== null && (mode & 0o077 & ~allowed) !== 0) {
      return `is open to group/others (mode 0${(mode & 0o777).toString(8)})`;
    }
  } catch { /* reported by checkWritableDir */ }
  return undefined;
}

/** Creates `dir` (0700) if needed and writes/removes a probe file; returns the problem or undefined. */
export async function checkWritableDir(dir: string, mode = 0o700): Promise<string | undefined> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode });
  } catch (err) {
    return `cannot be created (${(err as Error).message})`;
  }
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) return "is not a directory";
  } catch (err) {
    return `cannot be read (${(err as Error).message})`;
  }
  const probe = `${dir}/.write_test_${Deno.pid}`;
  try {
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (err) {
    return `is not writable (${(err as Error).message})`;
  }
  return undefined;
}

/** The real checks: /sys and tcpdump, PATH, the effective user id. */
export function defaultValidationDeps(): ValidationDeps {
  return {
    listInterfaces: () => listInterfaces(),
    checkFilter: (filter, iface) => checkBpfFilter(filter, iface),
    linkTypes: (iface) => interfaceLinkTypes(iface),
    findExecutable: (name) => findExecutable(name),
    isRoot,
  };
}

/** True when running as root (effective uid 0); without the `sys` permission, the owner of a new file tells. */
export function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch { /* no --allow-sys=uid */ }
  try {
    const probe = Deno.makeTempFileSync({ prefix: "pcap_pipeline_uid_" });
    try {
      return Deno.statSync(probe).uid === 0;
    } finally {
      Deno.removeSync(probe);
    }
  } catch {
    return false;
  }
}
