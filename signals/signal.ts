/**
 * HyperSpy's signal classes: BaseSignal, Signal1D, Signal2D and their lazy twins. A signal is data
 * (an in-memory scijs ndarray, or a LazyArray for the lazy classes) plus an AxesManager and
 * metadata. Axes are kept navigation-first in the array, as HyperSpy keeps them; shapes are shown
 * in HyperSpy's natural (x, y) order, the reverse of the array's.
 *
 * Laziness is decided by the class: the lazy classes hold a LazyArray (in-memory data given to them
 * is wrapped with HyperSpy's chunk policy), the others hold an in-memory array. `asLazy()` and
 * `compute()` move between them; `compute()` returns the computed signal (HyperSpy 1.7.3 returns
 * None and changes the object's class in place, which JavaScript objects cannot do).
 *
 * Operations live in their own modules (indexing.ts, arithmetic.ts, reductions.ts, iterate.ts,
 * blockiter.ts, map.ts, rebin.ts, methods.ts). Ragged signals (`{ ragged: true }`, data of dtype
 * "object" holding one JS value per navigation pixel) are described in ragged.ts.
 */
import { LazyArray } from "../lazy/core/array";
import { NDArray, ObjectNDArray, Block, toNDArray, copyOf, transposeView, dtypeOf, tagDType, isObjectArray } from "../lazy/core/block";
import { toBlock, fromArray } from "../lazy/ops/creation";
import { ChunksSpec, AxisChunkSpec, hasUnknown, UnknownChunksError } from "../lazy/core/chunks";
import { DType } from "../lazy/core/dtype";
import { ComputeOptions } from "../lazy/graph/graph";
import { AxesManager, AxisOptions, DataAxis } from "./axes";
import { Metadata, MetadataValue, createSignalMetadata } from "./metadata";
import { hyperspyChunks } from "./chunking";
import * as indexing from "./indexing";
import * as arithmetic from "./arithmetic";
import * as reductions from "./reductions";
import { IterateOptions, iterateSignal } from "./iterate";
import { BlockIteratorOptions, blockIterator } from "./blockiter";
import * as mapMod from "./map";
import * as rebinMod from "./rebin";
import * as methods from "./methods";
import * as reshape from "./reshape";
import * as calculus from "./calculus";
import { deepCopyObjectArray, raggedToNumeric, rejectRagged } from "./ragged";
import { NotImplementedError, TypeError, ValueError } from "../lazy/core/errors";

/**
 * A signal's data: an in-memory scijs ndarray, or a LazyArray for lazy signals. A ragged signal's
 * in-memory data is an object array (an ObjectNDArray at run time: typed as one by
 * hs.lazy.asObjectArray(s.data), or use `s.raggedData`).
 */
export type SignalData = NDArray | LazyArray;
type MetadataInput = Metadata | { [k: string]: MetadataValue };

export interface SignalOptions {
  /** Axes in array order (HyperSpy's `axes` list of dicts); default: unnamed axes of scale 1. */
  axes?: readonly (AxisOptions | DataAxis)[];
  /** Metadata (merged into the defaults: General.title, Signal.signal_type). */
  metadata?: MetadataInput;
  originalMetadata?: MetadataInput;
  /** dtype for nested JS arrays (default float64). */
  dtype?: DType;
  /** Lazy classes: chunks of the LazyArray made from in-memory data (default: HyperSpy's policy). */
  chunks?: ChunksSpec;
  /**
   * A ragged signal (HyperSpy's `ragged=True`): the data is an object array (hs.lazy.objectArray, or
   * a LazyArray of dtype "object") holding one JS value per navigation pixel; every axis is a
   * navigation axis. Only BaseSignal / LazySignal can be ragged.
   */
  ragged?: boolean;
}

export interface RechunkSignalOptions {
  /** Change this signal's data (default true, as HyperSpy); false returns a new signal. */
  inplace?: boolean;
}

/** What `transpose` accepts for each space: a count of trailing array axes, or axes by natural index, name or object. */
export type AxesSelection = number | readonly (number | string | DataAxis)[];

export interface TransposeOptions {
  signalAxes?: AxesSelection;
  navigationAxes?: AxesSelection;
}

type SignalClass = new (data: unknown, opts?: SignalOptions) => BaseSignal;

function shapeOf(d: SignalData): number[] {
  return d.shape.slice();
}

/** The class HyperSpy assigns for a signal dimension and laziness (`_assign_subclass`). */
function classFor(lazy: boolean, signalDimension: number): SignalClass {
  if (lazy) return signalDimension === 1 ? LazySignal1D : signalDimension === 2 ? LazySignal2D : LazySignal;
  return signalDimension === 1 ? Signal1D : signalDimension === 2 ? Signal2D : BaseSignal;
}

function toMetadata(m: MetadataInput | undefined): Metadata {
  const md = new Metadata();
  if (m instanceof Metadata) md.addDictionary(m.asDictionary());
  else if (m) md.addDictionary(m);
  return md;
}

