/**
 * Creating LazyArrays: from in-memory arrays (scijs ndarray, typed arrays, nested JS arrays), and
 * zeros / ones / full / arange / linspace / seeded random, whose blocks are made inside their tasks.
 */
import { Block, makeBlock, emptyBlock, view, sizeOf, isBlock, cStrides, dtypeOf, isObjectArray } from "../core/block";
import { ChunksSpec, blockShape, cumulative, normalizeChunks } from "../core/chunks";
import { DType, ScalarValue, TypedArray, allocate, castValue, checkDType, dtypeOfTypedArray, isBig, isBigArray, itemsize, scalarDefaultType, scalarKind } from "../core/dtype";
import { Layer, registerKernel } from "../graph/graph";
import { LazyArray } from "../core/array";
import "./bind";
import { TypeError, ValueError } from "../core/errors";

export interface FromArrayOptions {
  /** Chunk specification (default "auto": about 128 MiB blocks; one block for an object array, whose bytes are unknown). */
  chunks?: ChunksSpec;
  /** dtype of nested JS arrays (default float64, bool for booleans); converts typed data when it differs. */
  dtype?: DType;
  /** Label in summaries (default "from-array"). */
  name?: string;
}

export interface CreationOptions {
  chunks?: ChunksSpec;
  dtype?: DType;
}

type Nested = number | bigint | boolean | readonly Nested[];

function nestedShape(x: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = (cur as readonly Nested[])[0];
  }
  return shape;
}

function fillNested(x: Nested, shape: number[], out: TypedArray, isBool: boolean): void {
  let k = 0;
  const rec = (v: Nested, a: number, path: number[]) => {
    if (a === shape.length) {
      if (Array.isArray(v)) throw new ValueError(`fromArray: nested arrays are ragged at [${path.join(", ")}]: expected a number, found a list`);
      if (typeof v !== "number" && typeof v !== "boolean" && typeof v !== "bigint") {
        throw new TypeError(`fromArray: element at [${path.join(", ")}] is ${typeof v}, expected a number, bigint or boolean`);
      }
      out[k++] = isBool ? (v ? 1 : 0) : (v as number);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[a]) {
      throw new ValueError(
        `fromArray: nested arrays are ragged at [${path.join(", ")}]: expected a list of length ${shape[a]}, found ${Array.isArray(v) ? `length ${v.length}` : typeof v}`,
      );
    }
    (v as readonly Nested[]).forEach((c, i) => rec(c, a + 1, [...path, i]));
  };
  rec(x, 0, []);
}

function firstLeaf(x: Nested): Nested {
  let cur = x;
  while (Array.isArray(cur) && cur.length) cur = (cur as readonly Nested[])[0];
  return cur;
}

/** Turn an ndarray, a typed array (1-D), a nested JS array or a scalar into a Block and its dtype. */
export function toBlock(data: unknown, dtype?: DType): { block: Block; dtype: DType } {
  if (isObjectArray(data)) {
    // an ndarray over a plain JS Array: an object array (its elements are kept as they are)
    if (dtype !== undefined && dtype !== "object") {
      throw new TypeError(`fromArray: an ndarray over a plain JS Array is an object array (dtype "object"), not ${dtype}; give a typed array for numbers`);
    }
    const b = data as { data: unknown[]; shape: number[]; stride: number[]; offset?: number };
    return { block: { data: b.data as unknown as TypedArray, shape: b.shape, stride: b.stride, offset: b.offset ?? 0 }, dtype: "object" };
  }
  if (isBlock(data)) {
    const d = dtype ?? dtypeOf(data);
    if (dtype !== undefined && dtypeOfTypedArray(allocate(dtype, 0)) !== dtypeOfTypedArray(data.data)) {
      const out = emptyBlock(dtype, data.shape);
      copyCast(data, out, dtype);
      return { block: out, dtype };
    }
    return { block: data, dtype: d };
  }
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    return toBlock(makeBlock(data as TypedArray, [(data as TypedArray).length]), dtype);
  }
  if (typeof data === "number" || typeof data === "boolean" || typeof data === "bigint" || Array.isArray(data)) {
    // JS numbers give float64 (a JS number array is as often a float computation's output as an
    // integer one); bigints give int64 (uint64 when one is above 2^63 - 1), as numpy types python ints
    const nested = data as Nested;
    const leaf = firstLeaf(nested);
    const shape = nestedShape(nested);
    const vals = new Array<ScalarValue>(sizeOf(shape));
    fillNested(nested, shape, vals as unknown as TypedArray, false);
    let d: DType;
    if (dtype !== undefined) d = dtype;
    else if (typeof leaf === "boolean") d = "bool";
    else if (typeof leaf === "bigint") d = vals.some((v) => typeof v === "bigint" && v > 9223372036854775807n) ? "uint64" : "int64";
    else d = "float64";
    checkDType(d, "fromArray");
    const out = allocate(d, sizeOf(shape));
    if (!isBig(d) && (d === "float64" || d === "float32" || d === "bool") && !vals.some((v) => typeof v === "bigint")) {
      fillNested(nested, shape, out, d === "bool");
    } else {
      const w = out as unknown as { [i: number]: number | bigint };
      for (let i = 0; i < vals.length; i++) w[i] = castValue(d, vals[i]);
    }
    return { block: makeBlock(out, shape), dtype: d };
  }
  throw new TypeError(
    `fromArray: expected a scijs ndarray, a typed array, a nested JS array or a number, got ${data === null ? "null" : typeof data}`,
  );
}

