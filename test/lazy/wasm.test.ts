/**
 * The compiled WebAssembly SIMD kernels (lazy/kernels/wasm) against the JS loops they replace:
 * random expressions over every dtype the compiler handles, with NaN, +-inf, -0, values out of
 * the integer ranges, compared bit for bit (elementwise) and exactly (sums of values whose f64
 * sum is exact in any order). Seeded (HSTS_WASM_SEED, default 20261208).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { Block, cStrides } from "../../lazy/core/block";
import { getKernel, registerKernelModule } from "../../lazy/graph/graph";
import { getPool } from "../../lazy/graph/workers";
import { arenaArray } from "../../lazy/kernels/wasm/arena";
import "../../lazy";
import { DType, allocate } from "../../lazy/core/dtype";
import { Expr, binaryExpr, castExpr, commonType, constExpr, inputExpr, unaryExpr, whereExpr, BinaryOp, UnaryOp } from "../../lazy/ops/elementwise";
import { evaluate, exprKey } from "../../lazy/kernels/elementwise";
import { Code, encodeModule, sleb, uleb } from "../../lazy/kernels/wasm/encoder";
import { setWasmKernels, simdSupported, wasmEvaluate, wasmScan, wasmKernelsEnabled } from "../../lazy/kernels/wasm/runtime";
import { Unsupported, WExpr } from "../../lazy/kernels/wasm/simd";
import { compileKernel } from "../../lazy/kernels/wasm/loops";

const SEED = Number(process.env.HSTS_WASM_SEED ?? 20261208);
// a module the compiler emits that WebAssembly refuses is a bug: fail here instead of falling back
process.env.HSTS_WASM_STRICT = "1";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DTS: DType[] = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64"];
const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 0.5, -0.5, 1.5, 2.5, -2.5, 127.7, 128, -129, 255.5, 256, 65535.9, 65536, -32769, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 3, 1e10, -1e10, 3.4e38, 1e300];

function fill(d: DType, n: number, r: () => number): Block {
  const a = allocate(d, n);
  for (let i = 0; i < n; i++) {
    const u = r();
    const v = u < 0.2 ? SPECIAL[Math.floor(r() * SPECIAL.length)] : u < 0.6 ? Math.round((r() - 0.5) * 300) : (r() - 0.5) * 20;
    a[i] = d === "bool" ? (v ? 1 : 0) : v;
  }
  return { data: a, shape: [n], stride: [1], offset: 0 };
}

const BIN: BinaryOp[] = ["add", "sub", "mul", "div", "maximum", "minimum", "gt", "ge", "lt", "le", "eq", "ne", "logicalAnd", "logicalOr", "logicalXor", "bitwiseAnd", "bitwiseOr", "bitwiseXor", "pow"];
const UN: UnaryOp[] = ["neg", "abs", "square", "sqrt", "floor", "ceil", "trunc", "rint", "isnan", "isinf", "isfinite", "logicalNot"];

/** A random expression over inputs of dtypes `ins` (depth-limited), built with the engine's own builders. */
function randomExpr(r: () => number, ins: DType[], depth: number): Expr {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  if (depth === 0 || r() < 0.2) {
    if (r() < 0.75) {
      const i = Math.floor(r() * ins.length);
      return inputExpr(i, ins[i]);
    }
    const v = pick([0, 1, 2, -3, 100, 0.5, NaN, Infinity, 1e6]);
    return constExpr(v, pick(["float32", "float64", "int32", "uint8", "int16"] as DType[]));
  }
  const k = r();
  try {
    if (k < 0.45) {
      const a = randomExpr(r, ins, depth - 1);
      const b = r() < 0.3 ? constExpr(pick([2, 0, 1, 100, Infinity, -Infinity, NaN]), a.dtype) : randomExpr(r, ins, depth - 1);
      const op = pick(BIN);
      const common = commonType({ dtype: a.dtype }, { dtype: b.dtype });
      return binaryExpr(op, a, b, common);
    }
    if (k < 0.7) return unaryExpr(pick(UN), randomExpr(r, ins, depth - 1));
    if (k < 0.9) return castExpr(randomExpr(r, ins, depth - 1), pick(DTS));
    const c = randomExpr(r, ins, depth - 1);
    const a = randomExpr(r, ins, depth - 1);
    const b = randomExpr(r, ins, depth - 1);
    return whereExpr(c, a, b, commonType({ dtype: a.dtype }, { dtype: b.dtype }));
  } catch {
    return inputExpr(0, ins[0]);
  }
}

