/** inav / isig (stub: being written). */
import type { BaseSignal } from "./signal";
export type SignalIndex = number | string | null | { start?: number | null; stop?: number | null; step?: number | null };
export function inav(s: BaseSignal, index: readonly SignalIndex[]): BaseSignal {
  throw new Error(`inav: not implemented yet (${String(s)}, ${index.length})`);
}
export function isig(s: BaseSignal, index: readonly SignalIndex[]): BaseSignal {
  throw new Error(`isig: not implemented yet (${String(s)}, ${index.length})`);
}
