/**
 * HyperSpy 1.7.3's `rebin` (signal.py BaseSignal.rebin, _signals/lazy.py LazySignal.rebin,
 * misc/array_tools.py rebin / _linear_bin) and `hs.stack` (misc/utils.py stack).
 *
 * rebin:
 * - `newShape` or `scale` (exactly one), one entry per axis in natural order (navigation x, y, ...,
 *   then signal x, y, ...). The factor of an axis is `size / newShape` or the scale entry.
 * - Integer factors that divide the sizes sum blocks, through the engine (rechunk so that chunk
 *   edges fall on block edges, reshape to (n0, f0, n1, f1, ...), sum the fi axes): lazy signals stay
 *   lazy, eager ones are computed at once (one code path). dtype as numpy's sum (signed integers
 *   and bool sum to int64, unsigned to uint64), or `dtype` ("same" or a dtype). All factors 1: a
 *   copy, `dtype` ignored (as HyperSpy).
 * - Other factors (non-divisors, fractions, upsampling): HyperSpy's linear interpolation
 *   (_linear_bin) for in-memory signals only; `crop` (default true) drops a last partial bin. Lazy
 *   signals raise HyperSpy's NotImplementedError message.
 * - Axes: scale *= factor, offset += (factor - 1) * scale / 2; the class and metadata are kept.
 *
 * stack: see `stack` below.
 */
import { LazyArray } from "../lazy/core/array";
import { fromArray } from "../lazy/ops/creation";
import { concatenate as lzConcatenate, stack as lzStack } from "../lazy/ops/rechunk";
import { Block, NDArray, contiguous, toNDArray, makeBlock, tagDType, dtypeOf } from "../lazy/core/block";
import { DType, DTYPES, isFloat } from "../lazy/core/dtype";
import { DataAxis, AxesManager } from "./axes";
import type { BaseSignal, SignalData } from "./signal";
import type { MetadataValue } from "./metadata";
import { rejectRagged } from "./ragged";
import { NotImplementedError, TypeError, ValueError } from "../lazy/core/errors";

export interface RebinOptions {
  /** New sizes, natural order (navigation then signal), as HyperSpy's new_shape. */
  newShape?: readonly number[];
  /** Factors (old pixels per new pixel), natural order, as HyperSpy's scale. */
  scale?: readonly number[];
  /**
   * Interpolating rebin only: drop a last, partial bin (default true, as HyperSpy's eager rebin).
   * Summing rebin (divisors) never has partial bins.
   */
  crop?: boolean;
  /** Result dtype: "same" keeps the input's; default numpy's sum rules (signed integers -> int64, unsigned -> uint64). */
  dtype?: DType | "same";
}

function lazyOf(d: SignalData): LazyArray {
  return d instanceof LazyArray ? d : fromArray(d, { chunks: -1 });
}

function fmt(a: readonly number[]): string {
  return `[${a.join(", ")}]`;
}

/** A new signal of `s`'s class (HyperSpy's _deepcopy_with_new_data keeps the class) over `data` with `axes`. */
function sameClass(s: BaseSignal, data: SignalData, axes: DataAxis[]): BaseSignal {
  const cls = s.constructor as new (data: unknown, opts: object) => BaseSignal;
  return new cls(data, { axes, metadata: s.metadata, originalMetadata: s.originalMetadata });
}

/** HyperSpy's _validate_rebin_args_and_get_factors: the factors in array order. */
function factorsOf(s: BaseSignal, opts: RebinOptions): number[] {
  const am = s.axesManager;
  const shape = am.axes.map((a) => a.size);
  const { newShape, scale } = opts;
  if (newShape === undefined && scale === undefined) {
    throw new TypeError("One of new_shape, or scale must be specified (rebin: give newShape or scale, natural order: navigation then signal)");
  }
  if (newShape !== undefined && scale !== undefined) {
    throw new TypeError("Only one out of new_shape or scale should be specified. Not both. (rebin: give newShape or scale)");
  }
  const given = (newShape ?? scale) as readonly number[];
  const what = newShape !== undefined ? "new_shape" : "scale";
  if (!Array.isArray(given) || given.length !== shape.length) {
    throw new ValueError(
      `Wrong ${what} size (rebin: ${newShape !== undefined ? "newShape" : "scale"} needs ${shape.length} entries, one per axis in natural order ${am.dimensionString()}, got ${Array.isArray(given) ? given.length : String(given)})`,
    );
  }
  for (const v of given) {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (newShape !== undefined && !Number.isInteger(v))) {
      throw new ValueError(`rebin: ${newShape !== undefined ? "newShape entries must be positive integers" : "scale entries must be positive numbers"}, got ${fmt(given)}`);
    }
  }
  return am.axes.map((a, i) => {
    const nat = am.indexInAxesManager(a);
    return newShape !== undefined ? shape[i] / newShape[nat] : (scale as readonly number[])[nat];
  });
}

