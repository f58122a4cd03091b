/**
 * HyperSpy's `map` (2.x semantics, numbers checked against HyperSpy 1.7.3): apply a function to every
 * navigation pixel's signal.
 *
 * - `fn(signal, args)`: `signal` is the pixel's signal, an ndarray view in array order (do not modify
 *   it); a signal with no signal axes (`(3, 2|)`) gives a number, as HyperSpy's real calls (its
 *   shape-guess call alone gets a (1,) array, so `x * 2` there makes `(3, 2|1)`; here `(3, 2|)`);
 *   `args` holds, by name, the pixel's value of every signal in `opts.args` whose navigation shape
 *   equals this signal's (squeezed as numpy's np.squeeze: size-1 dims dropped, a single value as a
 *   number), and every other value as a constant (a signal with navigation shape [] or [1] is the
 *   constant np.squeeze(data): a number or an ndarray).
 * - Output signal shape and dtype: given (`outputSignalSize` in ARRAY order, `outputDtype`) or found
 *   by calling `fn` once on pixel 0 (as HyperSpy: numbers give float64, booleans bool, ndarrays
 *   their dtype, JS arrays float64).
 * - One code path: eager data is wrapped as one block and computed through the engine (on this
 *   thread); lazy data gives ONE mapBlocks layer over the navigation chunks (signal axes joined into
 *   one chunk, iterating signals rechunked to the same navigation chunks).
 * - Axes: navigation axes kept; the first signal axes (array order) are kept with their calibration
 *   (size refreshed), surplus ones removed, missing ones appended unnamed (HyperSpy's bookkeeping).
 *   A scalar per pixel removes the signal axes; with no navigation either, a "Scalar" axis of size 1.
 *
 * Deliberate differences from HyperSpy:
 * - `inplace` (default true, as HyperSpy) changes this signal: as HyperSpy assigns `__class__`, the
 *   object keeps its identity and metadata while its class (prototype), axes and data become the
 *   result's (`Signal2D (2|4, 4)` mapped with a sum becomes a `BaseSignal (2|)`; a lazy output makes
 *   it a lazy class). It returns the signal (HyperSpy returns None). Eager data of unchanged shape
 *   and dtype is written into the same buffer (as HyperSpy's da.store).
 * - Trailing size-1 output dims are kept in the data (HyperSpy squeezes them out of the data while
 *   the axes keep them: `(3, 2|1)` with data (2, 3)); here data and axes agree.
 * - Per-pixel results must have exactly the output shape (or one element, broadcast); numpy's other
 *   broadcasting into the output is not done.
 * - Errors inside `fn` name the navigation pixel (natural order) and keep the original as `cause`.
 * - Over a ragged signal, `fn` receives the pixel's element itself (e.g. its ndarray of peak
 *   positions), also in the shape-guess call (HyperSpy's guess call gets it wrapped in a (1, n)
 *   array, so `lambda x: x[:2]` guesses shape (1, 2) there).
 *
 * Ragged output (`ragged: true`, or inherited from a ragged signal as HyperSpy's `ragged=None`):
 * each pixel's result is stored as it is returned (an ndarray of any length, a JS array, a dict...;
 * an ndarray that is a view of the input is copied) in an object array of the navigation shape;
 * no shape-guess call is made; the axes are the navigation axes only and the result is a ragged
 * BaseSignal / LazySignal (`(3, 2|ragged)`). On a lazy signal it is the same one blockwise layer
 * over the navigation chunks. Object data never goes to worker threads: with ragged input or
 * output every task runs on the main thread (`portable` is ignored there).
 */
import { LazyArray } from "../lazy/core/array";
import type { Block, NDArray } from "../lazy/core/block";
import { dtypeOf, isBlock, toNDArray, contiguous, copyOf } from "../lazy/core/block";
import { hasUnknown, UnknownChunksError } from "../lazy/core/chunks";
import { DType, checkDType, dtypeOfTypedArray } from "../lazy/core/dtype";
import { mapBlocks } from "../lazy/ops/blockwise";
import { portableSource } from "../lazy/graph/userfn";
import { DataAxis } from "./axes";
import { isSignal } from "./arithmetic";
import type { BaseSignal, SignalData } from "./signal";
import { TypeError, ValueError } from "../lazy/core/errors";

