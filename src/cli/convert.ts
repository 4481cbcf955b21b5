/**
 * `pcap-pipeline convert INPUT… [-o FILE|DIR]`: CICFlowMeter-compatible flow
 * tables from capture files (or stdin), with the built-in flow meter. The
 * options as commander reads them; the work is in convert_run.ts.
 */
import { describeCommand } from "./command_descriptions.ts";
import { Command } from "commander";
import { addFlowOptions } from "./flow_options.ts";
import { CONVERT_OPTIONS, type RawConvertOptions, runConvert } from "./convert_run.ts";

export { describeResult } from "./convert_run.ts";

export function convertCommand(): Command {
  const cmd = new Command("convert")
    .description(describeCommand("convert"))
    .argument("<inputs...>", "capture files; - reads a capture stream from stdin");
  for (const o of CONVERT_OPTIONS) cmd.option(o.flag, o.help, o.default);
  return addFlowOptions(cmd, "convert").action(async (inputs: string[], raw: RawConvertOptions) => {
    await runConvert(inputs, raw);
  });
}