export class BaseSignal {
  /** Trailing array axes that are signal axes by default: -1 for all (HyperSpy's _signal_dimension). */
  static readonly defaultSignalDimension: number = -1;
  /** Whether instances hold a LazyArray. */
  static readonly lazy: boolean = false;

  protected _data: SignalData;
  readonly axesManager: AxesManager;
  metadata: Metadata;
  originalMetadata: Metadata;

  constructor(data: unknown, opts: SignalOptions = {}) {
    const cls = this.constructor as typeof BaseSignal;
    const name = cls.name;
    const ragged = opts.ragged ?? false;
    if (ragged && cls.defaultSignalDimension >= 0) throw new ValueError(`${name.replace(/^Lazy/, "")} can't be ragged.`);
    let d: SignalData;
    if (data instanceof LazyArray) {
      if (!cls.lazy) {
        throw new TypeError(
          `${name} holds in-memory data; for a LazyArray use the lazy class (new hs.signals.Lazy${name === "BaseSignal" ? "Signal" : name}(data)) or call .asLazy() on an in-memory signal`,
        );
      }
      // unknown chunk sizes (after boolean masking): no axes can be made; dask's ValueError, naming the fix
      if (hasUnknown(data.chunks)) throw new UnknownChunksError(`new ${name}`);
      d = data.ndim === 0 ? data.reshape([1]) : data;
    } else {
      const { block, dtype } = toBlock(data, opts.dtype);
      const b: Block = block.shape.length === 0 ? { data: block.data, shape: [1], stride: [1], offset: block.offset } : block;
      d = tagDType(toNDArray(b), dtype);
    }
    const isObject = (d instanceof LazyArray ? d.dtype : dtypeOf(d)) === "object";
    if (ragged && !isObject) throw new ValueError("The array is not ragged.");
    if (!ragged && isObject) {
      throw new TypeError(
        `${name}: the data has dtype "object" (one JS value per element): that is a ragged signal's data; pass { ragged: true } to a BaseSignal / LazySignal ` +
          `(a non-ragged signal of JS values, which HyperSpy allows, is not supported)`,
      );
    }
    const shape = shapeOf(d);
    let axes: readonly (AxisOptions | DataAxis)[];
    if (ragged) {
      // navigation axes only; data of shape [1] without axes is a ragged signal with no navigation (HyperSpy's (|ragged))
      const given = opts.axes ?? (shape.length === 1 && shape[0] === 1 ? [] : shape.map((size) => ({ size, navigate: true })));
      axes = given.map((a) => {
        const ax = a instanceof DataAxis ? a.copy() : new DataAxis(a);
        ax.navigate = true;
        return ax;
      });
    } else axes = opts.axes ?? defaultAxes(shape, cls.defaultSignalDimension, name);
    const want = ragged && axes.length === 0 ? [1] : axes.map((a) => a.size);
    if (want.length !== shape.length || want.some((n, i) => n !== shape[i])) {
      throw new ValueError(
        `${name}: the axes have sizes [${axes.map((a) => a.size).join(", ")}] (array order) but the data has shape [${shape.join(", ")}]; give one axis per data dimension, in array order` +
          (ragged ? " (a ragged signal's data has the navigation shape: one element per pixel; [1] with no axes)" : ""),
      );
    }
    this.axesManager = new AxesManager(
      axes.map((a) => (a instanceof DataAxis ? a.copy() : new DataAxis(a))),
      { ragged },
    );
    // As HyperSpy's __init__: a Signal1D / Signal2D built from axis options that do not give it that
    // many signal axes (e.g. options without `navigate`) gets its last 1 / 2 axes as signal axes.
    // Axes given as DataAxis objects (what the library's own operations pass: a reduction's Signal1D
    // of shape (3|), as HyperSpy's deepcopy-based results) are kept as they are.
    const fromOptions = opts.axes !== undefined && opts.axes.every((a) => !(a instanceof DataAxis));
    if (!ragged && fromOptions && cls.defaultSignalDimension >= 0 && this.axesManager.signalDimension !== cls.defaultSignalDimension) {
      this.axesManager.setSignalDimension(Math.min(cls.defaultSignalDimension, this.axesManager.axes.length));
    }
    if (cls.lazy && !(d instanceof LazyArray)) {
      const navAxes = this.axesManager.navigationIndicesInArray;
      d = fromArray(d, { chunks: opts.chunks ?? hyperspyChunks(shape, navAxes, dtypeOf(d)) });
    }
    this._data = d;
    // HyperSpy's metadata of a new signal (its defaults, then what was given), in HyperSpy's key order
    this.metadata = createSignalMetadata(opts.metadata);
    this.originalMetadata = toMetadata(opts.originalMetadata);
  }

  /** The data: a scijs ndarray, or a LazyArray for lazy signals. */
  get data(): SignalData {
    return this._data;
  }

