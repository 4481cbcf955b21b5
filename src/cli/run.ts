/**
 * `pcap-pipeline cicflowmeter|nexusflowmeter|builtin [options]`: the capture
 * pipeline with that flow meter. Parses the options into a PipelineConfig
 * (defaults ← --config file ← flags), wires signals (SIGINT/SIGTERM: graceful
 * stop, a second one: stop at once; SIGUSR1: status line) and runs the
 * pipeline library.
 */
import { Command, Option } from "commander";
import { loadPipelineConfig } from "../config/load.ts";
import { SETTINGS } from "../config/settings.ts";
import { CONVERTER_NAMES, type ConverterName } from "../convert/converter.ts";
import { startPipeline } from "../pipeline/pipeline.ts";
import { PartialFailure, UsageError } from "./errors.ts";
import { openRowSink } from "../sink/row_sink.ts";
import { prepareSink } from "./sink_options.ts";
import { listenForStop } from "../system/stop_signals.ts";

const METER_HELP: Record<ConverterName, string> = {
  cicflowmeter: "capture and convert each pcap with the cicflowmeter CLI (pip install cicflowmeter)",
  nexusflowmeter: "capture and convert each pcap with the nexusflowmeter CLI",
  builtin: "capture and convert each pcap with the built-in flow meter (no external program)",
};

/** The message for a flow meter name that does not exist. */
export function unknownMeterMessage(name: string): string {
  return `unknown flow meter '${name}'. Valid flow meters: ${CONVERTER_NAMES.join(", ")} ` +
    `(e.g. sudo pcap-pipeline builtin -i eth0)`;
}

/** One pipeline command for `meter`. */
export function runCommand(meter: ConverterName): Command {
  const cmd = new Command(meter)
    .description(METER_HELP[meter])
    .option("--config <file>", "settings file (JSON or TOML); flags override it");
  for (const s of SETTINGS) {
    cmd.addOption(new Option(s.flag, `${s.help} (default: ${s.shownDefault})`));
  }
  cmd.addHelpText(
    "after",
    `
Files: DATA_DIR/pcaps/capture_YYYYmmdd_HHMMSS.pcap → DATA_DIR/csv/capture_YYYYmmdd_HHMMSS.csv,
log in DATA_DIR/log/pipeline_YYYYmmdd_HHMMSS.log, failures in DATA_DIR/failed/ with a .reason file.
Ctrl+C or SIGTERM: stop tcpdump, convert the last file, wait for pending conversions; Ctrl+C again: exit at once.
SIGUSR1: write a status line to the log.`,
  );
  cmd.action(async (_opts: Record<string, unknown>, command: Command) => {
    await runMeter(meter, optionsGiven(command));
  });
  return cmd;
}

/**
 * Adds the three pipeline commands to `program`, and turns an unknown
 * command into the error listing the valid flow meters.
 */
export function addRunCommands(program: Command): void {
  for (const meter of CONVERTER_NAMES) program.addCommand(runCommand(meter));
  program.on("command:*", (operands: string[]) => {
    const others = program.commands.map((c) => c.name()).filter((n) =>
      !(CONVERTER_NAMES as readonly string[]).includes(n)
    );
    throw new UsageError(`${unknownMeterMessage(operands[0])}; other commands: ${others.join(", ")}`);
  });
}

/** Only the options the user gave (not commander's implicit defaults, e.g. of `--no-root-check`). */
function optionsGiven(command: Command): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(command.opts())) {
    const source = command.getOptionValueSource(key);
    if (source === "cli" || source === "env") given[key] = value;
  }
  return given;
}

async function runMeter(meter: ConverterName, options: Record<string, unknown>): Promise<void> {
  const config = await loadPipelineConfig(meter, options);
  if (config.sink.sink !== undefined && meter !== "builtin") {
    throw new UsageError(`--sink streams the builtin meter's rows; ${meter} is not supported with it`);
  }
  if (config.sink.sink !== undefined && config.builtin.format === "parquet") {
    throw new UsageError("--sink streams the CSV files; use --format csv or csv+parquet with it");
  }
  const sink = await prepareSink(config.sink, `${config.dirs.data}/spool`);
  const pipeline = await startPipeline(config, { openSink: sink && ((log) => openRowSink(sink, log)) });
  const stop = listenForStop("stopping (converting the last file)");
  const onStatus = () => void pipeline.logStatus();
  Deno.addSignalListener("SIGUSR1", onStatus);
  try {
    await new Promise<void>((resolve) =>
      stop.graceful.addEventListener("abort", () => resolve(), { once: true })
    );
    const summary = await pipeline.stop(stop.force);
    if (summary.forced) {
      throw new PartialFailure("stopped at once; unconverted pcaps are converted at the next start");
    }
    if (summary.failed > 0) {
      throw new PartialFailure(`${summary.failed} pcaps failed to convert (see ${config.dirs.failed})`);
    }
  } finally {
    Deno.removeSignalListener("SIGUSR1", onStatus);
    stop.dispose();
  }
}
