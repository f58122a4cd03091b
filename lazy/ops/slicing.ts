/**
 * Slicing and boolean masking (dask.array's slicing.py).
 *
 * Basic indexing (integers, slices with any step, newaxis, ellipsis) maps each axis's index to
 * {input block: local slice} exactly as dask's `_slice_1d` does, so the output has one block per
 * touched input block along each sliced axis (reversed for negative steps), and each output task
 * reads a strided view of the single input block it needs: culling then keeps only those blocks.
 *
 * Boolean masks (a bool LazyArray with the shape of the array, or of some consecutive axes starting
 * at the mask's position, numpy's `x[mask]`) give NaN (unknown) sizes along the selected axis. Values
 * come out in numpy's (C) order: an output block gathers whole "bands" of input blocks along the
 * masked axes after the first, and the first masked axis is split as dask's ravel would split it
 * (dask's reshape_rechunk/expand_tuple), so the block counts match dask's.
 */
import { Block, cStrides, contiguous, copyInto, emptyBlock, sizeOf, view } from "../core/block";
import { Chunks, UnknownChunksError, blockIndices, cumulative, expandTuple, hasUnknown, product, sameAxisChunks, commonChunks } from "../core/chunks";
import { DType, allocate, dtypeOfTypedArray } from "../core/dtype";
import { ComputeOptions, Layer, executeAsync, plan, registerKernel } from "../graph/graph";
import { LazyArray, Index } from "../core/array";

import { PySlice, Item, COLON, isColon, parseItem, bisectRight, sliceIndices, AxisPiece, AxisPlan, planAxis } from "./slicing-index";
import { IndexError, TypeError, ValueError } from "../core/errors";

// ------------------------------------------------------------------------------------------------
// Kernels

interface GetitemParams {
  /** Per input axis: [start, count, step] for a slice (count -1: the whole block), [index] for an integer. */
  sel: number[][];
  /** Per output axis: the input axis it comes from, or -1 for a new axis. */
  out: number[];
}

registerKernel<GetitemParams>("slicing.getitem", (inputs, p) => {
  const b = inputs[0] as Block;
  const v = view(
    b,
    p.sel.map((s) => s[0]),
    p.sel.map((s, a) => (s.length === 3 ? (s[1] < 0 ? b.shape[a] : s[1]) : 1)),
    p.sel.map((s) => (s.length === 3 ? s[2] : 1)),
  );
  return {
    data: v.data,
    shape: p.out.map((a) => (a < 0 ? 1 : v.shape[a])),
    stride: p.out.map((a) => (a < 0 ? 0 : v.stride[a])),
    offset: v.offset,
  } satisfies Block;
});

/**
 * Concatenate blocks laid out on `grid` (C order) along `axes` of the blocks: a new C-contiguous
 * block (or the single block itself). Sizes come from the blocks, so unknown chunk sizes work.
 */
function gather(blocks: readonly Block[], grid: readonly number[], axes: readonly number[], dtype: DType): Block {
  if (blocks.length === 1) return blocks[0];
  const strides = grid.map((_, j) => product(grid.slice(j + 1)));
  const sizes = grid.map((g, j) => Array.from({ length: g }, (_, t) => blocks[t * strides[j]].shape[axes[j]]));
  const offs = sizes.map((s) => cumulative(s));
  const shape = blocks[0].shape.slice();
  axes.forEach((a, j) => (shape[a] = offs[j][offs[j].length - 1]));
  const out = emptyBlock(dtype, shape);
  let k = 0;
  for (const gi of blockIndices(grid)) {
    const start = new Array<number>(shape.length).fill(0);
    axes.forEach((a, j) => (start[a] = offs[j][gi[j]]));
    const b = blocks[k++];
    for (let a = 0; a < shape.length; a++) {
      const j = axes.indexOf(a);
      const want = j >= 0 ? sizes[j][gi[j]] : shape[a];
      if (b.shape[a] !== want) {
        throw new ValueError(`boolean mask: blocks disagree on their sizes along axis ${a} (${b.shape[a]} and ${want}); the chunk sizes are inconsistent`);
      }
    }
    copyInto(out, start, b);
  }
  return out;
}

function rowsView(b: Block, axis: number, start: number, count: number): Block {
  if (count < 0 || (start === 0 && count === b.shape[axis])) return b;
  const st = new Array<number>(b.shape.length).fill(0);
  st[axis] = start;
  const cnt = b.shape.slice();
  cnt[axis] = count;
  return view(b, st, cnt);
}

