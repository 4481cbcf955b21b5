/**
 * `live --format parquet` with real tcpdump on loopback (root only): every
 * run publishes complete part files that DuckDB reads; nothing half-written
 * is left under a final name.
 */
import { ignoreWithout } from "../requirements.ts";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { startCli } from "../live/cli_process.ts";
import { udpDatagrams } from "../live/udp_traffic.ts";
import { readParquetWithDuckDb } from "../output/duckdb_reader.ts";

/** A UDP socket on a random loopback port, so datagrams to it get no ICMP unreachable. */
async function udpListener(): Promise<{ port: number; listener: dgram.Socket }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const listener = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => listener.bind(port, "127.0.0.1", () => resolve()));
  return { port, listener };
}

Deno.test({
  name: "live --format parquet: each run publishes its own part file (never replacing one) that DuckDB reads",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const { port, listener } = await udpListener();
    try {
      for (const run of [1, 2]) {
        const cli = startCli([
          "live",
          "-i",
          "lo",
          "-o",
          `${dir}/flows.parquet`,
          "--format",
          "parquet",
          "-c",
          "10",
          "-f",
          `udp and dst port ${port}`,
        ]);
        await cli.waitFor(/listening on lo/, 15_000);
        assert.match(cli.stderr, /flows_\*\.parquet \(a file every 60 s\)/);
        await udpDatagrams(port, 15);
        assert.equal(await cli.exit(), 0, cli.stderr);
        const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
        assert.equal(names.length, run, names.join(", "));
        assert.ok(names.every((n) => /^flows_\d{8}_\d{6}(_1)?\.parquet$/.test(n)), names.join(", "));
        for (const name of names) {
          const part = await readParquetWithDuckDb(`${dir}/${name}`);
          assert.equal(part.rows.length, 1);
          assert.equal(part.rows[0][part.names.indexOf(" Total Fwd Packets")], 10n);
          assert.deepEqual(part.codecs, ["ZSTD"]);
        }
      }
    } finally {
      listener.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "windows --format parquet: each window is a .parquet file DuckDB reads, labeled, ddos2019 names",
  ignore: ignoreWithout("root", "tcpdump"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const { port, listener } = await udpListener();
    try {
      const cli = startCli([
        "windows",
        "-i",
        "lo",
        "-o",
        dir,
        "-d",
        "1",
        "--format",
        "parquet",
        "-f",
        `udp and dst port ${port}`,
      ]);
      await cli.waitFor(/listening|window/, 15_000).catch(() => {});
      await udpDatagrams(port, 5);
      const saved = await cli.waitFor(/saved (\S+\.parquet)/, 15_000);
      cli.signal("SIGINT");
      assert.equal(await cli.exit(), 0, cli.stderr);
      const all = [...Deno.readDirSync(dir)].map((e) => e.name);
      // The newest window is also named by the detector's link, with the format's extension.
      assert.ok(all.includes("latest_capture.parquet"), all.join());
      const names = all.filter((n) => n !== "latest_capture.parquet");
      assert.ok(
        names.length >= 1 && names.every((n) => /^live_capture_\d{8}_\d{6}\.parquet$/.test(n)),
        names.join(),
      );
      let flows = 0;
      for (const name of names) {
        const w = await readParquetWithDuckDb(`${dir}/${name}`);
        assert.deepEqual(w.names.slice(-3), ["SimillarHTTP", " Inbound", " Label"]);
        assert.equal(w.types[w.names.indexOf(" Timestamp")], "TIMESTAMP WITH TIME ZONE");
        for (const row of w.rows) assert.equal(row[row.length - 1], "Benign");
        flows += w.rows.length;
      }
      assert.ok(flows >= 1, `no flow in ${names.join()} (first saved ${saved[1]})`);
    } finally {
      listener.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
