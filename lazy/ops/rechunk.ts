/**
 * Rechunk (with dask's multi-step plan), reshape, squeeze, expandDims, concatenate and stack.
 *
 * Every layer here is symbolic: the task of a new block lists only the old blocks it needs and
 * assembles the block inside the task (one task per output block, no per-piece getitem tasks as in
 * dask). Blocks that come whole from one input block are views, never copies.
 */
import { Block, copyInto, emptyBlock, reshapeView, view } from "../core/block";
import { Chunks, ChunksSpec, AxisChunkSpec, UnknownChunksError, cumulative, hasUnknown, normalizeAxes, normalizeAxis, normalizeChunks, product, expandTuple, sameAxisChunks, sameChunks, commonChunks } from "../core/chunks";
import { DType, promoteTypeSequence } from "../core/dtype";
import { Layer, registerKernel } from "../graph/graph";
import { LazyArray, RechunkOptions } from "../core/array";
import { planRechunk } from "./rechunk-plan";
import { TypeError, ValueError } from "../core/errors";



function fmtShape(s: readonly number[]): string {
  return `[${s.map((x) => (Number.isNaN(x) ? "NaN" : String(x))).join(", ")}]`;
}

// ------------------------------------------------------------------------------------------------
// Kernels

interface RechunkParams {
  dtype: DType;
  /**
   * Per axis: null when the axis is unchanged (the whole input block along it), else the pieces
   * [start, length] taken from each old block the new block intersects, in order.
   */
  pieces: ([number, number][] | null)[];
}

registerKernel<RechunkParams>("rechunk", (inputs, p) => {
  const blocks = inputs as Block[];
  const nd = p.pieces.length;
  if (blocks.length === 1) {
    const b = blocks[0];
    const start = p.pieces.map((pc) => (pc ? pc[0][0] : 0));
    const count = p.pieces.map((pc, a) => (pc ? pc[0][1] : b.shape[a]));
    if (start.every((s) => s === 0) && count.every((c, a) => c === b.shape[a])) return b;
    return view(b, start, count);
  }
  // the new block: unchanged axes from the first input, the others the sum of their pieces
  const shape = p.pieces.map((pc, a) => (pc ? pc.reduce((n, x) => n + x[1], 0) : blocks[0].shape[a]));
  const out = emptyBlock(p.dtype, shape);
  const counts = p.pieces.map((pc) => (pc ? pc.length : 1));
  const dstOff = p.pieces.map((pc) => (pc ? cumulative(pc.map((x) => x[1])) : [0]));
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < blocks.length; k++) {
    const b = blocks[k];
    const start = idx.map((i, a) => (p.pieces[a] ? (p.pieces[a] as [number, number][])[i][0] : 0));
    const count = idx.map((i, a) => (p.pieces[a] ? (p.pieces[a] as [number, number][])[i][1] : b.shape[a]));
    copyInto(out, idx.map((i, a) => dstOff[a][i]), view(b, start, count));
    for (let a = nd - 1; a >= 0; a--) {
      if (++idx[a] < counts[a]) break;
      idx[a] = 0;
    }
  }
  return out;
});

interface EmptyParams {
  dtype: DType;
  shape: number[];
}
registerKernel<EmptyParams>("rechunk.empty", (_inputs, p) => emptyBlock(p.dtype, p.shape));

interface ReshapeParams {
  shape: number[];
}
/** The block in a new shape (a view when it is C-contiguous, else a contiguous copy first). */
registerKernel<ReshapeParams>("reshape", (inputs, p) => reshapeView(inputs[0] as Block, p.shape));

