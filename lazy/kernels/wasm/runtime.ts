/**
 * Running the compiled SIMD kernels (simd.ts): the memory they address, the module cache, and the
 * two entry points the engine calls, `wasmEvaluate` (an elementwise expression over contiguous or
 * single-value inputs) and `wasmScan` (a reduction's chunk step: sum, with the fused expression
 * evaluated inside the scan). Both return false when the kernel does not apply (no SIMD, switched
 * off, an unsupported node or dtype, a layout the kernels do not cover) and the caller runs its JS
 * loop, so the results never depend on whether WebAssembly is there.
 *
 * Memory: one shared WebAssembly.Memory per process (the arena, arena.ts); each thread takes its
 * own scratch region from it. Blocks that live elsewhere (a SharedArrayBuffer of the engine, a
 * user's typed array) are copied into the scratch region in pieces of PIECE elements, small enough
 * to stay in the core's cache, and computed there; blocks that live in the arena are read in place.
 *
 * `HSTS_WASM=0` in the environment, or `setWasmKernels(false)`, forces the JS path (tests run both).
 */
import { V128, encodeModule, Code } from "./encoder";
import { WA, WasmApi } from "./api";
import { Mode, Unsupported, WExpr, elemSize, inputDtypes } from "./simd";
import { KernelKind, compileKernel } from "./loops";
import { arenaMemory, arenaPointer, ARENA_MAX_PAGES, Scratch } from "./arena";

type Kernel = (...args: number[]) => void;
/** A typed array of any element type (bigint ones included), as the kernels see it. */
type Typed = ArrayLike<number | bigint> & { subarray(a: number, b?: number): Typed; set(a: never, o?: number): void; BYTES_PER_ELEMENT: number; buffer: ArrayBufferLike; byteOffset: number };
type Settable = Typed & { [j: number]: number | bigint; set(a: Typed, o?: number): void };

let simdOk: boolean | null = null;

/** Whether this runtime validates WebAssembly SIMD (a module using v128). */
export function simdSupported(): boolean {
  if (simdOk === null) {
    try {
      const c = new Code().f64(1).simd(20).simd(33).op(0).op(0x1a);
      const bytes = encodeModule({ memory: { min: 1, max: 1, shared: false }, funcs: [{ name: "f", params: [], results: [], locals: [V128], code: c }] });
      simdOk = WA !== undefined && WA.validate(bytes);
    } catch {
      simdOk = false;
    }
  }
  return simdOk;
}

let enabled = process.env.HSTS_WASM !== "0";

/** Switch the compiled kernels on or off in this thread (returns the previous setting). Off: the JS loops run. */
export function setWasmKernels(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether compiled kernels run in this thread. */
export function wasmKernelsEnabled(): boolean {
  return enabled && simdSupported();
}

const cache = new Map<string, Kernel | null>();

function kernelFor(kind: KernelKind, key: string, e: WExpr, modes: readonly Mode[]): Kernel | null {
  const sig = `${kind}|${modes.join("")}|${key}`;
  let k = cache.get(sig);
  if (k !== undefined) return k;
  try {
    const bytes = compileKernel(kind, e, modes, { min: 1, max: ARENA_MAX_PAGES, shared: true });
    const inst = new (WA as WasmApi).Instance(new (WA as WasmApi).Module(bytes), { env: { memory: arenaMemory() } });
    k = inst.exports.k as unknown as Kernel;
  } catch (err) {
    // Unsupported: the JS loop runs. Anything else is a compiler bug: fail loudly where asked (the
    // tests), and otherwise keep the user's computation going on the JS loop.
    if (!(err instanceof Unsupported) && process.env.HSTS_WASM_STRICT === "1") throw err;
    k = null;
  }
  cache.set(sig, k);
  return k;
}

/** The cache key of an expression (NaN, infinities, -0 and bigints kept distinct): as lazy/elementwise.ts's exprKey. */
export function exprCacheKey(e: WExpr): string {
  return JSON.stringify(e, (_k, v: unknown) =>
    typeof v === "bigint" ? `#${String(v)}n` : typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0)) ? `#${Object.is(v, -0) ? "-0" : String(v)}` : v,
  );
}

/** Whether `e` (with inputs read as `modes`) compiles: the graph pass asks this, so compiling happens at optimisation time. */
export function wasmCompiles(kind: KernelKind, key: string, e: WExpr, modes: readonly Mode[]): boolean {
  return wasmKernelsEnabled() && kernelFor(kind, key, e, modes) !== null;
}

/** Operation nodes of `e` (casts count: each is a few instructions in JS too). */
function weight(e: WExpr): number {
  return e.t === "op" ? 1 + e.args.reduce((n, a) => n + weight(a), 0) : 0;
}

/**
 * Whether copying the vector inputs that live outside the arena through the scratch region pays:
 * V8 copies out of a SharedArrayBuffer at about a third of memcpy speed (relaxed-atomic copies,
 * measured 3.4 vs 8.8 GB/s here), so a sum of a bare input in a SharedArrayBuffer is faster in the
 * JS loop, which reads it in place; an expression of two or more nodes is faster compiled.
 */