  /**
   * The data of an in-memory signal, typed as an ndarray (`s.data` is typed for both kinds):
   * `s.array.get(0, 3)`. A lazy signal has none: compute it first (`(await s.compute()).array`).
   */
  get array(): NDArray {
    if (this._data instanceof LazyArray) {
      throw new TypeError(`${this.constructor.name}.array: a lazy signal holds no data in memory; use (await s.compute()).array, or s.data for its LazyArray`);
    }
    return this._data;
  }

  /**
   * Replace the data. Its shape must match the axes (HyperSpy does not check, and shows stale
   * dimensions until get_dimensions_from_data(); we refuse instead).
   */
  set data(v: SignalData) {
    const lazy = (this.constructor as typeof BaseSignal).lazy;
    if (lazy !== v instanceof LazyArray) {
      throw new TypeError(`${this.constructor.name}.data must be ${lazy ? "a LazyArray" : "an in-memory ndarray"}; use asLazy() / compute() to change laziness`);
    }
    const isObject = (v instanceof LazyArray ? v.dtype : dtypeOf(v)) === "object";
    if (isObject !== this.ragged) {
      throw new TypeError(
        this.ragged
          ? `a ragged signal's data must have dtype "object" (one JS value per navigation pixel); set s.ragged = false first to hold numbers`
          : `data of dtype "object" (JS values) belongs to a ragged signal; build one with { ragged: true }`,
      );
    }
    const want = this.expectedShape();
    const got = shapeOf(v);
    if (got.length !== want.length || got.some((n, i) => n !== want[i])) {
      throw new ValueError(`data of shape [${got.join(", ")}] does not match the axes [${want.join(", ")}] (array order); build a new signal for another shape`);
    }
    this._data = v;
  }

  /** The data shape the axes call for (array order): [1] for a ragged signal without navigation axes. */
  private expectedShape(): number[] {
    const want = this.axesManager.axes.map((a) => a.size);
    return this.ragged && want.length === 0 ? [1] : want;
  }

  /**
   * Whether the signal is ragged (HyperSpy's `ragged`): its data holds one JS value per navigation
   * pixel. Setting false on an in-memory ragged signal whose elements all have one shape turns it
   * into a numeric BaseSignal (the element axes become signal axes), as HyperSpy; lazy signals
   * refuse, as HyperSpy. Setting true on numeric data is HyperSpy's "The array is not ragged." error.
   */
  get ragged(): boolean {
    return this.axesManager.ragged;
  }

  set ragged(value: boolean) {
    if (typeof value !== "boolean") throw new TypeError(`ragged must be true or false, got ${typeof value}`);
    if (value === this.ragged) return;
    if (value) throw new ValueError("The array is not ragged.");
    if (this._data instanceof LazyArray) {
      throw new NotImplementedError(
        "Conversion of a lazy ragged signal to its non-ragged counterpart is not supported. Make the required non-ragged dask array manually and make a new lazy signal.",
      );
    }
    if (this.constructor !== BaseSignal) throw new TypeError(`${this.constructor.name}: only a BaseSignal can stop being ragged in place; use map to build a new signal`);
    const numeric = raggedToNumeric(this._data as unknown as ObjectNDArray);
    if (numeric === null) throw new ValueError("The signal can't be converted to a non-ragged signal.");
    // the element's axes are appended as signal axes (HyperSpy's _append_axis for every array axis that is not navigation)
    const nav = this.axesManager.axes.map((a) => a.copy());
    const navNd = this.expectedShape().length;
    const extra = numeric.shape.slice(navNd).map((size) => new DataAxis({ size, navigate: false }));
    const lead = nav.length === 0 ? [new DataAxis({ size: 1, navigate: false })] : [];
    (this as unknown as { axesManager: AxesManager }).axesManager = new AxesManager([...nav, ...lead, ...extra]);
    this._data = numeric;
  }

  /** A ragged signal's in-memory data as an object array (one JS value per navigation pixel, array order). */
  get raggedData(): ObjectNDArray {
    if (!this.ragged) throw new TypeError(`raggedData: ${this.toString()} is not ragged; its data is s.data`);
    if (this._data instanceof LazyArray) throw new TypeError(`raggedData: ${this.toString()} is lazy; compute() it first`);
    return this._data as unknown as ObjectNDArray;
  }

  get isLazy(): boolean {
    return this._data instanceof LazyArray;
  }

  /** The data's dtype. */
  get dtype(): DType {
    return this._data instanceof LazyArray ? this._data.dtype : dtypeOf(this._data);
  }

  get title(): string {
    const t = this.metadata.getItem("General.title");
    return typeof t === "string" ? t : t === undefined || t === null ? "" : String(t);
  }

  set title(t: string) {
    this.metadata.setItem("General.title", t);
  }

