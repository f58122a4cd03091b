/**
 * Crash safety of saves: a child process saving over an existing .zspy / .hspy is killed with
 * SIGKILL (kill -9) at random moments (seeded delays) and exactly at each step of the directory
 * swap; the target must then load as the complete old data or the complete new data, and the
 * next save (or load) must leave no temporary sibling of the dead process behind.
 *
 * Seed: 20261208 (mulberry32), documented here so a failure can be replayed.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import * as hs from "../../index";
import { LazyArray } from "../../lazy/core/array";
import { staleTemps } from "../../signals/io/common";
import { ROOT } from "../helpers";

const SEED = 20261208;
function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHAPE = [16, 16, 8192]; // 8 MiB float32, 16 chunks
const CHILD = `
const hs = require(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});
const common = require(${JSON.stringify(path.join(ROOT, "dist", "signals", "io", "common.js"))});
const [file, value, hook] = process.argv.slice(1);
if (hook) common.commitHooks[hook] = () => process.kill(process.pid, "SIGKILL");
(async () => {
  const x = hs.lazy.full(${JSON.stringify(SHAPE)}, Number(value), { chunks: [4, 4, 8192], dtype: "float32" });
  const s = new hs.signals.LazySignal1D(x);
  process.stdout.write("saving\\n");
  const t0 = Date.now();
  await s.save(file, { overwrite: true });
  process.stdout.write("saved " + (Date.now() - t0) + "\\n");
  await hs.lazy.closePool();
})();
`;

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "hs-io-crash-"));
}

/** Run the child saving `value` to `file`; kill it `delayMs` after it starts saving (null: let it finish). */
function runChild(file: string, value: number, delayMs: number | null, hook = ""): Promise<{ killed: boolean; saveMs: number | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["-e", CHILD, file, String(value), hook], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timer: NodeJS.Timeout | null = null;
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (delayMs !== null && timer === null && out.includes("saving")) timer = setTimeout(() => p.kill("SIGKILL"), delayMs);
    });
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("error", reject);
    p.on("exit", (code, sig) => {
      if (timer) clearTimeout(timer);
      const m = /saved (\d+)/.exec(out);
      if (code !== 0 && sig !== "SIGKILL") reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ killed: sig === "SIGKILL", saveMs: m ? Number(m[1]) : null, code });
    });
  });
}

/** The single value the whole array holds, or an error if it is not uniform (a mix of old and new). */
async function uniformValue(file: string): Promise<number> {
  const s = await hs.load(file, { lazy: true });
  const x = s.data as LazyArray;
  assert.deepEqual(x.shape, SHAPE);
  const lo = (await x.min().compute()).get(0);
  const hi = (await x.max().compute()).get(0);
  assert.equal(lo, hi, `${file} holds a mix of values (${lo}..${hi}): neither the old nor the new data`);
  return Number(lo);
}

function siblings(file: string): string[] {
  return fs.readdirSync(path.dirname(file)).filter((n) => n.startsWith(`.${path.basename(file)}.`));
}

for (const ext of [".zspy", ".hspy"]) {
  test(`kill -9 at random moments of a save over an existing ${ext} leaves old or new data, and no leftovers after the next save (seed ${SEED})`, async () => {
    const dir = tmpdir();
    const file = path.join(dir, `target${ext}`);
    try {
      const first = await runChild(file, 1, null);
      assert.equal(first.killed, false);
      assert.equal(await uniformValue(file), 1);
      // how long one save takes here: the kills are spread over 1.2x that
      const timed = await runChild(file, 2, null);
      const span = Math.max(50, (timed.saveMs ?? 500) * 1.2);
      let current = 2;
      const rnd = mulberry32(SEED + ext.length);
      const seen = new Set<string>();
      for (let trial = 0; trial < 6; trial++) {
        const next = current + 1;
        const delay = Math.floor(rnd() * span);
        const r = await runChild(file, next, delay);
        const v = await uniformValue(file); // also recovers a missing target
        assert.ok(v === current || v === next, `trial ${trial} (kill after ${delay} ms): loaded ${v}, expected ${current} (old) or ${next} (new)`);
        seen.add(r.killed ? (v === next ? "killed-new" : "killed-old") : "finished");
        current = v;
        assert.deepEqual(staleTemps(file), [], "the load cleaned up the dead process's temporaries");
      }
      // the next (complete) save leaves nothing beside the target
      const last = await runChild(file, 100, null);
      assert.equal(last.killed, false);
      assert.equal(await uniformValue(file), 100);
      assert.deepEqual(siblings(file), []);
      assert.ok(seen.size >= 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const hook of ["afterReady", "afterAside", "afterSwap"]) {
  test(`kill -9 at the .zspy directory swap (${hook}) leaves the target loading as old or new data, then no leftovers`, async () => {
    const dir = tmpdir();
    const file = path.join(dir, "swap.zspy");
    try {
      await runChild(file, 1, null);
      const r = await runChild(file, 2, null, hook);
      assert.equal(r.killed, true, "the child died at the hook");
      const left = siblings(file);
      assert.ok(left.length >= 1, "the killed save left its temporaries");
      if (hook === "afterAside") assert.equal(fs.existsSync(file), false, "the kill came while the target was moved aside");
      const v = await uniformValue(file);
      assert.equal(v, hook === "afterReady" ? 1 : 2, "old data before the old store moved aside, new data after");
      assert.deepEqual(siblings(file), [], "the load removed the dead process's temporaries");
      // a save then works as usual
      await runChild(file, 3, null);
      assert.equal(await uniformValue(file), 3);
      assert.deepEqual(siblings(file), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("temporaries of a running process are left alone; of a dead one, removed by the next save", async () => {
  const dir = tmpdir();
  const file = path.join(dir, "t.zspy");
  try {
    // a dead pid: a process that has exited
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout.trim();
    const mine = path.join(dir, `.t.zspy.tmp-${process.pid}-abcdef`);
    const stale = path.join(dir, `.t.zspy.tmp-${dead}-abcdef`);
    const unrelated = path.join(dir, ".t.zspy.notours");
    for (const p of [mine, stale, unrelated]) fs.mkdirSync(p);
    const s = new hs.signals.Signal1D(new Float32Array(8));
    await s.save(file);
    assert.equal(fs.existsSync(stale), false, "a dead process's temporary was removed");
    assert.equal(fs.existsSync(mine), true, "a live process's temporary is kept");
    assert.equal(fs.existsSync(unrelated), true, "names not ours are kept");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