/** Per-pixel values of iterating signals and constants, by the names given in `args`. */
export type MapArgs = { [name: string]: unknown };
/** What the mapped function may return for one pixel (with `ragged: true`: any JS value). */
export type MapResult = NDArray | Block | number | boolean | ArrayLike<number> | readonly unknown[];
/**
 * The mapped function: the pixel's signal (an ndarray view; over a ragged signal, the pixel's
 * element, whose type `T` names: default NDArray, not checked) and the per-pixel / constant args.
 * It returns a MapResult, or any JS value when the output is ragged.
 */
export type MapFunction<T = NDArray> = (signal: T, args: MapArgs) => MapResult | object | string | null;
export interface MapOptions {
  /** Signals with the same navigation shape iterate alongside (each pixel's value), anything else is a constant. */
  args?: MapArgs;
  /** Change this signal (default true, as HyperSpy); see the module notes. False returns a new signal. */
  inplace?: boolean;
  /** Lazy result (default: the signal's laziness). */
  lazyOutput?: boolean;
  /** Shape of each pixel's output in ARRAY order (HyperSpy's output_signal_size); default: from a call on pixel 0. */
  outputSignalSize?: readonly number[];
  /** Output dtype; default: from a call on pixel 0. */
  outputDtype?: DType;
  /**
   * Ragged output (HyperSpy's ragged): each pixel's result is kept as returned (any length or type)
   * in a ragged signal. Default: the signal's own `ragged` (HyperSpy's None).
   */
  ragged?: boolean;
  /** Run `fn` on worker threads (mapBlocks' portable): it may then use only its arguments; constants must be JSON values. */
  portable?: boolean;
}

/** Parameters of the per-block worker (JSON: they travel to workers with portable functions). */
interface BlockParams {
  nNav: number;
  /** Per input: first trailing position and its signal shape; whether its pixel value is squeezed; whether it holds objects (a ragged signal: its element is passed). */
  inputs: { start: number; sig: number[]; squeeze: boolean; object: boolean }[];
  /** Names of the iterating arguments (inputs 1..). */
  argKeys: string[];
  outSig: number[];
  outDtype: DType;
  /** Only call fn on the block's first pixel and return its raw result. */
  guess: boolean;
}

/**
 * The per-block worker: loops over the block's navigation pixels (C order), calls `fn`, writes the
 * output block. SELF-CONTAINED (no outside names) because its source is sent to worker threads when
 * the user's function is portable.
 */
