/**
 * The flow options of `convert`, `live` and `windows` as commander flags,
 * made from the one table of flow options (src/config/flow_option_table.ts).
 * Their values are checked in flow_settings.ts, before any capture is opened.
 */
import { type Command, Option } from "commander";
import { flowOptionsFor } from "../config/flow_option_table.ts";
import type { FlowOptionCommand } from "./flow_settings.ts";

export {
  type FlowOptionCommand,
  type FlowSettings,
  parseFlowOptions,
  positiveSeconds,
  type RawFlowOptions,
  wholeNumber,
} from "./flow_settings.ts";

/** Adds the flow options of `command` to `cmd`, with that command's defaults. */
export function addFlowOptions(cmd: Command, command: FlowOptionCommand): Command {
  for (const o of flowOptionsFor(command)) {
    const option = new Option(o.flag, o.shownDefault ? `${o.help} (default: ${o.shownDefault})` : o.help);
    if (o.kind.type === "enum") option.choices([...o.kind.values]);
    if (o.default !== undefined) option.default(o.default);
    cmd.addOption(option);
    if (o.negation) cmd.option(o.negation.flag, o.negation.help);
  }
  return cmd;
}