/** `f` with the compiled kernels off: the JS loops' answer. */
function js<T>(f: () => T): T {
  const was = setWasmKernels(false);
  try {
    return f();
  } finally {
    setWasmKernels(was);
  }
}

function used(e: Expr, n: number): boolean[] {
  const u = new Array<boolean>(n).fill(false);
  const walk = (x: Expr): void => {
    if (x.t === "in") u[x.i] = true;
    else if (x.t === "op") x.args.forEach(walk);
  };
  walk(e);
  return u;
}

test("SIMD is available on this Node (else the JS path is what runs)", () => {
  assert.equal(typeof simdSupported(), "boolean");
  if (process.env.HSTS_WASM === "0") assert.equal(wasmKernelsEnabled(), false);
});

test("LEB128 encodings", () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(sleb(63), [63]);
  assert.deepEqual(sleb(64), [0xc0, 0]);
  assert.deepEqual(sleb(-64), [0x40]);
});

test("an encoded module without SIMD validates and runs", { skip: !simdSupported() }, () => {
  const c = new Code().get(0).get(1).op(0x6a);
  const bytes = encodeModule({ memory: { min: 1, max: 1, shared: false }, funcs: [{ name: "add", params: [0x7f, 0x7f], results: [0x7f], locals: [], code: c }] });
  const W = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: { add: (a: number, b: number) => number } }; Memory: new (d: object) => object } }).WebAssembly;
  const inst = new W.Instance(new W.Module(bytes), { env: { memory: new W.Memory({ initial: 1, maximum: 1 }) } });
  assert.equal(inst.exports.add(40, 2), 42);
});

test("unsupported nodes are refused (the JS loop runs)", () => {
  const e = unaryExpr("sin", inputExpr(0, "float32"));
  assert.throws(() => compileKernel("ew", e, ["v"], { min: 1, max: 2, shared: true }), Unsupported);
});

test("random elementwise expressions: compiled kernel == JS loop, bit for bit", { skip: !wasmKernelsEnabled() && "compiled kernels are off (HSTS_WASM=0 or no SIMD)" }, () => {
  const r = rng(SEED);
  let compiled = 0;
  for (let c = 0; c < 2000; c++) {
    const nIn = 1 + Math.floor(r() * 3);
    const ins = Array.from({ length: nIn }, () => DTS[Math.floor(r() * DTS.length)]);
    const e = randomExpr(r, ins, 1 + Math.floor(r() * 4));
    const u = used(e, nIn);
    if (!u.every(Boolean)) continue;
    const n = 1 + Math.floor(r() * 40);
    const single = ins.map(() => r() < 0.2);
    const blocks = ins.map((d, i) => (single[i] ? { ...fill(d, 1, r), shape: [1] } : fill(d, n, r)));
    let ref: ArrayLike<number>;
    try {
      ref = js(() => evaluate(e, blocks, [n]).data as ArrayLike<number>);
    } catch {
      continue; // an error numpy raises too (integer to a negative power): not compiled
    }
    const out = allocate(e.dtype, n);
    const ok = wasmEvaluate(e, exprKey(e), blocks.map((b) => b.data), blocks.map(() => 0), single.map((s) => (s ? "s" : "v")), out, n);
    if (!ok) continue;
    compiled++;
    for (let i = 0; i < n; i++) {
      if (!Object.is(out[i], ref[i]) && !(Number.isNaN(out[i]) && Number.isNaN(ref[i]))) {
        assert.fail(`case ${c}: ${exprKey(e)} on ${ins.join(",")}: element ${i}: wasm ${out[i]} js ${ref[i]}; inputs ${blocks.map((b) => b.data[single[blocks.indexOf(b)] ? 0 : i]).join(", ")}`);
      }
    }
  }
  assert.ok(compiled > 400, `only ${compiled} cases compiled`);
});

