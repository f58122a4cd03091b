/**
 * The MIME payloads hyperspy-ts puts in a Jupyter display bundle: one module shared by the library
 * (signals/display.ts, lazy/display/display.ts build them) and the renderers (renderers/ read them in the
 * browser). It has no runtime imports: a browser bundle can import it on its own.
 *
 * Two MIME types, each versioned in its name and in the payload's `version` field:
 * - `application/vnd.hyperspy-ts.lazy.v1+json` (LAZY_MIME): what an uncomputed lazy signal or
 *   LazyArray is: axes, chunk grids, graph layers with task counts, sources, warnings. Nothing is
 *   computed to build it.
 * - `application/vnd.hyperspy-ts.signal.v1+json` (SIGNAL_MIME): a computed signal's values within a
 *   size budget (binned beyond it), a navigator image and the signal at the current pixel.
 *
 * A change that an older renderer could misread gets a new MIME type (`.v2+json`) and version; a
 * new optional field does not. Numbers that JSON cannot carry (NaN, unknown chunk sizes) are `null`.
 * docs/display.md describes every field, the fallbacks in the bundle and the size budget.
 */

/** The lazy summary's MIME type. */
export const LAZY_MIME = "application/vnd.hyperspy-ts.lazy.v1+json";
/** The computed signal's MIME type. */
export const SIGNAL_MIME = "application/vnd.hyperspy-ts.signal.v1+json";
/** The `version` of both payloads defined here. */
export const PAYLOAD_VERSION = 1;

/** The method a displayable object implements (Deno's convention), returning a MimeBundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;
/**
 * Per-MIME-type metadata of a bundle returned by JUPYTER_DISPLAY (e.g. the PNG's `{width, height}`
 * in CSS pixels for hi-dpi): a non-enumerable property of the returned bundle object under this
 * symbol, so that the bundle itself stays MIME type -> data. A kernel copies it into the message's
 * `metadata`; one that does not still shows everything (the PNG at its pixel size).
 */
export const JUPYTER_DISPLAY_METADATA: unique symbol = Symbol.for("Jupyter.display.metadata") as never;

/** A Jupyter MIME bundle: MIME type -> data (a string, or a JSON object for `+json` types). */
export interface MimeBundle {
  [mime: string]: unknown;
}

/** Metadata per MIME type (Jupyter's `metadata` of display_data / execute_result). */
export interface MimeMetadata {
  [mime: string]: { [key: string]: unknown };
}

/** Options of a JUPYTER_DISPLAY call (all optional; the kernel calls it with none). */
export interface DisplayOptions {
  /**
   * Computed signals: bytes of values (float32) the payload may embed, navigator and current
   * signal included (default 2,000,000). Beyond it the data is binned.
   */
  maxBytes?: number;
  /** Computed signals: include the static PNG plot (default true). */
  png?: boolean;
}

// ------------------------------------------------------------------------------------------------
// Shared parts

/** One axis, as HyperSpy's DataAxis (uniform: value = offset + scale * index). */
export interface AxisPayload {
  /** The axis name, or null when unnamed. */
  name: string | null;
  /** What to show: the name, or HyperSpy's "Unnamed 2nd" for an unnamed axis. */
  label: string;
  units: string | null;
  scale: number;
  offset: number;
  /** null only for an unknown size (a LazyArray after boolean masking). */
  size: number | null;
  navigate: boolean;
  /** Position of the axis in the data array (array order is the reverse of natural order in each space). */
  arrayAxis: number;
}

/**
 * A block of numbers: little-endian float32 values in C order of `shape`, base64-encoded
 * (`Float32Array` over the decoded bytes). NaN and infinities are kept as float32 values.
 */
export interface ArrayPayload {
  dtype: "float32";
  encoding: "base64";
  byteOrder: "little";
  /** Shape in ARRAY order (for signal data: navigation axes reversed, then signal axes reversed). */
  shape: number[];
  data: string;
  /** Smallest and largest finite values (null when there are none). */
  min: number | null;
  max: number | null;
}

/** A problem worth telling before computing. */
export interface WarningPayload {
  code: "split-signal-axes" | "small-chunks" | "large-chunks" | "too-many-tasks" | "unknown-chunks" | "irregular-chunks";
  /** A sentence that names the problem and what to do. */
  message: string;
}

// ------------------------------------------------------------------------------------------------
// application/vnd.hyperspy-ts.lazy.v1+json

/** The chunk grid of one space (navigation, signal, or the whole array for a plain LazyArray). */
export interface ChunkGridPayload {
  space: "navigation" | "signal" | "array";
  /** Indices into `axes` of the axes of this space, natural order (x first). */
  axes: number[];
  /** Chunk sizes along each of those axes (null: unknown size). */
  chunks: (number | null)[][];
  /** Number of chunks along each of those axes. */
  numChunks: number[];
  /** The largest chunk's extent along each of those axes. */
  chunkShape: (number | null)[];
}

