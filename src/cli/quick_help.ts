/**
 * The top-level `--help` text without loading commander (its Node built-ins
 * cost more start-up than the rest of the program). Same layout as
 * commander 14's Help.formatHelp: items indented 2, terms padded to the
 * widest plus 2, descriptions wrapped at whitespace to the help width (the
 * terminal's columns, 80 when not a terminal). tests/cli/commands_test.ts
 * compares the two texts at several widths.
 */
import { COMMANDS, HELP_COMMAND_TERM, PROGRAM_DESCRIPTION } from "./commands.ts";

const OPTIONS: [string, string][] = [
  ["-V, --version", "output the version number"],
  ["-h, --help", "display help for command"],
];
/** Commander does not wrap into a column narrower than this. */
const MIN_WIDTH_TO_WRAP = 40;

/**
 * `pcap-pipeline --help` at the given width.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topLevelHelp } from "./quick_help.ts";
 * assert(topLevelHelp(80).startsWith("Usage: pcap-pipeline [options] [command]\n"));
 * ```
 */
export function topLevelHelp(width: number): string {
  const commands: [string, string][] = [
    ...COMMANDS.map((c): [string, string] => [c.term, c.description]),
    [HELP_COMMAND_TERM, "display help for command"],
  ];
  const termWidth = Math.max(...[...OPTIONS, ...commands].map(([term]) => term.length));
  const item = ([term, description]: [string, string]) => {
    const remaining = width - termWidth - 4;
    const text = remaining < MIN_WIDTH_TO_WRAP
      ? description
      : wrap(description, remaining).replace(/\n/g, "\n" + " ".repeat(termWidth + 2));
    return `  ${term.padEnd(termWidth)}  ${text.replace(/\n/g, "\n  ")}`;
  };
  return [
    "Usage: pcap-pipeline [options] [command]",
    "",
    wrap(PROGRAM_DESCRIPTION, width),
    "",
    "Options:",
    ...OPTIONS.map(item),
    "",
    "Commands:",
    ...commands.map(item),
    "",
  ].join("\n");
}

/** The width commander uses for help on standard output. */
export function helpWidth(): number {
  return Deno.stdout.isTerminal() ? Deno.consoleSize().columns : 80;
}

/** Wraps each line at whitespace so none is wider than `width` (a longer word stays whole). */
function wrap(text: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  return text.split(/\r\n|\n/).map((raw) => {
    const chunks = raw.match(/\s*\S+/g);
    if (chunks === null) return "";
    const lines: string[] = [];
    let line = chunks.shift()!;
    for (const chunk of chunks) {
      if (line.length + chunk.length <= width) {
        line += chunk;
      } else {
        lines.push(line);
        line = chunk.trimStart();
      }
    }
    lines.push(line);
    return lines.join("\n");
  }).join("\n");
}
