/**
 * Blockwise operations that are not elementwise: transpose, and mapBlocks (user functions).
 */
import { Block, NDArray, copyInto, contiguous, emptyBlock, isBlock, isObjectArray, makeBlock, sizeOf, toNDArray, transposeView } from "../core/block";
import { AxisChunkSpec, ChunksSpec, blockIndices, cumulative, normalizeAxes, normalizeAxis, product } from "../core/chunks";
import { DType, TypedArray, allocate, arrayConstructor, castValue, checkDType, dtypeOfTypedArray, promoteTypeSequence } from "../core/dtype";
import { Layer, registerKernel } from "../graph/graph";
import { BlockFunction, BlockInfo, LazyArray, MapBlocksOptions, MultiBlockFunction } from "../core/array";
import { portableHint, portableSource, userFunction } from "../graph/userfn";
import { broadcastShapes, unifyChunks } from "./ops";
import { TypeError, ValueError } from "../core/errors";

interface TransposeParams {
  axes: number[];
}
registerKernel<TransposeParams>("transpose", (inputs, p) => transposeView(inputs[0] as Block, p.axes));

/** Permute the axes (reverse them when `axes` is omitted): a view of each block, no copy. */
export function transpose(x: LazyArray, axes?: readonly number[]): LazyArray {
  const nd = x.ndim;
  const perm = axes ? axes.map((a) => normalizeAxis(a, nd, "transpose: axis")) : Array.from({ length: nd }, (_, i) => nd - 1 - i);
  if (perm.length !== nd || new Set(perm).size !== nd) {
    throw new ValueError(`transpose: axes [${(axes ?? []).join(", ")}] must be a permutation of 0..${nd - 1}`);
  }
  if (perm.every((a, i) => a === i)) return x;
  const layer = new Layer({
    kind: "blockwise",
    label: "transpose",
    chunks: perm.map((a) => x.chunks[a].slice()),
    dtype: x.dtype,
    dependencies: [x.layer],
    task: (index, key) => {
      const src = new Array<number>(nd);
      perm.forEach((a, i) => (src[a] = index[i]));
      return { key, op: "transpose", params: { axes: perm } satisfies TransposeParams, deps: [x.layer.key(src)] };
    },
  });
  return new LazyArray(layer);
}


// ---------------------------------------------------------------------------------------------
// mapBlocks: user functions, one task per output block

/** A BlockInfo as JSON task parameters (NaN sizes of unknown chunks written as null). */
export interface InfoParams {
  chunkLocation: number[];
  numChunks: number[];
  arrayLocation: [number | null, number | null][];
  shape: (number | null)[];
  dtype: DType;
}

const encNum = (v: number): number | null => (Number.isNaN(v) ? null : v);
const decNum = (v: number | null): number => (v === null ? NaN : v);

/** The parameters describing block `index` of an array with chunks `chunks` (offsets precomputed). */
export function infoParams(offsets: readonly (readonly number[])[], index: readonly number[], dtype: DType): InfoParams {
  return {
    chunkLocation: index.slice(),
    numChunks: offsets.map((o) => o.length - 1),
    arrayLocation: index.map((i, a) => [encNum(offsets[a][i]), encNum(offsets[a][i + 1])]),
    shape: offsets.map((o) => encNum(o[o.length - 1])),
    dtype,
  };
}

/** A fresh BlockInfo for the user's function (so it may keep or modify it). */
export function decodeInfo(p: InfoParams): BlockInfo {
  return {
    chunkLocation: p.chunkLocation.slice(),
    numChunks: p.numChunks.slice(),
    arrayLocation: p.arrayLocation.map(([s, e]) => [decNum(s), decNum(e)] as [number, number]),
    shape: p.shape.map(decNum),
    dtype: p.dtype,
  };
}

function describeBlock(info: BlockInfo): string {
  const loc = info.arrayLocation.map(([s, e]) => `${s}:${e}`).join(", ");
  return `block [${info.chunkLocation.join(", ")}] (array location [${loc}])`;
}