interface MaskParams {
  /** First masked axis of x, and the number of masked axes. */
  p: number;
  k: number;
  /** Band grids (numbers of blocks) of x along axes p+1..p+k-1 and of the mask along 1..k-1. */
  gx: number[];
  gm: number[];
  /** Rows of the first masked axis taken from the x block and the mask block (count -1: all). */
  xStart: number;
  mStart: number;
  count: number;
  dtype: DType;
}

registerKernel<MaskParams>("slicing.mask", (inputs, p) => {
  const nx = product(p.gx);
  const xb = inputs.slice(0, nx) as Block[];
  const mb = inputs.slice(nx) as Block[];
  const bandAxes = Array.from({ length: p.k - 1 }, (_, j) => p.p + 1 + j);
  const xband = rowsView(gather(xb, p.gx, bandAxes, p.dtype), p.p, p.xStart, p.count);
  const mband = rowsView(
    gather(mb, p.gm, bandAxes.map((_, j) => j + 1), "bool"),
    0,
    p.mStart,
    p.count,
  );
  const masked = xband.shape.slice(p.p, p.p + p.k);
  if (masked.length !== mband.shape.length || masked.some((s, j) => s !== mband.shape[j])) {
    throw new ValueError(
      `boolean mask: a mask block of shape [${mband.shape.join(", ")}] meets an array block whose masked axes have shape [${masked.join(", ")}]; the chunk sizes are inconsistent`,
    );
  }
  const xc = contiguous(xband);
  const mc = contiguous(mband);
  const P = sizeOf(xband.shape.slice(0, p.p));
  const M = sizeOf(masked);
  const T = sizeOf(xband.shape.slice(p.p + p.k));
  const md = mc.data;
  const mo = mc.offset;
  let n = 0;
  for (let i = 0; i < M; i++) if (md[mo + i]) n++;
  const out = allocate(p.dtype, P * n * T);
  const xd = xc.data;
  let o = 0;
  for (let pi = 0; pi < P; pi++) {
    const base = xc.offset + pi * M * T;
    for (let mi = 0; mi < M; mi++) {
      if (!md[mo + mi]) continue;
      const s = base + mi * T;
      if (T === 1) out[o] = xd[s];
      else if (Array.isArray(xd)) for (let t = 0; t < T; t++) out[o + t] = xd[s + t]; // an object block
      else (out as Float64Array).set((xd as Float64Array).subarray(s, s + T), o);
      o += T;
    }
  }
  const shape = [...xband.shape.slice(0, p.p), n, ...xband.shape.slice(p.p + p.k)];
  return { data: out, shape, stride: cStrides(shape), offset: 0 } satisfies Block;
});


registerKernel<null>("slicing.shape", (inputs) => (inputs[0] as Block).shape.slice());

interface KnownParams {
  shape: number[];
}
registerKernel<KnownParams>("slicing.known", (inputs, p) => {
  const b = inputs[0] as Block;
  if (b.shape.length !== p.shape.length || b.shape.some((s, a) => s !== p.shape[a])) {
    throw new ValueError(
      `a block has shape [${b.shape.join(", ")}] but computeChunkSizes measured [${p.shape.join(", ")}]; the data changed between computes`,
    );
  }
  return b;
});

// ------------------------------------------------------------------------------------------------
// getitem


function fmtShape(s: readonly number[]): string {
  return `[${s.map((v) => (Number.isNaN(v) ? "NaN" : String(v))).join(", ")}]`;
}

