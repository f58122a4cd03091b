/**
 * Reductions (lazy/ops/reduction.ts, lazy/kernels/reduction.ts) against numpy results and dask task counts from
 * test/fixtures/make_reduction.py: every kind x dtypes x axes x keepdims x ragged chunkings x
 * splitEvery, NaN / inf / empty / 0-d inputs, ddof and dtype options, unknown chunk sizes, culling,
 * errors.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as lazy from "../../lazy";
import { LazyArray } from "../../lazy";
import { Block, toFlat } from "../../lazy/core/block";
import { ComputeStats, Layer, getKernel, plan } from "../../lazy/graph/graph";
import { DType } from "../../lazy/core/dtype";
import { cumulative } from "../../lazy/core/chunks";
import { FixtureArray, assertArrayClose, decodeChunks, fromFixture, loadFixture } from "../helpers";

type Axis = number | number[] | null;
type Split = number | { [axis: string]: number } | null;

interface Case {
  input: string;
  chunks: (number | "nan")[][];
  kind: string;
  axis: Axis;
  keepdims: boolean;
  splitEvery: Split;
  ddof?: number;
  dtype?: DType;
  expected?: FixtureArray;
  error?: string;
  daskTasks?: number;
  daskValueMatches?: boolean;
  daskError?: string;
}

interface LayoutCase {
  name: string;
  shape: number[];
  chunks: number[][];
  kind: string;
  axis: Axis;
  splitEvery: Split;
  daskTasks: number;
  inputBlocks: number;
}

interface Fixture {
  inputs: Record<string, FixtureArray>;
  special: Record<string, FixtureArray>;
  cases: Case[];
  specialCases: Case[];
  layouts: LayoutCase[];
}

const fx = loadFixture<Fixture>("reduction");

function source(name: string, chunks: (number | "nan")[][]): LazyArray {
  const a = fx.inputs[name] ?? fx.special[name];
  return lazy.fromArray(fromFixture(a), { chunks: decodeChunks(chunks), dtype: a.dtype });
}

function split(s: Split): number | { [axis: number]: number } | undefined {
  return s === null ? undefined : (s as number | { [axis: number]: number });
}

function reduceBy(x: LazyArray, c: Pick<Case, "kind" | "axis" | "keepdims" | "splitEvery" | "ddof" | "dtype">): LazyArray {
  const splitEvery = split(c.splitEvery);
  if (c.kind === "argmax" || c.kind === "argmin") {
    return x[c.kind]({ axis: c.axis as number | null, keepdims: c.keepdims, splitEvery });
  }
  const opts = { axis: c.axis, keepdims: c.keepdims, splitEvery, ddof: c.ddof, dtype: c.dtype };
  switch (c.kind) {
    case "sum":
      return x.sum(opts);
    case "prod":
      return x.prod(opts);
    case "mean":
      return x.mean(opts);
    case "min":
      return x.min(opts);
    case "max":
      return x.max(opts);
    case "var":
      return x.var(opts);
    case "std":
      return x.std(opts);
    case "any":
      return x.any(opts);
    case "all":
      return x.all(opts);
  }
  throw new Error(`unknown kind ${c.kind}`);
}

/** Tolerances: float32 results are compared with numpy's float32 (pairwise) arithmetic; we
 * accumulate in float64 and round once, so allow a few float32 ulps of the accumulated terms. */
function tolerance(c: Case, x: LazyArray): { rtol?: number; atol?: number } {
  const exp = c.expected as FixtureArray;
  if (exp.dtype === "float32" && ["sum", "mean", "var", "std", "prod"].includes(c.kind)) return { rtol: 1e-4, atol: 1e-3 };
  if (exp.dtype === "float64" && x.dtype === "float32") return { rtol: 1e-5, atol: 1e-5 };
  if (exp.dtype === "float64" && ["var", "std", "mean"].includes(c.kind)) return { rtol: 1e-10, atol: 1e-10 };
  return {};
}

function describe(c: Case): string {
  const o = [`axis=${JSON.stringify(c.axis)}`, `keepdims=${c.keepdims}`, `splitEvery=${JSON.stringify(c.splitEvery)}`];
  if (c.ddof !== undefined) o.push(`ddof=${c.ddof}`);
  if (c.dtype !== undefined) o.push(`dtype=${c.dtype}`);
  return `${c.kind}(${c.input}, chunks=${JSON.stringify(c.chunks)}, ${o.join(", ")})`;
}

