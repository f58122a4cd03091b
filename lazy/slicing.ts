/** Slicing and boolean masking (stub: being written). */
import { LazyArray, Index } from "./array";
import { ComputeOptions } from "./graph";

export function getitem(x: LazyArray, index: readonly Index[]): LazyArray {
  throw new Error(`get: not implemented yet (${x.name}, ${index.length})`);
}

export async function computeChunkSizes(x: LazyArray, opts: ComputeOptions): Promise<LazyArray> {
  throw new Error(`computeChunkSizes: not implemented yet (${x.name}, ${Object.keys(opts)})`);
}