/** numpy-style indexing of `x` (see LazyArray.get). */
export function getitem(x: LazyArray, index: readonly Index[]): LazyArray {
  const items = index.map((ix, pos) => parseItem(ix, pos));
  const ellipses = items.filter((it) => it.kind === "ellipsis").length;
  if (ellipses > 1) throw new ValueError(`get: an index can only have a single ellipsis ("..."), got ${ellipses}`);
  const consumed = items.reduce((n, it) => n + (it.kind === "int" || it.kind === "slice" || it.kind === "list" ? 1 : it.kind === "mask" ? it.value.ndim : 0), 0);
  if (consumed > x.ndim) {
    throw new IndexError(
      `get: too many indices for an array of shape ${fmtShape(x.shape)}: it has ${x.ndim} dimension(s) but ${consumed} were indexed`,
    );
  }
  // expand the ellipsis and add trailing full slices
  const fill = (n: number): Item[] => Array.from({ length: n }, () => ({ kind: "slice", value: COLON }) as Item);
  let full: Item[] = [];
  for (const it of items) {
    if (it.kind === "ellipsis") full.push(...fill(x.ndim - consumed));
    else full.push(it);
  }
  if (!ellipses) full = full.concat(fill(x.ndim - consumed));

  const masks = full.filter((it) => it.kind === "mask");
  if (masks.length > 1) throw new TypeError("get: only one boolean mask per get is supported; apply the masks one after the other");
  const lists = full.filter((it) => it.kind === "list").length;
  if (lists > 0) {
    if (masks.length) throw new TypeError("get: a boolean mask and a list index in one get are not supported; apply them one after the other");
    return getWithList(x, full);
  }
  if (masks.length === 1) return getWithMask(x, full);
  return basicGetitem(x, full);
}

// ------------------------------------------------------------------------------------------------
// integer-list (fancy) indexing along one axis: dask's take

interface TakeParams {
  axis: number;
  /** Indices into the input block along `axis`. */
  local: number[];
}

registerKernel<TakeParams>("slicing.take", (inputs, p) => {
  const b = inputs[0] as Block;
  const shape = b.shape.slice();
  shape[p.axis] = p.local.length;
  const out = emptyBlock(dtypeOf(b), shape);
  const start = new Array<number>(shape.length).fill(0);
  p.local.forEach((li, j) => {
    start[p.axis] = j;
    const one = b.shape.map((n, a) => (a === p.axis ? 1 : n));
    copyInto(out, start, view(b, b.shape.map((_, a) => (a === p.axis ? li : 0)), one));
  });
  return out;
});

function dtypeOf(b: Block): DType {
  return dtypeOfTypedArray(b.data);
}

/**
 * One integer list (numpy's fancy indexing along one axis, e.g. `x.get(":", [3, 0, 7])`): basic
 * indexing with that axis whole, then a take layer. Output chunks are dask's: one block per run of
 * consecutive indices that fall in the same input block, in the order given.
 */
function getWithList(x: LazyArray, items: readonly Item[]): LazyArray {
  if (items.filter((it) => it.kind === "list").length > 1) {
    throw new TypeError("get: only one list index per get is supported (numpy pairs several lists point by point; use them one after the other for an outer selection)");
  }
  // numpy moves the selected axis to the front when integers are not next to the list: refuse that
  const adv = items.flatMap((it, i) => (it.kind === "int" || it.kind === "list" ? [i] : []));
  if (adv[adv.length - 1] - adv[0] + 1 !== adv.length) {
    throw new TypeError("get: integer indices must be next to the list index (numpy would move the list's axis to the front); index in two steps");
  }
  const li = items.findIndex((it) => it.kind === "list");
  const values = (items[li] as { kind: "list"; value: number[] }).value;
  // the input axis the list indexes, and where that axis lands in the basic result
  let inAxis = 0;
  let outAxis = 0;
  for (let i = 0; i < li; i++) {
    const k = items[i].kind;
    if (k === "newaxis") outAxis++;
    else {
      inAxis++;
      if (k === "slice") outAxis++;
    }
  }
  const dim = x.shape[inAxis];
  const lengths = x.chunks[inAxis];
  if (Number.isNaN(dim) || lengths.some(Number.isNaN)) throw new UnknownChunksError(`get: a list index along axis ${inAxis}`);
  const idx = values.map((v) => {
    if (v >= dim || v < -dim) throw new IndexError(`get: index ${v} is out of bounds for axis ${inAxis} with size ${dim} (valid: ${-dim}..${dim - 1})`);
    return v < 0 ? v + dim : v;
  });
  const y = basicGetitem(x, items.map((it, i) => (i === li ? ({ kind: "slice", value: COLON } as Item) : it)));
  // runs of consecutive indices in the same input block
  const bounds = cumulative(lengths);
  const runs: { block: number; local: number[] }[] = [];
  for (const g of idx) {
    const b = bisectRight(bounds, g) - 1;
    const last = runs[runs.length - 1];
    if (last && last.block === b) last.local.push(g - bounds[b]);
    else runs.push({ block: b, local: [g - bounds[b]] });
  }
  const chunks = y.chunks.map((c, a) => (a === outAxis ? (runs.length ? runs.map((r) => r.local.length) : [0]) : c.slice()));
  const layer = new Layer({
    kind: "getitem",
    label: "take",
    chunks,
    dtype: x.dtype,
    dependencies: [y.layer],
    task: (bi, key) => {
      if (runs.length === 0) {
        // an empty list: one empty block
        const src = bi.slice();
        src[outAxis] = 0;
        return { key, op: "slicing.take", params: { axis: outAxis, local: [] } satisfies TakeParams, deps: [y.layer.key(src)] };
      }
      const r = runs[bi[outAxis]];
      const src = bi.slice();
      src[outAxis] = r.block;
      return { key, op: "slicing.take", params: { axis: outAxis, local: r.local } satisfies TakeParams, deps: [y.layer.key(src)] };
    },
  });
  return new LazyArray(layer);
}