function runCase(c: Case): void {
  const name = describe(c);
  const x = source(c.input, c.chunks);
  if (c.error !== undefined) {
    assert.throws(
      () => reduceBy(x, c).computeSync({ scheduler: "sync" }),
      (e: Error) => e.message.includes(c.error as string),
      name,
    );
    return;
  }
  const r = reduceBy(x, c);
  const exp = c.expected as FixtureArray;
  // numpy's dtypes, int64 / uint64 included (integer sums, argmax indices)
  assert.equal(r.dtype, exp.dtype, `${name}: dtype`);
  assert.deepEqual(r.shape.slice(), exp.shape, `${name}: lazy shape`);
  const stats: Partial<ComputeStats> = {};
  const out = r.computeSync({ scheduler: "sync", stats });
  assertArrayClose(out as unknown as Block, exp, { ...tolerance(c, x), msg: name });
  if (c.daskTasks !== undefined) {
    assert.equal((stats.tasksRun as number) - x.npartitions, c.daskTasks, `${name}: tasks of the reduction vs dask's graph`);
  }
}

for (const c of fx.cases) test(`case ${describe(c)}`, () => runCase(c));
for (const c of fx.specialCases) test(`special ${describe(c)}`, () => runCase(c));

test("fixture covers every kind, dtype, axis choice, keepdims and splitEvery form", () => {
  const kinds = new Set(fx.cases.map((c) => c.kind));
  assert.deepEqual([...kinds].sort(), ["all", "any", "argmax", "argmin", "max", "mean", "min", "prod", "std", "sum", "var"]);
  const dtypes = new Set(fx.cases.map((c) => fx.inputs[c.input].dtype));
  for (const d of ["bool", "int8", "uint8", "int32", "float32", "float64"]) assert.ok(dtypes.has(d as DType), d);
  assert.ok(fx.cases.some((c) => c.keepdims) && fx.cases.some((c) => !c.keepdims));
  assert.ok(fx.cases.some((c) => typeof c.splitEvery === "object" && c.splitEvery !== null));
  assert.ok(fx.cases.some((c) => c.splitEvery === 2) && fx.cases.some((c) => c.splitEvery === 3));
  assert.ok(fx.cases.filter((c) => c.input.endsWith("_nan")).length > 50);
});

// ---------------------------------------------------------------------------------------------
// task counts

for (const l of fx.layouts) {
  test(`task count as dask: ${l.name}`, () => {
    const x = lazy.zeros(l.shape, { chunks: l.chunks, dtype: "float32" });
    assert.equal(x.npartitions, l.inputBlocks);
    const r = reduceBy(x, { kind: l.kind, axis: l.axis, keepdims: false, splitEvery: l.splitEvery });
    const total = l.shape.reduce((a, b) => a * b, 1);
    if (total <= 1 << 16) {
      const stats: Partial<ComputeStats> = {};
      r.computeSync({ scheduler: "sync", stats });
      assert.equal((stats.tasksRun as number) - l.inputBlocks, l.daskTasks);
    } else {
      // real benchmark sizes: count the planned tasks without running them
      assert.equal((r.summary().tasksOptimized as number) - l.inputBlocks, l.daskTasks);
    }
  });
}

test("W1 layout: 16 chunk + 4 partial + 1 aggregate tasks, per kernel", () => {
  const x = lazy.zeros([8, 8, 16], { chunks: [2, 2, 16], dtype: "float32" });
  const stats: Partial<ComputeStats> = {};
  const out = x.sum({ axis: [0, 1] }).computeSync({ scheduler: "sync", stats });
  assert.deepEqual(out.shape, [16]);
  assert.equal(stats.byOp?.["reduction.chunk"], 16);
  assert.equal(stats.byOp?.["reduction.combine"], 4);
  assert.equal(stats.byOp?.["reduction.aggregate"], 1);
  const s = x.sum({ axis: [0, 1] }).summary();
  assert.deepEqual(
    s.layers.map((l) => [l.label, l.tasks]),
    [
      ["zeros", 16],
      ["sum", 16],
      ["sum-partial", 4],
      ["sum-aggregate", 1],
    ],
  );
});

// ---------------------------------------------------------------------------------------------
// culling