interface AxesParams {
  /** Length-1 axes to drop (squeeze) ... */
  drop?: number[];
  /** ... or the position of a new length-1 axis (expandDims, stack). */
  insert?: number;
}
registerKernel<AxesParams>("reshape.axes", (inputs, p) => {
  const b = inputs[0] as Block;
  if (p.drop) {
    const keep = b.shape.map((_, a) => a).filter((a) => !(p.drop as number[]).includes(a));
    return { data: b.data, shape: keep.map((a) => b.shape[a]), stride: keep.map((a) => b.stride[a]), offset: b.offset };
  }
  const at = p.insert as number;
  const shape = b.shape.slice();
  const stride = b.stride.slice();
  shape.splice(at, 0, 1);
  stride.splice(at, 0, 0);
  return { data: b.data, shape, stride, offset: b.offset };
});

registerKernel<Record<string, never>>("concatenate", (inputs) => inputs[0]);

// ------------------------------------------------------------------------------------------------
// rechunk

/** dask's rechunk pre-processing: in a dict or per-axis list, a missing or null axis keeps its chunks. */
function fillFromPrevious(spec: ChunksSpec, x: LazyArray): ChunksSpec {
  const nd = x.ndim;
  if (spec === null || typeof spec !== "object") return spec;
  if (Array.isArray(spec)) {
    const flat1d = nd === 1 && spec.length > 1 && spec.every((v) => typeof v === "number");
    if (flat1d || spec.length !== nd) return spec;
    return (spec as readonly AxisChunkSpec[]).map((s, a) => (s === null ? x.chunks[a].slice() : s));
  }
  const obj = spec as { readonly [axis: number]: AxisChunkSpec };
  const out: AxisChunkSpec[] = [];
  for (const k of Object.keys(obj)) normalizeAxis(Number(k), nd, "rechunk: axis");
  for (let a = 0; a < nd; a++) {
    const v = obj[a] !== undefined ? obj[a] : obj[a - nd];
    out.push(v === undefined || v === null ? x.chunks[a].slice() : v);
  }
  return out;
}

/** The normalised target chunks of a rechunk of `x`. */
function targetChunks(x: LazyArray, chunks: ChunksSpec, limit: number | undefined): number[][] {
  const spec = fillFromPrevious(chunks, x);
  try {
    return normalizeChunks(spec, x.shape, { dtype: x.dtype, limit, previousChunks: x.chunks });
  } catch (e) {
    // sizes along an unknown axis cannot be worked out
    if (e instanceof RangeError && hasUnknown(x.chunks)) throw new UnknownChunksError("rechunk");
    throw e;
  }
}

/** The layer of one rechunk step from `x` to `chunks`. */
function rechunkStep(x: LazyArray, chunks: number[][]): LazyArray {
  const nd = x.ndim;
  const dtype = x.dtype;
  if (x.size === 0) {
    // nothing to move: every new block is made empty
    const layer = new Layer({
      kind: "rechunk",
      label: "rechunk",
      chunks,
      dtype,
      dependencies: [],
      task: (index, key) => ({
        key,
        op: "rechunk.empty",
        params: { dtype, shape: index.map((i, a) => chunks[a][i]) } satisfies EmptyParams,
        deps: [],
      }),
    });
    return new LazyArray(layer);
  }
  const same = chunks.map((c, a) => sameAxisChunks(c, x.chunks[a]));
  const oldOff = x.chunks.map((c) => cumulative(c));
  const newOff = chunks.map((c) => cumulative(c));
  /** Old blocks intersecting new block i along axis a, with the piece of each: [block, start, length]. */
  const intersect = (a: number, i: number): [number, number, number][] => {
    const lo = newOff[a][i];
    const hi = newOff[a][i + 1];
    const off = oldOff[a];
    // first old block ending after lo (binary search)
    let l = 0;
    let r = off.length - 2;
    while (l < r) {
      const m = (l + r) >> 1;
      if (off[m + 1] > lo) r = m;
      else l = m + 1;
    }
    const out: [number, number, number][] = [];
    for (let b = l; b < off.length - 1 && off[b] < hi; b++) {
      const s = Math.max(lo, off[b]);
      const e = Math.min(hi, off[b + 1]);
      if (e > s) out.push([b, s - off[b], e - s]);
    }
    return out;
  };
  const layer = new Layer({
    kind: "rechunk",
    label: "rechunk",
    chunks,
    dtype,
    dependencies: [x.layer],
    task: (index, key) => {
      const shape = index.map((i, a) => chunks[a][i]);
      if (shape.some((s) => s === 0)) {
        return { key, op: "rechunk.empty", params: { dtype, shape } satisfies EmptyParams, deps: [] };
      }
      const perAxis = index.map((i, a) => (same[a] ? null : intersect(a, i)));
      const deps: string[] = [];
      const idx = new Array<number>(nd).fill(0);
      const counts = perAxis.map((pa) => (pa ? pa.length : 1));
      const total = product(counts);
      for (let k = 0; k < total; k++) {
        deps.push(x.layer.key(idx.map((j, a) => (perAxis[a] ? (perAxis[a] as [number, number, number][])[j][0] : index[a]))));
        for (let a = nd - 1; a >= 0; a--) {
          if (++idx[a] < counts[a]) break;
          idx[a] = 0;
        }
      }
      const params: RechunkParams = {
        dtype,
        pieces: perAxis.map((pa) => (pa ? pa.map(([, s, n]): [number, number] => [s, n]) : null)),
      };
      return { key, op: "rechunk", params, deps };
    },
  });
  return new LazyArray(layer);
}