function basicGetitem(x: LazyArray, items: readonly Item[]): LazyArray {
  if (items.every((it) => it.kind === "slice" && isColon(it.value))) return x;
  const plans: AxisPlan[] = [];
  const out: number[] = [];
  let axis = 0;
  for (const it of items) {
    if (it.kind === "newaxis") {
      out.push(-1);
      continue;
    }
    const pl = planAxis(it, axis, x.shape[axis], x.chunks[axis]);
    plans.push(pl);
    if (pl.kind === "slice") out.push(axis);
    axis++;
  }
  const chunks: number[][] = out.map((a) => {
    if (a < 0) return [1];
    const pl = plans[a] as { kind: "slice"; pieces: AxisPiece[] };
    return pl.pieces.map((pc) => (pc.count < 0 ? NaN : pc.count));
  });
  const layer = new Layer({
    kind: "getitem",
    label: "getitem",
    chunks,
    dtype: x.dtype,
    dependencies: [x.layer],
    task: (idx, key) => {
      const src = new Array<number>(plans.length);
      const sel: number[][] = new Array(plans.length);
      plans.forEach((pl, a) => {
        if (pl.kind === "int") {
          src[a] = pl.block;
          sel[a] = [pl.local];
        }
      });
      out.forEach((a, j) => {
        if (a < 0) return;
        const pc = (plans[a] as { kind: "slice"; pieces: AxisPiece[] }).pieces[idx[j]];
        src[a] = pc.block;
        sel[a] = [pc.start, pc.count, pc.step];
      });
      return { key, op: "slicing.getitem", params: { sel, out } satisfies GetitemParams, deps: [x.layer.key(src)] };
    },
  });
  return new LazyArray(layer);
}

function getWithMask(x: LazyArray, items: readonly Item[]): LazyArray {
  const mi = items.findIndex((it) => it.kind === "mask");
  const m = (items[mi] as { kind: "mask"; value: LazyArray }).value;
  if (m.dtype !== "bool") {
    const kind = m.dtype.startsWith("int") || m.dtype.startsWith("uint") ? "integer-array indexing" : `indexing with a ${m.dtype} array`;
    throw new TypeError(
      `get: a LazyArray index must be a boolean mask (dtype bool), got dtype ${m.dtype}: ${kind} is not supported yet ` +
        `(compare to make a mask, e.g. x.get(x.gt(0)), or cast with .astype("bool"))`,
    );
  }
  if (m.ndim === 0) throw new TypeError("get: a 0-d boolean mask is not supported; use a mask with at least one dimension");
  // numpy moves the selected axis to the front when integer indices are not next to the mask
  const ints = items.map((it, i) => (it.kind === "int" ? i : -1)).filter((i) => i >= 0);
  if (ints.length) {
    const adv = [...ints, mi].sort((a, b) => a - b);
    if (adv[adv.length - 1] - adv[0] !== adv.length - 1) {
      throw new TypeError(
        "get: integer indices that are not next to the boolean mask are not supported (numpy would move the selected axis to the front); " +
          "apply the mask and the integer index in two separate get calls",
      );
    }
  }
  // axes of x before the mask
  let p = 0;
  for (let i = 0; i < mi; i++) if (items[i].kind === "int" || items[i].kind === "slice") p++;
  const y = applyMask(x, m, p);
  const rest: Item[] = items.map((it, i) => (i === mi ? { kind: "slice", value: COLON } : it));
  return basicGetitem(y, rest);
}