test("culling: one output block of a reduction materialises only its column of input blocks", () => {
  const data = new Float64Array(64).map((_, i) => i);
  const x = lazy.fromArray({ data, shape: [8, 8], stride: [8, 1], offset: 0 }, { chunks: [2, 2] });
  const r = x.sum({ axis: 0, splitEvery: 2 });
  assert.equal(r.npartitions, 4);
  const p = plan([r.layer], [r.layer.key([1])]);
  // 4 source + 4 chunk + 2 partial + 1 aggregate
  assert.equal(p.tasksCulled, 11);
  const sources = [...p.tasks.keys()].filter((k) => k.startsWith(x.name + ":")).sort();
  assert.deepEqual(sources, [0, 1, 2, 3].map((i) => x.layer.key([i, 1])));
  assert.equal(p.tasksFull, 16 + 16 + 8 + 4);
});

test("culling through a slice: only the blocks of the slice are read", (t) => {
  const data = new Float64Array(16 * 16).map((_, i) => i % 7);
  const x = lazy.fromArray({ data, shape: [16, 16], stride: [16, 1], offset: 0 }, { chunks: [4, 4] });
  let y: LazyArray;
  try {
    y = x.get(lazy.slice(0, 6), lazy.slice(4, 5));
  } catch (e) {
    t.skip(`slicing (lazy/ops/slicing.ts) is not available: ${(e as Error).message}`);
    return;
  }
  const r = y.sum();
  const stats: Partial<ComputeStats> = {};
  const out = r.computeSync({ scheduler: "sync", stats });
  let want = 0;
  for (let i = 0; i < 6; i++) want += data[i * 16 + 4];
  assert.equal(out.data[0], want);
  const sourceRuns = stats.byOp?.["source.slice"];
  assert.equal(sourceRuns, 2, "only blocks (0,1) and (1,1) are read");
});

// ---------------------------------------------------------------------------------------------
// unknown chunk sizes

/** The fixture's float64 input with chunk sizes along axis 0 hidden (NaN), as after masking. */
function unknownRows(): { x: LazyArray; known: LazyArray } {
  const known = source("float64", [[2, 2, 1], [6], [3, 3, 1]]);
  const rows = [2, 2, 1];
  const offs = cumulative(rows);
  const cols = [3, 3, 1];
  const coffs = cumulative(cols);
  const block = fromFixture(fx.inputs.float64);
  const layer = new Layer({
    kind: "source",
    label: "masked",
    chunks: [[NaN, NaN, NaN], [6], [3, 3, 1]],
    dtype: "float64",
    dependencies: [],
    task: (index, key) => ({
      key,
      op: "source.slice",
      params: { start: [offs[index[0]], 0, coffs[index[2]]], count: [rows[index[0]], 6, cols[index[2]]] },
      deps: [],
      local: { data: block },
    }),
  });
  return { x: new LazyArray(layer), known };
}

function expectedFor(kind: string, axis: Axis, keepdims = false): FixtureArray {
  const c = fx.cases.find(
    (k) => k.input === "float64" && k.kind === kind && JSON.stringify(k.axis) === JSON.stringify(axis) && k.keepdims === keepdims && k.expected,
  );
  if (!c) throw new Error(`no fixture case for ${kind} ${JSON.stringify(axis)} keepdims=${keepdims}`);
  return c.expected as FixtureArray;
}

test("unknown chunks: reducing over the unknown axis gives a known result", () => {
  const { x } = unknownRows();
  assert.ok(Number.isNaN(x.shape[0]));
  for (const [kind, axis] of [
    ["sum", 0],
    ["mean", [0, 2]],
    ["max", null],
    ["min", [0, 1, 2]],
    ["all", 0],
    ["any", -1],
  ] as [string, Axis][]) {
    const keepdims = fx.cases.some((c) => c.input === "float64" && c.kind === kind && JSON.stringify(c.axis) === JSON.stringify(axis) && !c.keepdims) ? false : true;
    const want = expectedFor(kind, axis, keepdims);
    const r = reduceBy(x, { kind, axis, keepdims, splitEvery: 2 });
    if (Array.isArray(axis) ? axis.includes(0) : axis === 0 || axis === null) {
      assert.ok(r.shape.every((s) => !Number.isNaN(s)), `${kind} ${JSON.stringify(axis)}: known shape`);
    }
    assertArrayClose(r.computeSync({ scheduler: "sync" }) as unknown as Block, want, { msg: `${kind} ${JSON.stringify(axis)}`, rtol: 1e-10, atol: 1e-10 });
  }
});