function worthCopying(e: WExpr, datas: readonly Typed[], single: readonly boolean[], direct: readonly (number | null)[]): boolean {
  const sab = datas.some((d, i) => !single[i] && direct[i] === null && d.buffer instanceof SharedArrayBuffer);
  return !sab || weight(e) >= 2;
}

/** Elements per piece copied into the scratch region. */
const PIECE = 8192;

let scratch: Scratch | null = null;
/** This thread's scratch region of at least `bytes`, or null when the arena cannot give it (4 GiB): the JS loop runs then. */
function scratchOf(bytes: number): Scratch | null {
  if (!scratch || scratch.size < bytes) {
    try {
      scratch = new Scratch(Math.max(bytes, 1 << 20));
    } catch (e) {
      if (e instanceof RangeError) return null;
      throw e;
    }
  }
  return scratch;
}

function ctorOf(d: string): { new (b: ArrayBufferLike, o: number, n: number): Typed } {
  switch (d) {
    case "float64":
      return Float64Array as never;
    case "int64":
      return BigInt64Array as never;
    case "uint64":
      return BigUint64Array as never;
    case "float32":
      return Float32Array as never;
    case "int32":
      return Int32Array as never;
    case "uint32":
      return Uint32Array as never;
    case "int16":
      return Int16Array as never;
    case "uint16":
      return Uint16Array as never;
    case "int8":
      return Int8Array as never;
    default:
      return Uint8Array as never;
  }
}

/**
 * out[0..n) = e(inputs) where input i is read contiguously from `offs[i]` ("v") or is the single
 * value at `offs[i]` ("s"). Returns false (nothing written) if no compiled kernel applies.
 */
export function wasmEvaluate(e: WExpr, key: string, datas: readonly Typed[], offs: readonly number[], modes: readonly Mode[], out: Typed, n: number): boolean {
  if (!wasmKernelsEnabled()) return false;
  const k = kernelFor("ew", key, e, modes);
  if (!k) return false;
  const dt = inputDtypes(e);
  const osz = elemSize(e.dtype);
  const outDirect: number | null = null; // the last group may write 3 elements past n: the output goes through scratch
  const direct = datas.map((d) => arenaPointer(d));
  if (!worthCopying(e, datas, modes.map((m) => m === "s"), direct)) return false;
  // scratch layout: one piece per copied input and for the output, 16 bytes of slack each
  const slot = (sz: number) => PIECE * sz + 64;
  let need = outDirect === null ? slot(osz) : 0;
  for (let i = 0; i < dt.length; i++) need += direct[i] === null ? slot(elemSize(dt[i])) : 0;
  const s = scratchOf(need);
  if (!s) return false;
  const buf = s.buffer();
  let at = s.base;
  const ptr: number[] = [];
  const view: (Typed | null)[] = [];
  for (let i = 0; i < dt.length; i++) {
    if (direct[i] !== null) {
      ptr.push((direct[i] as number) + offs[i] * elemSize(dt[i]));
      view.push(null);
    } else {
      ptr.push(at);
      view.push(new (ctorOf(dt[i]))(buf, at, PIECE));
      at += slot(elemSize(dt[i]));
      if (modes[i] === "s") (view[i] as Settable)[0] = datas[i][offs[i]];
    }
  }
  const optr = outDirect === null ? at : outDirect;
  const oview = outDirect === null ? new (ctorOf(e.dtype))(buf, at, PIECE) : null;
  const args = new Array<number>(2 + dt.length);
  for (let s0 = 0; s0 < n; s0 += PIECE) {
    const m = Math.min(PIECE, n - s0);
    for (let i = 0; i < dt.length; i++) {
      if (modes[i] === "s") {
        args[2 + i] = ptr[i];
      } else if (view[i]) {
        (view[i] as Settable).set(datas[i].subarray(offs[i] + s0, offs[i] + s0 + m));
        args[2 + i] = ptr[i];
      } else args[2 + i] = ptr[i] + s0 * elemSize(dt[i]);
    }
    args[0] = oview ? optr : optr + s0 * osz;
    args[1] = Math.ceil(m / 4);
    if (oview && m % 4 !== 0) {
      // the last group writes up to 3 elements past m: fine in scratch
    }
    k(...args);
    if (oview) (out as Settable).set(oview.subarray(0, m), s0);
  }
  return true;
}

/**
 * A sum scan with the expression inside (the chunk step of sum / mean), as lazy/reduction.ts's JS
 * scan: merged axes `len` / input strides `is` / output strides `os` (innermost last); input i is
 * read at q + dl[i] for every position q the scan walks from `off` (or is the single value at
 * dl[i]); acc (the partial, C order over the kept shape) is added to. False: not applicable.
 */