/** Chunks of one axis rounded so that every edge is a multiple of f (the block edges). */
function alignChunks(chunks: readonly number[], f: number): number[] {
  const edges: number[] = [0];
  let pos = 0;
  for (const c of chunks) {
    pos += c;
    const e = Math.floor(pos / f) * f;
    if (e > edges[edges.length - 1]) edges.push(e);
  }
  return edges.slice(1).map((e, i) => e - edges[i]);
}

/** HyperSpy's rebin: sum blocks for integer divisors, interpolate otherwise (in-memory signals only). */
export function rebin(s: BaseSignal, opts: RebinOptions): BaseSignal {
  if (typeof opts !== "object" || opts === null) throw new TypeError("rebin: give options {newShape} or {scale}");
  rejectRagged(s, "rebin");
  const factors = factorsOf(s, opts);
  const am = s.axesManager;
  const shape = am.axes.map((a) => a.size);
  const dtypeOpt = opts.dtype;
  if (dtypeOpt !== undefined && dtypeOpt !== "same" && !(DTYPES as readonly DType[]).includes(dtypeOpt)) {
    throw new TypeError('`dtype` argument needs to be None, a numpy dtype or the string "same". (rebin: dtype is undefined, "same" or one of ' + DTYPES.join(", ") + ")");
  }
  const needsLinear = factors.some((f, i) => !Number.isInteger(f) || shape[i] % f !== 0);
  const axes = am.axes.map((a, i) => {
    const c = a.copy();
    const f = factors[i];
    c.offset = a.offset + ((f - 1) * a.scale) / 2;
    c.scale = a.scale * f;
    return c;
  });
  if (needsLinear) {
    if (s.isLazy) {
      const hint = ` (factors in natural order: ${fmt(am.naturalOrder().map((a) => factors[am.indexInArray(a)]))} for ${am.dimensionString()}; compute() the signal first to interpolate in memory)`;
      throw new NotImplementedError(
        (opts.newShape !== undefined
          ? "Lazy rebin requires that the new shape is a divisor of the original signal shape e.g. if original shape (10| 6), new_shape=(5| 3) is valid, (3 | 4) is not."
          : "Lazy rebin requires scale to be integer and divisor of the original signal shape") + hint,
      );
    }
    const out = linearBin(s.data as NDArray, factors, opts.crop ?? true, dtypeOpt === "same" ? s.dtype : dtypeOpt);
    out.shape.forEach((n, i) => (axes[i].size = n));
    return sameClass(s, out, axes);
  }
  const newShape = shape.map((n, i) => n / factors[i]);
  newShape.forEach((n, i) => (axes[i].size = n));
  if (Math.max(...factors) < 2) {
    // HyperSpy returns a.copy() (dtype ignored)
    const data = s.isLazy ? s.data : s.deepcopy().data;
    return sameClass(s, data, axes);
  }
  let x = lazyOf(s.data);
  const aligned = x.chunks.map((c, i) => alignChunks(c, factors[i]));
  if (aligned.some((c, i) => c.length !== x.chunks[i].length || c.some((v, j) => v !== x.chunks[i][j]))) x = x.rechunk(aligned);
  const rshape: number[] = [];
  newShape.forEach((n, i) => rshape.push(n, factors[i]));
  const sumDtype = dtypeOpt === "same" ? s.dtype : dtypeOpt;
  const r = x.reshape(rshape).sum({ axis: shape.map((_, i) => 2 * i + 1), ...(sumDtype !== undefined ? { dtype: sumDtype } : {}) });
  const data: SignalData = s.isLazy ? r : (r.computeSync() as NDArray);
  return sameClass(s, data, axes);
}

/**
 * HyperSpy's _linear_bin / _linear_bin_loop: each axis in turn, new pixel j gathers the old pixels
 * in [j*scale, (j+1)*scale) with fractional weights at the edges. Float result (integers -> float64).
 */