test("unknown chunks: var over the unknown axis, and std keeping it (sizes measured at compute)", () => {
  const { x, known } = unknownRows();
  const v = x.var({ axis: 0, ddof: 1 });
  assert.deepEqual(v.shape.slice(), [6, 7]);
  const want = toFlat(known.var({ axis: 0, ddof: 1 }).computeSync({ scheduler: "sync" }) as unknown as Block);
  const got = toFlat(v.computeSync({ scheduler: "sync" }) as unknown as Block);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-10));
  const s = x.std({ axis: 2 });
  assert.ok(Number.isNaN(s.shape[0]));
  const sw = toFlat(known.std({ axis: 2 }).computeSync({ scheduler: "sync" }) as unknown as Block);
  const out = s.computeSync({ scheduler: "sync" });
  assert.deepEqual(out.shape, [5, 6]);
  toFlat(out as unknown as Block).forEach((g, i) => assert.ok(Math.abs(g - sw[i]) < 1e-10));
});

test("unknown chunks: argmax along an unknown axis or flattened throws UnknownChunksError; along a known axis works", () => {
  const { x } = unknownRows();
  assert.throws(() => x.argmax({ axis: 0 }), lazy.UnknownChunksError);
  assert.throws(() => x.argmin(), lazy.UnknownChunksError);
  assert.throws(() => x.argmax(), /argmax: this array has unknown \(NaN\) chunk sizes/);
  const r = x.argmax({ axis: 1 });
  assert.ok(Number.isNaN(r.shape[0]));
  const c = fx.cases.find((k) => k.input === "float64" && k.kind === "argmax" && k.axis === 1) as Case;
  const out = r.computeSync({ scheduler: "sync" });
  const exp = c.expected as FixtureArray;
  assertArrayClose(out as unknown as Block, exp.shape.length === 3 ? { ...exp, shape: [5, 7] } : exp);
});

// ---------------------------------------------------------------------------------------------
// errors and options

test("errors: axis out of range or repeated", () => {
  const x = source("float64", [[2, 3], [6], [7]]);
  assert.throws(() => x.sum({ axis: 3 }), (e: Error) => e instanceof RangeError && /sum: axis 3 is out of range for an array of 3 dimension/.test(e.message));
  assert.throws(() => x.mean({ axis: -4 }), RangeError);
  assert.throws(() => x.max({ axis: [0, -3] }), /repeated axis/);
  assert.throws(() => x.argmax({ axis: 5 }), /argmax: axis 5 is out of range/);
  assert.throws(() => x.argmax({ axis: [0, 1] as unknown as number }), (e: Error) => e instanceof TypeError && /single integer or null/.test(e.message));
  assert.throws(() => x.sum({ axis: 1.5 }), RangeError);
});

test("errors: invalid ddof, splitEvery, dtype, keepdims", () => {
  const x = source("float64", [[2, 3], [6], [7]]);
  assert.throws(() => x.var({ ddof: NaN }), (e: Error) => e instanceof TypeError && /ddof .* must be a finite number/.test(e.message));
  assert.throws(() => x.std({ ddof: "1" as unknown as number }), TypeError);
  assert.throws(() => x.var({ ddof: Infinity }), TypeError);
  assert.throws(() => x.sum({ splitEvery: 1 }), /splitEvery must be an integer >= 2/);
  assert.throws(() => x.sum({ splitEvery: 2.5 }), RangeError);
  assert.throws(() => x.sum({ splitEvery: { 5: 2 } }), /splitEvery axis 5 is out of range/);
  assert.throws(() => x.sum({ splitEvery: { 0: 1 } }), /splitEvery\[0\] must be an integer >= 2/);
  assert.throws(() => x.max({ dtype: "float32" }), (e: Error) => e instanceof TypeError && /dtype option applies to sum/.test(e.message));
  assert.throws(() => x.sum({ dtype: "int65" as DType }), /unknown dtype "int65"/);
  assert.throws(() => x.sum({ keepdims: 1 as unknown as boolean }), /keepdims must be true or false/);
});