export function wasmScan(
  e: WExpr,
  key: string,
  datas: readonly Typed[],
  dl: readonly number[],
  single: readonly boolean[],
  off: number,
  len: readonly number[],
  is: readonly number[],
  os: readonly number[],
  acc: Float64Array | BigInt64Array | BigUint64Array,
): boolean {
  if (!wasmKernelsEnabled()) return false;
  const D = len.length;
  const L = len[D - 1];
  const t = os[D - 1];
  if (is[D - 1] !== 1 && !(L === 1)) return false;
  if (t !== 0 && t !== 1) return false;
  const M = D >= 2 ? len[D - 2] : 1;
  const ms = D >= 2 ? is[D - 2] : 0;
  const mo = D >= 2 ? os[D - 2] : 0;
  if (t === 1 && mo !== 0 && L < 64) return false;
  const modes: Mode[] = single.map((x) => (x ? "s" : "v"));
  const accI = !(acc instanceof Float64Array);
  const kind: KernelKind = t === 1 ? (accI ? "rowsI" : "rows") : accI ? "redI" : "red";
  const k = kernelFor(kind, key, e, modes);
  if (!k) return false;
  const dt = inputDtypes(e);
  const sz = dt.map((d) => elemSize(d));
  const direct = datas.map((d) => arenaPointer(d));
  if (!worthCopying(e, datas, single, direct)) return false;
  // pieces: Lb columns of Rb rows. Arena inputs are read in place: whole rows, all at once. Kept
  // rows go eight at a time from the first (the JS scan's grouping): Rb is a multiple of 8.
  const allDirect = direct.every((d, i) => d !== null || single[i]);
  const Lb = allDirect ? L : Math.min(L, PIECE);
  const Rb = t === 1 && mo !== 0 ? 1 : allDirect ? M : t === 1 ? Math.max(8, Math.floor(PIECE / Lb / 8) * 8) : Math.max(1, Math.floor(PIECE / Lb));
  const accBytes = acc.length * 8 + 64 + 32; // + the lane state of a reduced row split in pieces
  let need = accBytes;
  for (let i = 0; i < dt.length; i++) need += direct[i] === null ? Rb * Lb * sz[i] + 64 : 0;
  const s = scratchOf(need);
  if (!s) return false;
  const buf = s.buffer();
  const accPtr = s.base;
  const accView = new (acc.constructor as new (b: ArrayBufferLike, o: number, n: number) => Settable)(buf, accPtr, acc.length);
  accView.set(acc as unknown as Typed);
  let at = accPtr + accBytes;
  const ptr: number[] = [];
  const view: (Typed | null)[] = [];
  for (let i = 0; i < dt.length; i++) {
    if (direct[i] !== null) {
      ptr.push(direct[i] as number);
      view.push(null);
    } else {
      ptr.push(at);
      view.push(new (ctorOf(dt[i]))(buf, at, single[i] ? 1 : Rb * Lb));
      at += Rb * Lb * sz[i] + 64;
      if (single[i]) (view[i] as Settable)[0] = datas[i][dl[i]];
    }
  }
  const statePtr = accPtr + acc.length * 8 + 64;
  const args = new Array<number>((t === 1 ? 3 : 6) + 2 * dt.length);
  const E = D - 2;
  const idx = new Array<number>(E > 0 ? E : 0).fill(0);
  let p = off;
  let o = 0;
  const contiguousRows = Lb === L && ms === L;
  for (;;) {
    for (let j0 = 0; j0 < M; j0 += Rb) {
      const R = Math.min(Rb, M - j0);
      for (let k0 = 0; k0 < L; k0 += Lb) {
        const Lp = Math.min(Lb, L - k0);
        const base = t === 1 ? 3 : 6;
        for (let i = 0; i < dt.length; i++) {
          const a = base + 2 * i;
          if (single[i]) {
            args[a] = view[i] ? ptr[i] : ptr[i] + dl[i] * sz[i];
            args[a + 1] = 0;
            continue;
          }
          const src = p + dl[i] + j0 * ms + k0;
          if (!view[i]) {
            args[a] = ptr[i] + src * sz[i];
            args[a + 1] = ms * sz[i];
            continue;
          }
          const v = view[i] as Settable;
          const d = datas[i];
          if (contiguousRows) v.set(d.subarray(src, src + R * L));
          else for (let r = 0; r < R; r++) v.set(d.subarray(src + r * ms, src + r * ms + Lp), r * Lp);
          args[a] = ptr[i];
          args[a + 1] = Lp * sz[i];
        }
        if (t === 1) {
          args[0] = accPtr + (o + j0 * mo + k0) * 8;
          args[1] = Lp;
          args[2] = R;
        } else {
          args[0] = accPtr + (o + j0 * mo) * 8;
          args[1] = mo * 8;
          args[2] = Lp;
          args[3] = R;
          args[4] = statePtr;
          args[5] = (k0 === 0 ? 1 : 0) | (k0 + Lp >= L ? 2 : 0);
        }
        k(...args);
      }
    }
    let a = E - 1;
    while (a >= 0) {
      idx[a]++;
      p += is[a];
      o += os[a];
      if (idx[a] < len[a]) break;
      p -= is[a] * len[a];
      o -= os[a] * len[a];
      idx[a] = 0;
      a--;
    }
    if (a < 0) break;
  }
  (acc as unknown as Settable).set(accView);
  return true;
}