function copyCast(src: Block, dst: Block, d: DType): void {
  const n = sizeOf(src.shape);
  const st = cStrides(src.shape);
  for (let k = 0; k < n; k++) {
    let o = src.offset;
    let r = k;
    for (let a = 0; a < src.shape.length; a++) {
      const i = Math.floor(r / st[a]);
      r -= i * st[a];
      o += i * src.stride[a];
    }
    (dst.data as unknown as { [i: number]: number | bigint })[k] = castValue(d, src.data[o]);
  }
}

interface SliceParams {
  start: number[];
  count: number[];
}

registerKernel<SliceParams>("source.slice", (_inputs, p, local) => view(local!.data as Block, p.start, p.count));

/**
 * A LazyArray over an in-memory array (no copy: like dask.array.from_array, the lazy array reads
 * the data when computed; do not modify the source afterwards).
 */
export function fromArray(data: unknown, opts: FromArrayOptions = {}): LazyArray {
  const { block, dtype } = toBlock(data, opts.dtype);
  // object arrays: one block by default (dask refuses "auto" for them: their bytes are unknown)
  const chunks = normalizeChunks(opts.chunks ?? (dtype === "object" ? -1 : "auto"), block.shape, { dtype });
  const offs = chunks.map((c) => cumulative(c));
  const layer = new Layer({
    kind: "source",
    label: opts.name ?? "from-array",
    chunks,
    dtype,
    dependencies: [],
    sourceBytes: sizeOf(block.shape) * itemsize(dtype),
    task: (index, key) => ({
      key,
      op: "source.slice",
      params: { start: index.map((i, a) => offs[a][i]), count: blockShape(chunks, index) } satisfies SliceParams,
      deps: [],
      local: { data: block },
    }),
  });
  return new LazyArray(layer);
}

interface FullParams {
  shape: number[];
  dtype: DType;
  /** A bigint for int64 / uint64. */
  value: number | bigint;
}
registerKernel<FullParams>("full", (_i, p) => {
  const b = emptyBlock(p.dtype, p.shape);
  if (p.value !== 0 && p.value !== 0n) (b.data as Float64Array).fill(p.value as number);
  return b;
});

