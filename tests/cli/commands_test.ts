/**
 * The command list main.ts starts from (src/cli/commands.ts) against the
 * commands themselves, and the commander-free top-level help against
 * commander's own rendering of the full program.
 */
import assert from "node:assert/strict";
import { Help } from "commander";
import { buildProgram } from "../../main.ts";
import { COMMANDS, commandToLoad, unknownCommandMessage } from "../../src/cli/commands.ts";
import { topLevelHelp } from "../../src/cli/quick_help.ts";
import { VERSION } from "../../src/version.ts";
import { runCli } from "./run_cli.ts";

const ALL = COMMANDS.map((c) => c.name);

Deno.test("every entry's name, help term and description are those of the command its module builds", async () => {
  const help = new Help();
  for (const entry of COMMANDS) {
    const cmd = await entry.load();
    assert.equal(cmd.name(), entry.name);
    assert.equal(help.subcommandTerm(cmd), entry.term, entry.name);
    assert.equal(cmd.description(), entry.description, entry.name);
  }
});

Deno.test("the quick top-level help is commander's help of the full program at any width", async () => {
  const program = await buildProgram(ALL);
  program.configureHelp({}); // commander's own terms, not the ones from the list
  for (const width of [80, 120, 200, 60, 45, 30]) {
    program.configureOutput({ getOutHelpWidth: () => width });
    assert.equal(topLevelHelp(width), program.helpInformation(), `width ${width}`);
  }
});

Deno.test("a stubbed program shows the same help as the full one", async () => {
  const stubbed = await buildProgram([]);
  stubbed.configureOutput({ getOutHelpWidth: () => 80 });
  assert.equal(stubbed.helpInformation(), topLevelHelp(80));
});

Deno.test("the command to load is the first operand, or the one after help", () => {
  assert.equal(commandToLoad(["convert", "-q", "a.pcap"])?.name, "convert");
  assert.equal(commandToLoad(["-q", "live", "-i", "lo"])?.name, "live");
  assert.equal(commandToLoad(["help", "windows"])?.name, "windows");
  assert.equal(commandToLoad(["--help"]), undefined);
  assert.equal(commandToLoad(["nosuch"]), undefined);
});

Deno.test("--version, --help, help NAME and an unknown command from the command line", async () => {
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `${VERSION}\n`);
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.equal(help.stdout, topLevelHelp(80));
  const convertHelp = await runCli(["help", "convert"]);
  assert.equal(convertHelp.code, 0);
  assert.match(convertHelp.stdout, /Usage: pcap-pipeline convert \[options\] <inputs\.\.\.>/);
  assert.match(convertHelp.stdout, /--jobs <n>/);
  const unknown = await runCli(["nosuch"]);
  assert.equal(unknown.code, 2);
  assert.ok(unknown.stderr.includes(unknownCommandMessage("nosuch")), unknown.stderr);
});

Deno.test("help into a pipe closed early (`--help | head -1`) ends quietly with code 0, no EPIPE trace", async () => {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  for (const args of ["cicflowmeter --help", "convert --help", "--help"]) {
    const script =
      `"${Deno.execPath()}" run -q --config "${config}" -P "${main}" ${args} | head -1 >/dev/null; ` +
      `echo "exit \${PIPESTATUS[0]}"`;
    const out = await new Deno.Command("bash", { args: ["-c", script], env: { NO_COLOR: "1" } }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "exit 0", `${args}: ${stderr}`);
    assert.doesNotMatch(stderr, /EPIPE|Uncaught/, args);
  }
});