/** Run a user function, wrapping what it throws in an Error that names the block (original as `cause`). */
export function callUser<R>(what: string, info: BlockInfo, call: () => R): R {
  try {
    return call();
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new Error(`${what}: the function threw on ${describeBlock(info)}: ${msg}`, { cause: e });
  }
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined (did the function forget to return?)";
  if (Array.isArray(v)) return "a JS array (return an ndarray, e.g. ndarray(new Float64Array(values), shape))";
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "Object"})`;
  return typeof v;
}

/**
 * Turn what a user function returned into a block of `dtype` with the expected shape (NaN entries of
 * `expect` accept any size). Numbers and booleans become a block of ones-shape; values of another
 * dtype are converted (numpy's astype: truncation toward zero, wrap-around for integers).
 */
export function toResultBlock(
  r: unknown,
  expect: readonly number[],
  dtype: DType,
  what: string,
  info: BlockInfo,
  fix: string,
  expectWhat = "the output chunks say",
): Block {
  if (dtype === "object") return toObjectBlock(r, expect, what, info, fix, expectWhat);
  let b: Block;
  if (typeof r === "number" || typeof r === "boolean") {
    if (!expect.every((s) => s === 1 || Number.isNaN(s))) {
      throw new ValueError(
        `${what}: the function returned a ${typeof r} on ${describeBlock(info)}, but that output block has shape [${expect.join(", ")}]; ` +
          `return an ndarray of that shape, or ${fix}`,
      );
    }
    const shape = expect.map(() => 1);
    const data = allocate(dtype, 1);
    data[0] = castValue(dtype, r);
    return makeBlock(data, shape);
  }
  // a plain copy of the view: a scijs ndarray keeps a 0-d array's shape and stride on its prototype,
  // which structured cloning to a worker thread drops (the block would arrive without a shape)
  if (isBlock(r)) b = { data: r.data, shape: r.shape.slice(), stride: r.stride.slice(), offset: r.offset ?? 0 };
  else if (
    typeof r === "object" &&
    r !== null &&
    Array.isArray((r as { data?: unknown }).data) &&
    Array.isArray((r as Block).shape) &&
    Array.isArray((r as Block).stride)
  ) {
    // a scijs ndarray over a plain JS array
    const o = r as { data: number[]; shape: number[]; stride: number[]; offset?: number };
    b = { data: Float64Array.from(o.data, (v) => +v), shape: o.shape, stride: o.stride, offset: o.offset ?? 0 };
  } else {
    throw new TypeError(`${what}: the function returned ${describeValue(r)} on ${describeBlock(info)}; expected a scijs ndarray, a Block or a number`);
  }
  if (b.shape.length !== expect.length || b.shape.some((s, a) => s !== expect[a] && !Number.isNaN(expect[a]))) {
    throw new ValueError(
      `${what}: the function returned a block of shape [${b.shape.join(", ")}] for ${describeBlock(info)}, ` +
        `but ${expectWhat} [${expect.map((s) => (Number.isNaN(s) ? "NaN" : String(s))).join(", ")}]; ${fix}`,
    );
  }
  if (b.data.constructor !== arrayConstructor(dtype)) {
    const c = contiguous(b);
    const n = sizeOf(c.shape);
    const out = allocate(dtype, n);
    for (let i = 0; i < n; i++) out[i] = castValue(dtype, c.data[c.offset + i]);
    b = makeBlock(out, c.shape);
  }
  return b;
}

/**
 * toResultBlock for dtype "object": the function returns an object array (an ndarray over a plain JS
 * Array, e.g. lazy.objectArray(values, shape)) of the block's shape; a numeric block is accepted too
 * (its numbers become the elements). A block of ones-shape may also be returned as its one element
 * wrapped in objectArray([value], ones): a bare value is ambiguous (an ndarray could be the element).
 */
function toObjectBlock(r: unknown, expect: readonly number[], what: string, info: BlockInfo, fix: string, expectWhat: string): Block {
  let b: Block;
  if (isObjectArray(r)) b = { data: r.data as unknown as TypedArray, shape: r.shape, stride: r.stride, offset: r.offset ?? 0 };
  else if (isBlock(r)) {
    const c = contiguous(r);
    const n = sizeOf(c.shape);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = c.data[c.offset + i];
    b = makeBlock(out as unknown as TypedArray, c.shape);
  } else {
    throw new TypeError(
      `${what}: the function returned ${describeValue(r)} on ${describeBlock(info)}, but the output dtype is "object"; ` +
        `return an object array of the block's shape: lazy.objectArray(values, shape)`,
    );
  }
  if (b.shape.length !== expect.length || b.shape.some((s, a) => s !== expect[a] && !Number.isNaN(expect[a]))) {
    throw new ValueError(
      `${what}: the function returned an object array of shape [${b.shape.join(", ")}] for ${describeBlock(info)}, ` +
        `but ${expectWhat} [${expect.map((s) => (Number.isNaN(s) ? "NaN" : String(s))).join(", ")}]; ${fix}`,
    );
  }
  return b;
}

