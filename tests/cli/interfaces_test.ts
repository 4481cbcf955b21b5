/**
 * `pcap-pipeline interfaces`: every interface with its state and addresses,
 * as text and as JSON, checked against what the system reports.
 */
import assert from "node:assert/strict";
import { runCli } from "./run_cli.ts";
import { formatInterfaces } from "../../src/cli/interfaces.ts";

Deno.test("interfaces lists loopback as up with 127.0.0.1, and every interface of /sys/class/net", async () => {
  const r = await runCli(["interfaces"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^lo +up +loopback +127\.0\.0\.1/m);
  const names: string[] = [];
  for await (const e of Deno.readDir("/sys/class/net")) names.push(e.name);
  const listed = r.stdout.trim().split("\n").map((l) => l.split(/ +/)[0]);
  assert.deepEqual([...listed].sort(), names.sort());
});

Deno.test("interfaces --json gives one object per interface with name, up, loopback, addresses", async () => {
  const r = await runCli(["interfaces", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const list = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const lo = list.find((i) => i.name === "lo");
  assert.deepEqual({ ...lo, addresses: lo.addresses.includes("127.0.0.1") }, {
    name: "lo",
    up: true,
    loopback: true,
    addresses: true,
  });
  const expected = new Set(Deno.networkInterfaces().filter((n) => n.name === "lo").map((n) => n.address));
  assert.deepEqual(new Set(lo.addresses), expected);
  const help = await runCli(["interfaces", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--json/);
});

Deno.test("the interface table aligns names and shows down interfaces without addresses", () => {
  const text = formatInterfaces([
    { name: "lo", up: true, loopback: true, addresses: ["127.0.0.1", "::1"] },
    { name: "eth0", up: true, loopback: false, addresses: ["10.0.0.5"] },
    { name: "ifb0", up: false, loopback: false, addresses: [] },
  ]);
  assert.equal(
    text,
    [
      "lo    up    loopback  127.0.0.1, ::1",
      "eth0  up              10.0.0.5",
      "ifb0  down            -",
    ].join("\n"),
  );
  assert.equal(formatInterfaces([]), "no network interfaces found");
});