  /** HyperSpy's repr: `<Signal1D, title: , dimensions: (3, 2|4)>`. */
  toString(): string {
    return `<${this.constructor.name}, title: ${this.title}, dimensions: ${this.axesManager.dimensionString()}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * A new signal of the class HyperSpy would assign, with this signal's axes (or `axes`, array
   * order) and metadata, over `data` (HyperSpy's _deepcopy_with_new_data). For operations.
   */
  withData(data: SignalData, axes?: readonly DataAxis[]): BaseSignal {
    const am = axes ?? this.axesManager.axes;
    // HyperSpy assigns the class from signal_dimension (a single signal axis of size 1 counts 0)
    const sigDim = new AxesManager(am.map((a) => a.copy())).signalDimension;
    const cls = classFor(data instanceof LazyArray, sigDim);
    // data of dtype "object" makes a ragged signal (BaseSignal / LazySignal: signal dimension 0)
    const ragged = (data instanceof LazyArray ? data.dtype : dtypeOf(data)) === "object";
    return new cls(data, { axes: am.map((a) => a.copy()), metadata: this.metadata, originalMetadata: this.originalMetadata, ragged });
  }

  /**
   * Become `other` in place, as HyperSpy's in-place operations do by assigning `__class__`: this
   * object keeps its identity, metadata and AxesManager object, while its class (prototype), axes and
   * data become `other`'s. For operations (map with inplace); `other` must not be used afterwards.
   */
  becomeInPlace(other: BaseSignal): this {
    if (other === this) return this;
    Object.setPrototypeOf(this, Object.getPrototypeOf(other));
    this.axesManager.replaceAxes(other.axesManager);
    this._data = other._data;
    return this;
  }

  /**
   * A lazy signal over this one's data (HyperSpy's as_lazy). In-memory data is wrapped without a
   * copy, chunked by HyperSpy's policy (signal axes whole, about 100 MiB chunks) or `chunks`.
   */
  asLazy(opts: { chunks?: ChunksSpec } = {}): BaseSignal {
    const d = this._data;
    const navAxes = this.axesManager.navigationIndicesInArray;
    const data =
      d instanceof LazyArray
        ? opts.chunks !== undefined
          ? d.rechunk(opts.chunks)
          : d
        : fromArray(d, { chunks: opts.chunks ?? hyperspyChunks(d.shape, navAxes, this.dtype) });
    return this.withData(data);
  }

  /** The computed signal (an in-memory one is returned as it is). */
  async compute(opts: ComputeOptions = {}): Promise<BaseSignal> {
    if (!(this._data instanceof LazyArray)) return this;
    return this.withData(await this._data.compute(opts));
  }

  /** compute() without worker threads, returning at once. */
  computeSync(opts: ComputeOptions = {}): BaseSignal {
    if (!(this._data instanceof LazyArray)) return this;
    return this.withData(this._data.computeSync(opts));
  }

  private requireLazy(what: string): LazyArray {
    if (!(this._data instanceof LazyArray)) throw new TypeError(`${what} is for lazy signals; call asLazy() first`);
    return this._data;
  }

  /** Axes given by natural index, name or object, as array indices. */
  private arrayIndices(sel: number | string | DataAxis | readonly (number | string | DataAxis)[]): number[] {
    const list = Array.isArray(sel) ? sel : [sel];
    return list.map((k: number | string | DataAxis) => this.axesManager.indexInArray(k instanceof DataAxis ? k : this.axesManager.get(k)));
  }

  /**
   * Chunk sizes of the given axes (default: the navigation axes), each a list, in ARRAY order, as
   * HyperSpy's get_chunk_size. Axes are given by natural index, name or object.
   */
  getChunkSize(axes?: number | string | DataAxis | readonly (number | string | DataAxis)[]): number[][] {
    const d = this.requireLazy("getChunkSize");
    const idx = axes === undefined ? this.axesManager.navigationIndicesInArray.slice() : this.arrayIndices(axes);
    return idx.sort((a, b) => a - b).map((a) => d.chunks[a].slice());
  }

  /**
   * HyperSpy's rechunk: `navChunks` then `sigChunks` (each one spec for all axes of that space, or a
   * list per axis in array order): a size, -1 (whole axis), null (keep) or "auto". Default: navigation
   * "auto", signal axes whole. In place by default, as HyperSpy.
   */
  rechunk(navChunks: AxisChunkSpec | readonly AxisChunkSpec[] = "auto", sigChunks: AxisChunkSpec | readonly AxisChunkSpec[] = -1, opts: RechunkSignalOptions = {}): BaseSignal {
    const d = this.requireLazy("rechunk");
    const nav = this.axesManager.navigationIndicesInArray.slice().sort((a, b) => a - b);
    const sig = this.axesManager.signalIndicesInArray.slice().sort((a, b) => a - b);
    const spread = (s: AxisChunkSpec | readonly AxisChunkSpec[], axes: number[], what: string): AxisChunkSpec[] => {
      if (Array.isArray(s) && !(s.length > 0 && s.every((v) => typeof v === "number") && axes.length === 1 && s.length !== 1)) {
        if (s.length !== axes.length) throw new ValueError(`rechunk: ${what} has ${s.length} entries for ${axes.length} ${what === "navChunks" ? "navigation" : "signal"} axes`);
        return s.slice() as AxisChunkSpec[];
      }
      return axes.map(() => s as AxisChunkSpec);
    };
    const spec: AxisChunkSpec[] = new Array(d.ndim).fill(null);
    spread(navChunks, nav, "navChunks").forEach((c, i) => (spec[nav[i]] = c));
    spread(sigChunks, sig, "sigChunks").forEach((c, i) => (spec[sig[i]] = c));
    const r = d.rechunk(spec);
    if (opts.inplace ?? true) {
      this._data = r;
      return this;
    }
    return this.withData(r);
  }

  // ---------------------------------------------------------------- indexing (signals/indexing.ts)
  /**
   * Index the navigation axes in natural (x, y) order (HyperSpy's `inav[...]`): integers, numbers
   * with a fractional part or unit strings as axis values, slices ({start, stop, step} or
   * "start:stop:step" strings whose bounds may be values).
   */
  inav(...index: indexing.SignalIndex[]): BaseSignal {
    return indexing.inav(this, index);
  }
  /** Index the signal axes in natural order (HyperSpy's `isig[...]`), as `inav`. */
  isig(...index: indexing.SignalIndex[]): BaseSignal {
    return indexing.isig(this, index);
  }

  // ---------------------------------------------------------------- arithmetic (signals/arithmetic.ts)
  add(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("add", this, o);
  }
  sub(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("sub", this, o);
  }
  mul(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("mul", this, o);
  }
  div(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("div", this, o);
  }
  floorDiv(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("floorDiv", this, o);
  }
  mod(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("mod", this, o);
  }
  pow(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("pow", this, o);
  }
  gt(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("gt", this, o);
  }
  ge(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("ge", this, o);
  }
  lt(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("lt", this, o);
  }
  le(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("le", this, o);
  }
  eq(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("eq", this, o);
  }
  ne(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("ne", this, o);
  }
  maximum(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("maximum", this, o);
  }
  minimum(o: arithmetic.SignalOperand): BaseSignal {
    return arithmetic.binary("minimum", this, o);
  }
  neg(): BaseSignal {
    return arithmetic.unary("neg", this);
  }
  abs(): BaseSignal {
    return arithmetic.unary("abs", this);
  }
  sqrt(): BaseSignal {
    return arithmetic.unary("sqrt", this);
  }
  exp(): BaseSignal {
    return arithmetic.unary("exp", this);
  }
  log(): BaseSignal {
    return arithmetic.unary("log", this);
  }
  log10(): BaseSignal {
    return arithmetic.unary("log10", this);
  }
  square(): BaseSignal {
    return arithmetic.unary("square", this);
  }
  sign(): BaseSignal {
    return arithmetic.unary("sign", this);
  }

  /** `+s` (numpy.positive): a copy. */
  pos(): BaseSignal {
    return arithmetic.pos(this);
  }
  /** `~s` (numpy.invert): bitwise NOT of integer data, logical NOT of boolean data; float data is numpy's TypeError. */
  invert(): BaseSignal {
    return arithmetic.invert(this);
  }
  /** `s += o`: in place (this signal's data changes; it must keep its shape and dtype); returns this signal. */
  iadd(o: arithmetic.SignalOperand): this {
    return arithmetic.inplace("add", this, o) as this;
  }
  /** `s -= o`, in place (see iadd). */
  isub(o: arithmetic.SignalOperand): this {
    return arithmetic.inplace("sub", this, o) as this;
  }
  /** `s *= o`, in place (see iadd). */
  imul(o: arithmetic.SignalOperand): this {
    return arithmetic.inplace("mul", this, o) as this;
  }
  /** `s /= o`, in place (see iadd): an integer signal refuses, as numpy (float output). */
  idiv(o: arithmetic.SignalOperand): this {
    return arithmetic.inplace("div", this, o) as this;
  }
  /** `s //= o`, in place (see iadd). */
  ifloorDiv(o: arithmetic.SignalOperand): this {
    return arithmetic.inplace("floorDiv", this, o) as this;
  }
  /** `s **= o`, in place (see iadd). */
  ipow(o: arithmetic.SignalOperand): this {
    return arithmetic.inplace("pow", this, o) as this;
  }

  // ---------------------------------------------------------------- reductions (signals/reductions.ts)
  /** Sum over `axis` (natural index, name, DataAxis, "navigation", "signal", or a list; default: all navigation axes, as HyperSpy). */
  sum(axis?: reductions.AxisSelector): BaseSignal {
    return reductions.reduce(this, "sum", { axis });
  }
  mean(axis?: reductions.AxisSelector): BaseSignal {
    return reductions.reduce(this, "mean", { axis });
  }
  max(axis?: reductions.AxisSelector): BaseSignal {
    return reductions.reduce(this, "max", { axis });
  }
  min(axis?: reductions.AxisSelector): BaseSignal {
    return reductions.reduce(this, "min", { axis });
  }
  std(axis?: reductions.AxisSelector, ddof?: number): BaseSignal {
    return reductions.reduce(this, "std", { axis, ddof });
  }
  var(axis?: reductions.AxisSelector, ddof?: number): BaseSignal {
    return reductions.reduce(this, "var", { axis, ddof });
  }
  nansum(axis?: reductions.AxisSelector): BaseSignal {
    return reductions.reduce(this, "nansum", { axis });
  }
  nanmean(axis?: reductions.AxisSelector): BaseSignal {
    return reductions.reduce(this, "nanmean", { axis });
  }
  nanmax(axis?: reductions.AxisSelector): BaseSignal {
    return reductions.reduce(this, "nanmax", { axis });
  }
  nanmin(axis?: reductions.AxisSelector): BaseSignal {
    return reductions.reduce(this, "nanmin", { axis });
  }
  nanstd(axis?: reductions.AxisSelector, ddof?: number): BaseSignal {
    return reductions.reduce(this, "nanstd", { axis, ddof });
  }
  nanvar(axis?: reductions.AxisSelector, ddof?: number): BaseSignal {
    return reductions.reduce(this, "nanvar", { axis, ddof });
  }
  /** Index of the maximum along one axis (HyperSpy's indexmax). */
  indexmax(axis: reductions.AxisSelector): BaseSignal {
    return reductions.indexmax(this, axis);
  }
  /** Axis value at the maximum along one axis (HyperSpy's valuemax). */
  valuemax(axis: reductions.AxisSelector): BaseSignal {
    return reductions.valuemax(this, axis);
  }

  /** Index of the minimum along one axis (HyperSpy's indexmin). */
  indexmin(axis: reductions.AxisSelector): BaseSignal {
    return reductions.indexmin(this, axis);
  }
  /** Axis value at the minimum along one axis (HyperSpy's valuemin). */
  valuemin(axis: reductions.AxisSelector): BaseSignal {
    return reductions.valuemin(this, axis);
  }

  /**
   * Every navigation pixel's signal (HyperSpy's _iterate_signal), in iteration-path order:
   * "flyback" by default (x fastest, as HyperSpy 1.7.3), "serpentine", or a list of indices.
   * Eager signals yield views; lazy ones compute one navigation chunk at a time on this thread.
   * A ragged signal yields each pixel's element itself; `T` names its type (default NDArray, not
   * checked: `s.iterateSignal<number[]>()` for elements that are JS arrays).
   */
  iterateSignal<T = NDArray>(opts: IterateOptions = {}): Generator<T> {
    return iterateSignal(this, opts) as unknown as Generator<T>;
  }

  /**
   * The data one navigation chunk at a time (HyperSpy's _block_iterator), with navigation and signal
   * masks (true = excluded): flat blocks (default) drop masked items, non-flat ones set them to NaN
   * (0 for integers). Split signal axes are joined first (HyperSpy silently drops all but the first
   * signal chunk there). Eager signals are chunked as asLazy() would.
   */
  blockIterator(opts: BlockIteratorOptions = {}): Generator<NDArray> {
    return blockIterator(this, opts);
  }

  /**
   * Apply `fn` to every navigation pixel's signal (HyperSpy's map, 2.x semantics): signals in
   * `opts.args` with the same navigation shape iterate alongside, anything else is a constant.
   * In place by default (as HyperSpy) — the result is also returned. `ragged: true` keeps each
   * pixel's result as it is (any length) in a ragged signal; over a ragged signal, `fn` receives each
   * pixel's element (its type: `T`).
   */
  map<T = NDArray>(fn: mapMod.MapFunction<T>, opts: mapMod.MapOptions = {}): BaseSignal {
    return mapMod.map(this, fn, opts);
  }

  /**
   * The data as a LazyArray, for writing methods once for eager and lazy signals (see
   * signals/methods.ts): a lazy signal's own array, or in-memory data wrapped as one chunk (no copy).
   */
  lazyData(): LazyArray {
    const d = this._data;
    return d instanceof LazyArray ? d : fromArray(d, { chunks: -1 });
  }

  /**
   * The result of a method written with lazyData(): lazy for a lazy signal (nothing computed), and
   * computed at once, on this thread, for an eager one. `axes` (array order) default to this signal's.
   */
  fromLazyResult(x: LazyArray, axes?: readonly DataAxis[]): BaseSignal {
    return this.withData(this.isLazy ? x : x.computeSync(), axes);
  }

  /** HyperSpy's diff: discrete difference of `order` along `axis` (natural index, name or DataAxis). */
  diff(axis: number | string | DataAxis, order = 1): BaseSignal {
    return methods.diff(this, axis, order);
  }

  /** HyperSpy's derivative: numpy.gradient along `axis`, `order` times (signals/calculus.ts). */
  derivative(axis: number | string | DataAxis, order = 1): BaseSignal {
    return calculus.derivative(this, axis, order);
  }
  /** HyperSpy's integrate1D: Simpson's rule along `axis` (a binned axis: the sum); the axis is removed. */
  integrate1D(axis: number | string | DataAxis): BaseSignal {
    return calculus.integrate1D(this, axis);
  }
  /** HyperSpy's swap_axes (signals/reshape.ts). */
  swapAxes(axis1: number | string | DataAxis, axis2: number | string | DataAxis): BaseSignal {
    return reshape.swapAxes(this, axis1, axis2);
  }
  /** HyperSpy's rollaxis: `axis` moves to the array position of `toAxis`. */
  rollaxis(axis: number | string | DataAxis, toAxis: number | string | DataAxis): BaseSignal {
    return reshape.rollaxis(this, axis, toAxis);
  }
  /** HyperSpy's squeeze: axes of size 1 removed. */
  squeeze(): BaseSignal {
    return reshape.squeeze(this);
  }
  /** HyperSpy's split: parts along one axis (default: the last navigation axis, one part per index). */
  split(opts: reshape.SplitOptions = {}): BaseSignal[] {
    return reshape.split(this, opts);
  }
  /** HyperSpy's as_signal1D: `spectralAxis` becomes the signal axis. */
  asSignal1D(spectralAxis: number | string | DataAxis): BaseSignal {
    return reshape.asSignal1D(this, spectralAxis);
  }
  /** HyperSpy's as_signal2D: the two `imageAxes` (x, y) become the signal axes. */
  asSignal2D(imageAxes: readonly [number | string | DataAxis, number | string | DataAxis]): BaseSignal {
    return reshape.asSignal2D(this, imageAxes);
  }
  /** HyperSpy's crop, in place: keep `start:end` (indices, values or unit strings) of one axis; returns this signal. */
  crop(axis: number | string | DataAxis, start: number | string | null = null, end: number | string | null = null): this {
    return reshape.crop(this, axis, start, end) as this;
  }
  /** HyperSpy's crop_signal1D (2.x crop_signal), in place: crop the one signal axis. */
  cropSignal(left: number | string | null = null, right: number | string | null = null): this {
    return reshape.cropSignal(this, left, right) as this;
  }
  /** HyperSpy's change_dtype, in place (numpy's astype); returns this signal. */
  changeDtype(dtype: DType): this {
    return reshape.changeDtype(this, dtype) as this;
  }

  /**
   * The data at the current navigation indices (`axesManager.indices`): HyperSpy's `s()`. A lazy
   * signal's pixel is computed (that pixel only).
   */
  currentData(): NDArray {
    const r = this.inav(...this.axesManager.indices);
    const d = r.data;
    return d instanceof LazyArray ? d.computeSync() : d;
  }

  /** HyperSpy's get_current_signal: the signal at the current indices, titled "title (x, y)" as HyperSpy. */
  getCurrentSignal(): BaseSignal {
    const idx = this.axesManager.indices;
    const r = this.inav(...idx);
    r.metadata = toMetadata(this.metadata);
    r.title = `${this.title} (${idx.join(", ")}${idx.length === 1 ? "," : ""})`;
    return r;
  }

  /** HyperSpy's LazySignal._get_chunk_string: chunk sizes per axis, natural order, a whole axis in bold: "(<b>3</b>,<b>2</b>|<b>4</b>)". */
  getChunkString(): string {
    const d = this.requireLazy("getChunkString");
    const am = this.axesManager;
    const part = (axes: readonly DataAxis[]) =>
      axes
        .map((ax) => {
          const c = Math.max(0, ...d.chunks[am.indexInArray(ax)]); // dask's chunksize: the largest chunk
          return c === ax.size ? `<b>${c}</b>` : String(c);
        })
        .join(",");
    return `(${part(am.navigationAxes)}|${part(am.signalAxes)})`;
  }

  /** HyperSpy's rebin: `newShape` or `scale` in natural order (navigation then signal). */
  rebin(opts: rebinMod.RebinOptions): BaseSignal {
    return rebinMod.rebin(this, opts);
  }

  /** A deep copy: axes and metadata copied; in-memory data copied, lazy data shared (it is immutable). */
  deepcopy(): BaseSignal {
    const d = this._data;
    // a ragged signal's elements are deep-copied too (HyperSpy's copy.deepcopy of the object array)
    const data = d instanceof LazyArray ? d : isObjectArray(d) ? deepCopyObjectArray(d) : toNDArray(copyOf(d));
    const cls = this.constructor as SignalClass;
    return new cls(data, { axes: this.axesManager.axes.map((a) => a.copy()), metadata: this.metadata, originalMetadata: this.originalMetadata, ragged: this.ragged });
  }

  /** Navigation and signal spaces swapped (HyperSpy's `T`): the navigation axes, in order, become the signal axes. */
  get T(): BaseSignal {
    return this.transpose({ signalAxes: this.axesManager.navigationAxes });
  }

  /**
   * HyperSpy's transpose: `signalAxes` / `navigationAxes` as a count of trailing / leading array
   * axes, or a list of axes (natural index, name or DataAxis) whose order, x first, is the new order.
   * The data is transposed (a view in memory; a lazy transpose) so that navigation comes first.
   */
  transpose(opts: TransposeOptions = {}): BaseSignal {
    if (this.ragged) throw new ValueError("Signal with ragged dimension can't be transposed.");
    const am = this.axesManager;
    const nd = am.axes.length;
    let sigArray: number[];
    const byCount = (n: number, what: "signal" | "navigation") => {
      if (!Number.isInteger(n)) throw new TypeError(`transpose: the number of ${what} axes must be an integer, got ${n}`);
      if (n < 0) throw new ValueError(`Can't have negative number of ${what} axes`);
      if (n > nd) throw new ValueError(`Too many ${what} axes requested`);
      return n;
    };
    const resolve = (sel: AxesSelection, what: "signal" | "navigation") => {
      // HyperSpy: a bare name (or anything not a list / tuple / count) is not valid
      if (!Array.isArray(sel)) throw new ValueError(`The passed ${what}_axes argument is not valid`);
      const idx = this.arrayIndices(sel as readonly (number | string | DataAxis)[]);
      if (new Set(idx).size !== idx.length) throw new ValueError("transpose: an axis is given twice");
      return idx;
    };
    // natural order (x first) of each space, as array indices
    let navArray: number[];
    if (opts.signalAxes !== undefined) {
      if (typeof opts.signalAxes === "number") {
        const n = byCount(opts.signalAxes, "signal");
        // the last n array axes, natural order = reverse array order
        sigArray = Array.from({ length: n }, (_, i) => nd - 1 - i);
      } else sigArray = resolve(opts.signalAxes, "signal");
      const rest = Array.from({ length: nd }, (_, a) => nd - 1 - a).filter((a) => !sigArray.includes(a));
      // both given as lists: HyperSpy keeps the given navigation order
      navArray = opts.navigationAxes !== undefined && typeof opts.navigationAxes !== "number" ? resolve(opts.navigationAxes, "navigation") : rest;
      if (navArray.length + sigArray.length !== nd || navArray.some((a) => sigArray.includes(a))) {
        throw new ValueError("transpose: signalAxes and navigationAxes must together name every axis once");
      }
    } else if (opts.navigationAxes !== undefined) {
      if (typeof opts.navigationAxes === "number") {
        const n = byCount(opts.navigationAxes, "navigation");
        navArray = Array.from({ length: n }, (_, i) => n - 1 - i);
      } else navArray = resolve(opts.navigationAxes, "navigation"); // the given order is kept (HyperSpy)
      sigArray = Array.from({ length: nd }, (_, a) => nd - 1 - a).filter((a) => !navArray.includes(a));
    } else {
      throw new TypeError("transpose: give signalAxes or navigationAxes (or use .T)");
    }
    // new array order: navigation axes (reverse of their natural order), then signal axes likewise
    const perm = [...navArray.slice().reverse(), ...sigArray.slice().reverse()];
    const axes = perm.map((a, i) => {
      const ax = am.axes[a].copy();
      ax.navigate = i < navArray.length;
      return ax;
    });
    const d = this._data;
    const data = d instanceof LazyArray ? d.transpose(perm) : toNDArray(transposeView(d, perm));
    return this.withData(data, axes);
  }
}


/** HyperSpy's default axes for data of `shape` (array order): the last `sigDim` are signal axes (-1: all). */
function defaultAxes(shape: readonly number[], sigDim: number, cls: string): AxisOptions[] {
  const nd = shape.length;
  const s = sigDim < 0 ? nd : sigDim;
  if (s > nd) throw new ValueError(`${cls} needs data with at least ${s} dimension(s) (its signal dimension), got shape [${shape.join(", ")}]`);
  return shape.map((size, a) => ({ size, navigate: a < nd - s }));
}

export class Signal1D extends BaseSignal {
  static override readonly defaultSignalDimension: number = 1;
}

export class Signal2D extends BaseSignal {
  static override readonly defaultSignalDimension: number = 2;
}

/** Lazy classes: `x instanceof LazySignal` holds for every lazy signal, as in HyperSpy. */
export class LazySignal extends BaseSignal {
  static override readonly lazy: boolean = true;
  static override [Symbol.hasInstance](x: unknown): boolean {
    return x instanceof BaseSignal && x.isLazy;
  }
}

export class LazySignal1D extends Signal1D {
  static override readonly lazy: boolean = true;
}

export class LazySignal2D extends Signal2D {
  static override readonly lazy: boolean = true;
}