function linearBin(nd: NDArray, factors: readonly number[], crop: boolean, dtype: DType | undefined): NDArray {
  let dt: DType = dtypeOf(nd);
  if (dtype !== undefined && !isFloat(dtype)) {
    throw new TypeError(`Linear interpolation requires float dtype, change the dtype argument. (rebin: the factors do not divide the shape, so the result is interpolated; dtype ${dtype} is not a float)`);
  }
  if (!isFloat(dt)) dt = "float64";
  if (dtype !== undefined) dt = dtype;
  const f32 = dt === "float32";
  const round = f32 ? Math.fround : (v: number) => v;
  let b: Block = contiguous(nd as unknown as Block);
  let shape = b.shape.slice();
  let data: ArrayLike<number> = b.data as ArrayLike<number>;
  let offset = b.offset;
  let result: Float64Array | Float32Array = new Float64Array(0);
  factors.forEach((scale, axis) => {
    const n = shape[axis];
    const dim = crop ? Math.floor(n / scale) : Math.ceil(n / scale);
    if (dim === 0) {
      throw new ValueError("One of your dimensions collapses to zero. Re-adjust your scale values or run code with crop=False to avoid this error.");
    }
    const outer = shape.slice(0, axis).reduce((p, v) => p * v, 1);
    const inner = shape.slice(axis + 1).reduce((p, v) => p * v, 1);
    const res = f32 ? new Float32Array(outer * dim * inner) : new Float64Array(outer * dim * inner);
    const src = (o: number, k: number, i: number) => round(Number(data[offset + (o * n + k) * inner + i]));
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        for (let j = 0; j < dim; j++) {
          const at = (o * dim + j) * inner + i;
          const add = (k: number, w: number) => {
            res[at] = res[at] + round(src(o, k, i) * w);
          };
          let x1 = j * scale;
          const x2 = Math.min((1 + j) * scale, n);
          if (x2 - x1 >= 1) {
            const cx1 = Math.ceil(x1);
            add(Math.floor(x1), cx1 - x1);
            x1 = cx1;
            while (x2 - x1 >= 1) {
              add(Math.trunc(x1), 1);
              x1 += 1;
            }
            if (x2 > x1) add(Math.floor(x1), x2 - x1);
          } else {
            const fx1 = Math.floor(x1);
            const cx1 = Math.ceil(x1);
            if (scale > cx1 - x1 && cx1 - x1 > 0) {
              add(fx1, cx1 - x1);
              x1 = cx1;
            }
            if (x1 < x2) add(Math.floor(x1), x2 - x1);
          }
        }
      }
    }
    shape = shape.slice();
    shape[axis] = dim;
    data = res;
    offset = 0;
    result = res;
  });
  return tagDType(toNDArray(makeBlock(result, shape)), dt);
}

// ------------------------------------------------------------------------------------------------
// stack

export interface StackOptions {
  /**
   * null / undefined: stack along a new navigation axis, the last in natural order (array axis 0).
   * Otherwise concatenate along this existing axis (natural index or name, of the first signal).
   */
  axis?: number | string | null;
  /** Name of the new axis (default "stack_element"; "_1", "_2"... appended if the name is taken). */
  newAxisName?: string;
  /** Lazy result (default: lazy if any signal is lazy, as HyperSpy's lazy=None). */
  lazy?: boolean;
}

/**
 * HyperSpy 1.7.3's hs.stack: stack signals along a new navigation axis (`axis` null, the default),
 * or concatenate them along an existing axis. All signals must have the same shape (except along
 * `axis`); the axes and class come from the first signal, the title is "Stack of <first title>",
 * the metadata is the first signal's plus `_HyperSpy.Stacking_history` {axis, step_sizes}, and
 * original metadata gets `stack_elements.element<i>` {original_metadata, metadata} (stack_metadata=True).
 * One signal: returned as a copy (lazy or not as asked), unchanged.
 */
