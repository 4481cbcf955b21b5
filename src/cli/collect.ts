/**
 * `pcap-pipeline collect --sink nats://… -o DIR [--format csv|parquet]`: the
 * central writer of a fleet. Thin: options → runCollect (src/sink/collect.ts).
 */
import { describeCommand } from "./command_descriptions.ts";
import { Command, Option } from "commander";
import { COLLECT_FORMATS, type CollectFormat, runCollect } from "../sink/collect.ts";
import { requireNetPermission } from "../sink/connection.ts";
import { DEFAULT_STREAM } from "../sink/stream_setup.ts";
import { UsageError } from "./errors.ts";
import { listenForStop } from "../system/stop_signals.ts";
import {
  addSinkConnectionOptions,
  type RawSinkConnectionOptions,
  sinkConnectionFrom,
  stderrLogger,
} from "./sink_options.ts";

interface RawCollectOptions extends RawSinkConnectionOptions {
  outputDir?: string;
  format: CollectFormat;
  stream: string;
  consumer: string;
}

export function collectCommand(): Command {
  const cmd = new Command("collect")
    .description(describeCommand("collect"))
    .option("-o, --output-dir <dir>", "directory for the collected files (created if missing)")
    .addOption(
      new Option(
        "--format <format>",
        "file format: csv, or parquet (hourly CSV plus a Parquet file per closed hour)",
      ).choices([...COLLECT_FORMATS]).default("csv"),
    )
    .option("--stream <name>", "JetStream stream", DEFAULT_STREAM.name)
    .option("--consumer <name>", "durable consumer name (one per central copy)", "collect");
  addSinkConnectionOptions(cmd, true);
  return cmd.exitOverride().action(async (raw: RawCollectOptions) => {
    if (raw.outputDir === undefined) throw new UsageError("no output directory given: use -o DIR");
    const connection = sinkConnectionFrom(raw);
    await requireNetPermission(connection.servers);
    const stop = listenForStop("stopping after the current batch");
    try {
      const stats = await runCollect({
        connection,
        stream: raw.stream,
        consumer: raw.consumer,
        outputDir: raw.outputDir,
        format: raw.format,
        log: stderrLogger,
        signal: stop.graceful,
      });
      console.error(
        `pcap-pipeline: collect stopped: ${stats.rows} rows written, ${stats.redelivered} redelivered rows ` +
          `already written, ${stats.rejected} foreign messages dropped`,
      );
    } finally {
      stop.dispose();
    }
  });
}