function checkShape(shape: readonly number[], where: string): number[] {
  if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ValueError(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape.slice();
}

/**
 * An array of `shape` filled with `value`. Without a dtype: numpy's type of the value (an integral
 * number or a bigint: int64, uint64 above 2^63 - 1; any other number: float64; a boolean: bool).
 */
export function full(shape: readonly number[], value: ScalarValue, opts: CreationOptions = {}): LazyArray {
  const s = checkShape(shape, "full");
  if (typeof value !== "number" && typeof value !== "boolean" && typeof value !== "bigint") {
    throw new TypeError(`full: the fill value must be a number, bigint or boolean, got ${value === null ? "null" : typeof value}`);
  }
  const dtype = checkDType(opts.dtype ?? scalarDefaultType(value), "full");
  const v = castValue(dtype, value);
  const chunks = normalizeChunks(opts.chunks ?? "auto", s, { dtype });
  const layer = new Layer({
    kind: "creation",
    label: v === 0 || v === 0n ? "zeros" : v === 1 || v === 1n ? "ones" : "full",
    chunks,
    dtype,
    dependencies: [],
    task: (index, key) => ({ key, op: "full", params: { shape: blockShape(chunks, index), dtype, value: v } satisfies FullParams, deps: [] }),
  });
  return new LazyArray(layer);
}

/** numpy.zeros (float64 unless a dtype is given). */
export function zeros(shape: readonly number[], opts: CreationOptions = {}): LazyArray {
  return full(shape, 0, { ...opts, dtype: opts.dtype ?? "float64" });
}

/** numpy.ones (float64 unless a dtype is given). */
export function ones(shape: readonly number[], opts: CreationOptions = {}): LazyArray {
  return full(shape, 1, { ...opts, dtype: opts.dtype ?? "float64" });
}

interface RangeParams {
  start: number;
  step: number;
  offset: number;
  count: number;
  dtype: DType;
}
registerKernel<RangeParams>("range", (_i, p) => {
  const out = allocate(p.dtype, p.count);
  // numpy's fill: value 1 is start + step, value i >= 2 is start + i * delta with
  // delta = (start + step) - start (for floats this can differ from step in the last bit)
  const second = p.start + p.step;
  const delta = second - p.start;
  if (isBigArray(out)) {
    // integers: exact in bigints (numpy's int64 arange)
    const s0 = BigInt(p.start);
    const st = BigInt(p.step);
    const wrap = out instanceof BigInt64Array ? (x: bigint) => BigInt.asIntN(64, x) : (x: bigint) => BigInt.asUintN(64, x);
    if (Number.isInteger(p.start) && Number.isInteger(p.step)) {
      for (let i = 0; i < p.count; i++) out[i] = wrap(s0 + BigInt(p.offset + i) * st);
    } else {
      for (let i = 0; i < p.count; i++) {
        const k = p.offset + i;
        out[i] = castValue(p.dtype, k === 0 ? p.start : k === 1 ? second : p.start + k * delta) as bigint;
      }
    }
    return makeBlock(out, [p.count]);
  }
  for (let i = 0; i < p.count; i++) {
    const k = p.offset + i;
    out[i] = k === 0 ? p.start : k === 1 ? second : p.start + k * delta;
  }
  return makeBlock(out, [p.count]);
});

interface LinspaceParams {
  start: number;
  stop: number;
  num: number;
  div: number;
  offset: number;
  count: number;
  dtype: DType;
  endpoint: boolean;
}
registerKernel<LinspaceParams>("linspace", (_i, p) => {
  const out = allocate(p.dtype, p.count);
  const step = (p.stop - p.start) / p.div;
  for (let i = 0; i < p.count; i++) {
    const k = p.offset + i;
    // numpy: i * step + start, with the last value set to stop only when endpoint and num > 1
    out[i] = p.endpoint && p.num > 1 && k === p.num - 1 ? p.stop : k * step + p.start;
  }
  return makeBlock(out, [p.count]);
});

function rangeLayer(label: string, n: number, dtype: DType, chunksSpec: ChunksSpec | undefined, params: (offset: number, count: number) => object, op: string): LazyArray {
  const chunks = normalizeChunks(chunksSpec ?? "auto", [n], { dtype });
  const offs = cumulative(chunks[0]);
  const layer = new Layer({
    kind: "creation",
    label,
    chunks,
    dtype,
    dependencies: [],
    task: (index, key) => ({ key, op, params: params(offs[index[0]], chunks[0][index[0]]), deps: [] }),
  });
  return new LazyArray(layer);
}

/**
 * numpy.arange: `arange(stop)`, `arange(start, stop)` or `arange(start, stop, step)`. Integral
 * arguments give int64 (as numpy's python ints), any other float64, unless a dtype is given.
 */
export function arange(start: number, stop?: number, step = 1, opts: CreationOptions = {}): LazyArray {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new ValueError("arange: step must be a finite non-zero number");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const ints = [start, stop, step].every((v) => scalarKind(v) === 1);
  const dtype = checkDType(opts.dtype ?? (ints ? "int64" : "float64"), "arange");
  return rangeLayer("arange", n, dtype, opts.chunks, (offset, count) => ({ start, step, offset, count, dtype }) satisfies RangeParams, "range");
}

export interface LinspaceOptions extends CreationOptions {
  /** Include `stop` (default true). */
  endpoint?: boolean;
}

/** numpy.linspace. */
export function linspace(start: number, stop: number, num = 50, opts: LinspaceOptions = {}): LazyArray {
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`linspace: num must be a non-negative integer, got ${num}`);
  const endpoint = opts.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const dtype = checkDType(opts.dtype ?? "float64", "linspace");
  return rangeLayer(
    "linspace",
    num,
    dtype,
    opts.chunks,
    (offset, count) => ({ start, stop, num, div: div > 0 ? div : 1, offset, count, dtype, endpoint }) satisfies LinspaceParams,
    "linspace",
  );
}