function processBlock(
  blocks: NDArray[],
  info: { arrayLocation: [number, number][] } | null,
  fn: MapFunction<unknown>,
  p: BlockParams,
  consts: MapArgs,
  keepObject: ((r: unknown, inputs: NDArray[]) => unknown) | null,
): unknown {
  const nNav = p.nNav;
  const data = blocks[0];
  const chunkNav = data.shape.slice(0, nNav);
  const nTrail = data.shape.length - nNav;
  const outSize = p.outSig.reduce((a, b) => a * b, 1);
  const nPix = chunkNav.reduce((a, b) => a * b, 1);
  const ctors: { [k: string]: new (n: number) => ArrayLike<number | bigint> } = {
    bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array,
    uint16: Uint16Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array,
    int64: BigInt64Array, uint64: BigUint64Array,
  };
  const bigOut = p.outDtype === "int64" || p.outDtype === "uint64";
  const isBool = p.outDtype === "bool";
  const isObject = p.outDtype === "object";
  const out = p.guess ? null : isObject ? new Array<unknown>(nPix).fill(null) : new ctors[p.outDtype](nPix * outSize);
  const fmt = (s: readonly number[]) => "(" + s.join(", ") + (s.length === 1 ? ",)" : ")");
  const pick = (k: number, idx: number[]): unknown => {
    const inp = p.inputs[k];
    const b = blocks[k];
    const args: (number | null)[] = idx.slice();
    for (let t = 0; t < nTrail; t++) {
      const j = t - inp.start;
      const inside = j >= 0 && j < inp.sig.length;
      args.push(inside && !(inp.squeeze && inp.sig[j] === 1) ? null : 0);
    }
    if (inp.object) return (b.get as (...a: (number | null)[]) => unknown)(...args.map((v) => (v === null ? 0 : v)));
    const v = (b.pick as (...a: (number | null)[]) => NDArray)(...args);
    if (typeof v === "number") return v;
    if (v.shape.length === 0) return v.data[v.offset];
    return v;
  };
  const idx = chunkNav.map(() => 0);
  const base = info ? info.arrayLocation.slice(0, nNav).map((l) => l[0]) : chunkNav.map(() => 0);
  for (let n = 0; n < nPix; n++) {
    const where = () => "navigation pixel " + fmt(idx.map((v, a) => v + base[a]).reverse()) + " (natural order)";
    const a: { [k: string]: unknown } = Object.assign({}, consts);
    p.argKeys.forEach((key, k) => (a[key] = pick(k + 1, idx)));
    let r: unknown;
    try {
      r = fn(pick(0, idx), a);
    } catch (e) {
      const msg = e instanceof Error ? e.name + ": " + e.message : String(e);
      const err = new Error("map: the function threw on " + where() + ": " + msg, { cause: e });
      err.name = "MapFunctionError";
      throw err;
    }
    if (p.guess) return r;
    if (isObject) {
      // ragged output: the value itself, one per pixel
      if (r === undefined) throw new TypeError("map: the function returned undefined (did it forget to return?) on " + where() + "; with ragged: true any other value is kept as it is");
      (out as unknown[])[n] = keepObject ? keepObject(r, blocks) : r;
      for (let d = nNav - 1; d >= 0; d--) {
        if (++idx[d] < chunkNav[d]) break;
        idx[d] = 0;
      }
      continue;
    }
    // the result's values in C order, and its shape
    let vals: ArrayLike<number | boolean | bigint>;
    let shape: number[];
    if (typeof r === "number" || typeof r === "boolean" || typeof r === "bigint") {
      vals = [r];
      shape = [];
    } else if (r !== null && typeof r === "object" && Array.isArray((r as Block).shape) && (r as Block).data !== undefined && Array.isArray((r as Block).stride)) {
      const b = r as Block;
      shape = b.shape.slice();
      const size = shape.reduce((x, y) => x * y, 1);
      const flat = new Array<number | bigint>(size);
      const ix = shape.map(() => 0);
      for (let i = 0; i < size; i++) {
        let o = b.offset ?? 0;
        for (let d = 0; d < shape.length; d++) o += ix[d] * b.stride[d];
        flat[i] = b.data[o] as number | bigint;
        for (let d = shape.length - 1; d >= 0; d--) {
          if (++ix[d] < shape[d]) break;
          ix[d] = 0;
        }
      }
      vals = flat;
    } else if (r !== null && typeof r === "object" && typeof (r as ArrayLike<number>).length === "number") {
      shape = [];
      let level: unknown = r;
      while (Array.isArray(level) || ArrayBuffer.isView(level)) {
        const l = level as ArrayLike<unknown>;
        shape.push(l.length);
        level = l.length > 0 ? l[0] : undefined;
      }
      const flat: (number | boolean | bigint)[] = [];
      const walk = (x: unknown, d: number) => {
        if (d === shape.length) {
          if (typeof x !== "number" && typeof x !== "boolean" && typeof x !== "bigint") throw new TypeError("map: the function returned a JS array holding " + typeof x + " on " + where() + "; return numbers");
          flat.push(x);
          return;
        }
        const l = x as ArrayLike<unknown>;
        if ((!Array.isArray(x) && !ArrayBuffer.isView(x)) || l.length !== shape[d]) throw new ValueError("map: the function returned a ragged nested array on " + where() + "; return a rectangular array");
        for (let i = 0; i < l.length; i++) walk(l[i], d + 1);
      };
      walk(r, 0);
      vals = flat;
    } else {
      throw new TypeError(
        "map: the function returned " + (r === undefined ? "undefined (did it forget to return?)" : r === null ? "null" : typeof r) + " on " + where() +
          "; return an ndarray, a JS array or a number",
      );
    }
    const same = shape.length === p.outSig.length && shape.every((s, d) => s === p.outSig[d]);
    if (!same && vals.length !== 1) {
      throw new ValueError(
        "map: could not broadcast input array from shape " + fmt(shape) + " into shape " + fmt(p.outSig) + " on " + where() +
          ": every pixel's output must have the shape found on pixel 0 or given by outputSignalSize; pass ragged: true for outputs of varying shape",
      );
    }
    const o = out as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < outSize; i++) {
      const v = vals[same ? i : 0];
      // int64 / uint64 outputs hold bigints (a float value truncated; NaN as numpy's x86 cast, -2^63)
      o[n * outSize + i] = isBool ? (v ? 1 : 0) : bigOut ? (typeof v === "bigint" ? v : Number.isFinite(Number(v)) ? BigInt(Math.trunc(Number(v))) : -(2n ** 63n)) : Number(v);
    }
    for (let d = nNav - 1; d >= 0; d--) {
      if (++idx[d] < chunkNav[d]) break;
      idx[d] = 0;
    }
  }
  const shapeOut = chunkNav.concat(p.outSig.length === 0 && nNav === 0 ? [1] : p.outSig);
  const stride = shapeOut.map(() => 1);
  for (let d = shapeOut.length - 2; d >= 0; d--) stride[d] = stride[d + 1] * shapeOut[d + 1];
  return { data: out, shape: shapeOut, stride, offset: 0 };
}

