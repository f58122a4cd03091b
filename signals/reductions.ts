/** Reductions over signal / navigation axes (stub: being written). */
import type { BaseSignal } from "./signal";
import type { DataAxis } from "./axes";
export type AxisSelector = number | string | DataAxis | "navigation" | "signal" | readonly (number | string | DataAxis)[] | null;
export type SignalReduction = "sum" | "mean" | "max" | "min" | "std" | "var" | "nansum" | "nanmean" | "nanmax" | "nanmin" | "nanstd" | "nanvar";
export interface SignalReduceOptions { axis?: AxisSelector; ddof?: number; }
export function reduce(s: BaseSignal, kind: SignalReduction, opts: SignalReduceOptions): BaseSignal {
  throw new Error(`${kind}: not implemented yet (${String(s)}, ${JSON.stringify(opts)})`);
}
export function indexmax(s: BaseSignal, axis: AxisSelector): BaseSignal {
  throw new Error(`indexmax: not implemented yet (${String(s)}, ${String(axis)})`);
}
export function valuemax(s: BaseSignal, axis: AxisSelector): BaseSignal {
  throw new Error(`valuemax: not implemented yet (${String(s)}, ${String(axis)})`);
}
