import assert from "node:assert/strict";
import { ConfigError } from "../../src/config/config_file.ts";
import { mergeConfig, type PartialConfig } from "../../src/config/pipeline_config.ts";
import { ROOT_MESSAGE, validateConfig, type ValidationDeps } from "../../src/config/validate.ts";
import { checkBpfFilter } from "../../src/capture/bpf_check.ts";
import {
  defaultInterface,
  type InterfaceInfo,
  listInterfaces,
  parseTcpdumpList,
} from "../../src/capture/interfaces.ts";
import { interfaceLinkTypes } from "../../src/capture/interface_link_types.ts";
import { ignoreWithout } from "../requirements.ts";

const IFACES: InterfaceInfo[] = [
  { name: "lo", up: true, loopback: true, addresses: ["127.0.0.1"] },
  { name: "ifb0", up: false, loopback: false, addresses: [] },
  { name: "eth0", up: true, loopback: false, addresses: ["192.0.2.5"] },
];

function fakeDeps(over: Partial<ValidationDeps> = {}): ValidationDeps {
  return {
    listInterfaces: () => Promise.resolve(IFACES),
    checkFilter: () => Promise.resolve({ ok: true }),
    findExecutable: (name) => Promise.resolve(`/usr/bin/${name}`),
    isRoot: () => true,
    ...over,
  };
}

async function withDataDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "validate_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function problems(config: PartialConfig, deps: ValidationDeps, meter = "builtin" as const) {
  return await withDataDir(async (data) => {
    try {
      await validateConfig(mergeConfig(meter, { dirs: { data } }, config), deps);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.problems;
    }
    return [];
  });
}

Deno.test("a valid config passes, creates the directories 0700 and picks the first up non-loopback interface", async () => {
  await withDataDir(async (parent) => {
    const data = `${parent}/nested/data`;
    const { config, programs } = await validateConfig(mergeConfig("builtin", { dirs: { data } }), fakeDeps());
    assert.equal(config.interface, "eth0");
    assert.deepEqual(programs, { tcpdump: "/usr/bin/tcpdump" });
    for (const d of ["pcaps", "csv", "log", "reports", "failed"]) {
      const info = await Deno.stat(`${data}/${d}`);
      assert.ok(info.isDirectory);
      assert.equal(info.mode! & 0o777, 0o700, d);
    }
  });
});

Deno.test("every problem is reported together, one line each", async () => {
  const found = await problems(
    { interface: "eht0", rootCheck: true },
    fakeDeps({
      isRoot: () => false,
      findExecutable: (n) => Promise.resolve(n === "tcpdump" ? "/usr/bin/tcpdump" : null),
    }),
    "cicflowmeter" as never,
  );
  assert.equal(found.length, 3, found.join("\n"));
  assert.equal(found[0], ROOT_MESSAGE);
  assert.match(found[0], /must be run as root \(sudo\) for packet capture/);
  assert.match(
    found[1],
    /^cicflowmeter not found on PATH; install it with `pip install cicflowmeter`.*under sudo/,
  );
  assert.equal(
    found[2],
    "interface 'eht0' does not exist; interfaces: lo (up, loopback, 127.0.0.1), ifb0 (down), eth0 (up, 192.0.2.5)",
  );
});

Deno.test("a down interface, a bad filter and an unwritable directory are named", async () => {
  assert.deepEqual(await problems({ interface: "ifb0" }, fakeDeps()), [
    "interface 'ifb0' is down; bring it up (ip link set ifb0 up) or choose another",
  ]);
  const bad = await problems(
    { interface: "eth0", filter: "tcp portx 80" },
    fakeDeps({
      checkFilter: () => Promise.resolve({ ok: false, filterError: true, message: "syntax error" }),
    }),
  );
  assert.deepEqual(bad, [`BPF filter "tcp portx 80" does not compile for eth0: syntax error`]);
  const notDir = await problems({ dirs: { csv: "/dev/null/csv" } }, fakeDeps());
  assert.equal(notDir.length, 1);
  assert.match(notDir[0], /^CSV directory \/dev\/null\/csv: cannot be created/);
});

Deno.test("no up, non-loopback interface: says so and lists what there is", async () => {
  const found = await problems(
    {},
    fakeDeps({ listInterfaces: () => Promise.resolve(IFACES.filter((i) => i.name !== "eth0")) }),
  );
  assert.deepEqual(found, [
    "no up, non-loopback interface to capture on; choose one with -i (interfaces: lo (up, loopback, 127.0.0.1), ifb0 (down))",
  ]);
});

Deno.test("listInterfaces reads the real interfaces, loopback included", async () => {
  const list = await listInterfaces();
  const lo = list.find((i) => i.name === "lo");
  assert.ok(lo, `lo in ${JSON.stringify(list)}`);
  assert.equal(lo.loopback, true);
  assert.equal(lo.up, true);
  assert.notEqual(defaultInterface(list)?.name, "lo");
});

Deno.test("tcpdump -D output is parsed, pseudo-devices left out", () => {
  const list = parseTcpdumpList(
    `1.eth0 [Up, Running, Connected]
2.any (Pseudo-device that captures on all interfaces) [Up, Running]
3.lo [Up, Running, Loopback]
4.ifb0 [none]
7.nflog (Linux netfilter log (NFLOG) interface) [none]
9.dbus-system (D-Bus system bus) [none]
`,
  );
  assert.deepEqual(list.map((i) => [i.name, i.up, i.loopback]), [
    ["eth0", true, false],
    ["lo", true, true],
    ["ifb0", false, false],
  ]);
});

Deno.test({
  name: "tcpdump compiles a good filter for lo and rejects a bad one with its message",
  ignore: ignoreWithout("root", "tcpdump"),
  fn: async () => {
    assert.deepEqual(await checkBpfFilter("tcp port 80 and host 127.0.0.1", "lo"), { ok: true });
    const bad = await checkBpfFilter("tcp portx 80", "lo");
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.filterError);
    assert.match(bad.message, /syntax error/);
    const noDevice = await checkBpfFilter("tcp", "nosuchif0");
    assert.ok(!noDevice.ok && !noDevice.filterError, "a missing device is not blamed on the filter");
  },
});

Deno.test("builtin: an interface with no link type the reader decodes is refused; external meters and unknowns pass", async () => {
  const can = fakeDeps({ linkTypes: () => Promise.resolve(["CAN_SOCKETCAN"]) });
  assert.deepEqual(await problems({ interface: "eth0" }, can), [
    `interface eth0 captures CAN_SOCKETCAN frames, which the reader does not decode ` +
    `(see "The reader" in the README for the types it reads); capture on another interface`,
  ]);
  // tcpdump's default is not always listed first: one decoded type is enough.
  const docsis = fakeDeps({ linkTypes: () => Promise.resolve(["DOCSIS", "EN10MB"]) });
  assert.deepEqual(await problems({ interface: "eth0" }, docsis), []);
  assert.deepEqual(
    await problems({ interface: "eth0" }, fakeDeps({ linkTypes: () => Promise.resolve(null) })),
    [],
  );
  // An external meter reads the pcaps itself: not ours to refuse.
  assert.deepEqual(await problems({ interface: "eth0" }, can, "cicflowmeter" as never), []);
});

Deno.test({
  name: "interfaceLinkTypes asks the real tcpdump: lo is Ethernet, a missing interface is unknown",
  ignore: ignoreWithout("root", "tcpdump"),
  async fn() {
    assert.deepEqual(await interfaceLinkTypes("lo"), ["EN10MB"]);
    assert.equal(await interfaceLinkTypes("no-such-if0"), null);
  },
});