test("sum scans with the expression inside: kept rows, reduced rows, outer axes, offsets", { skip: !wasmKernelsEnabled() && "compiled kernels are off (HSTS_WASM=0 or no SIMD)" }, () => {
  const r = rng(SEED + 1);
  for (let c = 0; c < 200; c++) {
    const d = DTS[Math.floor(r() * DTS.length)];
    const e0 = inputExpr(0, d);
    const e = r() < 0.5 ? e0 : binaryExpr("mul", castExpr(e0, "float32"), constExpr(2, "float32"), "float32");
    // a (A, M, L) view at an offset into a bigger buffer, reduced over some of its axes
    const A = 1 + Math.floor(r() * 3);
    const M = 1 + Math.floor(r() * 9);
    const L = 1 + Math.floor(r() * 70);
    const pad = Math.floor(r() * 5);
    const rowStride = L + (r() < 0.5 ? 0 : 3);
    const total = pad + A * M * rowStride + 8;
    const buf = allocate(d, total);
    for (let i = 0; i < total; i++) buf[i] = d === "bool" ? (r() < 0.5 ? 1 : 0) : d.startsWith("float") ? Math.round((r() - 0.5) * 64) / 8 : Math.round((r() - 0.3) * 100);
    const len = [A, M, L];
    const is = [M * rowStride, rowStride, 1];
    const red = [r() < 0.5, r() < 0.7, r() < 0.5];
    const kept = len.map((n, a) => (red[a] ? 1 : n));
    const os = [0, 0, 0];
    let st = 1;
    for (let a = 2; a >= 0; a--) {
      os[a] = red[a] ? 0 : st;
      st *= kept[a];
    }
    const size = kept[0] * kept[1] * kept[2];
    const acc = new Float64Array(size);
    const ok = wasmScan(e, exprKey(e), [buf], [0], [false], pad, len, is, os, acc);
    if (!ok) continue;
    const ref = new Float64Array(size);
    const vals = js(() => evaluate(e, [{ data: buf, shape: [total], stride: [1], offset: 0 }], [total]).data as ArrayLike<number>);
    for (let a = 0; a < A; a++) for (let j = 0; j < M; j++) for (let k = 0; k < L; k++) ref[a * os[0] + j * os[1] + k * os[2]] += vals[pad + a * is[0] + j * is[1] + k];
    assert.deepEqual(Array.from(acc), Array.from(ref), `case ${c}: ${d} ${exprKey(e)} len ${len} reduced ${red}`);
  }
});

test("setWasmKernels(false) forces the JS path", () => {
  const was = setWasmKernels(false);
  try {
    const out = new Float32Array(4);
    assert.equal(wasmEvaluate(inputExpr(0, "float32"), "k", [new Float32Array(4)], [0], ["v"], out, 4), false);
  } finally {
    setWasmKernels(was);
  }
});

