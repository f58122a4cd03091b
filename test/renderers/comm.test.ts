/**
 * Live plots over a Jupyter comm, kernel side (kernel/comm.ts + signals/liveplot.ts), driven by
 * Debian's jupyter_client (test/renderers/comm_driver.py): plot() views and displayed signals are
 * live; the kernel answers the signal at a pixel or the mean over a box with HyperSpy's values
 * (fixtures/plot.json), reads a lazy chunk once and then serves from its cache, drops stale
 * requests (the newest wins), answers while a cell runs, and rejects bad requests and unknown
 * plots with messages that say what to do.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { FixtureArray, ROOT, decodeValue, loadFixture } from "../helpers";
import { bareDir, jupyterEnv, jupyterMissing, PYTHON } from "../kernel/jupyter";
import type { ArrayPayload, PlotReply } from "../../lazy/display/mime";

interface Result {
  eager_live: { target: string; plotId: string; lazy: boolean; navigation: string };
  eager_png: boolean;
  eager_replies: PlotReply[];
  lazy_payload: { navigator: { data: ArrayPayload; sumFrom: number[][] } | null; current: { indices: number[]; data: ArrayPayload }; live: { lazy: boolean; navigationChunks: number[] }; data: null };
  lazy_replies: PlotReply[];
  slow_navigator: null;
  stale_seqs: number[];
  during_cell_s: number;
  cell_end_after_reply: boolean;
  bad_request: PlotReply;
  unknown_plot: [string, { type?: string; message?: string }][];
  comm_info: Record<string, { target_name: string }>;
  display_live: boolean;
  display_bytes: number;
}

const fx = loadFixture<{ pixels: { indices: number[]; span: number[]; signal: FixtureArray }[] }>("plot");

function decode(a: ArrayPayload): number[] {
  const b = Buffer.from(a.data, "base64");
  return Array.from(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
}
function close(actual: number[], expected: FixtureArray, what: string): void {
  const want = expected.data.map(decodeValue);
  assert.equal(actual.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(actual[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])), `${what}[${i}]: ${actual[i]} vs ${want[i]}`);
}
const signalReply = (r: PlotReply) => {
  assert.equal(r.type, "signal", JSON.stringify(r).slice(0, 300));
  return r as Extract<PlotReply, { type: "signal" }>;
};

test("live plots over the comm, driven by jupyter_client", { timeout: 5 * 60_000 }, async () => {
  const missing = jupyterMissing();
  assert.equal(missing, null, missing ?? "");
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const p = spawn(PYTHON, [path.join(ROOT, "test", "renderers", "comm_driver.py")], { env: jupyterEnv({ KT_CWD: bareDir("comm") }) });
    let text = "";
    p.stdout.on("data", (d: Buffer) => (text += d.toString()));
    p.stderr.on("data", (d: Buffer) => (text += d.toString()));
    p.on("close", (code) => resolve({ code, text }));
  });
  const m = /^RESULT (.*)$/m.exec(out.text);
  assert.ok(m, `the driver failed:\n${out.text.slice(-4000)}`);
  const r = JSON.parse(m[1]) as Result;

  // eager plot(): live, with the PNG fallback; exact values at a pixel and the mean over a box
  assert.equal(r.eager_live.target, "hyperspy-ts.plot");
  assert.equal(r.eager_live.lazy, false);
  assert.equal(r.eager_live.navigation, "navigator");
  assert.ok(r.eager_png);
  const [a, b] = r.eager_replies.map(signalReply);
  assert.deepEqual([a.seq, b.seq], [1, 2]);
  close(decode(a.data), fx.pixels[0].signal, "eager (5, 3)");
  const box = fx.pixels.find((p) => p.span[0] === 3)!;
  assert.deepEqual(b.span, [3, 2]);
  close(decode(b.data), box.signal, "eager box (2, 1) 3x2");

  // lazy plot(): navigator (HyperSpy's chunk sum) and current pixel computed; data not embedded;
  // a pixel in the same navigation chunk as the previous one comes from the cache
  assert.equal(r.lazy_payload.data, null);
  assert.ok(r.lazy_payload.navigator);
  assert.deepEqual(r.lazy_payload.navigator.sumFrom, [[0, 10], [0, 8]]);
  assert.deepEqual(r.lazy_payload.live.navigationChunks, [3, 2]);
  const [c1, c2] = r.lazy_replies.map(signalReply);
  assert.deepEqual([c1.cached, c2.cached], [false, true]);
  assert.deepEqual(c2.indices, [5, 2]);

  // stale requests dropped: 1 runs, 5 (the newest) is answered last, some in between never
  assert.equal(r.slow_navigator, null);
  assert.equal(r.stale_seqs[0], 1);
  assert.equal(r.stale_seqs[r.stale_seqs.length - 1], 5);
  assert.ok(r.stale_seqs.length < 5, `answered ${r.stale_seqs}`);
  assert.deepEqual(r.stale_seqs, [...r.stale_seqs].sort((x, y) => x - y));

  // a view stays live while a cell runs
  assert.ok(r.cell_end_after_reply, `the reply came after the cell's result (${r.during_cell_s} s)`);

  // errors say what to do
  assert.equal(r.bad_request.type, "error");
  assert.match((r.bad_request as { message: string }).message, /indices must be 2 integers/);
  assert.deepEqual(r.unknown_plot.map((x) => x[0]), ["comm_msg", "comm_close"]);
  assert.match(r.unknown_plot[0][1].message ?? "", /run its cell again/);
  assert.ok(Object.values(r.comm_info).length >= 2 && Object.values(r.comm_info).every((c) => c.target_name === "hyperspy-ts.plot"));

  // a displayed signal is live too
  assert.ok(r.display_live);
});
