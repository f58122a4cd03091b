/**
 * Blockwise operations that are not elementwise: transpose, and mapBlocks (user functions).
 */
import { Block, transposeView } from "./block";
import { normalizeAxis } from "./chunks";
import { Layer, registerKernel } from "./graph";
import { LazyArray, MapBlocksOptions, MultiBlockFunction } from "./array";

interface TransposeParams {
  axes: number[];
}
registerKernel<TransposeParams>("transpose", (inputs, p) => transposeView(inputs[0] as Block, p.axes));

/** Permute the axes (reverse them when `axes` is omitted): a view of each block, no copy. */
export function transpose(x: LazyArray, axes?: readonly number[]): LazyArray {
  const nd = x.ndim;
  const perm = axes ? axes.map((a) => normalizeAxis(a, nd, "transpose: axis")) : Array.from({ length: nd }, (_, i) => nd - 1 - i);
  if (perm.length !== nd || new Set(perm).size !== nd) {
    throw new RangeError(`transpose: axes [${(axes ?? []).join(", ")}] must be a permutation of 0..${nd - 1}`);
  }
  if (perm.every((a, i) => a === i)) return x;
  const layer = new Layer({
    kind: "blockwise",
    label: "transpose",
    chunks: perm.map((a) => x.chunks[a].slice()),
    dtype: x.dtype,
    dependencies: [x.layer],
    task: (index, key) => {
      const src = new Array<number>(nd);
      perm.forEach((a, i) => (src[a] = index[i]));
      return { key, op: "transpose", params: { axes: perm } satisfies TransposeParams, deps: [x.layer.key(src)] };
    },
  });
  return new LazyArray(layer);
}

/** mapBlocks over one or more arrays (stub: being written). */
export function mapBlocks(fn: MultiBlockFunction, arrays: readonly LazyArray[], opts: MapBlocksOptions): LazyArray {
  throw new Error(`mapBlocks: not implemented yet (${typeof fn}, ${arrays.length}, ${JSON.stringify(opts)})`);
}