test("int64 / uint64 lanes (i64x2): wrapping sums into int64 accumulators, casts, comparisons", { skip: !wasmKernelsEnabled() && "compiled kernels are off (HSTS_WASM=0 or no SIMD)" }, () => {
  const r = rng(SEED + 2);
  const big = (): bigint => {
    const u = r();
    if (u < 0.1) return [2n ** 63n - 1n, -(2n ** 63n), -1n, 0n, 2n ** 53n + 1n][Math.floor(r() * 5)];
    return BigInt(Math.floor((r() - 0.5) * 2 ** 52)) * BigInt(Math.floor(r() * 4096));
  };
  const n = 37;
  const a = BigInt64Array.from({ length: n + 5 }, big);
  const b = BigUint64Array.from({ length: n + 5 }, () => BigInt.asUintN(64, big()));
  const x: WExpr = { t: "in", i: 0, dtype: "int64" };
  const y: WExpr = { t: "in", i: 1, dtype: "uint64" };
  // a plain int64 sum, kept and reduced rows, wrapping modulo 2^64
  for (const [len, is, os, size] of [
    [[n], [1], [0], 1],
    [[n], [1], [1], n],
    [[3, 12], [12, 1], [0, 1], 12],
    [[3, 12], [12, 1], [1, 0], 3],
  ] as [number[], number[], number[], number][]) {
    const acc = new BigInt64Array(size);
    assert.ok(wasmScan(x, "i64sum", [a], [0], [false], 1, len, is, os, acc));
    const ref = new BigInt64Array(size);
    const D = len.length;
    const M = D === 2 ? len[0] : 1;
    for (let j = 0; j < M; j++) for (let k = 0; k < len[D - 1]; k++) ref[(D === 2 ? j * os[0] : 0) + k * os[D - 1]] += a[1 + (D === 2 ? j * is[0] : 0) + k];
    assert.deepEqual(acc, ref, `len ${len} os ${os}`);
  }
  // uint16 counts summed into a uint64 accumulator (numpy's uint16 sum)
  const u16 = Uint16Array.from({ length: n }, () => Math.floor(r() * 65536));
  const acc = new BigUint64Array(1);
  assert.ok(wasmScan({ t: "in", i: 0, dtype: "uint16" }, "u16sum", [u16], [0], [false], 0, [n], [1], [0], acc));
  assert.equal(acc[0], u16.reduce((s, v) => s + BigInt(v), 0n));
  // elementwise: (a * 3 - a) as int64, a < b as uint64, int64 -> int16 / float64 casts, where, maximum
  const cases: [WExpr, (i: number) => bigint | number, string][] = [
    [{ t: "op", op: "sub", dtype: "int64", args: [{ t: "op", op: "mul", dtype: "int64", args: [x, { t: "const", v: 3n, dtype: "int64" }] }, x] }, (i) => BigInt.asIntN(64, a[i] * 3n - a[i]), "int64"],
    [{ t: "op", op: "lt", dtype: "bool", args: [{ t: "op", op: "cast", dtype: "uint64", args: [x] }, y] }, (i) => (BigInt.asUintN(64, a[i]) < b[i] ? 1 : 0), "bool"],
    [{ t: "op", op: "cast", dtype: "int16", args: [x] }, (i) => Number(BigInt.asIntN(16, a[i])), "int16"],
    [{ t: "op", op: "cast", dtype: "float64", args: [x] }, (i) => Number(a[i]), "float64"],
    [{ t: "op", op: "maximum", dtype: "int64", args: [x, { t: "const", v: -5n, dtype: "int64" }] }, (i) => (a[i] > -5n ? a[i] : -5n), "int64"],
    [{ t: "op", op: "minimum", dtype: "uint64", args: [y, { t: "op", op: "cast", dtype: "uint64", args: [x] }] }, (i) => { const p = b[i], q = BigInt.asUintN(64, a[i]); return p < q ? p : q; }, "uint64"],
  ];
  for (const [e, ref, d] of cases) {
    const out = d === "int64" ? new BigInt64Array(n) : d === "uint64" ? new BigUint64Array(n) : d === "bool" ? new Uint8Array(n) : d === "int16" ? new Int16Array(n) : new Float64Array(n);
    const two = JSON.stringify(e, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
    const ins = two.includes('"i":1') ? [a, b] : [a];
    assert.ok(wasmEvaluate(e as Expr, two, ins as never[], ins.map(() => 0), ins.map(() => "v" as const), out as never, n), `compiles: ${e.t === "op" ? e.op : ""}`);
    for (let i = 0; i < n; i++) assert.equal(out[i], ref(i), `${e.t === "op" ? e.op : ""} element ${i}`);
  }
});

test("sum / mean chunk steps: the compiled scan gives the JS scan's bits (same summation order), in and out of the arena", { skip: !wasmKernelsEnabled() && "compiled kernels are off (HSTS_WASM=0 or no SIMD)" }, () => {
  const r = rng(SEED + 3);
  const chunk = getKernel("reduction.chunk") as unknown as (inputs: unknown[], p: unknown) => { v: Float64Array };
  const shapes: [number[], boolean[]][] = [
    [[3, 37, 50], [true, true, false]],
    [[19, 1030], [true, false]],
    [[5, 20000], [false, true]],
    [[2, 3, 20001], [true, true, true]],
    [[9, 13, 6], [false, true, false]],
    [[70, 12], [true, false]],
  ];
  for (const [shape, reduced] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const where of ["plain", "arena"]) {
      const data = where === "arena" ? (arenaArray("float32", n + 3) as Float32Array) : new Float32Array(n + 3);
      for (let i = 0; i < data.length; i++) data[i] = (r() - 0.3) * 1000;
      const b: Block = { data, shape, stride: cStrides(shape), offset: 3 };
      const pre = binaryExpr("pow", binaryExpr("add", inputExpr(0, "float32"), constExpr(0.1, "float32"), "float32"), constExpr(2, "float32"), "float32");
      for (const p of [{ kind: "sum", reduced }, { kind: "mean", reduced, pre }]) {
        const ref = js(() => chunk([b], p)).v;
        const got = chunk([b], p).v;
        assert.deepEqual(Array.from(got), Array.from(ref), `${where} [${shape}] reduced ${reduced} ${p.kind}`);
      }
    }
  }
});

test("arena blocks reach worker threads as arena blocks (read in place there); other SharedArrayBuffers do not", async () => {
  registerKernelModule(require.resolve("./arena-probe"));
  const a = arenaArray("float32", 1024);
  const other = new Float32Array(new SharedArrayBuffer(64));
  const pool = getPool(2);
  const probe = async (data: Float32Array) => ((await pool.run("test.arenaProbe", {}, [{ data, shape: [4], stride: [1], offset: 0 }])) as { data: Float64Array }).data[0];
  assert.equal(await probe(a as Float32Array), a.byteOffset);
  assert.equal(await probe(other), -1);
});