/** Where rows [r0, r0 + n) of an axis chunked as `c` live: block and local start. */
function locate(c: readonly number[], r0: number): { block: number; start: number } {
  const bounds = cumulative(c);
  const b = Math.min(bisectRight(bounds.slice(1), r0), c.length - 1);
  return { block: b, start: r0 - bounds[b] };
}

function applyMask(x: LazyArray, m: LazyArray, p: number): LazyArray {
  const k = m.ndim;
  const xs = x.shape.slice(p, p + k);
  if (xs.length === k && xs.some((s, j) => Number.isNaN(s) !== Number.isNaN(m.shape[j]))) {
    throw new UnknownChunksError(
      `get with a boolean mask of shape ${fmtShape(m.shape)} on an array of shape ${fmtShape(x.shape)} (the sizes cannot be compared)`,
    );
  }
  if (xs.length !== k || xs.some((s, j) => !(s === m.shape[j] || (Number.isNaN(s) && Number.isNaN(m.shape[j]))))) {
    throw new ValueError(
      `get: boolean mask of shape ${fmtShape(m.shape)} does not match the array of shape ${fmtShape(x.shape)}` +
        (p > 0 ? ` at axis ${p}` : "") +
        `; a mask must have the array's shape, or the shape of the axes it indexes (here axes ${p}..${p + k - 1}: ${fmtShape(xs)})`,
    );
  }
  for (let j = 0; j < k; j++) {
    const cx = x.chunks[p + j];
    const cm = m.chunks[j];
    if ((cx.some(Number.isNaN) || cm.some(Number.isNaN)) && !sameAxisChunks(cx, cm)) {
      throw new UnknownChunksError(`get with a boolean mask whose chunks differ from the array's along axis ${p + j}`);
    }
  }
  const known = !hasUnknown(x.chunks.slice(p, p + k)) && !hasUnknown(m.chunks);
  const gx = x.numBlocks.slice(p + 1, p + k);
  const gm = m.numBlocks.slice(1);
  const cx0 = x.chunks[p];
  const cm0 = m.chunks[0];
  // the first masked axis: split as dask's ravel does, then the common refinement of x's and the mask's
  let rows: { xb: number; xs: number; mb: number; ms: number; n: number }[];
  const fx = known && k > 1 ? product(gx) : 1;
  const fm = known && k > 1 ? product(gm) : 1;
  if (fx === 1 && fm === 1 && sameAxisChunks(cx0, cm0)) {
    rows = cx0.map((_, i) => ({ xb: i, xs: 0, mb: i, ms: 0, n: -1 }));
  } else {
    const ex = expandTuple(cx0, fx);
    const em = expandTuple(cm0, fm);
    const common = sameAxisChunks(ex, em) ? ex : commonChunks([ex, em]);
    const offs = cumulative(common);
    rows = common.map((n, i) => {
      const lx = locate(cx0, offs[i]);
      const lm = locate(cm0, offs[i]);
      return { xb: lx.block, xs: lx.start, mb: lm.block, ms: lm.start, n };
    });
  }
  // the masked axes hold no element (dask's ravel split leaves no block): one empty block, so that
  // reductions of the result still have a block to start from
  if (rows.length === 0) rows = [{ xb: 0, xs: 0, mb: 0, ms: 0, n: -1 }];
  const chunks: Chunks = [...x.chunks.slice(0, p), rows.map(() => NaN), ...x.chunks.slice(p + k)];
  const dtype = x.dtype;
  const layer = new Layer({
    kind: "boolean-mask",
    label: "boolean-mask",
    chunks,
    dtype,
    dependencies: [x.layer, m.layer],
    task: (idx, key) => {
      const r = rows[idx[p]];
      const pre = idx.slice(0, p);
      const post = idx.slice(p + 1);
      const deps: string[] = [];
      for (const bi of blockIndices(gx)) deps.push(x.layer.key([...pre, r.xb, ...bi, ...post]));
      for (const bj of blockIndices(gm)) deps.push(m.layer.key([r.mb, ...bj]));
      return {
        key,
        op: "slicing.mask",
        params: { p, k, gx, gm, xStart: r.xs, mStart: r.ms, count: r.n, dtype } satisfies MaskParams,
        deps,
      };
    },
  });
  return new LazyArray(layer);
}

// ------------------------------------------------------------------------------------------------
// computeChunkSizes

/**
 * Compute every block once to measure its shape, and return an array over the same graph whose
 * chunk sizes are known (a pass-through layer: computing it recomputes the blocks).
 */