/** Concatenate the blocks of a grid (C order, `grid` blocks per axis) into one block. */
function concatenateGrid(parts: readonly Block[], grid: readonly number[]): Block {
  const gs = grid.map((_, a) => product(grid.slice(a + 1)));
  // sizes along each axis, read from the blocks in the first row of that axis
  const sizes = grid.map((g, a) => Array.from({ length: g }, (_, i) => parts[i * gs[a]].shape[a]));
  const offs = sizes.map((s) => cumulative(s));
  const out = emptyBlock(dtypeOfTypedArray(parts[0].data), offs.map((o) => o[o.length - 1]));
  let k = 0;
  for (const idx of blockIndices(grid)) {
    const p = parts[k++];
    idx.forEach((i, a) => {
      if (p.shape[a] !== sizes[a][i]) {
        throw new ValueError(`mapBlocks: blocks along axis ${a} disagree on their size (${p.shape[a]} and ${sizes[a][i]}) while concatenating dropped axes`);
      }
    });
    copyInto(out, idx.map((i, a) => offs[a][i]), p);
  }
  return out;
}

interface MapBlocksParams {
  /** Per input: blocks received along each of its axes (more than 1 on dropped axes: concatenated). */
  grids: number[][];
  info: InfoParams;
  /** Expected output block shape (null: unknown size). */
  expect: (number | null)[];
  label: string;
  /** The function gets the first block rather than the list (LazyArray.mapBlocks). */
  single: boolean;
  /** Source of a portable function (compiled where the task runs); absent: `local.fn`. */
  source?: string;
}

const MAP_BLOCKS_FIX = "if the function changes block shapes, pass the output chunks with the `chunks` option (and `dropAxis` / `newAxis` when it removes or adds axes)";

registerKernel<MapBlocksParams>("map-blocks", (inputs, p, local) => {
  const fn = userFunction(local, p.source, "mapBlocks") as unknown as MultiBlockFunction & BlockFunction;
  const blocks: NDArray[] = [];
  let k = 0;
  for (const g of p.grids) {
    const n = product(g);
    const parts = inputs.slice(k, k + n) as Block[];
    k += n;
    blocks.push(toNDArray(n === 1 ? parts[0] : concatenateGrid(parts, g)));
  }
  const info = decodeInfo(p.info);
  let r: unknown;
  try {
    r = callUser(p.label, info, () => (p.single ? fn(blocks[0], info) : fn(blocks, info)));
  } catch (e) {
    throw p.source !== undefined ? portableHint(e, "mapBlocks") : e;
  }
  return toResultBlock(r, p.expect.map(decNum), p.info.dtype, p.label, info, MAP_BLOCKS_FIX);
});

function withPrefix<R>(prefix: string, f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw new ValueError(`${prefix}: ${e.message}`);
    throw e;
  }
}

function axisList(v: number | readonly number[] | undefined): number[] {
  if (v === undefined) return [];
  return typeof v === "number" ? [v] : Array.from(v);
}