/**
 * New chunks for `x` (dask's rechunk): the spec is normalised with the current chunks as
 * `previousChunks` (so "auto" follows their shape, and axes missing from a dict or null in a list
 * keep their chunks); large changes go through intermediate chunkings planned as dask's
 * plan_rechunk.
 */
export function rechunk(x: LazyArray, chunks: ChunksSpec, opts: RechunkOptions): LazyArray {
  if (x.ndim > 0 && x.shape.every((s) => s === 0)) return x;
  const blockSizeLimit = opts.blockSizeLimit ?? undefined;
  const target = targetChunks(x, chunks, blockSizeLimit);
  if (sameChunks(target, x.chunks)) return x;
  for (let a = 0; a < x.ndim; a++) {
    const unknown = x.chunks[a].some(Number.isNaN) || target[a].some(Number.isNaN);
    if (unknown && !sameAxisChunks(x.chunks[a], target[a])) throw new UnknownChunksError("rechunk");
  }
  const steps = planRechunk(x.chunks, target, x.itemsize, { threshold: opts.threshold, blockSizeLimit });
  let y = x;
  for (const step of steps) y = rechunkStep(y, step);
  return y;
}

// ------------------------------------------------------------------------------------------------
// reshape


/** dask's contract_tuple: chunks that are all multiples of `factor`, moving remainders forward. */
function contractTuple(chunks: readonly number[], factor: number): number[] {
  const out: number[] = [];
  let residual = 0;
  for (let c of chunks) {
    c += residual;
    const div = Math.floor(c / factor);
    residual = c % factor;
    if (div) out.push(factor * div);
  }
  return out;
}

function reshapeUnsupported(inshape: readonly number[], outshape: readonly number[]): RangeError {
  return new ValueError(
    `reshape: cannot reshape ${fmtShape(inshape)} to ${fmtShape(outshape)} lazily: only reshapes that merge or split ` +
      `neighbouring axes evenly are supported (as dask), e.g. [6, 5, 4] -> [30, 4] or [3, 2, 5, 4]; ` +
      `reshape in several steps, or compute first`,
  );
}

/**
 * dask's reshape_rechunk: the chunks the input needs (merged trailing axes whole, split axes in
 * multiples of the trailing product) and the chunks of the output, block for block in C order.
 */
