/** rebin and hs.stack (stub: being written). */
import type { BaseSignal } from "./signal";
export interface RebinOptions { newShape?: readonly number[]; scale?: readonly number[]; crop?: boolean; }
export function rebin(s: BaseSignal, opts: RebinOptions): BaseSignal {
  throw new Error(`rebin: not implemented yet (${String(s)}, ${JSON.stringify(opts)})`);
}
export interface StackOptions { axis?: number | string | null; newAxisName?: string; lazy?: boolean; }
export function stack(signals: readonly BaseSignal[], opts: StackOptions): BaseSignal {
  throw new Error(`stack: not implemented yet (${signals.length}, ${JSON.stringify(opts)})`);
}
