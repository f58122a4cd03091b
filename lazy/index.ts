/**
 * hyperspy-ts's lazy chunked N-d array engine (our dask.array): `hs.lazy`.
 */
import "./kernels/elementwise";
import "./ops/bind";
import "./display/display";
import "./distributed";
export { LazyArray, compute, computeSync } from "./core/array";
export type {
  Scalar,
  Operand,
  ReduceOptions,
  VarOptions,
  ArgReduceOptions,
  Slice,
  Index,
  RechunkOptions,
  BlockInfo,
  BlockFunction,
  MultiBlockFunction,
  MapBlocksOptions,
  MapOverlapOptions,
  Boundary,
  GraphSummary,
  LayerSummary,
  BlockSink,
  StoreBlockInfo,
} from "./core/array";
export { fromArray, zeros, ones, full, arange, linspace, random } from "./ops/creation";
export type { FromArrayOptions, CreationOptions, LinspaceOptions, RandomOptions } from "./ops/creation";
export { where, broadcastShapes } from "./ops/ops";
export { concatenate, stack } from "./ops/rechunk";
export { mapBlocks } from "./ops/blockwise";
export { mapOverlap } from "./ops/overlap";
export {
  normalizeChunks,
  DEFAULT_CHUNK_BYTES,
  UnknownChunksError,
  type Chunks,
  type ChunksSpec,
  type AxisChunkSpec,
  type NormalizeOptions,
} from "./core/chunks";
export { DTYPES, promoteTypes, resultType, type DType, type NumericDType, type TypedArray } from "./core/dtype";
export {
  AbortError,
  Layer,
  registerKernel,
  registerKernelModule,
  type ComputeOptions,
  type ComputeProgress,
  type ComputeStats,
  type Key,
  type LayerInit,
  type LayerKind,
  type Task,
  type TaskLocal,
} from "./graph/graph";
export { closePool } from "./graph/workers";
export { arenaArray } from "./kernels/wasm/arena";
export { setWasmKernels, simdSupported, wasmKernelsEnabled } from "./kernels/wasm/runtime";
export { setComputeObserver, type ComputeObserver, type ComputeRun } from "./graph/hooks";
export { toNested, toFlat, toValues, asNumbers, asBigInts, objectArray, isObjectArray, asObjectArray, type NDArray, type ObjectNDArray, type Block } from "./core/block";

/** A slice object for `get`: `slice(1, 10, 2)`, `slice(null, null, -1)`. */
export function slice(start?: number | null, stop?: number | null, step?: number | null): { start: number | null; stop: number | null; step: number | null } {
  return { start: start ?? null, stop: stop ?? null, step: step ?? null };
}
export { setScheduler, type DaskOptions, type SessionScheduler } from "./graph/graph";
export { DaskTaskError, DaskConnectionError, closeDaskClients, daskWorkers, type DaskWorkerInfo } from "./distributed";