export function reshapeRechunk(
  inshape: readonly number[],
  outshape: readonly number[],
  inchunks: Chunks,
): { inchunks: number[][]; outchunks: number[][] } {
  // Python's negative indexing, which dask's loop relies on at the left edge
  const at = <T>(xs: readonly T[], i: number): T => xs[i < 0 ? i + xs.length : i];
  const resIn: (number[] | null)[] = new Array(inshape.length).fill(null);
  const resOut: (number[] | null)[] = new Array(outshape.length).fill(null);
  const setAt = <T>(xs: T[], i: number, v: T) => {
    xs[i < 0 ? i + xs.length : i] = v;
  };
  const prod = (xs: readonly number[], lo: number, hi: number) => product(xs.slice(Math.max(lo, 0), hi));
  let ii = inshape.length - 1;
  let oi = outshape.length - 1;
  let guard = inshape.length + outshape.length + 2;
  while (ii >= 0 || oi >= 0) {
    if (guard-- < 0 || inshape.length === 0 || outshape.length === 0) throw reshapeUnsupported(inshape, outshape);
    const din = at(inshape, ii);
    const dout = at(outshape, oi);
    if (din === dout) {
      setAt(resIn, ii, at(inchunks, ii).slice());
      setAt(resOut, oi, at(inchunks, ii).slice());
      ii--;
      oi--;
      continue;
    }
    if (din === 1) {
      setAt(resIn, ii, [1]);
      ii--;
    } else if (dout === 1) {
      setAt(resOut, oi, [1]);
      oi--;
    } else if (din < dout) {
      // merge inshape[ileft..ii] into outshape[oi]
      let ileft = ii - 1;
      while (ileft >= 0 && prod(inshape, ileft, ii + 1) < dout) ileft--;
      if (ileft < 0 || prod(inshape, ileft, ii + 1) !== dout) throw reshapeUnsupported(inshape, outshape);
      let allOnes = true;
      for (let i = 0; i < ii; i++) if (inchunks[i].length !== inshape[i]) allOnes = false;
      if (allOnes) {
        // the lower axes are in blocks of 1: blocks just move
        for (let i = 0; i <= ii; i++) resIn[i] = inchunks[i].slice();
        const reps = product(inchunks.slice(ileft, ii).map((c) => c.length));
        const out: number[] = [];
        for (let r = 0; r < reps; r++) for (const c of inchunks[ii]) out.push(c);
        setAt(resOut, oi, out);
      } else {
        for (let i = ileft + 1; i <= ii; i++) resIn[i] = [inshape[i]];
        const reduction = product(inchunks.slice(ileft + 1, ii + 1).map((c) => c.length));
        resIn[ileft] = expandTuple(inchunks[ileft], reduction);
        const p = prod(inshape, ileft + 1, ii + 1);
        setAt(resOut, oi, (resIn[ileft] as number[]).map((c) => p * c));
      }
      oi--;
      ii = ileft - 1;
    } else {
      // split inshape[ii] into outshape[oleft..oi]
      let oleft = oi - 1;
      while (oleft >= 0 && prod(outshape, oleft, oi + 1) < din) oleft--;
      if (oleft < 0 || prod(outshape, oleft, oi + 1) !== din) throw reshapeUnsupported(inshape, outshape);
      const cs = prod(outshape, oleft + 1, oi + 1);
      const ic = contractTuple(at(inchunks, ii), cs);
      setAt(resIn, ii, ic);
      for (let i = oleft + 1; i <= oi; i++) resOut[i] = [outshape[i]];
      resOut[oleft] = ic.map((c) => Math.floor(c / cs));
      oi = oleft - 1;
      ii--;
    }
  }
  if (resIn.some((c) => c === null) || resOut.some((c) => c === null)) throw reshapeUnsupported(inshape, outshape);
  return { inchunks: resIn as number[][], outchunks: resOut as number[][] };
}

function checkShapeArg(shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < -1)) {
    throw new ValueError(`reshape: the new shape must be a list of non-negative integers (one may be -1), got ${JSON.stringify(shape)}`);
  }
}

/**
 * A new shape with the same elements in C order (numpy's reshape; one size may be -1). As dask, only
 * reshapes that merge or split neighbouring axes are supported; the input is rechunked so that every
 * output block comes from exactly one input block.
 */