/** Output chunks from the `chunks` option (dask's map_blocks `chunks`, per output axis). */
function outputChunks(spec: ChunksSpec | undefined, defaults: number[][], isNew: boolean[]): number[][] {
  const nd = defaults.length;
  if (spec === undefined || spec === null) return defaults;
  const axisSpec = (s: AxisChunkSpec | undefined, a: number): number[] => {
    if (s === undefined || s === null) return defaults[a];
    if (typeof s === "number") {
      if (!Number.isInteger(s) || s < 0) {
        throw new ValueError(`mapBlocks: chunks for output axis ${a} must be a non-negative integer block size or a list of sizes, got ${s}`);
      }
      return defaults[a].map(() => s);
    }
    if (s === "auto") throw new TypeError(`mapBlocks: chunks "auto" is not meaningful for a function's output; give the block sizes`);
    const list = Array.from(s);
    if (list.some((x) => !Number.isInteger(x) || x < 0)) {
      throw new ValueError(`mapBlocks: chunks for output axis ${a} must be non-negative integers, got [${list.join(", ")}]`);
    }
    if (isNew[a] ? list.length === 0 : list.length !== defaults[a].length) {
      throw new ValueError(
        `mapBlocks: output axis ${a} has ${defaults[a].length} block(s), but chunks gives ${list.length} size(s) [${list.join(", ")}]; ` +
          `give one size per block, or one number for every block`,
      );
    }
    return list;
  };
  if (typeof spec === "number" || spec === "auto") {
    const one = spec as number | "auto";
    return defaults.map((_, a) => axisSpec(one, a));
  }
  if (Array.isArray(spec)) {
    if (spec.length !== nd) {
      throw new ValueError(
        `mapBlocks: chunks has ${spec.length} entries but the output has ${nd} dimension(s); give one entry per output axis ` +
          `(a block size, a list of sizes, or null to keep)`,
      );
    }
    return defaults.map((_, a) => axisSpec((spec as readonly AxisChunkSpec[])[a], a));
  }
  const obj = spec as { readonly [axis: number]: AxisChunkSpec };
  const out = defaults.map((d) => d);
  for (const k of Object.keys(obj)) {
    const a = normalizeAxis(Number(k), nd, "mapBlocks: chunks axis");
    out[a] = axisSpec(obj[Number(k)], a);
  }
  return out;
}

/**
 * Apply `fn` to the blocks of one or more arrays (dask's map_blocks): one task per output block.
 *
 * The arrays are aligned as for elementwise operations (numpy broadcasting, right-aligned; chunks
 * unified, which rechunks arrays whose chunks differ). `fn` receives scijs ndarray views of the
 * input blocks (blocks broadcast along an axis keep length 1 there) and the BlockInfo of the OUTPUT
 * block; it must not modify its inputs and returns an ndarray, a Block, or a number (for blocks of
 * shape all ones). Returned blocks of another dtype are converted to the output dtype.
 *
 * Options:
 * - `dtype`: output dtype (default: the inputs' promoted dtype).
 * - `dropAxis`: axes (of the broadcast input) the function removes. As dask, blocks along a dropped
 *   axis are concatenated into one input block (the task depends on all of them).
 * - `newAxis`: positions of new output axes (length 1, or sizes from `chunks`). When `chunks` has
 *   more entries than the output has axes and no `newAxis` is given, new axes go in front (dask).
 * - `chunks`: output chunks per output axis: a number (every block of that axis has that size), a
 *   list of sizes (one per block; on a new axis any number of blocks, each computed from the same
 *   inputs), or null to keep; one number for all axes; or `{axis: spec}`.
 *
 * The function runs on the main thread (it travels in the task's `local.fn` and may use any
 * variable), unless `portable: true`: then its source runs on worker threads and may use only its
 * arguments and globals (see userfn.ts).
 */
export function mapBlocks(fn: MultiBlockFunction, arrays: readonly LazyArray[], opts: MapBlocksOptions = {}): LazyArray {
  return mapBlocksOf(fn, arrays, opts, false);
}

