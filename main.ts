/**
 * pcap-pipeline entry point: builds the command tree, runs it, and maps errors
 * to exit codes. The only place that calls `Deno.exit`.
 *
 * Start-up is kept short (issue 15): `--version` and the top-level `--help`
 * load nothing but the command list; the usual `convert` command lines load
 * neither commander nor any other command (src/cli/quick_convert.ts); any
 * other run loads commander and only the module of the command it names (the
 * others appear in help as entries of src/cli/commands.ts).
 */
import type { Command } from "commander";
import {
  COMMANDS,
  commandToLoad,
  HELP_COMMAND_TERM,
  PROGRAM_DESCRIPTION,
  unknownCommandMessage,
} from "./src/cli/commands.ts";
import { UsageError } from "./src/cli/errors.ts";
import { helpWidth, topLevelHelp } from "./src/cli/quick_help.ts";
import { COMMAND_OUTPUT, writeTextSync } from "./src/cli/text_output.ts";
import { VERSION } from "./src/version.ts";

/**
 * The program with the commands in `load` (names) built from their modules;
 * every other command is a stub that only shows in the help.
 */
export async function buildProgram(load: readonly string[] = []): Promise<Command> {
  const { Command } = await import("commander");
  const terms = new Map(COMMANDS.map((c) => [c.name, c.term]));
  terms.set("help", HELP_COMMAND_TERM);
  const program = new Command("pcap-pipeline")
    .description(PROGRAM_DESCRIPTION)
    .version(VERSION, "-V, --version")
    .configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? cmd.name() })
    .showHelpAfterError()
    .configureOutput(COMMAND_OUTPUT)
    .exitOverride();
  for (const entry of COMMANDS) {
    program.addCommand(
      load.includes(entry.name) ? await entry.load() : new Command(entry.name).description(entry.description),
    );
  }
  program.on("command:*", (operands: string[]) => {
    throw new UsageError(unknownCommandMessage(operands[0]));
  });
  // Commands built on their own do not inherit these: without them a bad option value
  // would exit from inside commander with code 1 instead of our usage code 2.
  for (const command of program.commands) {
    command.exitOverride().showHelpAfterError().configureOutput(COMMAND_OUTPUT);
  }
  return program;
}

/** Runs the command line; resolves with the exit code. */
async function main(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    console.log(VERSION);
    return 0;
  }
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    writeTextSync(Deno.stdout, topLevelHelp(helpWidth()));
    return 0;
  }
  // The usual convert command lines skip commander: loading it costs 40–80 ms (quick_convert.ts).
  const quick = args[0] === "convert"
    ? (await import("./src/cli/quick_convert.ts")).quickConvertArgs(args.slice(1))
    : null;
  try {
    if (quick !== null) {
      await (await import("./src/cli/convert_run.ts")).runConvert(quick.inputs, quick.options);
      return 0;
    }
    const entry = commandToLoad(args);
    const program = await buildProgram(entry ? [entry.name] : []);
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (err) {
    if (quick === null) {
      const { CommanderError } = await import("commander");
      // Commander has printed the message; help and --version end here with code 0.
      if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`pcap-pipeline: ${message}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.main) {
  const code = await main(Deno.args);
  if (code !== 0) Deno.exit(code);
}