test("errors: empty reductions as numpy (min/max/argmax of zero-size)", () => {
  const x = source("empty", [[0], [2, 1]]);
  assert.throws(() => x.max({ axis: 0 }), /zero-size array to reduction operation maximum which has no identity/);
  assert.throws(() => x.min(), /zero-size array to reduction operation minimum which has no identity/);
  assert.throws(() => x.argmin(), /attempt to get argmin of an empty sequence/);
  assert.deepEqual(x.max({ axis: 1 }).computeSync({ scheduler: "sync" }).shape, [0]);
});

test("argmax over more than 2^31 - 1 elements is accepted (int64 indices, as numpy)", () => {
  const x = lazy.zeros([65536, 32768], { dtype: "uint8" });
  assert.equal(x.argmax().dtype, "int64");
  assert.deepEqual(x.argmax({ axis: 1 }).shape.slice(), [65536]);
});

test("splitEvery as {axis: n} with a negative axis means that axis; dask's default for the others is 2", () => {
  const x = lazy.zeros([8, 8], { chunks: [1, 1] });
  const a = x.sum({ splitEvery: { [-1]: 8 } }).summary().layers.map((l) => l.tasks);
  const b = x.sum({ splitEvery: { 1: 8 } }).summary().layers.map((l) => l.tasks);
  assert.deepEqual(a, b);
  // axis 0 split 2 (default), axis 1 split 8: depth 3: 64 chunk, 4x1 then 2x1 partial, 1 aggregate
  assert.deepEqual(a, [64, 64, 4, 2, 1]);
});

test("reductions do not modify the input blocks, and intermediates are structured-clone friendly", () => {
  const a = fx.inputs.float64_nan;
  const src = fromFixture(a);
  const before = Array.from(src.data as ArrayLike<number>);
  const x = lazy.fromArray(src, { chunks: [2, 4, 3] });
  for (const r of [x.sum(), x.var({ axis: 0 }), x.argmax({ axis: 2 }), x.max({ axis: [0, 1] }), x.mean({ axis: 1, keepdims: true })]) {
    r.computeSync({ scheduler: "sync" });
  }
  assert.deepEqual(Array.from(src.data as ArrayLike<number>), before);
  const block: Block = { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3], stride: [3, 1], offset: 0 };
  for (const kind of ["var", "sum", "max"]) {
    const p = getKernel("reduction.chunk")([block], { kind, reduced: [true, false] } as never, undefined) as Record<string, unknown>;
    const clone = structuredClone(p) as Record<string, unknown>;
    assert.deepEqual(clone, p);
    assert.ok(Object.values(p).every((v) => typeof v !== "function"));
  }
  const g = getKernel("reduction.argChunk")([block], { kind: "argmax", reduced: [true, true], gx: [3, 1], g0: 0 } as never, undefined);
  assert.deepEqual(structuredClone(g), g);
});

test("strided and reversed views are reduced correctly (non-contiguous blocks)", () => {
  // a transposed, reversed view of the fixture input: shape (7,6,5)
  const a = fromFixture(fx.inputs.float64);
  const tview: Block = {
    data: a.data,
    shape: [7, 6, 5],
    stride: [-1, 7, 42],
    offset: 6,
  };
  const x = lazy.fromArray(tview, { chunks: [3, 4, 2] });
  const want = expectedFor("sum", [0, 2], false); // numpy sum over axes (0, 2) of the original: per axis-1 index
  const got = x.sum({ axis: [0, 2] }).computeSync({ scheduler: "sync" });
  assertArrayClose(got as unknown as Block, want, { rtol: 1e-12, atol: 1e-10 });
  const m = x.max({ axis: [0, 2] }).computeSync({ scheduler: "sync" });
  assertArrayClose(m as unknown as Block, expectedFor("max", [0, 2], false));
});

test("the threaded scheduler runs the reduction kernels on workers with the same results", async () => {
  const x = source("float64", [[2, 2, 1], [4, 2], [3, 3, 1]]);
  const r1 = await x.var({ axis: [0, 2], ddof: 1 }).compute({ scheduler: "threads" });
  const r2 = x.var({ axis: [0, 2], ddof: 1 }).computeSync({ scheduler: "sync" });
  assert.deepEqual(Array.from(r1.data as ArrayLike<number>), Array.from(r2.data as ArrayLike<number>));
  const a1 = await x.argmin({ axis: 1 }).compute({ scheduler: "threads" });
  const a2 = x.argmin({ axis: 1 }).computeSync({ scheduler: "sync" });
  assert.deepEqual(Array.from(a1.data as ArrayLike<number>), Array.from(a2.data as ArrayLike<number>));
});
