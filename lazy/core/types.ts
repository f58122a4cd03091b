/**
 * The option, callback and summary types of LazyArray's methods (core/array.ts re-exports them;
 * lazy/index.ts exports them publicly).
 */
import type { LazyArray } from "./array";
import type { Block, NDArray, ObjectNDArray } from "./block";
import type { ChunksSpec } from "./chunks";
import type { DType } from "./dtype";

/** A scalar operand: a number (integral values count as python ints), a bigint (a python int) or a boolean. */
export type Scalar = number | bigint | boolean;
export type Operand = LazyArray | Scalar;

export interface ReduceOptions {
  /** Axis or axes to reduce (negative allowed); all axes when omitted or null. */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes with length 1. */
  keepdims?: boolean;
  /** Blocks combined per tree level, as a number (spread over the reduced axes) or per axis. */
  splitEvery?: number | { readonly [axis: number]: number };
  /** Accumulate and return in this dtype (sum, prod, mean). */
  dtype?: DType;
}

export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom (numpy's ddof, default 0). */
  ddof?: number;
}

export interface ArgReduceOptions {
  /** One axis, or null/omitted for the flattened array. */
  axis?: number | null;
  keepdims?: boolean;
  splitEvery?: number | { readonly [axis: number]: number };
}

/** A slice: start/stop/step as in Python, negative values counting from the end. */
export interface Slice {
  readonly start?: number | null;
  readonly stop?: number | null;
  readonly step?: number | null;
}

/**
 * One index of `get`: an integer, a Slice (or "start:stop:step" string such as ":" or "::-1"),
 * `null` for a new axis, "..." for the remaining axes, a boolean LazyArray mask, or a list of
 * integers (fancy indexing along that axis; one list per get).
 */
export type Index = number | Slice | string | null | LazyArray | readonly number[];

export interface RechunkOptions {
  /** Graph-size threshold of dask's planner (default 4). */
  threshold?: number;
  /** Largest intermediate block in bytes (default 128 MiB). */
  blockSizeLimit?: number;
}

/** Where a block sits, given to mapBlocks / mapOverlap functions. */
export interface BlockInfo {
  /** Block index along each axis of the output. */
  chunkLocation: number[];
  /** Number of blocks along each axis of the output. */
  numChunks: number[];
  /** [start, stop) of this block in the output array, per axis. */
  arrayLocation: [number, number][];
  /** Shape of the whole output array. */
  shape: number[];
  /** Output dtype. */
  dtype: DType;
}

/**
 * A mapBlocks function. Blocks of an object array (dtype "object") arrive as ObjectNDArrays (typed
 * NDArray here: `lazy.asObjectArray(block)` gives them that type), and an object output is returned as one
 * (lazy.objectArray(values, shape)).
 */
export type BlockFunction = (block: NDArray, info: BlockInfo) => NDArray | ObjectNDArray | Block | number | boolean;
export type MultiBlockFunction = (blocks: NDArray[], info: BlockInfo) => NDArray | ObjectNDArray | Block | number | boolean;

export interface MapBlocksOptions {
  /** Output dtype (default: the input's). "object" for JS values per element (such tasks run on the main thread). */
  dtype?: DType;
  /** Output chunks, when the function changes block shapes (sizes per axis, or a chunk spec). */
  chunks?: ChunksSpec;
  /** Axes of the input removed by the function. */
  dropAxis?: number | readonly number[];
  /** Positions of new axes in the output (length 1 unless chunks say otherwise). */
  newAxis?: number | readonly number[];
  /** Label shown in summaries. */
  name?: string;
  /**
   * Run the function on worker threads (scheduler "threads"): its source is sent to the workers,
   * so it may use only its arguments and globals such as Math, not variables from outside it.
   * Default false: the function runs on the main thread and may use anything.
   */
  portable?: boolean;
}

export type Boundary = "none" | "reflect" | "periodic" | "nearest" | number;

export interface MapOverlapOptions {
  /** Halo width: one number for every axis, per-axis list, or {axis: depth}. */
  depth: number | readonly number[] | { readonly [axis: number]: number };
  /** What lies beyond the array's edges (default "none", as dask 2022.12); one for all axes or per axis. */
  boundary?: Boundary | readonly Boundary[] | { readonly [axis: number]: Boundary };
  /** Cut the halo from the function's output (default true). */
  trim?: boolean;
  dtype?: DType;
  name?: string;
  /** Run the function on worker threads: as MapBlocksOptions.portable. */
  portable?: boolean;
}

/** Where a block sits, given to a store() sink. Unknown sizes give NaN locations. */
export interface StoreBlockInfo {
  chunkLocation: number[];
  numChunks: number[];
  /** [start, stop) per axis in the array. */
  arrayLocation: [number, number][];
  shape: number[];
}

export type BlockSink = (block: NDArray, info: StoreBlockInfo) => void | PromiseLike<void>;

export interface LayerSummary {
  name: string;
  kind: string;
  label: string;
  tasks: number;
  numBlocks: number[];
  /** Block sizes per axis of the layer's output (intermediate layers: their partial results). */
  chunks: number[][];
  dtype: string;
  dependencies: string[];
}

export interface GraphSummary {
  name: string;
  shape: number[];
  dtype: DType;
  chunks: number[][];
  numBlocks: number[];
  /** Largest block's shape. */
  chunkSize: number[];
  /** Bytes of the result (NaN when sizes are unknown). */
  nbytes: number;
  chunkBytes: number;
  /** Bytes held by the sources the graph reads. */
  sourceBytes: number;
  layers: LayerSummary[];
  /** Tasks if every layer were materialised in full. */
  tasksFull: number;
  /** Tasks after culling and fusion, for computing the whole array (null above 20,000 tasks: counting plans the graph). */
  tasksOptimized: number | null;
  unknownChunks: boolean;
}