export function stack(signals: readonly BaseSignal[], opts: StackOptions = {}): BaseSignal {
  if (!Array.isArray(signals as unknown) || signals.length === 0) throw new TypeError("stack: give a non-empty list of signals");
  signals.forEach((x, i) => {
    if (typeof x !== "object" || x === null || !(x.axesManager instanceof AxesManager)) {
      throw new TypeError(`Objects of type ${typeof x} cannot be stacked (stack: item ${i} is not a signal)`);
    }
  });
  signals.forEach((x) => rejectRagged(x, "stack"));
  if (opts.lazy !== undefined && typeof opts.lazy !== "boolean") throw new TypeError("'lazy' argument has to be None, True or False (stack: lazy is true, false or undefined)");
  const lazy = opts.lazy ?? signals.some((x) => x.isLazy);
  const first = signals[0];
  const finish = (r: LazyArray, axes: DataAxis[]): BaseSignal => {
    const data: SignalData = lazy ? r : (r.computeSync() as NDArray);
    return first.withData(data, axes);
  };
  if (signals.length === 1) {
    // HyperSpy returns the (lazy-cast, maybe computed) signal itself: title unchanged
    return finish(lazyOf(first.data), first.axesManager.axes.map((a) => a.copy()));
  }
  const axisIn = opts.axis ?? null;
  const am0 = first.axesManager;
  let cat: DataAxis | null = null;
  if (axisIn !== null) {
    if (typeof axisIn !== "number" && typeof axisIn !== "string") throw new TypeError(`stack: axis is null, a natural index or a name, got ${String(axisIn)}`);
    try {
      cat = am0.get(axisIn);
    } catch (e) {
      const names = am0.naturalOrder().map((a) => a.name).filter((n): n is string => n !== undefined);
      throw new ValueError(
        `stack: ${(e as Error).message} in the first signal ${am0.dimensionString()} (axis is a natural index from ${-am0.axes.length} to ${am0.axes.length - 1}${names.length ? ` or one of the names ${names.map((n) => JSON.stringify(n)).join(", ")}` : ""}, or null for a new axis)`,
      );
    }
  }
  const catArray = cat === null ? -1 : am0.indexInArray(cat);
  const shapeKey = (x: BaseSignal) => x.axesManager.axes.map((a, i) => `${a.navigate ? "n" : "s"}${i === catArray ? "*" : a.size}`).join(",");
  const want = shapeKey(first);
  signals.forEach((x, i) => {
    if (shapeKey(x) !== want) {
      throw new ValueError(
        `The signals cannot be broadcasted (stack: all signals must have the same shape${cat === null ? "" : ` except along the stacking axis ${cat.toString()}`}, but signal 0 is ${am0.dimensionString()} and signal ${i} is ${x.axesManager.dimensionString()}; HyperSpy's broadcasting of signals is not supported, make the shapes equal first)`,
      );
    }
  });
  const arrays = signals.map((x) => lazyOf(x.data));
  let result: BaseSignal;
  let historyAxis: MetadataValue;
  let stepSizes: MetadataValue;
  if (cat === null) {
    const names = am0.axes.map((a) => a.name);
    const base = opts.newAxisName ?? "stack_element";
    if (typeof base !== "string") throw new TypeError("stack: newAxisName must be a string");
    let name = base;
    for (let j = 1; names.includes(name); j++) name = `${base}_${j}`;
    const axes = [new DataAxis({ name, size: signals.length, navigate: true }), ...am0.axes.map((a) => a.copy())];
    result = finish(lzStack(arrays, 0), axes);
    // HyperSpy records the natural index of the new axis (the last navigation axis)
    historyAxis = result.axesManager.navigationDimension - 1;
    stepSizes = 1;
  } else {
    const axes = am0.axes.map((a) => a.copy());
    const sizes = signals.map((x) => x.axesManager.axes[catArray].size);
    axes[catArray].size = sizes.reduce((p, v) => p + v, 0);
    result = finish(lzConcatenate(arrays, catArray), axes);
    historyAxis = axisIn;
    stepSizes = sizes;
  }
  result.metadata = first.metadata.deepcopy();
  result.metadata.setItem("General.title", `Stack of ${first.title}`);
  result.metadata.setItem("_HyperSpy.Stacking_history.axis", historyAxis);
  result.metadata.setItem("_HyperSpy.Stacking_history.step_sizes", stepSizes);
  result.originalMetadata = first.originalMetadata.deepcopy();
  signals.forEach((x, i) => {
    result.originalMetadata.setItem(`stack_elements.element${i}.original_metadata`, x.originalMetadata.deepcopy());
    result.originalMetadata.setItem(`stack_elements.element${i}.metadata`, x.metadata.deepcopy());
  });
  return result;
}
