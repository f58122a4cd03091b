/**
 * The arena: one shared WasmMemory per process that every compiled kernel imports, so a
 * kernel addresses any array that lives in it directly. The main thread makes it; worker threads
 * receive it (setArenaMemory, from the pool's workerData), so all threads see the same bytes.
 *
 * Space is handed out by an atomic bump pointer kept in the memory's first bytes (thread-safe) and
 * used for each thread's scratch region (the copy-in pieces of the kernels, grown by doubling).
 * wasm32 addresses at most 4 GiB (ARENA_MAX_PAGES pages of 64 KiB); what does not fit stays in
 * ordinary memory and is copied through the scratch region in pieces, so nothing depends on it.
 */

import { WA, WasmApi, WasmMemory } from "./api";

export const ARENA_MAX_PAGES = 65536;
const PAGE = 65536;
/** The header (bump pointer) sits in the first page; allocations start after it. */
const START = PAGE;

let memory: WasmMemory | null = null;
const buffers = new WeakSet<ArrayBufferLike>();

/** Use `m` as this thread's arena (worker threads: the main thread's memory). */
export function setArenaMemory(m: WasmMemory): void {
  memory = m;
}

/** This process's arena (made on first use). */
export function arenaMemory(): WasmMemory {
  if (!memory) memory = new (WA as WasmApi).Memory({ initial: 2, maximum: ARENA_MAX_PAGES, shared: true });
  return memory;
}

/** The arena's current buffer (a shared memory never moves: older views stay valid, only shorter). */
export function arenaBuffer(): SharedArrayBuffer {
  const b = arenaMemory().buffer as unknown as SharedArrayBuffer;
  buffers.add(b);
  return b;
}

/** The byte address of typed array `a` in the arena, or null if it lives elsewhere. */
export function arenaPointer(a: { buffer: ArrayBufferLike; byteOffset: number }): number | null {
  return buffers.has(a.buffer) ? a.byteOffset : null;
}

/** Reserve `bytes` (rounded up to 64) in the arena for good; throws a clear error past 4 GiB. */
export function reserve(bytes: number): number {
  const size = Math.ceil(bytes / 64) * 64;
  const hdr = new Int32Array(arenaBuffer(), 0, 4);
  const old = Atomics.add(hdr, 0, size) >>> 0;
  const start = START + old;
  const end = start + size;
  if (old + size > 2 ** 32 - START - PAGE) {
    Atomics.sub(hdr, 0, size);
    throw new RangeError(`arena: cannot reserve ${size} bytes (the shared kernel memory is limited to 4 GiB by wasm32)`);
  }
  const m = arenaMemory();
  while (m.buffer.byteLength < end + 64) m.grow(Math.ceil((end + 64 - m.buffer.byteLength) / PAGE));
  return start;
}

/** A thread's scratch region in the arena. */
export class Scratch {
  readonly base: number;
  constructor(readonly size: number) {
    this.base = reserve(size);
  }
  buffer(): SharedArrayBuffer {
    return arenaBuffer();
  }
}
