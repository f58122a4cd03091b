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
import { TypeError, ValueError } from "../../core/errors";

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
    throw new ValueError(`arena: cannot reserve ${size} bytes (the shared kernel memory is limited to 4 GiB by wasm32)`);
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

/** The typed arrays arenaArray makes. */
export type ArenaTypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
type ArenaCtor = { new (b: ArrayBufferLike, o: number, n: number): ArenaTypedArray; BYTES_PER_ELEMENT: number };
const ARENA_CTORS: Record<string, ArenaCtor> = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/**
 * A zero-filled typed array of `n` elements of `dtype` in the arena (`hs.lazy.arenaArray`): the
 * compiled kernels of every thread read it in place, where an array elsewhere is copied through
 * their scratch memory in pieces (or, a bare input in a SharedArrayBuffer, read by the JS loops).
 * Wrap it with fromArray as any typed array. Its memory is never given back (the arena only
 * grows, up to wasm32's 4 GiB), so use it for the big inputs a program builds once.
 */
export function arenaArray(dtype: string, n: number): ArenaTypedArray {
  const C = ARENA_CTORS[dtype];
  if (!C) throw new TypeError(`arenaArray: dtype ${JSON.stringify(dtype)} is not one the kernels address; use ${Object.keys(ARENA_CTORS).join(", ")}`);
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`arenaArray: length must be a non-negative integer, got ${n}`);
  const p = reserve(n * C.BYTES_PER_ELEMENT + 16);
  return new C(arenaBuffer(), p, n);
}

interface BlockLike {
  data: { buffer: ArrayBufferLike; byteOffset: number; length: number; constructor: unknown };
}

function isBlockLike(v: unknown): v is BlockLike {
  const d = (v as { data?: { buffer?: unknown } } | null)?.data;
  return typeof v === "object" && v !== null && typeof d === "object" && d !== null && d.buffer instanceof SharedArrayBuffer;
}

/** Indices of the task inputs that are blocks in the arena (sent with a worker request), or undefined. */
export function arenaInputs(inputs: readonly unknown[]): number[] | undefined {
  if (!memory) return undefined;
  const idx: number[] = [];
  inputs.forEach((v, i) => {
    if (isBlockLike(v) && buffers.has(v.data.buffer)) idx.push(i);
  });
  return idx.length ? idx : undefined;
}

/**
 * On a worker thread: the blocks at `idx` came from the arena (arenaInputs on the sending side);
 * their data is re-viewed over this thread's arena buffer (the same memory), so the kernels here
 * see them as arena blocks and read them in place. A structured-cloned SharedArrayBuffer is a new
 * object on the receiving thread, so this cannot be told from the buffer itself.
 */
export function adoptArenaInputs(inputs: unknown[], idx: readonly number[] | undefined): void {
  if (!idx || !memory) return;
  const buf = arenaBuffer();
  for (const i of idx) {
    const b = inputs[i];
    if (!isBlockLike(b)) continue;
    const C = b.data.constructor as new (x: ArrayBufferLike, o: number, n: number) => BlockLike["data"];
    const bytes = (b.data as unknown as { byteLength: number }).byteLength;
    if (b.data.byteOffset + bytes > buf.byteLength) continue; // not visible here (yet): read as an ordinary SAB
    inputs[i] = { ...(b as object), data: new C(buf, b.data.byteOffset, b.data.length) };
  }
}