export interface LayerPayload {
  /** Unique layer name (label plus a token). */
  name: string;
  /** The operation ("from-array", "add", "sum-partial", "rechunk-merge", "map-blocks"...). */
  label: string;
  /** Engine layer kind: source, creation, random, elementwise, blockwise, map-blocks, reduction, getitem, rechunk, overlap... */
  kind: string;
  /** Tasks if every block of the layer were materialised. */
  tasks: number;
  /** Tasks of this layer that computing the whole result needs (after culling); null when not planned. */
  tasksCulled: number | null;
  /** Tasks left after fusion (0: fused into a later layer); null when not planned. */
  tasksOptimized: number | null;
  /** Blocks along each axis of the layer's output (array order). */
  numBlocks: number[];
  /** Largest block's shape (array order; null: unknown). */
  chunkShape: (number | null)[];
  dtype: string;
  /** Names of the layers it reads. */
  dependencies: string[];
}

export interface SourcePayload {
  name: string;
  label: string;
  /** "source" (data: in memory or in storage), "creation" (zeros, arange...), "random". */
  kind: string;
  /** Shape of the source array (array order). */
  shape: (number | null)[];
  dtype: string;
  /** Bytes the source holds (0 for generated data). */
  bytes: number;
  /** Bytes that computing the whole result reads from it (culled blocks only); null when not planned. */
  bytesToRead: number | null;
}

export interface LazyPayload {
  version: 1;
  kind: "lazy-signal" | "lazy-array";
  /** HyperSpy's repr (`<LazySignal1D, title: , dimensions: (8, 8|100)>`) or the LazyArray's. */
  repr: string;
  /** "LazySignal1D", "LazySignal2D", "LazySignal" or "LazyArray". */
  className: string;
  title: string;
  /** metadata.Signal.signal_type ("" when unset or a LazyArray). */
  signalType: string;
  /**
   * Axes in HyperSpy's natural order: navigation axes (x first) then signal axes (x first). A
   * LazyArray's axes are its array axes in array order, named "axis 0", ... with navigate false.
   */
  axes: AxisPayload[];
  /** Natural order; both empty for a LazyArray (it has no navigation / signal split). */
  navigationShape: number[];
  signalShape: number[];
  /** Data array shape (array order; null: unknown). */
  shape: (number | null)[];
  dtype: string;
  itemsize: number;
  /** Bytes of the result (null when chunk sizes are unknown). */
  nbytes: number | null;
  /** Bytes of the largest chunk. */
  chunkBytes: number;
  numChunks: number;
  /** Chunk sizes per array axis (array order; null: unknown). */
  chunks: (number | null)[][];
  /** Navigation grid then signal grid for signals; one "array" grid for a LazyArray. */
  grids: ChunkGridPayload[];
  /** Layers in topological order (sources first; the last is the result). */
  layers: LayerPayload[];
  tasks: {
    /** Every block of every layer. */
    full: number;
    /** After culling to the result's blocks (null when not planned). */
    culled: number | null;
    /** After culling and fusion: the tasks compute would run (null when not planned). */
    optimized: number | null;
    /** Longest chain of dependent tasks after optimisation (null when not planned). */
    depth: number | null;
    /** Whether the graph was planned to count the above (graphs over `planLimit` tasks are not). */
    planned: boolean;
    planLimit: number;
  };
  sources: SourcePayload[];
  /** Bytes read from sources to compute the result (null when not planned). */
  bytesToRead: number | null;
  /** Bytes the sources hold. */
  sourceBytes: number;
  warnings: WarningPayload[];
}

// ------------------------------------------------------------------------------------------------
// application/vnd.hyperspy-ts.signal.v1+json