export function reshape(x: LazyArray, shape: readonly number[]): LazyArray {
  checkShapeArg(shape);
  const minus = shape.filter((s) => s === -1).length;
  if (minus > 1) throw new ValueError(`reshape: only one size may be -1, got ${fmtShape(shape)}`);
  if (minus === 1 && shape.length === 1 && x.ndim === 1) return x;
  if (hasUnknown(x.chunks)) throw new UnknownChunksError("reshape");
  let out = shape.slice();
  if (minus === 1) {
    const known = product(shape.filter((s) => s !== -1));
    const missing = known === 0 ? NaN : x.size / known;
    if (!Number.isInteger(missing)) {
      throw new ValueError(`reshape: cannot reshape an array of shape ${fmtShape(x.shape)} (${x.size} elements) into shape ${fmtShape(shape)}`);
    }
    out = shape.map((s) => (s === -1 ? missing : s));
  }
  if (product(out) !== x.size) {
    throw new ValueError(
      `reshape: cannot reshape an array of shape ${fmtShape(x.shape)} (${x.size} elements) into shape ${fmtShape(out)} (${product(out)} elements); the sizes must match`,
    );
  }
  if (sameAxisChunks(out, x.shape)) return x;
  if (x.npartitions === 1 || x.size === 0) {
    const chunks = out.map((d) => [d]);
    const src = x.layer.key(new Array<number>(x.ndim).fill(0));
    const layer = new Layer({
      kind: "reshape",
      label: "reshape",
      chunks,
      dtype: x.dtype,
      dependencies: x.size === 0 ? [] : [x.layer],
      task: (_index, key) =>
        x.size === 0
          ? { key, op: "rechunk.empty", params: { dtype: x.dtype, shape: out } satisfies EmptyParams, deps: [] }
          : { key, op: "reshape", params: { shape: out } satisfies ReshapeParams, deps: [src] },
    });
    return new LazyArray(layer);
  }
  const { inchunks, outchunks } = reshapeRechunk(x.shape, out, x.chunks);
  const x2 = rechunk(x, inchunks, {});
  const inBlocks = x2.numBlocks;
  const outBlocks = outchunks.map((c) => c.length);
  if (product(inBlocks) !== product(outBlocks)) throw reshapeUnsupported(x.shape, out);
  const layer = new Layer({
    kind: "reshape",
    label: "reshape",
    chunks: outchunks,
    dtype: x.dtype,
    dependencies: [x2.layer],
    task: (index, key) => {
      // the k-th output block (C order) is the k-th input block
      let k = 0;
      for (let a = 0; a < index.length; a++) k = k * outBlocks[a] + index[a];
      const src = new Array<number>(inBlocks.length);
      for (let a = inBlocks.length - 1; a >= 0; a--) {
        src[a] = k % inBlocks[a];
        k = Math.floor(k / inBlocks[a]);
      }
      const params: ReshapeParams = { shape: index.map((i, a) => outchunks[a][i]) };
      return { key, op: "reshape", params, deps: [x2.layer.key(src)] };
    },
  });
  return new LazyArray(layer);
}

// ------------------------------------------------------------------------------------------------
// squeeze, expandDims

/** Remove length-1 axes (all of them, or the given ones, which must have length 1): views. */
export function squeeze(x: LazyArray, axis?: number | readonly number[]): LazyArray {
  let axes: number[];
  if (axis === undefined || axis === null) axes = x.shape.flatMap((s, a) => (s === 1 ? [a] : []));
  else {
    axes = normalizeAxes(axis, x.ndim);
    for (const a of axes) {
      if (Number.isNaN(x.shape[a])) throw new UnknownChunksError("squeeze");
      if (x.shape[a] !== 1) {
        throw new ValueError(`squeeze: cannot remove axis ${a} of shape ${fmtShape(x.shape)}: its length is ${x.shape[a]}, not 1`);
      }
    }
  }
  if (axes.length === 0) return x;
  const chunks = x.chunks.filter((_, a) => !axes.includes(a)).map((c) => c.slice());
  const layer = new Layer({
    kind: "reshape",
    label: "squeeze",
    chunks,
    dtype: x.dtype,
    dependencies: [x.layer],
    task: (index, key) => {
      const src: number[] = [];
      let j = 0;
      for (let a = 0; a < x.ndim; a++) src.push(axes.includes(a) ? 0 : index[j++]);
      return { key, op: "reshape.axes", params: { drop: axes } satisfies AxesParams, deps: [x.layer.key(src)] };
    },
  });
  return new LazyArray(layer);
}

