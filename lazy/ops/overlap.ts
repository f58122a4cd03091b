/**
 * mapOverlap (dask's map_overlap): apply a function to every block extended by a halo from its
 * neighbour blocks, and by a boundary condition at the array's outer edges.
 *
 * Unlike dask, which builds getitem + concatenate tasks for the halos (ArrayOverlapLayer) and then
 * trims in separate tasks, one task per output block gathers everything itself: it depends on the
 * up to 3^k neighbour blocks (k = axes with depth > 0), copies the block and depth-wide strips of its
 * neighbours into one preallocated padded block, fills the boundary, calls the function and trims.
 */
import { Block, copyInto, emptyBlock, toNDArray, view } from "../core/block";
import { UnknownChunksError, cumulative, hasUnknown, normalizeAxis } from "../core/chunks";
import { DType, allocate, castValue, checkDType, objectNotSupported } from "../core/dtype";
import { Key, Layer, registerKernel } from "../graph/graph";
import { BlockFunction, BlockInfo, Boundary, LazyArray, MapOverlapOptions } from "../core/array";
import { InfoParams, callUser, decodeInfo, infoParams, toResultBlock } from "./blockwise";
import { portableHint, portableSource, userFunction } from "../graph/userfn";
import { TypeError, ValueError } from "../core/errors";

interface CopyRegion {
  /** Input slot. */
  slot: number;
  /** Start, count and step (-1: reflected, 0: repeated edge) in the input block, per axis. */
  start: number[];
  count: number[];
  step: number[];
  /** Where it goes in the padded block. */
  dst: number[];
}

interface FillRegion {
  /** Constant (null for NaN, which JSON cannot hold). */
  value: number | bigint | null;
  count: number[];
  dst: number[];
}

interface OverlapParams {
  /** dtype of the input (and of the padded block). */
  inDtype: DType;
  outDtype: DType;
  padded: number[];
  copies: CopyRegion[];
  fills: FillRegion[];
  /** Start of the kept part of the function's output, or null when trim is false. */
  trimStart: number[] | null;
  /** Shape of the block after trimming. */
  trimShape: number[];
  info: InfoParams;
  label: string;
  /** Source of a portable function (compiled where the task runs); absent: `local.fn`. */
  source?: string;
}

registerKernel<OverlapParams>("map-overlap", (inputs, p, local) => {
  const fn = userFunction(local, p.source, "mapOverlap") as unknown as BlockFunction;
  const padded = emptyBlock(p.inDtype, p.padded);
  for (const c of p.copies) copyInto(padded, c.dst, view(inputs[c.slot] as Block, c.start, c.count, c.step));
  for (const f of p.fills) {
    const one = allocate(p.inDtype, 1);
    (one as unknown as { [i: number]: number | bigint })[0] = f.value === null ? NaN : f.value;
    copyInto(padded, f.dst, { data: one, shape: f.count, stride: f.count.map(() => 0), offset: 0 });
  }
  const info: BlockInfo = decodeInfo(p.info);
  let r: ReturnType<BlockFunction>;
  try {
    r = callUser(p.label, info, () => fn(toNDArray(padded), info));
  } catch (e) {
    throw p.source !== undefined ? portableHint(e, "mapOverlap") : e;
  }
  const b = toResultBlock(
    r,
    p.padded,
    p.outDtype,
    p.label,
    info,
    "a mapOverlap function must return a block of the same shape as the padded block it receives (use mapBlocks for shape changes)",
    "the padded block it received has shape",
  );
  return p.trimStart ? view(b, p.trimStart, p.trimShape) : b;
});

const BOUNDARY_NAMES = ["none", "reflect", "periodic", "nearest"];

function isNonNegInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function coerceDepth(depth: MapOverlapOptions["depth"], nd: number): number[] {
  const check = (v: unknown, a: number): number => {
    if (Array.isArray(v)) {
      throw new TypeError(`mapOverlap: asymmetric depth [${v.join(", ")}] for axis ${a} is not supported; give one non-negative integer per axis`);
    }
    if (!isNonNegInt(v)) throw new ValueError(`mapOverlap: depth for axis ${a} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  };
  if (typeof depth === "number") return Array.from({ length: nd }, (_, a) => check(depth, a));
  if (Array.isArray(depth)) {
    if (depth.length !== nd) {
      throw new ValueError(`mapOverlap: depth has ${depth.length} entries but the array has ${nd} dimension(s); give one per axis, or {axis: depth}`);
    }
    return depth.map((d, a) => check(d, a));
  }
  if (typeof depth !== "object" || depth === null) {
    throw new TypeError(`mapOverlap: depth must be a number, a per-axis list or {axis: depth}, got ${JSON.stringify(depth)}`);
  }
  const out = new Array<number>(nd).fill(0);
  for (const k of Object.keys(depth)) {
    const a = normalizeAxis(Number(k), nd, "mapOverlap: depth axis");
    out[a] = check((depth as { readonly [axis: number]: number })[Number(k)], a);
  }
  return out;
}

function checkBoundary(b: unknown, a: number): Boundary {
  if (typeof b === "number") return b;
  if (typeof b === "string" && BOUNDARY_NAMES.includes(b)) return b as Boundary;
  const hint = b === "constant" ? " (for a constant boundary give the value itself, e.g. 0)" : b === "wrap" ? ' (numpy/scipy "wrap" is "periodic")' : "";
  throw new TypeError(
    `mapOverlap: unknown boundary ${JSON.stringify(b)} for axis ${a}${hint}; use "none", "reflect", "periodic", "nearest" or a number (a constant)`,
  );
}

function coerceBoundary(boundary: MapOverlapOptions["boundary"], nd: number): Boundary[] {
  if (boundary === undefined || boundary === null) return new Array<Boundary>(nd).fill("none");
  if (typeof boundary === "string" || typeof boundary === "number") return Array.from({ length: nd }, (_, a) => checkBoundary(boundary, a));
  if (Array.isArray(boundary)) {
    if (boundary.length !== nd) {
      throw new ValueError(`mapOverlap: boundary has ${boundary.length} entries but the array has ${nd} dimension(s); give one per axis, or {axis: boundary}`);
    }
    return boundary.map((b, a) => checkBoundary(b, a));
  }
  if (typeof boundary !== "object") throw new TypeError(`mapOverlap: boundary must be a Boundary, a per-axis list or {axis: boundary}`);
  const out = new Array<Boundary>(nd).fill("none");
  for (const k of Object.keys(boundary)) {
    const a = normalizeAxis(Number(k), nd, "mapOverlap: boundary axis");
    out[a] = checkBoundary((boundary as { readonly [axis: number]: Boundary })[Number(k)], a);
  }
  return out;
}

/** One piece of the padded block along one axis. */
type Piece =
  | { dst: number; len: number; block: number; start: number; step: number }
  | { dst: number; len: number; value: number | bigint };

/**
 * Apply `fn` to every block padded with `depth` elements from its neighbours (and the boundary at
 * the array's outer edges), as dask's map_overlap, trimming the padding from the result unless
 * `trim` is false.
 *
 * - `depth`: a number for every axis, a per-axis list or `{axis: depth}`; it may not exceed the
 *   smallest chunk along its axis (dask rechunks silently; we ask you to rechunk).
 * - `boundary` (default "none", as dask 2022.12): "reflect" (edge included: numpy "symmetric",
 *   scipy "reflect"), "periodic" (wrap around), "nearest" (repeat the edge value), a number (a
 *   constant), or "none" (no padding at the outer edge, and no trimming there); one for every axis,
 *   a per-axis list or `{axis: boundary}`.
 * - `fn` receives a fresh padded block (it may modify it) and the BlockInfo of that padded block in
 *   the array of padded blocks (dask's block_info for map_overlap); it must return a block of the
 *   same shape.
 * - `trim: false` returns the padded results: the output chunks are the padded block sizes (dask
 *   2022.12 reports the original chunks there although its blocks are padded).
 *
 * The function runs on the main thread unless `portable: true` (then on worker threads, from its
 * source: see userfn.ts). Otherwise the user function travels in the task's `local.fn`, so these
 * tasks always run on the main thread.
 */
export function mapOverlap(x: LazyArray, fn: BlockFunction, opts: MapOverlapOptions): LazyArray {
  if (!(x instanceof LazyArray)) throw new TypeError("mapOverlap: the input must be a LazyArray (wrap in-memory data with lazy.fromArray)");
  if (typeof fn !== "function") throw new TypeError(`mapOverlap: the function must be a function (block, info) => ndarray, got ${typeof fn}`);
  if (!opts || opts.depth === undefined) {
    throw new TypeError("mapOverlap: the `depth` option is required (the halo width: a number, a per-axis list or {axis: depth})");
  }
  if (hasUnknown(x.chunks)) throw new UnknownChunksError("mapOverlap");
  if (x.dtype === "object") throw objectNotSupported("mapOverlap (its boundary fill)");
  const nd = x.ndim;
  const depth = coerceDepth(opts.depth, nd);
  const boundary = coerceBoundary(opts.boundary, nd);
  const trim = opts.trim ?? true;
  const outDtype = opts.dtype !== undefined ? checkDType(opts.dtype, "mapOverlap: dtype") : x.dtype;
  const label = opts.name ?? "map-overlap";
  const source = opts.portable ? portableSource(fn as unknown as (...args: never[]) => unknown, "mapOverlap") : undefined;
  const chunks = x.chunks;
  for (let a = 0; a < nd; a++) {
    if (depth[a] === 0) continue;
    const smallest = chunks[a].reduce((m, v) => Math.min(m, v), Infinity);
    if (depth[a] > smallest) {
      throw new ValueError(
        `mapOverlap: depth ${depth[a]} along axis ${a} is larger than the smallest chunk there (${smallest}; chunks [${chunks[a].join(", ")}]); ` +
          `the halo must come from the neighbouring block alone: rechunk so that every chunk along axis ${a} has at least ${depth[a]} elements ` +
          `(e.g. x.rechunk({${a}: ${Math.max(depth[a], chunks[a][0])}})), or use a smaller depth`,
      );
    }
  }
  const nb = x.numBlocks;
  const padL = chunks.map((c, a) => c.map((_, i) => (depth[a] > 0 && (i > 0 || boundary[a] !== "none") ? depth[a] : 0)));
  const padR = chunks.map((c, a) => c.map((_, i) => (depth[a] > 0 && (i < c.length - 1 || boundary[a] !== "none") ? depth[a] : 0)));
  const paddedChunks = chunks.map((c, a) => c.map((n, i) => n + padL[a][i] + padR[a][i]));
  const paddedOffsets = paddedChunks.map((c) => cumulative(c));
  const outChunks = trim ? chunks.map((c) => c.slice()) : paddedChunks;
  const constant = boundary.map((b) => (typeof b === "number" ? castValue(x.dtype, b) : NaN));

  /** The pieces of the padded block `i` along axis `a`: left halo, the block itself, right halo. */
  const pieces = (a: number, i: number): Piece[] => {
    const c = chunks[a];
    const n = c[i];
    const d = depth[a];
    const b = boundary[a];
    const out: Piece[] = [];
    if (padL[a][i] > 0) {
      if (i > 0) out.push({ dst: 0, len: d, block: i - 1, start: c[i - 1] - d, step: 1 });
      else if (b === "periodic") out.push({ dst: 0, len: d, block: nb[a] - 1, start: c[nb[a] - 1] - d, step: 1 });
      else if (b === "reflect") out.push({ dst: 0, len: d, block: i, start: d - 1, step: -1 });
      else if (b === "nearest") out.push({ dst: 0, len: d, block: i, start: 0, step: 0 });
      else out.push({ dst: 0, len: d, value: constant[a] });
    }
    const pl = padL[a][i];
    out.push({ dst: pl, len: n, block: i, start: 0, step: 1 });
    if (padR[a][i] > 0) {
      const dst = pl + n;
      if (i < nb[a] - 1) out.push({ dst, len: d, block: i + 1, start: 0, step: 1 });
      else if (b === "periodic") out.push({ dst, len: d, block: 0, start: 0, step: 1 });
      else if (b === "reflect") out.push({ dst, len: d, block: i, start: n - 1, step: -1 });
      else if (b === "nearest") out.push({ dst, len: d, block: i, start: n - 1, step: 0 });
      else out.push({ dst, len: d, value: constant[a] });
    }
    return out;
  };

  const layer = new Layer({
    kind: "overlap",
    label,
    chunks: outChunks,
    dtype: outDtype,
    dependencies: [x.layer],
    task: (index, key) => {
      const perAxis = index.map((i, a) => pieces(a, i));
      const deps: Key[] = [];
      const slots = new Map<Key, number>();
      const copies: CopyRegion[] = [];
      const fills: FillRegion[] = [];
      // every combination of pieces (up to 3^k)
      const combo = new Array<number>(nd).fill(0);
      const visit = (a: number): void => {
        if (a < nd) {
          for (let j = 0; j < perAxis[a].length; j++) {
            combo[a] = j;
            visit(a + 1);
          }
          return;
        }
        const ps = combo.map((j, ax) => perAxis[ax][j]);
        const dst = ps.map((p) => p.dst);
        const count = ps.map((p) => p.len);
        // numpy pads axis by axis, so the constant of the last constant axis wins at corners
        let constAxis = -1;
        ps.forEach((p, ax) => {
          if ("value" in p) constAxis = ax;
        });
        if (constAxis >= 0) {
          const v = (ps[constAxis] as { value: number | bigint }).value;
          fills.push({ value: typeof v === "number" && Number.isNaN(v) ? null : v, count, dst });
          return;
        }
        const src = ps as { block: number; start: number; step: number }[];
        const k = x.layer.key(src.map((p) => p.block));
        let slot = slots.get(k);
        if (slot === undefined) {
          slot = deps.length;
          deps.push(k);
          slots.set(k, slot);
        }
        copies.push({ slot, start: src.map((p) => p.start), count, step: src.map((p) => p.step), dst });
      };
      visit(0);
      const params: OverlapParams = {
        inDtype: x.dtype,
        outDtype,
        padded: index.map((i, a) => paddedChunks[a][i]),
        copies,
        fills,
        trimStart: trim ? index.map((i, a) => padL[a][i]) : null,
        trimShape: index.map((i, a) => chunks[a][i]),
        info: infoParams(paddedOffsets, index, outDtype),
        label: opts.name ? `mapOverlap (${opts.name})` : "mapOverlap",
      };
      if (source !== undefined) return { key, op: "map-overlap", params: { ...params, source }, deps };
      return { key, op: "map-overlap", params, deps, local: { fn: fn as unknown as (...args: never[]) => unknown } };
    },
  });
  return new LazyArray(layer);
}
