/**
 * Prompt release of blocks in SharedArrayBuffers. A SharedArrayBuffer's memory is freed only when
 * every thread that held it has garbage-collected its handle, and V8 does not count that memory
 * toward a thread's GC pressure; the scheduler's threads allocate few JS objects, so their GC can
 * wait for gigabytes of released blocks (measured: 3.2 GB RSS for a navigation sum that never held
 * more than 65 MiB). Each thread therefore counts the shared bytes it lets go and runs a full GC
 * (a few ms on these small heaps) every GC_RELEASE_BYTES.
 */
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { isBlock } from "../core/block";

/** Released shared bytes between forced collections. */
export const GC_RELEASE_BYTES = 128 * 1024 * 1024;

let gcFn: (() => void) | null | undefined;
let released = 0;
let forced = 0;

/** Collections forced on this thread so far (for tests). */
export function forcedCollections(): number {
  return forced;
}

function collector(): (() => void) | null {
  if (gcFn === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      const f: unknown = vm.runInNewContext("gc");
      gcFn = typeof f === "function" ? (f as () => void) : null;
    } catch {
      gcFn = null;
    }
  }
  return gcFn;
}

/**
 * Bytes of the SharedArrayBuffers a task value (a block or a partial result) owns. A view into a
 * larger buffer (a slice of an in-memory source) counts 0: letting it go frees nothing.
 */
export function sharedBytes(v: unknown): number {
  if (isBlock(v)) {
    // a block made by view() keeps its source's whole array as `data`: count it only if it spans it
    const span = v.data.BYTES_PER_ELEMENT * v.shape.reduce((a, b) => a * b, 1);
    return span === v.data.byteLength ? sharedBytes(v.data) : 0;
  }
  if (ArrayBuffer.isView(v)) {
    const b = v.buffer;
    return b instanceof SharedArrayBuffer && v.byteOffset === 0 && v.byteLength === b.byteLength ? b.byteLength : 0;
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    let n = 0;
    for (const x of Object.values(v as Record<string, unknown>)) if (x !== null && typeof x === "object") n += sharedBytes(x);
    return n;
  }
  return 0;
}

/** This thread no longer references `v`: collect once enough shared memory waits for a GC. */
export function noteReleased(v: unknown): void {
  const n = sharedBytes(v);
  if (n === 0) return;
  released += n;
  if (released >= GC_RELEASE_BYTES) {
    released = 0;
    forced++;
    collector()?.();
  }
}
