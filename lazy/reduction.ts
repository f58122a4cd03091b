/** Reductions (stub: being written). */
import { LazyArray, ReduceOptions, VarOptions, ArgReduceOptions } from "./array";

export type ReductionKind = "sum" | "prod" | "mean" | "min" | "max" | "var" | "std" | "any" | "all";

export function reduce(x: LazyArray, kind: ReductionKind, opts: ReduceOptions & VarOptions): LazyArray {
  throw new Error(`${kind}: not implemented yet (${x.name}, ${JSON.stringify(opts)})`);
}

export function argReduce(x: LazyArray, kind: "argmax" | "argmin", opts: ArgReduceOptions): LazyArray {
  throw new Error(`${kind}: not implemented yet (${x.name}, ${JSON.stringify(opts)})`);
}
