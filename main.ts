/**
 * pcap-pipeline entry point: builds the command tree, runs it, and maps errors
 * to exit codes. The only place that calls `Deno.exit`.
 */
import { Command, CommanderError } from "commander";
import { inspectCommand } from "./src/cli/inspect.ts";
import { convertCommand } from "./src/cli/convert.ts";
import { interfacesCommand } from "./src/cli/interfaces.ts";
import { liveCommand } from "./src/cli/live.ts";
import { windowsCommand } from "./src/cli/windows.ts";
import { addRunCommands } from "./src/cli/run.ts";
import { collectCommand } from "./src/cli/collect.ts";
import { sinkCheckCommand } from "./src/cli/sink_check.ts";
import { UsageError } from "./src/cli/errors.ts";
import { VERSION } from "./src/version.ts";

export function buildProgram(): Command {
  const program = new Command("pcap-pipeline")
    .description(
      "Capture with tcpdump, rotate pcaps, and turn them into CICFlowMeter-compatible flow tables.",
    )
    .version(VERSION, "-V, --version")
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(inspectCommand());
  program.addCommand(convertCommand());
  program.addCommand(liveCommand());
  program.addCommand(windowsCommand());
  program.addCommand(interfacesCommand());
  program.addCommand(collectCommand());
  program.addCommand(sinkCheckCommand());
  addRunCommands(program);
  // Commands built on their own do not inherit these: without them a bad option value
  // would exit from inside commander with code 1 instead of our usage code 2.
  for (const command of program.commands) command.exitOverride().showHelpAfterError();
  return program;
}

if (import.meta.main) {
  try {
    await buildProgram().parseAsync(Deno.args, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed the message; help and --version end here with code 0.
      Deno.exit(err.exitCode === 0 ? 0 : 2);
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`pcap-pipeline: ${message}`);
    Deno.exit(err instanceof UsageError ? 2 : 1);
  }
}