// ------------------------------------------------------------------------------------------------
// Seeded random numbers: counter-based (a hash of seed and element index), so every block is made
// independently in its own task and the values do not depend on the chunking.

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Per-(seed, stream, high word) keys of the element hash, computed once per row. */
function keysFor(seed: number, stream: number, hi: number): [number, number] {
  const k = fmix32((seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0);
  const a = fmix32((k ^ Math.imul(hi + 0x632be5ab, 0x85ebca6b)) >>> 0);
  return [a, fmix32((a + 0x7f4a7c15) >>> 0)];
}

/** 32 random bits for the element with low word `lo` under keys (k1, k2): two finaliser rounds. */
function bitsAt(k1: number, k2: number, lo: number): number {
  return fmix32((fmix32((lo ^ k1) >>> 0) ^ k2) >>> 0);
}


interface RandomParams {
  dist: "uniform" | "normal" | "integers";
  seed: number;
  a: number;
  b: number;
  shape: number[];
  /** Global shape and this block's start, to number elements independently of chunking. */
  full: number[];
  start: number[];
  dtype: DType;
}

registerKernel<RandomParams>("random", (_i, p) => {
  if (isBig(p.dtype)) {
    // int64 / uint64: drawn as float64 (exact integers), then converted
    const f = randomBlock({ ...p, dtype: "float64" });
    const out = emptyBlock(p.dtype, p.shape);
    const w = out.data as BigInt64Array;
    for (let i = 0; i < w.length; i++) w[i] = castValue(p.dtype, f.data[i]) as bigint;
    return out;
  }
  return randomBlock(p);
});

function randomBlock(p: RandomParams): Block {
  const out = emptyBlock(p.dtype, p.shape);
  const data = out.data;
  const nd = p.shape.length;
  const fst = cStrides(p.full);
  const rowLen = nd ? p.shape[nd - 1] : 1;
  const rows = rowLen === 0 ? 0 : sizeOf(p.shape) / rowLen;
  const idx = new Array(Math.max(nd - 1, 0)).fill(0);
  const span = p.b - p.a;
  let k = 0;
  for (let r = 0; r < rows; r++) {
    // global index of the row's first element; the row runs along the last axis (stride 1)
    let g0 = nd ? p.start[nd - 1] : 0;
    for (let a = 0; a < nd - 1; a++) g0 += (p.start[a] + idx[a]) * fst[a];
    let hi = -1;
    let a1 = 0, a2 = 0, b1 = 0, b2 = 0, c1 = 0, c2 = 0, d1 = 0, d2 = 0;
    for (let j = 0; j < rowLen; j++, k++) {
      const g = g0 + j;
      const h = Math.floor(g / 4294967296);
      if (h !== hi) {
        hi = h;
        [a1, a2] = keysFor(p.seed, 0, h);
        [b1, b2] = keysFor(p.seed, 1, h);
        [c1, c2] = keysFor(p.seed, 2, h);
        [d1, d2] = keysFor(p.seed, 3, h);
      }
      const lo = g >>> 0;
      const u = ((bitsAt(a1, a2, lo) >>> 5) * 67108864 + (bitsAt(b1, b2, lo) >>> 6)) / 9007199254740992;
      if (p.dist === "uniform") data[k] = p.a + span * u;
      else if (p.dist === "integers") data[k] = p.a + Math.floor(span * u);
      else {
        // Box-Muller on two independent streams
        const u2 = ((bitsAt(c1, c2, lo) >>> 5) * 67108864 + (bitsAt(d1, d2, lo) >>> 6)) / 9007199254740992;
        data[k] = p.a + p.b * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * u2);
      }
    }
    for (let a = nd - 2; a >= 0; a--) {
      if (++idx[a] < p.shape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

export interface RandomOptions extends CreationOptions {
  /** Seed (an integer; default 0). The same seed gives the same values whatever the chunks. */
  seed?: number;
}

function randomLayer(dist: RandomParams["dist"], a: number, b: number, shape: readonly number[], opts: RandomOptions, dflt: DType): LazyArray {
  const s = checkShape(shape, `random.${dist}`);
  const dtype = checkDType(opts.dtype ?? dflt, `random.${dist}`);
  const seed = (opts.seed ?? 0) >>> 0;
  const chunks = normalizeChunks(opts.chunks ?? "auto", s, { dtype });
  const offs = chunks.map((c) => cumulative(c));
  const layer = new Layer({
    kind: "random",
    label: `random-${dist}`,
    chunks,
    dtype,
    dependencies: [],
    task: (index, key) => ({
      key,
      op: "random",
      params: { dist, seed, a, b, shape: blockShape(chunks, index), full: s, start: index.map((i, ax) => offs[ax][i]), dtype } satisfies RandomParams,
      deps: [],
    }),
  });
  return new LazyArray(layer);
}

const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  bool: [0, 1],
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-9223372036854775808, 9223372036854775807],
  uint64: [0, 18446744073709551615],
};

/** numpy Generator.integers' checks: bounds truncated to integers, low < high, both within the dtype. */
function integerBounds(low: number, high: number, dtype: DType): [number, number] {
  const range = INT_RANGE[dtype];
  if (range === undefined) throw new TypeError(`random.integers: unsupported dtype ${dtype} for integers (as numpy); give an integer or bool dtype`);
  for (const [name, v] of [["low", low], ["high", high]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new RangeError(`random.integers: ${name} must be a finite number, got ${String(v)} (numpy: cannot convert it to an integer)`);
    }
  }
  const lo = Math.trunc(low);
  const hi = Math.trunc(high);
  if (lo >= hi) {
    throw new RangeError(
      `random.integers: low >= high (low ${low}, high ${high}), as numpy; high is exclusive, so integers in [low, high) need high > low (e.g. high ${lo + 1} for the single value ${lo})`,
    );
  }
  if (lo < range[0]) throw new RangeError(`random.integers: low is out of bounds for ${dtype} (low ${low}, smallest ${dtype} ${range[0]}), as numpy`);
  if (hi - 1 > range[1]) throw new RangeError(`random.integers: high is out of bounds for ${dtype} (high ${high} is exclusive; largest ${dtype} ${range[1]}), as numpy`);
  return [lo, hi];
}

/** Seeded random numbers, chunk-independent: the same seed and shape give the same values. */
export const random = {
  /** Uniform in [0, 1). */
  random(shape: readonly number[], opts: RandomOptions = {}): LazyArray {
    return randomLayer("uniform", 0, 1, shape, opts, "float64");
  },
  /** Uniform in [low, high). */
  uniform(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): LazyArray {
    return randomLayer("uniform", low, high, shape, opts, "float64");
  },
  /** Normal with mean `loc` and standard deviation `scale`. */
  normal(loc: number, scale: number, shape: readonly number[], opts: RandomOptions = {}): LazyArray {
    return randomLayer("normal", loc, scale, shape, opts, "float64");
  },
  /** Integers in [low, high) (dtype int64 unless given, as numpy's Generator.integers). */
  integers(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): LazyArray {
    const [lo, hi] = integerBounds(low, high, opts.dtype ?? "int64");
    return randomLayer("integers", lo, hi, shape, opts, "int64");
  },
};

export { makeBlock };