function fmtShape(s: readonly number[]): string {
  return `(${s.join(", ")}${s.length === 1 ? "," : ""})`;
}

/** np.squeeze of a whole (constant) signal's data: a number when it has one element. */
function squeezeConstant(d: SignalData): unknown {
  const nd: NDArray = d instanceof LazyArray ? d.computeSync() : d;
  if (nd.size === 1) return nd.get(...nd.shape.map(() => 0));
  const keep = nd.shape.map((s, a) => a).filter((a) => nd.shape[a] !== 1);
  const c = contiguous(nd);
  return toNDArray({ data: c.data, shape: keep.map((a) => c.shape[a]), stride: keep.map((a) => c.stride[a]), offset: c.offset });
}

/** The data as a LazyArray with navigation axes first (array order). */
function lazyData(s: BaseSignal): LazyArray {
  const am = s.axesManager;
  const nav = am.navigationIndicesInArray.slice().sort((a, b) => a - b);
  const sig = am.signalIndicesInArray.slice().sort((a, b) => a - b);
  const perm = [...nav, ...sig];
  const d = s.lazyData();
  if (hasUnknown(d.chunks)) throw new UnknownChunksError("map");
  return perm.every((a, i) => a === i) ? d : d.transpose(perm);
}

function resultInfo(r: unknown): { shape: number[]; dtype: DType } {
  if (typeof r === "number") return { shape: [], dtype: "float64" };
  if (typeof r === "bigint") return { shape: [], dtype: "int64" };
  if (typeof r === "boolean") return { shape: [], dtype: "bool" };
  if (isBlock(r)) return { shape: r.shape.slice(), dtype: dtypeOf(r) };
  if (ArrayBuffer.isView(r)) return { shape: [(r as unknown as ArrayLike<number>).length], dtype: dtypeOfTypedArray(r as unknown as ArrayLike<number>) };
  if (Array.isArray(r)) {
    const shape: number[] = [];
    let level: unknown = r;
    let allBool = true;
    while (Array.isArray(level) || ArrayBuffer.isView(level)) {
      const l = level as ArrayLike<unknown>;
      shape.push(l.length);
      level = l.length > 0 ? l[0] : undefined;
    }
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (typeof x !== "boolean") allBool = false;
    };
    walk(r);
    return { shape, dtype: allBool && shape.every((n) => n > 0) ? "bool" : "float64" };
  }
  throw new TypeError(
    `map: the function returned ${r === undefined ? "undefined (did it forget to return?)" : r === null ? "null" : typeof r} on navigation pixel 0; return an ndarray, a JS array or a number`,
  );
}

function isJsonValue(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonValue);
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every(isJsonValue);
  return false;
}

/** The error of a function call found in an engine error's cause chain, else the error itself. */
function mapError(e: unknown): unknown {
  let c: unknown = e;
  for (let i = 0; i < 10 && c instanceof Error; i++) {
    if (c.name === "MapFunctionError" || (c.message.startsWith("map: ") && c instanceof RangeError) || (c.message.startsWith("map: ") && c instanceof TypeError)) return c;
    c = c.cause;
  }
  return e;
}

/** A ragged result that is an ndarray viewing an input block's memory is copied (it would alias the signal's data). */
function keepRaggedValue(r: unknown, inputs: NDArray[]): unknown {
  if (isBlock(r) && inputs.some((b) => b.data === r.data)) return toNDArray(copyOf(r));
  return r;
}