/** mapBlocks with `fn` called on the first block (`single`) or on the list of blocks. */
export function mapBlocksOf(fn: MultiBlockFunction | BlockFunction, arrays: readonly LazyArray[], opts: MapBlocksOptions, single: boolean): LazyArray {
  if (typeof fn !== "function") {
    throw new TypeError(`mapBlocks: the function must be a function (blocks, info) => ndarray | number, got ${describeValue(fn)}`);
  }
  if (!Array.isArray(arrays) || arrays.length === 0) throw new TypeError("mapBlocks: give at least one LazyArray");
  arrays.forEach((a, i) => {
    if (!(a instanceof LazyArray)) throw new TypeError(`mapBlocks: input ${i} is ${describeValue(a)}, not a LazyArray (wrap in-memory data with lazy.fromArray)`);
  });
  const label = opts.name ?? "map-blocks";
  const inDtypes = arrays.map((a) => a.dtype);
  let dtype: DType;
  if (opts.dtype !== undefined) dtype = checkDType(opts.dtype, "mapBlocks: dtype", true);
  else if (inDtypes.includes("object")) {
    if (!inDtypes.every((d) => d === "object")) {
      throw new TypeError('mapBlocks: the inputs mix object (ragged) and numeric arrays; give the output dtype with the `dtype` option ("object" for JS values)');
    }
    dtype = "object";
  } else dtype = promoteTypeSequence(inDtypes);
  // object blocks hold JS values that cannot cross to a worker thread: such tasks always run here
  const objects = dtype === "object" || inDtypes.includes("object");
  const source = opts.portable && !objects ? portableSource(fn as unknown as (...args: never[]) => unknown, "mapBlocks") : undefined;
  const shape = broadcastShapes(...arrays.map((a) => a.shape));
  const { arrays: aligned, chunks: inChunks } = unifyChunks(arrays, shape);
  const nd = shape.length;
  const drop = withPrefix("mapBlocks: dropAxis", () => normalizeAxes(axisList(opts.dropAxis), nd));
  const kept = Array.from({ length: nd }, (_, a) => a).filter((a) => !drop.includes(a));
  let newRaw = axisList(opts.newAxis);
  if (opts.newAxis === undefined && Array.isArray(opts.chunks) && opts.chunks.length > kept.length) {
    newRaw = Array.from({ length: opts.chunks.length - kept.length }, (_, i) => i);
  }
  const outNd = kept.length + newRaw.length;
  const newAxes = withPrefix(`mapBlocks: newAxis (the output has ${outNd} axes)`, () => normalizeAxes(newRaw, outNd));
  // source axis of each output axis (-1 for a new axis)
  const outSrc: number[] = [];
  {
    let k = 0;
    for (let a = 0; a < outNd; a++) outSrc.push(newAxes.includes(a) ? -1 : kept[k++]);
  }
  const defaults = outSrc.map((s) => (s < 0 ? [1] : inChunks[s].slice()));
  const outChunks = outputChunks(opts.chunks, defaults, outSrc.map((s) => s < 0));
  const offsets = outChunks.map((c) => cumulative(c));

  // for each input and each of its axes: where its block index comes from
  type Src = { k: "zero" } | { k: "all"; n: number } | { k: "out"; a: number };
  const srcs: Src[][] = aligned.map((x) => {
    const off = nd - x.ndim;
    return x.shape.map((n, ax): Src => {
      const b = ax + off;
      if (n === 1 && shape[b] !== 1) return { k: "zero" };
      if (drop.includes(b)) return { k: "all", n: x.numBlocks[ax] };
      return { k: "out", a: outSrc.indexOf(b) };
    });
  });

  const layer = new Layer({
    kind: "map-blocks",
    label,
    chunks: outChunks,
    dtype,
    dependencies: aligned.map((x) => x.layer),
    task: (index, key) => {
      const deps: string[] = [];
      const grids = srcs.map((ss, i) => {
        const grid = ss.map((s) => (s.k === "all" ? s.n : 1));
        for (const g of blockIndices(grid)) {
          deps.push(aligned[i].layer.key(ss.map((s, ax) => (s.k === "zero" ? 0 : s.k === "all" ? g[ax] : index[s.a]))));
        }
        return grid;
      });
      const params: MapBlocksParams = {
        grids,
        info: infoParams(offsets, index, dtype),
        expect: index.map((i, a) => encNum(outChunks[a][i])),
        label: opts.name ? `mapBlocks (${opts.name})` : "mapBlocks",
        single,
      };
      if (source !== undefined) return { key, op: "map-blocks", params: { ...params, source }, deps };
      return { key, op: "map-blocks", params, deps, local: { fn: fn as unknown as (...args: never[]) => unknown } };
    },
  });
  return new LazyArray(layer);
}
