/**
 * `pcap-pipeline convert INPUT… [-o FILE|DIR]`: CICFlowMeter-compatible flow
 * tables from capture files (or stdin), with the built-in flow meter. The
 * options as commander reads them; the work is in convert_run.ts.
 */
import { describeCommand } from "./command_descriptions.ts";
import { Command } from "commander";
import { addFlowOptions } from "./flow_options.ts";
import { type RawConvertOptions, runConvert } from "./convert_run.ts";

export { describeResult } from "./convert_run.ts";

export function convertCommand(): Command {
  const cmd = new Command("convert")
    .description(describeCommand("convert"))
    .argument("<inputs...>", "capture files; - reads a capture stream from stdin")
    .option(
      "-o, --output <path>",
      "output file (one input), directory (NAME.csv, .ndjson or .parquet per input), or - for stdout",
    )
    .option("-c, --count <n>", "stop after N packets per input (0 = all)", "0")
    .option("-q, --quiet", "print nothing but errors")
    .option("--stats-json <file>", "also write the run statistics as JSON")
    .option("-j, --jobs <n>", "convert up to N files at once in Web Workers", "1");
  return addFlowOptions(cmd, "convert").action(async (inputs: string[], raw: RawConvertOptions) => {
    await runConvert(inputs, raw);
  });
}