export function map<T = NDArray>(s: BaseSignal, fnIn: MapFunction<T>, opts: MapOptions = {}): BaseSignal {
  if (typeof fnIn !== "function") throw new TypeError(`map: the function must be a function (signal, args) => result, got ${typeof fnIn}`);
  const fn = fnIn as MapFunction<unknown>;
  const am = s.axesManager;
  const ragged = opts.ragged ?? s.ragged;
  if (ragged && ((opts.outputDtype !== undefined && opts.outputDtype !== "object") || (opts.outputSignalSize !== undefined && opts.outputSignalSize.length > 0))) {
    throw new TypeError("map: ragged: true keeps one JS value per pixel (dtype \"object\", no signal axes); outputSignalSize and outputDtype do not apply (pass ragged: false for numeric output)");
  }
  const inplace = opts.inplace ?? true;
  const lazyOutput = opts.lazyOutput ?? s.isLazy;
  const navShape = am.navigationShape; // natural order
  const nNav = am.navigationDimension;
  const data0 = lazyData(s);
  const navArray = data0.shape.slice(0, nNav);
  if (navArray.some((n) => n === 0)) throw new ValueError("map: the signal has no navigation pixels (a navigation axis of size 0)");
  const sameNav = (t: BaseSignal) => {
    const n = t.axesManager.navigationShape;
    return n.length === navShape.length && n.every((v, i) => v === navShape[i]);
  };

  // --- classify args: iterating signals and constants
  const iterating: { key: string; sig: BaseSignal }[] = [];
  const consts: MapArgs = {};
  for (const [key, val] of Object.entries(opts.args ?? {})) {
    if (isSignal(val)) {
      const n = val.axesManager.navigationShape;
      if (sameNav(val)) iterating.push({ key, sig: val });
      else if (n.length === 0 || (n.length === 1 && n[0] === 1)) consts[key] = squeezeConstant(val.data);
      else {
        throw new ValueError(
          `map: the navigation shape of the signal passed as args.${key}, ${fmtShape(n)}, must equal the navigation shape of the mapped signal, ${fmtShape(navShape)} ` +
            `(natural order), for it to iterate alongside; a signal of navigation shape () or (1,) is a constant`,
        );
      }
    } else consts[key] = val;
  }
  if (opts.portable) {
    for (const [k, v] of Object.entries(consts)) {
      if (!isJsonValue(v)) {
        throw new TypeError(`map: portable: the constant args.${k} cannot be sent to a worker thread (only numbers, strings, booleans and plain arrays/objects of them can); pass it as a nested JS array or drop \`portable\``);
      }
    }
  }

  // --- the inputs, navigation first, signal axes whole, on the data's navigation chunks
  const navChunks = (d: LazyArray) => d.chunks.slice(0, nNav);
  const sigOf = (d: LazyArray) => (d.ndim > nNav ? d.shape.slice(nNav) : [1]);
  let data = data0.ndim === nNav ? data0.expandDims(nNav) : data0;
  data = data.rechunk(data.shape.map((_, a) => (a < nNav ? null : -1)));
  const chunks = navChunks(data);
  const raw: LazyArray[] = [data];
  for (const it of iterating) {
    let d = lazyData(it.sig);
    if (d.ndim === nNav) d = d.expandDims(nNav);
    raw.push(d.rechunk(d.shape.map((_, a) => (a < nNav ? chunks[a] : -1))));
  }
  const sigs = raw.map(sigOf);
  const nTrail = sigs.reduce((a, b) => a + b.length, 0);
  const inputs: BlockParams["inputs"] = [];
  const arrays: LazyArray[] = [];
  let pos = 0;
  raw.forEach((d, k) => {
    const before = pos;
    const after = nTrail - pos - sigs[k].length;
    let x = d;
    for (let i = 0; i < before; i++) x = x.expandDims(nNav);
    for (let i = 0; i < after; i++) x = x.expandDims(x.ndim);
    // a signal with no signal axes hands fn one number per pixel (HyperSpy squeezes: np.float64)
    const noSignalAxes = k === 0 && data0.ndim === nNav && d.dtype !== "object";
    inputs.push({ start: pos, sig: sigs[k], squeeze: k > 0 || noSignalAxes, object: d.dtype === "object" });
    arrays.push(x);
    pos += sigs[k].length;
  });
  const argKeys = iterating.map((i) => i.key);

  // --- output signal size and dtype: given, or from a call on pixel 0 (as HyperSpy)
  let outSig = ragged ? [] : opts.outputSignalSize ? Array.from(opts.outputSignalSize) : undefined;
  if (outSig && outSig.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new ValueError(`map: outputSignalSize must be a list of non-negative integers (array order), got [${outSig.join(", ")}]`);
  }
  let outDtype: DType | undefined = ragged ? "object" : opts.outputDtype !== undefined ? checkDType(opts.outputDtype, "map: outputDtype") : undefined;
  if (outSig === undefined || outDtype === undefined) {
    const first = arrays.map((x) => x.get(...x.shape.map((_, a) => (a < nNav ? "0:1" : ":"))).computeSync());
    const r = processBlock(first, null, fn, { nNav, inputs, argKeys, outSig: [], outDtype: "float64", guess: true }, consts, null);
    const ri = resultInfo(r);
    outSig ??= ri.shape;
    outDtype ??= ri.dtype;
  }
  const params: BlockParams = { nNav, inputs, argKeys, outSig, outDtype, guess: false };

  // --- one mapBlocks layer
  const scalarAxis = outSig.length === 0 && nNav === 0;
  const outSigData = scalarAxis ? [1] : outSig;
  const trailing = Array.from({ length: nTrail }, (_, i) => nNav + i);
  const newAxis = outSigData.map((_, i) => nNav + i);
  let blockFn: (blocks: NDArray[], info: { arrayLocation: [number, number][] }) => unknown;
  // object (ragged) data or output cannot go to worker threads: those tasks run here
  const objects = outDtype === "object" || inputs.some((i) => i.object);
  const portable = (opts.portable ?? false) && !objects;
  if (portable) {
    const userSrc = portableSource(fn as unknown as (...args: never[]) => unknown, "map");
    const body = `return (${processBlock.toString()})(blocks, info, (${userSrc}), ${JSON.stringify(params)}, ${JSON.stringify(consts)}, null);`;
    blockFn = new Function("blocks", "info", body) as typeof blockFn;
  } else {
    blockFn = (blocks, info) => processBlock(blocks, info, fn, params, consts, outDtype === "object" ? keepRaggedValue : null);
  }
  const mapped = mapBlocks(blockFn as never, arrays, {
    dtype: outDtype,
    dropAxis: trailing,
    newAxis,
    chunks: [...chunks.map(() => null), ...outSigData.map((n) => [n])],
    name: "map",
    portable,
  });

  // --- axes: navigation kept; first signal axes kept (size refreshed), surplus dropped, missing appended;
  //     ragged output: the navigation axes only
  const navAxes = am.axes.filter((a) => a.navigate).map((a) => a.copy());
  const oldSig = am.axes.filter((a) => !a.navigate);
  const sigAxes: DataAxis[] = ragged
    ? []
    : scalarAxis
    ? [new DataAxis({ name: "Scalar", size: 1, navigate: false })]
    : outSig.map((n, i) => {
        if (i < oldSig.length) {
          const ax = oldSig[i].copy();
          ax.size = n;
          return ax;
        }
        return new DataAxis({ size: n, navigate: false });
      });
  const axes = [...navAxes, ...sigAxes];
  const lazyResult = s.withData(mapped, axes);

  let result: BaseSignal = lazyResult;
  if (!lazyOutput) {
    let nd: NDArray;
    try {
      nd = mapped.computeSync();
    } catch (e) {
      throw mapError(e);
    }
    result = s.withData(nd, axes);
    if (inplace && !s.isLazy && result.constructor === s.constructor) {
      const old = s.data as NDArray;
      if (old.shape.length === nd.shape.length && old.shape.every((n, i) => n === nd.shape[i]) && s.dtype === outDtype) {
        // same class, shape and dtype: write into the same buffer (HyperSpy's da.store)
        const n = nd.size;
        const ix = nd.shape.map(() => 0);
        for (let i = 0; i < n; i++) {
          (old as unknown as { set(...a: (number | bigint)[]): void }).set(...ix, nd.get(...ix)); // the same dtype: bigints for int64
          for (let d = ix.length - 1; d >= 0; d--) {
            if (++ix[d] < nd.shape[d]) break;
            ix[d] = 0;
          }
        }
        return s;
      }
    }
  }
  if (!inplace) return result;
  // in place: as HyperSpy (which assigns the object's __class__), this object becomes the result: its
  // class (prototype), axes and data change, its identity and metadata stay
  s.becomeInPlace(result);
  return s;
}
