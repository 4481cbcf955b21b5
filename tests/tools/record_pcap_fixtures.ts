/**
 * Records what Wireshark's tools say about each capture, as the expectation
 * the reader tests compare with: packet count, link types, first/last
 * timestamps, protocol counts (outermost IP layer and what follows it, with IP
 * reassembly off). Needs Debian's `tshark` (which ships capinfos).
 *
 *   deno run -A tests/tools/record_pcap_fixtures.ts
 *
 * rewrites testdata/captures_expected.json (the project's own captures in
 * testdata/captures/) and, when ../shared is present, testdata/pcap_expected.json
 * (the public captures).
 */
const SHARED = new URL("../../../shared/testdata/pcaps/", import.meta.url);
const OUT = new URL("../../testdata/pcap_expected.json", import.meta.url);
const OWN = new URL("../../testdata/captures/", import.meta.url);
const OWN_OUT = new URL("../../testdata/captures_expected.json", import.meta.url);

/** capinfos encapsulation names → the names our reader prints. */
const ENCAPSULATION: Record<string, string> = {
  "Ethernet": "ether",
  "Linux cooked-mode capture v1": "linux-sll",
  "Linux cooked-mode capture v2": "linux-sll2",
  "Raw IP": "rawip",
  "Raw IPv4": "rawip4",
  "Raw IPv6": "rawip6",
  "NULL/Loopback": "null",
  "IEEE 802.11 plus radiotap radio header": "ieee-802-11-radiotap",
  "IEEE 802.11 Wireless LAN": "ieee-802-11",
  "OpenBSD loopback": "loop",
  "PPP": "ppp",
  "PPP-over-Ethernet session": "pppoes",
  "Cisco HDLC": "chdlc",
  "NFLOG": "nflog",
  "OpenBSD PF Firewall logs": "pflog",
  "OpenBSD enc(4) encapsulating interface": "enc",
};

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  return new TextDecoder().decode(out.stdout);
}

async function describe(path: string) {
  const info = await run("capinfos", ["-t", "-E", "-c", path]);
  const encapsulations = [...info.matchAll(/^\s+(.+?) \(\d+\)$/gm)].map((m) => m[1]);
  const single = info.match(/File encapsulation:\s+(.+)$/m)?.[1] ?? "";
  const names = (single.toLowerCase().replace(" ", "-") === "per-packet" ? encapsulations : [single]).map((
    e,
  ) => ENCAPSULATION[e] ?? e);
  const fields = await run("tshark", [
    "-r",
    path,
    "-o",
    "ip.defragment:FALSE",
    "-o",
    "ipv6.defragment:FALSE",
    "-T",
    "fields",
    "-E",
    "separator=|",
    "-e",
    "frame.time_epoch",
    "-e",
    "frame.protocols",
  ]);
  const lines = fields.split("\n").filter((l) => l.length > 0);
  const protocols = { ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, other: 0 };
  for (const line of lines) {
    const chain = line.split("|")[1].split(":");
    const ip = chain.findIndex((p) => p === "ip" || p === "ipv6");
    if (ip >= 0) protocols[chain[ip] === "ip" ? "ipv4" : "ipv6"]++;
    const next = ip >= 0 ? chain.slice(ip + 1).find((p) => !p.startsWith("ipv6.")) : undefined;
    if (next === "tcp") protocols.tcp++;
    else if (next === "udp") protocols.udp++;
    else if (next === "icmp" || next === "icmpv6") protocols.icmp++;
    else protocols.other++;
  }
  return {
    packets: lines.length,
    linkTypeNames: names.sort(),
    firstEpoch: lines[0]?.split("|")[0] ?? null,
    lastEpoch: lines.at(-1)?.split("|")[0] ?? null,
    protocols,
  };
}

async function record(base: URL, names: string[], out: URL): Promise<void> {
  const expected: Record<string, unknown> = {};
  for (const name of names) expected[name] = await describe(new URL(name, base).pathname);
  await Deno.writeTextFile(out, JSON.stringify(expected, null, 1) + "\n");
  console.log(`wrote ${names.length} entries to ${out.pathname}`);
}

const sorted = (dir: URL) =>
  [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name).sort((a, b) => a.localeCompare(b));

await record(OWN, sorted(OWN).filter((n) => /\.(pcap|pcapng)$/.test(n)), OWN_OUT);
try {
  Deno.statSync(SHARED);
} catch {
  console.log(`${SHARED.pathname} not found: testdata/pcap_expected.json left as it is`);
  Deno.exit(0);
}
await record(
  SHARED,
  ["small", "medium"].flatMap((d) => sorted(new URL(`${d}/`, SHARED)).map((n) => `${d}/${n}`)),
  OUT,
);