/** Insert a length-1 axis at `axis` (negative counts from the end of the result): views. */
export function expandDims(x: LazyArray, axis: number): LazyArray {
  const at = normalizeAxis(axis, x.ndim + 1, "expandDims: axis");
  const chunks = x.chunks.map((c) => c.slice());
  chunks.splice(at, 0, [1]);
  const layer = new Layer({
    kind: "reshape",
    label: "expand-dims",
    chunks,
    dtype: x.dtype,
    dependencies: [x.layer],
    task: (index, key) => {
      const src = index.slice();
      src.splice(at, 1);
      return { key, op: "reshape.axes", params: { insert: at } satisfies AxesParams, deps: [x.layer.key(src)] };
    },
  });
  return new LazyArray(layer);
}

// ------------------------------------------------------------------------------------------------
// concatenate, stack

function checkArrays(arrays: readonly LazyArray[], what: string): void {
  if (!Array.isArray(arrays) || arrays.length === 0) throw new ValueError(`${what}: need at least one array`);
  arrays.forEach((a, i) => {
    if (!(a instanceof LazyArray)) {
      throw new TypeError(`${what}: item ${i} is not a LazyArray (wrap in-memory data with lazy.fromArray)`);
    }
  });
}

/** Rechunk `arrays` so that, on every axis but `skip`, they share the common refinement of their chunks. */
function unifyOffAxis(arrays: readonly LazyArray[], skip: number, what: string): LazyArray[] {
  const nd = arrays[0].ndim;
  const target: number[][] = [];
  for (let a = 0; a < nd; a++) {
    if (a === skip) {
      target.push([]);
      continue;
    }
    const lists = arrays.map((x) => x.chunks[a]);
    if (lists.every((c) => sameAxisChunks(c, lists[0]))) target.push(lists[0].slice());
    else {
      if (lists.some((c) => c.some(Number.isNaN))) throw new UnknownChunksError(what);
      target.push(commonChunks(lists));
    }
  }
  return arrays.map((x) => {
    const spec = x.chunks.map((c, a) => (a === skip ? c.slice() : target[a]));
    return sameChunks(spec, x.chunks) ? x : rechunk(x, spec, {});
  });
}

/**
 * Join arrays along an existing axis (numpy's concatenate): dtypes promoted as numpy, sizes equal on
 * the other axes, whose chunks are unified; every output block is one input block.
 */
