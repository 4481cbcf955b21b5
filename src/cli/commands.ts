/**
 * The command list, light enough to load at start-up: each command's name,
 * how the top-level help shows it, and a loader for its module. `main.ts`
 * loads only the module of the command being run (start-up cost; issue 15),
 * and prints `--version` and the top-level `--help` without loading
 * commander at all. The descriptions live here only; each command module
 * takes its own with `describeCommand`. tests/cli/commands_test.ts checks
 * that the terms match the loaded commands and the help text is commander's.
 */
import type { Command } from "commander";
import { CONVERTER_NAMES } from "../convert/converter.ts";
import { COMMAND_DESCRIPTIONS } from "./command_descriptions.ts";

/** One subcommand as the top-level help lists it. */
export interface CommandEntry {
  name: string;
  /** The term commander prints: name, `[options]`, arguments. */
  term: string;
  /** The command's description (the same text its module sets). */
  description: string;
  /** Imports the command's module and builds the command. */
  load(): Promise<Command>;
}

/** The program's own description. */
export const PROGRAM_DESCRIPTION =
  "Capture with tcpdump, rotate pcaps, and turn them into CICFlowMeter-compatible flow tables.";

const meter = (name: typeof CONVERTER_NAMES[number], description: string): CommandEntry => ({
  name,
  term: `${name} [options]`,
  description,
  load: async () => (await import("./run.ts")).runCommand(name),
});

/** Every subcommand, in help order. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "inspect",
    term: "inspect [options] <files...>",
    description: COMMAND_DESCRIPTIONS["inspect"],
    load: async () => (await import("./inspect.ts")).inspectCommand(),
  },
  {
    name: "convert",
    term: "convert [options] <inputs...>",
    description: COMMAND_DESCRIPTIONS["convert"],
    load: async () => (await import("./convert.ts")).convertCommand(),
  },
  {
    name: "live",
    term: "live [options]",
    description: COMMAND_DESCRIPTIONS["live"],
    load: async () => (await import("./live.ts")).liveCommand(),
  },
  {
    name: "windows",
    term: "windows [options]",
    description: COMMAND_DESCRIPTIONS["windows"],
    load: async () => (await import("./windows.ts")).windowsCommand(),
  },
  {
    name: "interfaces",
    term: "interfaces [options]",
    description: COMMAND_DESCRIPTIONS["interfaces"],
    load: async () => (await import("./interfaces.ts")).interfacesCommand(),
  },
  {
    name: "collect",
    term: "collect [options]",
    description: COMMAND_DESCRIPTIONS["collect"],
    load: async () => (await import("./collect.ts")).collectCommand(),
  },
  {
    name: "sink-check",
    term: "sink-check [options]",
    description: COMMAND_DESCRIPTIONS["sink-check"],
    load: async () => (await import("./sink_check.ts")).sinkCheckCommand(),
  },
  meter("cicflowmeter", COMMAND_DESCRIPTIONS["cicflowmeter"]),
  meter("nexusflowmeter", COMMAND_DESCRIPTIONS["nexusflowmeter"]),
  meter("builtin", COMMAND_DESCRIPTIONS["builtin"]),
];

/** The help term of commander's implicit `help` command. */
export const HELP_COMMAND_TERM = "help [command]";

/**
 * The name of the command `args` runs (`help NAME` counts as NAME), or
 * undefined for none or an unknown one. The program itself has no option
 * that takes a value, so the first operand is the command.
 */
export function commandToLoad(args: readonly string[]): CommandEntry | undefined {
  const operands = args.filter((a) => !a.startsWith("-"));
  const name = operands[0] === "help" ? operands[1] : operands[0];
  return COMMANDS.find((c) => c.name === name);
}

/** The message for a flow meter name that does not exist. */
export function unknownMeterMessage(name: string): string {
  return `unknown flow meter '${name}'. Valid flow meters: ${CONVERTER_NAMES.join(", ")} ` +
    `(e.g. sudo pcap-pipeline builtin -i eth0)`;
}

/** The message for an unknown command: the valid flow meters first, then the other commands. */
export function unknownCommandMessage(name: string): string {
  const others = COMMANDS.map((c) => c.name).filter((n) =>
    !(CONVERTER_NAMES as readonly string[]).includes(n)
  );
  return `${unknownMeterMessage(name)}; other commands: ${others.join(", ")}`;
}
