/**
 * The numpy translations of hsts_dask_worker.py against our own kernels, case by case (no cluster:
 * the Python functions are called directly through the wire format): every result the translation
 * gives must equal our kernel's bit for bit, and the cases it declines must be the ones where
 * numpy's order of additions differs from ours. Random cases, seed 20261208.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import "../../lazy/index";
import { getKernel } from "../../lazy/graph/graph";
import { makeBlock, tagDType } from "../../lazy/core/block";
import { FrameReader, decodeValue, encodeFrame, encodeValue, Json } from "../../lazy/distributed/wire";
import { ROOT } from "../helpers";
import { PYTHON } from "./cluster";

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CTOR = { float32: Float32Array, float64: Float64Array, int16: Int16Array, uint8: Uint8Array, bool: Uint8Array } as const;
type D = keyof typeof CTOR;
const KINDS = ["sum", "mean", "max", "min", "any", "all"] as const;

interface Case {
  op: string;
  params: Record<string, unknown>;
  inputs: unknown[];
}

function cases(n: number): Case[] {
  const r = rng(20261208);
  const out: Case[] = [];
  for (let c = 0; c < n; c++) {
    const nd = 1 + Math.floor(r() * 4);
    // mostly small axes, sometimes one long one (numpy sums 8 or more elements along the contiguous axis pairwise)
    const long = r() < 0.3 ? Math.floor(r() * nd) : -1;
    const shape = Array.from({ length: nd }, (_, a) => (a === long ? 9 + Math.floor(r() * 40) : 1 + Math.floor(r() * 6)));
    const reduced = shape.map(() => r() < 0.5);
    const dtype = (["float32", "float64", "int16", "uint8", "bool"] as D[])[Math.floor(r() * 5)];
    const kind = KINDS[Math.floor(r() * KINDS.length)];
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new CTOR[dtype](size);
    for (let i = 0; i < size; i++) {
      const v = dtype === "bool" ? (r() < 0.5 ? 1 : 0) : dtype === "uint8" ? Math.floor(r() * 256) : dtype === "int16" ? Math.floor(r() * 65536) - 32768 : (r() - 0.5) * 1e4 * (1 + r() * 1e-7);
      data[i] = v;
    }
    if (dtype.startsWith("float") && r() < 0.2) data[Math.floor(r() * size)] = NaN;
    const b = makeBlock(data, shape);
    if (dtype === "bool") tagDType(b, "bool");
    out.push({ op: "reduction.chunk", params: { kind, reduced }, inputs: [b] });
    // a combine and an aggregate of partials of that kind
    const parts = [0, 1, 2].map(() => getKernel("reduction.chunk")([b], { kind, reduced } as never, undefined));
    out.push({ op: "reduction.combine", params: { kind }, inputs: parts });
    const drop = reduced.map((x, a) => (x ? a : -1)).filter((a) => a >= 0);
    const outDtype = kind === "any" || kind === "all" ? "bool" : r() < 0.5 ? "float32" : "float64";
    out.push({ op: "reduction.aggregate", params: { kind, dtype: outDtype, drop, ddof: 0 }, inputs: parts });
  }
  return out;
}

test("numpy translations equal our reduction kernels bit for bit, or decline (300 random cases x chunk/combine/aggregate)", () => {
  const all = cases(300);
  const bufs: Uint8Array[] = [];
  const j = encodeValue(all.map((c) => ({ op: c.op, params: c.params, inputs: c.inputs })), bufs);
  const frame = Buffer.concat(encodeFrame({ cases: j as Json }, bufs));
  const script = [
    "import sys",
    `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, "lazy", "distributed", "python"))})`,
    "import numpy as np, hsts_dask_worker as W",
    "h, b = W.read_frame(sys.stdin.buffer)",
    "res = []",
    "with np.errstate(all='ignore'):",
    "    for c in W.decode(h['cases'], b):",
    "        res.append(W.NUMPY[c['op']]({}, c['params'], c['inputs']))",
    "out = []",
    "W.write_frame(sys.stdout.buffer, {'res': W.encode(res, out)}, out)",
  ].join("\n");
  const p = spawnSync(PYTHON, ["-c", script], { input: frame, maxBuffer: 1 << 26 });
  assert.equal(p.status, 0, p.stderr.toString());
  const f = new FrameReader("python").push(p.stdout)[0];
  const res = decodeValue(f.header.res, f.bufs) as unknown[];
  let translated = 0;
  let declined = 0;
  all.forEach((c, i) => {
    const got = res[i];
    if (got === null) {
      declined++;
      return;
    }
    translated++;
    const want = getKernel(c.op)(c.inputs, c.params as never, undefined) as { v?: Float64Array; n?: number; shape: number[]; data?: ArrayLike<number> };
    const g = got as { v?: Float64Array; n?: number; shape: number[]; data?: ArrayLike<number> };
    const what = `case ${i} ${c.op} ${JSON.stringify(c.params)}`;
    assert.deepEqual(Array.from(g.shape), Array.from(want.shape), `${what}: shape`);
    const gv = Array.from((g.v ?? g.data) as ArrayLike<number>);
    const wv = Array.from((want.v ?? want.data) as ArrayLike<number>);
    assert.equal(gv.length, wv.length, what);
    gv.forEach((x, k) => assert.ok(Object.is(x, wv[k]), `${what}: element ${k} is ${x}, ours ${wv[k]}`));
    if (want.n !== undefined) assert.equal(g.n, want.n, `${what}: n`);
  });
  assert.ok(translated > 500 && declined > 20, `translated ${translated}, declined ${declined}`);
});