export function concatenate(arrays: readonly LazyArray[], axis = 0): LazyArray {
  checkArrays(arrays, "concatenate");
  const nd = arrays[0].ndim;
  arrays.forEach((x, i) => {
    if (x.ndim !== nd) {
      throw new ValueError(
        `concatenate: all arrays must have the same number of dimensions, but array 0 has ${nd} (shape ${fmtShape(arrays[0].shape)}) ` +
          `and array ${i} has ${x.ndim} (shape ${fmtShape(x.shape)})`,
      );
    }
  });
  if (nd === 0) throw new ValueError("concatenate: zero-dimensional arrays cannot be concatenated; use stack");
  const ax = normalizeAxis(axis, nd, "concatenate: axis");
  for (let a = 0; a < nd; a++) {
    if (a === ax) continue;
    arrays.forEach((x, i) => {
      if (Number.isNaN(x.shape[a])) throw new UnknownChunksError("concatenate");
      if (x.shape[a] !== arrays[0].shape[a]) {
        throw new ValueError(
          `concatenate: array ${i} has shape ${fmtShape(x.shape)} but array 0 has ${fmtShape(arrays[0].shape)}: ` +
            `they differ along axis ${a}; all sizes must match except along the concatenation axis ${ax}`,
        );
      }
    });
  }
  const dtype = promoteTypeSequence(arrays.map((x) => x.dtype)); // numpy's result_type over all
  let seq = arrays.map((x) => x.astype(dtype));
  const nonEmpty = seq.filter((x) => x.size !== 0);
  if (nonEmpty.length === 0) {
    const shape = seq[0].shape.map((s, a) => (a === ax ? seq.reduce((n, x) => n + x.shape[a], 0) : s));
    const layer = new Layer({
      kind: "concatenate",
      label: "concatenate",
      chunks: shape.map((d) => [d]),
      dtype,
      dependencies: [],
      task: (_i, key) => ({ key, op: "rechunk.empty", params: { dtype, shape } satisfies EmptyParams, deps: [] }),
    });
    return new LazyArray(layer);
  }
  seq = nonEmpty;
  if (seq.length === 1) return seq[0];
  seq = unifyOffAxis(seq, ax, "concatenate");
  const chunks = seq[0].chunks.map((c) => c.slice());
  chunks[ax] = seq.flatMap((x) => x.chunks[ax]);
  const firstBlock = cumulative(seq.map((x) => x.numBlocks[ax]));
  const inputs = seq;
  const layer = new Layer({
    kind: "concatenate",
    label: "concatenate",
    chunks,
    dtype,
    dependencies: inputs.map((x) => x.layer),
    task: (index, key) => {
      let k = 0;
      while (firstBlock[k + 1] <= index[ax]) k++;
      const src = index.slice();
      src[ax] -= firstBlock[k];
      return { key, op: "concatenate", params: {}, deps: [inputs[k].layer.key(src)] };
    },
  });
  return new LazyArray(layer);
}

/** Join arrays of equal shapes along a new axis (numpy's stack): blocks of 1 along it. */
export function stack(arrays: readonly LazyArray[], axis = 0): LazyArray {
  checkArrays(arrays, "stack");
  const s0 = arrays[0].shape;
  arrays.forEach((x, i) => {
    if (x.shape.some(Number.isNaN)) throw new UnknownChunksError("stack");
    if (!sameAxisChunks(x.shape, s0)) {
      throw new ValueError(`stack: all arrays must have the same shape, but array 0 has shape ${fmtShape(s0)} and array ${i} has ${fmtShape(x.shape)}`);
    }
  });
  const nd = s0.length;
  const at = normalizeAxis(axis, nd + 1, "stack: axis");
  const dtype = promoteTypeSequence(arrays.map((x) => x.dtype)); // numpy's result_type over all
  const seq = unifyOffAxis(
    arrays.map((x) => x.astype(dtype)),
    -1,
    "stack",
  );
  const chunks = seq[0].chunks.map((c) => c.slice());
  chunks.splice(at, 0, new Array<number>(seq.length).fill(1));
  const layer = new Layer({
    kind: "concatenate",
    label: "stack",
    chunks,
    dtype,
    dependencies: seq.map((x) => x.layer),
    task: (index, key) => {
      const src = index.slice();
      src.splice(at, 1);
      return { key, op: "reshape.axes", params: { insert: at } satisfies AxesParams, deps: [seq[index[at]].layer.key(src)] };
    },
  });
  return new LazyArray(layer);
}

/** For tests and summaries: the chunkings a rechunk of `x` to `chunks` goes through. */
export function rechunkSteps(x: LazyArray, chunks: ChunksSpec, opts: RechunkOptions = {}): number[][][] {
  const target = targetChunks(x, chunks, opts.blockSizeLimit);
  if (sameChunks(target, x.chunks)) return [];
  return planRechunk(x.chunks, target, x.itemsize, opts);
}