export async function computeChunkSizes(x: LazyArray, opts: ComputeOptions): Promise<LazyArray> {
  if (!hasUnknown(x.chunks)) return x;
  const shapes = new Layer({
    kind: "blockwise",
    label: "chunk-sizes",
    chunks: x.chunks,
    dtype: "object",
    dependencies: [x.layer],
    task: (idx, key) => ({ key, op: "slicing.shape", params: null, deps: [x.layer.key(idx)] }),
  });
  const results = await executeAsync(plan([shapes], shapes.keys(), opts.optimize ?? true), opts);
  const nb = x.numBlocks;
  const sizes: number[][] = nb.map((n) => new Array<number>(n).fill(NaN));
  for (const idx of blockIndices(nb)) {
    const s = results.get(shapes.key(idx)) as number[];
    idx.forEach((i, a) => {
      const known = x.chunks[a][i];
      if (!Number.isNaN(known) && known !== s[a]) {
        throw new ValueError(`computeChunkSizes: block [${idx.join(", ")}] has size ${s[a]} along axis ${a} but the chunks say ${known}`);
      }
      if (!Number.isNaN(sizes[a][i]) && sizes[a][i] !== s[a]) {
        throw new ValueError(`computeChunkSizes: blocks along axis ${a} at position ${i} disagree on their size (${sizes[a][i]} and ${s[a]})`);
      }
      sizes[a][i] = s[a];
    });
  }
  const layer = new Layer({
    kind: "blockwise",
    label: "known-chunks",
    chunks: sizes,
    dtype: x.dtype,
    dependencies: [x.layer],
    task: (idx, key) => ({
      key,
      op: "slicing.known",
      params: { shape: idx.map((i, a) => sizes[a][i]) } satisfies KnownParams,
      deps: [x.layer.key(idx)],
    }),
  });
  return new LazyArray(layer);
}

// ------------------------------------------------------------------------------------------------
// blocks: dask's x.blocks[...]

registerKernel<null>("slicing.block", (inputs) => inputs[0]);

/**
 * The blocks of `x` selected by an index over its block grid (dask's `x.blocks[...]`): integers
 * (negative allowed) and slices per axis, "..." for the rest; every axis is kept (an integer selects
 * one block). No data is touched until compute, and then only the selected blocks. Works with unknown
 * chunk sizes.
 */
export function selectBlocks(x: LazyArray, index: readonly Index[]): LazyArray {
  const nb = x.numBlocks;
  const items = index.map((ix, pos) => parseItem(ix, pos));
  const ell = items.findIndex((it) => it.kind === "ellipsis");
  if (items.some((it) => it.kind === "newaxis" || it.kind === "mask") || items.filter((it) => it.kind === "ellipsis").length > 1) {
    throw new TypeError("blocks: use integers, slices and at most one \"...\" (over the grid of blocks); new axes and masks are for `get`");
  }
  const rest = items.filter((it) => it.kind !== "ellipsis");
  if (rest.length > nb.length) {
    throw new IndexError(`blocks: too many indices (${rest.length}) for an array with ${nb.length} axes of blocks (grid [${nb.join(", ")}])`);
  }
  const fill: Item[] = new Array(nb.length - rest.length).fill({ kind: "slice", value: COLON });
  const full = ell < 0 ? [...rest, ...fill] : [...items.slice(0, ell), ...fill, ...items.slice(ell + 1)];
  const sel: number[][] = full.map((it, a) => {
    if (it.kind === "int") {
      const k = it.value < 0 ? it.value + nb[a] : it.value;
      if (k < 0 || k >= nb[a]) throw new IndexError(`blocks: block index ${it.value} is out of range for axis ${a} with ${nb[a]} blocks`);
      return [k];
    }
    const [start, count, step] = sliceIndices((it as { value: PySlice }).value, nb[a]);
    return Array.from({ length: count }, (_, i) => start + i * step);
  });
  const layer = new Layer({
    kind: "getitem",
    label: "blocks",
    chunks: sel.map((s, a) => s.map((k) => x.chunks[a][k])),
    dtype: x.dtype,
    dependencies: [x.layer],
    task: (idx, key) => ({ key, op: "slicing.block", params: null, deps: [x.layer.key(idx.map((i, a) => sel[a][i]))] }),
  });
  return new LazyArray(layer);
}
