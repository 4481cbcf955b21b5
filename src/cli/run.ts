/**
 * `pcap-pipeline cicflowmeter|nexusflowmeter|builtin [options]`: the capture
 * pipeline with that flow meter. Parses the options into a PipelineConfig
 * (defaults ← --config file ← flags), wires signals (SIGINT/SIGTERM: graceful
 * stop, a second one: stop at once; SIGUSR1: status line) and runs the
 * pipeline library.
 */
import { describeCommand } from "./command_descriptions.ts";
import { Command, Option } from "commander";
import { loadPipelineConfig } from "../config/load.ts";
import { flagAttribute, longFlag, type Setting, SETTINGS } from "../config/settings.ts";
import type { ConverterName } from "../convert/converter.ts";
import { startPipeline } from "../pipeline/pipeline.ts";
import { PartialFailure, UsageError } from "./errors.ts";
import { openRowSink } from "../sink/row_sink.ts";
import { prepareSink } from "./sink_options.ts";
import { listenForStop } from "../system/stop_signals.ts";

/** One pipeline command for `meter`. */
export function runCommand(meter: ConverterName): Command {
  const cmd = new Command(meter)
    .description(describeCommand(meter))
    .option("--config <file>", "settings file (JSON or TOML); flags override it");
  for (const s of SETTINGS) {
    // Another meter's options are known but hidden, so that giving one is refused by name below.
    const own = s.meter === undefined || s.meter === meter;
    for (const option of optionsOf(s)) cmd.addOption(own ? option : option.hideHelp());
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
    const given = optionsGiven(command);
    refuseOtherMetersOptions(meter, given);
    await runMeter(meter, given);
  });
  return cmd;
}

/**
 * Throws a UsageError when `given` holds an option of another meter
 * (`cicflowmeter --profile corrected`): it would be ignored silently.
 */
function refuseOtherMetersOptions(meter: ConverterName, given: Record<string, unknown>): void {
  for (const s of SETTINGS) {
    const value = given[flagAttribute(s.flag)];
    if (s.meter === undefined || s.meter === meter || value === undefined) continue;
    const flag = longFlag(value === false && s.negation ? s.negation : s);
    throw new UsageError(
      `${flag} is an option of the ${s.meter} meter (pcap-pipeline ${s.meter}), not of ${meter}`,
    );
  }
}

/** The commander options of a setting: its flag, and the `--no-…` flag of a negatable one. */
function optionsOf(s: Setting): Option[] {
  const help = s.shownDefault === undefined ? s.help : `${s.help} (default: ${s.shownDefault})`;
  const options = [new Option(s.flag, help)];
  if (s.negation) options.push(new Option(s.negation.flag, s.negation.help));
  return options;
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
  const format = config.builtin.format ?? "csv";
  if (config.sink.sink !== undefined && format !== "csv" && format !== "csv+parquet") {
    throw new UsageError("--sink streams the CSV files; use --format csv or csv+parquet with it");
  }
  const sink = await prepareSink(config.sink, `${config.dirs.data}/spool`);
  // Listening before start-up: a Ctrl+C while tcpdump and the watcher start stops the pipeline
  // cleanly once it has started, instead of killing the process half-way (exit 130).
  const stop = listenForStop("stopping (converting the last file)");
  try {
    const pipeline = await startPipeline(config, { openSink: sink && ((log) => openRowSink(sink, log)) });
    const onStatus = () => void pipeline.logStatus();
    Deno.addSignalListener("SIGUSR1", onStatus);
    try {
      if (!stop.graceful.aborted) {
        await new Promise<void>((resolve) =>
          stop.graceful.addEventListener("abort", () => resolve(), { once: true })
        );
      }
      const summary = await pipeline.stop(stop.force);
      if (summary.forced) {
        throw new PartialFailure("stopped at once; unconverted pcaps are converted at the next start");
      }
      if (summary.failed > 0) {
        throw new PartialFailure(`${summary.failed} pcaps failed to convert (see ${config.dirs.failed})`);
      }
    } finally {
      Deno.removeSignalListener("SIGUSR1", onStatus);
    }
  } finally {
    stop.dispose();
  }
}