export interface SignalPayload {
  version: 1;
  kind: "signal";
  repr: string;
  /** "Signal1D", "Signal2D" or "BaseSignal". */
  className: string;
  title: string;
  signalType: string;
  /** metadata.Signal.quantity ("" when unset): the label of the values ("Intensity (counts)"). */
  quantity: string;
  /** dtype of the signal's data (the values below are float32 whatever it is). */
  dtype: string;
  /** The signal's axes in natural order (navigation x first, then signal x first), full size. */
  axes: AxisPayload[];
  navigationShape: number[];
  signalShape: number[];
  /**
   * All values, possibly binned (see `downsampled`), in ARRAY order: shape
   * [navigation axes reversed..., signal axes reversed...] (HyperSpy's data layout). null for a
   * ragged signal (its values are JS objects).
   */
  data: ArrayPayload | null;
  /** The axes of `data` (natural order): as `axes`, with scale / offset / size of the bins. */
  dataAxes: AxisPayload[];
  /** How `data` was binned to fit the budget; null when it holds every value. */
  downsampled: {
    /** Bin size per axis, natural order as `axes` (1: not binned). The last bin may be partial. */
    factors: number[];
    /** Each bin holds the mean of its values (NaN-aware: NaN only if every value is NaN). */
    method: "mean";
    /** Bytes the full data would take as float32. */
    fullBytes: number;
  } | null;
  /**
   * HyperSpy's navigator: the sum over the signal axes at every navigation pixel (array order of
   * the navigation axes). With more than two navigation axes, the extra axes are taken at the
   * current indices (`fixed`). Binned by `factors` (mean of the sums) only beyond a quarter of the
   * budget. null without navigation axes.
   */
  navigator: {
    data: ArrayPayload;
    /**
     * Axes of `data` (natural order; the first two navigation axes at most). For method "data"
     * (one navigation and one signal axis, HyperSpy's navigator="data"): [the signal axis, the
     * navigation axis], the image being the data itself.
     */
    axes: AxisPayload[];
    /**
     * "sum": the sum over the signal axes (a lazy signal: over the signal chunk that holds the
     * centre of the signal space, as HyperSpy's compute_navigator; `sumFrom` says which).
     * "data": the data itself as an image (navigation rows, signal columns).
     */
    method: "sum" | "data";
    /** Lazy signals: the signal range summed, natural order ([[start, stop], ...]). */
    sumFrom?: number[][];
    factors: number[];
    /** Navigation axes beyond the second, as {axis index in `axes`, index} at which they are taken. */
    fixed: { axis: number; index: number }[];
  } | null;
  /**
   * The signal at the current navigation pixel (axesManager.indices), at full resolution up to a
   * quarter of the budget (binned beyond). null without navigation axes: `data` is then the signal.
   */
  current: {
    /** Navigation indices, natural order. */
    indices: number[];
    data: ArrayPayload;
    /** Axes of `data` (signal axes, natural order; binned beyond 1M values). */
    axes: AxisPayload[];
    factors: number[];
  } | null;
  /** The budget applied: bytes of float32 values embedded (before base64) and the limit. */
  budget: { maxBytes: number; bytes: number };
  /** Why something is missing (a ragged signal...), or "". */
  note: string;
  /**
   * Set when the kernel serves this view live over a Jupyter comm (PLOT_COMM_TARGET): the
   * renderer asks it for the signal at the pixel the user selects, which the kernel computes then
   * (one chunk read for a lazy signal). Absent or null: only what is embedded here is shown.
   */
  live?: LivePayload | null;
}

/** The comm target of live views (`kernel.createComm(PLOT_COMM_TARGET)`, opened with `{plotId}`). */
export const PLOT_COMM_TARGET = "hyperspy-ts.plot";

/** What a live view needs to reach the kernel. */
export interface LivePayload {
  target: string;
  /** The plot's id in the kernel (valid for this kernel process only). */
  plotId: string;
  /** The data is lazy: a request may read a chunk from storage. */
  lazy: boolean;
  /** "navigator": an image or line to click; "slider": sliders only (HyperSpy's navigator="slider"). */
  navigation: "navigator" | "slider";
  /** Lazy signals: the navigation chunk shape (natural order), one read per chunk. */
  navigationChunks: number[] | null;
}

/** Front-end -> kernel over the plot comm. `seq` increases per comm; the kernel answers the newest. */
export type PlotRequest =
  /** The signal at `indices` (natural order), or the mean over the box of `span` pixels from them. */
  | { type: "signal"; seq: number; indices: number[]; span?: number[] }
  /** The navigator with the navigation axes beyond the second at `indices[2:]` (eager signals). */
  | { type: "navigator"; seq: number; indices: number[] };

/** Kernel -> front-end over the plot comm. */
export type PlotReply =
  | {
      type: "signal";
      seq: number;
      indices: number[];
      span: number[];
      data: ArrayPayload;
      /** Signal axes of `data`, natural order (binned beyond PLOT_SIGNAL_MAX_VALUES values). */
      axes: AxisPayload[];
      factors: number[];
      /** Kernel time to compute it (ms), and whether its chunk was already in the kernel's cache. */
      ms: number;
      cached: boolean;
    }
  | { type: "navigator"; seq: number; indices: number[]; navigator: NonNullable<SignalPayload["navigator"]> }
  /** `seq` null: about the comm itself (an unknown plot: run its cell again). */
  | { type: "error"; seq: number | null; message: string };
