/** map (stub: being written). */
import type { NDArray } from "../lazy/block";
import type { BaseSignal } from "./signal";
import type { DType } from "../lazy/dtype";
/** Per-pixel values of iterating signals and constants, by the names given in `args`. */
export type MapArgs = { [name: string]: unknown };
export type MapFunction = (signal: NDArray, args: MapArgs) => NDArray | number | boolean | ArrayLike<number>;
export interface MapOptions {
  /** Signals with the same navigation shape iterate alongside (each pixel's value), anything else is a constant. */
  args?: MapArgs;
  inplace?: boolean;
  lazyOutput?: boolean;
  outputSignalSize?: readonly number[];
  outputDtype?: DType;
  ragged?: boolean;
  portable?: boolean;
}
export function map(s: BaseSignal, fn: MapFunction, opts: MapOptions): BaseSignal {
  throw new Error(`map: not implemented yet (${String(s)}, ${typeof fn}, ${Object.keys(opts)})`);
}
