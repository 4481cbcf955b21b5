/**
 * `pcap-pipeline sink-check --sink nats://…`: connects, creates the fleet's
 * stream when missing or compares it with the wanted settings, and prints
 * its state. A stream that differs is an error listing each difference
 * (`--update` applies the wanted settings instead).
 */
import { describeCommand } from "./command_descriptions.ts";
import { Command } from "commander";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectOnce, requireNetPermission } from "../sink/connection.ts";
import {
  DEFAULT_STREAM,
  ensureStream,
  formatStreamState,
  parseDuration,
  parseSize,
  type StreamSpec,
} from "../sink/stream_setup.ts";
import { UsageError } from "./errors.ts";
import {
  addSinkConnectionOptions,
  type RawSinkConnectionOptions,
  sinkConnectionFrom,
} from "./sink_options.ts";
import { wholeNumber } from "./flow_options.ts";

interface RawCheckOptions extends RawSinkConnectionOptions {
  stream: string;
  subjects: string;
  replicas: string;
  maxAge: string;
  maxBytes: string;
  dedupWindow: string;
  update?: boolean;
}

/** The wanted stream from the options; bad values are UsageErrors naming the flag. */
export function streamSpecFrom(raw: RawCheckOptions): StreamSpec {
  try {
    const subjects = raw.subjects.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (subjects.length === 0) throw new Error("--subjects: no subject given");
    return {
      name: raw.stream,
      subjects,
      replicas: wholeNumber("--replicas", raw.replicas, 1),
      maxAgeSec: parseDuration(raw.maxAge, "--max-age"),
      maxBytes: parseSize(raw.maxBytes, "--max-bytes"),
      duplicateWindowSec: parseDuration(raw.dedupWindow, "--dedup-window"),
    };
  } catch (err) {
    throw err instanceof UsageError ? err : new UsageError((err as Error).message);
  }
}

export function sinkCheckCommand(): Command {
  const d = DEFAULT_STREAM;
  const cmd = new Command("sink-check")
    .description(describeCommand("sink-check"))
    .option("--stream <name>", "stream name", d.name)
    .option("--subjects <list>", "subjects the stream takes, comma-separated", d.subjects.join(","))
    .option("--replicas <n>", "copies of each message (3 on a 3-node cluster)", String(d.replicas))
    .option("--max-age <duration>", "remove rows older than this (e.g. 7d, 12h)", "7d")
    .option("--max-bytes <size>", "keep at most this much, oldest removed first (e.g. 10G)", "10G")
    .option("--dedup-window <duration>", "drop replays of a message id within this (e.g. 10m)", "10m")
    .option("--update", "change an existing stream to these settings instead of reporting differences");
  addSinkConnectionOptions(cmd, true);
  return cmd.exitOverride().action(async (raw: RawCheckOptions) => {
    const spec = streamSpecFrom(raw);
    const connection = sinkConnectionFrom(raw);
    await requireNetPermission(connection.servers);
    const nc = await connectOnce(connection, "pcap-pipeline sink-check");
    try {
      console.log(`connected to ${nc.getServer()}`);
      const jsm = await jetstreamManager(nc, { timeout: 10_000 });
      const check = await ensureStream(jsm, spec, raw.update === true);
      if (check.created) console.log(`created stream ${spec.name}`);
      if (check.updated) console.log(`updated stream ${spec.name}: ${check.differences.join("; ")}`);
      console.log(formatStreamState(check.info));
      if (!check.updated && check.differences.length > 0) {
        throw new Error(
          `stream ${spec.name} differs from the wanted settings: ${check.differences.join("; ")} ` +
            `(rerun with --update to change it, or pass the stream's settings)`,
        );
      }
    } finally {
      await nc.close().catch(() => {});
    }
  });
}
