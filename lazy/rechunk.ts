/** Rechunk, reshape, concatenate, stack (stub: being written). */
import { LazyArray, RechunkOptions } from "./array";
import { ChunksSpec } from "./chunks";

export function rechunk(x: LazyArray, chunks: ChunksSpec, opts: RechunkOptions): LazyArray {
  throw new Error(`rechunk: not implemented yet (${x.name}, ${JSON.stringify(chunks)}, ${JSON.stringify(opts)})`);
}
export function reshape(x: LazyArray, shape: readonly number[]): LazyArray {
  throw new Error(`reshape: not implemented yet (${x.name}, ${shape})`);
}
export function squeeze(x: LazyArray, axis?: number | readonly number[]): LazyArray {
  throw new Error(`squeeze: not implemented yet (${x.name}, ${axis})`);
}
export function expandDims(x: LazyArray, axis: number): LazyArray {
  throw new Error(`expandDims: not implemented yet (${x.name}, ${axis})`);
}
export function concatenate(arrays: readonly LazyArray[], axis = 0): LazyArray {
  throw new Error(`concatenate: not implemented yet (${arrays.length}, ${axis})`);
}
export function stack(arrays: readonly LazyArray[], axis = 0): LazyArray {
  throw new Error(`stack: not implemented yet (${arrays.length}, ${axis})`);
}
