/**
 * The "binary" permission set (what `deno task compile` bakes in) limits
 * reads and writes to the data root /var/lib/pcap-pipeline and the config
 * directory /etc/pcap-pipeline. The tests run main.ts under that very set,
 * with only those two roots moved into a temporary directory (a copy of
 * deno.json), and check that the commands work inside the roots and are
 * refused outside them.
 *
 * Under `deno run` a Web Worker's modules are loaded from src/ and need read
 * access there; the compiled binary embeds them (`--include`), so the copy
 * adds src/ for the worker test only.
 */
import assert from "node:assert/strict";
import { auditedRun, CONFIG, diffLines } from "./permission_audit.ts";
import { ownCapture } from "../captures/own_captures.ts";
import { captureFiles, startTrafficServer } from "../e2e/pipeline_traffic.ts";
import { ignoreWithout } from "../requirements.ts";

const DATA_ROOT = "/var/lib/pcap-pipeline";
const CONFIG_DIR = "/etc/pcap-pipeline";
const SRC = new URL("../../src", import.meta.url).pathname;

interface Roots {
  tmp: string;
  data: string;
  etc: string;
  config: string;
}

/** deno.json with the binary set's roots moved under a new temp dir. */
async function movedRoots(extraRead: string[] = []): Promise<Roots> {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "pcap_pipeline_binset_" }));
  const data = `${tmp}/data-root`, etc = `${tmp}/etc`;
  await Deno.mkdir(data);
  await Deno.mkdir(etc);
  const json = JSON.parse(await Deno.readTextFile(CONFIG));
  const set = json.permissions.binary;
  const move = (p: string) => p.replace(DATA_ROOT, data).replace(CONFIG_DIR, etc);
  assert.ok(set.read.includes(DATA_ROOT) && set.write.includes(DATA_ROOT), "binary set names the data root");
  set.read = [...set.read.map(move), ...extraRead];
  set.write = set.write.map(move);
  // Resolve the imports map and lock file as the project does; nothing else of deno.json matters here.
  json.lock = false;
  await Deno.writeTextFile(`${tmp}/deno.json`, JSON.stringify(json));
  return { tmp, data, etc, config: `${tmp}/deno.json` };
}

/** Audit entries that lie outside the roots and the places the set names on purpose. */
function outside(touched: string[]): string[] {
  const allowed =
    /^(read|write) (<data>|<etc>)(\/|$)|^(read|write) \/sys\/class\/net$|^sys |^env |^read <source module>$/;
  return touched.filter((t) => !allowed.test(t));
}

Deno.test({
  name: "binary set: convert and inspect of a capture inside the data root work and touch only the root",
  fn: async () => {
    const r = await movedRoots();
    try {
      await Deno.copyFile(ownCapture("loopback-http.pcap"), `${r.data}/in.pcap`);
      const placeholders = { "<data>": r.data, "<etc>": r.etc };
      const conv = await auditedRun(["convert", "-q", `${r.data}/in.pcap`, "-o", `${r.data}/in.csv`], {
        set: "binary",
        config: r.config,
        placeholders,
        auditFile: `${r.tmp}/audit1.jsonl`,
      });
      assert.equal(conv.code, 0, conv.stderr);
      assert.ok((await Deno.stat(`${r.data}/in.csv`)).size > 1000);
      assert.deepEqual(outside(conv.touched), [], diffLines([], outside(conv.touched)));
      const insp = await auditedRun(["inspect", "--json", `${r.data}/in.pcap`], {
        set: "binary",
        config: r.config,
        placeholders,
        auditFile: `${r.tmp}/audit2.jsonl`,
      });
      assert.equal(insp.code, 0, insp.stderr);
      assert.equal(JSON.parse(insp.stdout).packets, 49);
      assert.deepEqual(insp.touched, ["read <data>/in.pcap"]);
    } finally {
      await Deno.remove(r.tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "binary set: a capture outside the data root is refused with a message naming it, nothing written",
  fn: async () => {
    const r = await movedRoots();
    try {
      const input = ownCapture("loopback-http.pcap");
      const run = await auditedRun(["convert", input, "-o", `${r.data}/out.csv`], {
        set: "binary",
        config: r.config,
        placeholders: {},
        auditFile: `${r.tmp}/audit.jsonl`,
      });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /loopback-http\.pcap/);
      assert.match(run.stderr, /read access|NotCapable|permission/i);
      assert.deepEqual([...Deno.readDirSync(r.data)], []);
      const out = await auditedRun(["convert", `${r.data}/x.pcap`, "-o", `${r.tmp}/escaped.csv`], {
        set: "binary",
        config: r.config,
        placeholders: {},
        auditFile: `${r.tmp}/audit2.jsonl`,
      });
      assert.notEqual(out.code, 0);
      await assert.rejects(Deno.stat(`${r.tmp}/escaped.csv`));
    } finally {
      await Deno.remove(r.tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "binary set: convert --jobs 2 (Web Workers) works with the worker modules readable",
  fn: async () => {
    const r = await movedRoots([SRC]);
    try {
      for (const name of ["loopback-http.pcap", "link-sll.pcap"]) {
        await Deno.copyFile(ownCapture(name), `${r.data}/${name}`);
      }
      const run = await auditedRun(
        [
          "convert",
          "-q",
          "--jobs",
          "2",
          `${r.data}/loopback-http.pcap`,
          `${r.data}/link-sll.pcap`,
          "-o",
          r.data,
        ],
        {
          set: "binary",
          config: r.config,
          placeholders: { "<data>": r.data },
          auditFile: `${r.tmp}/a.jsonl`,
        },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.ok((await Deno.stat(`${r.data}/link-sll.pcap.csv`)).size > 1000);
      assert.deepEqual(outside(run.touched), []);
    } finally {
      await Deno.remove(r.tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "binary set: the builtin pipeline captures, converts and stops inside the data root",
  ignore: ignoreWithout("root", "tcpdump"),
  fn: async () => {
    const r = await movedRoots([SRC]);
    const traffic = startTrafficServer();
    try {
      const run = await auditedRun(
        ["builtin", "-i", "lo", "--rotate", "1", "--stability-delay", "1", "--data-dir", `${r.data}/data`],
        {
          set: "binary",
          config: r.config,
          placeholders: { "<data>": r.data, "<etc>": r.etc },
          auditFile: `${r.tmp}/a.jsonl`,
          interruptAfterMs: 4000,
          during: () => traffic.send(20, 100),
        },
      );
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.ok((await captureFiles(`${r.data}/data/csv`, "csv")).length > 0, run.stderr);
      const programs =
        /^(read|write) (\/usr\/local\/sbin|\/usr\/local\/bin|\/usr\/sbin|\/usr\/bin|\/sbin|\/bin)\/(tcpdump|setpriv)$/;
      assert.deepEqual(outside(run.touched).filter((t) => !programs.test(t)), []);
    } finally {
      await traffic.close();
      await Deno.remove(r.tmp, { recursive: true });
    }
  },
});
