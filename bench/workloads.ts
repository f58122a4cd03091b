/**
 * The bench's workloads and their input data (bench/run.ts times them against bench/dask_bench.py,
 * which builds the same data with the same formulas).
 */
import { LazyArray, type NDArray, type BlockInfo } from "../lazy";
import { Block, makeBlock } from "../lazy/core/block";
import { arenaArray } from "../lazy/kernels/wasm/arena";

export type WorkloadId = "w1" | "w3" | "w4" | "w7" | "w7i" | "w8";
export const ALL: WorkloadId[] = ["w1", "w3", "w4", "w7", "w7i", "w8"];

/** Where the input lives: a SharedArrayBuffer (workers read it in place; compiled kernels copy it through their scratch) or the kernels' arena (read in place by everything). */
export type Placement = "sab" | "arena";

export type InputDType = "float32" | "uint16" | "int64";

/**
 * float32: x.flat[i] = float32(((i * 2654435761) mod 2^32 mod 1000) / 1000); integer counts:
 * ((i * 2654435761) mod 2^32) mod 4096. The same formulas as dask_bench.py.
 */
export function makeData(shape: number[], dtype: InputDType, where: Placement): Block {
  const n = shape.reduce((p, s) => p * s, 1);
  const h = (i: number) => Math.imul(i, 0x9e3779b1) >>> 0;
  if (dtype === "int64") {
    // BigInt64Array storage (the dtypes work); until the engine has int64, fromArray refuses it
    const a = new BigInt64Array(new SharedArrayBuffer(n * 8));
    for (let i = 0; i < n; i++) a[i] = BigInt(h(i) % 4096);
    return makeBlock(a as unknown as Float64Array, shape);
  }
  const a = where === "arena" ? arenaArray(dtype, n) : dtype === "float32" ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Uint16Array(new SharedArrayBuffer(n * 2));
  if (dtype === "float32") for (let i = 0; i < n; i++) a[i] = (h(i) % 1000) / 1000;
  else for (let i = 0; i < n; i++) a[i] = h(i) % 4096;
  return makeBlock(a, shape);
}

export function sum64(a: ArrayLike<number>): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  for (; i < n; i++) s0 += a[i];
  return s0 + s1 + s2 + s3;
}

/** The exact sum of the elements' bit patterns as unsigned integers (matches dask_bench.py's input_info bitsum). */
export function bitSum(a: ArrayLike<number> | BigInt64Array): bigint {
  if (a instanceof BigInt64Array) {
    let t = 0n;
    for (let i = 0; i < a.length; i++) t += BigInt.asUintN(64, a[i]);
    return t;
  }
  const v = a as unknown as { buffer: ArrayBufferLike; byteOffset: number; length: number; BYTES_PER_ELEMENT: number };
  const u = v.BYTES_PER_ELEMENT === 4 ? new Uint32Array(v.buffer, v.byteOffset, v.length) : v.BYTES_PER_ELEMENT === 2 ? new Uint16Array(v.buffer, v.byteOffset, v.length) : new Uint8Array(v.buffer, v.byteOffset, v.length);
  let total = 0n;
  const step = 1 << 20; // 2^20 values below 2^32 sum exactly in a double
  for (let s = 0; s < u.length; s += step) {
    let part = 0;
    const e = Math.min(u.length, s + step);
    for (let i = s; i < e; i++) part += u[i];
    total += BigInt(part);
  }
  return total;
}

/** The values of a computed array in C order. */
export function flat(r: NDArray): Float64Array | Float32Array {
  const n = r.shape.reduce((p, s) => p * s, 1);
  let contiguous = true;
  let s = 1;
  for (let ax = r.shape.length - 1; ax >= 0; ax--) {
    if (r.shape[ax] !== 1 && r.stride[ax] !== s) contiguous = false;
    s *= r.shape[ax];
  }
  if (contiguous && (r.data instanceof Float32Array || r.data instanceof Float64Array)) {
    return r.data.subarray(r.offset, r.offset + n);
  }
  const out = new Float64Array(n);
  const idx = new Array<number>(r.shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let o = r.offset;
    for (let ax = 0; ax < idx.length; ax++) o += idx[ax] * r.stride[ax];
    out[k] = Number(r.data[o]);
    for (let ax = idx.length - 1; ax >= 0; ax--) {
      if (++idx[ax] < r.shape[ax]) break;
      idx[ax] = 0;
    }
  }
  return out;
}


/**
 * 3x3 mean over axes 1 and 2 of a padded (P, H, W) float32 block, one pass: for every output row,
 * the running sums of three input rows (in float64) slide through registers, a + c + d over 9.
 * The one-element rim is left 0: mapOverlap trims it. (A two-pass version with a column-sum buffer
 * measured 2.5x slower.) Self-contained (no outside names), so it can run as a portable function on
 * the worker threads.
 */
export function mean3x3(b: NDArray, _info: BlockInfo): Block {
  if (b.shape.length !== 3) throw new RangeError(`mean3x3: expected a 3-d block, got shape [${b.shape.join(", ")}]`);
  if (!(b.data instanceof Float32Array)) throw new TypeError("mean3x3: expected float32 data");
  const [P, H, W] = b.shape;
  const [s0, s1, s2] = b.stride;
  const src = b.data;
  const off = b.offset;
  const out = new Float32Array(P * H * W);
  if (H >= 3 && W >= 3) {
    for (let p = 0; p < P; p++) {
      for (let i = 1; i < H - 1; i++) {
        const o = (p * H + i) * W - 1;
        if (s2 === 1) {
          const r1 = off + p * s0 + i * s1;
          const r0 = r1 - s1;
          const r2 = r1 + s1;
          let a = src[r0] + src[r1] + src[r2];
          let c = src[r0 + 1] + src[r1 + 1] + src[r2 + 1];
          for (let j = 2; j < W; j++) {
            const d = src[r0 + j] + src[r1 + j] + src[r2 + j];
            out[o + j] = (a + c + d) / 9;
            a = c;
            c = d;
          }
        } else {
          const r1 = off + p * s0 + i * s1;
          const r0 = r1 - s1;
          const r2 = r1 + s1;
          let a = src[r0] + src[r1] + src[r2];
          let c = src[r0 + s2] + src[r1 + s2] + src[r2 + s2];
          for (let j = 2; j < W; j++) {
            const q = j * s2;
            const d = src[r0 + q] + src[r1 + q] + src[r2 + q];
            out[o + j] = (a + c + d) / 9;
            a = c;
            c = d;
          }
        }
      }
    }
  }
  return { data: out, shape: [P, H, W], stride: [H * W, W, 1], offset: 0 };
}

export interface Workload {
  id: WorkloadId;
  title: string;
  shape: number[];
  chunks: number[];
  dtype: InputDType;
  build: (x: LazyArray) => LazyArray;
  /** How results are compared: the whole vector, one value, or dask's output file. */
  kind: "values" | "value" | "file";
  /** Relative tolerance against dask (float32 sums agree to a few float32 ulps; filters to ~1 ulp; integer sums exactly). */
  rtol: number;
}

export const WORKLOADS: Record<WorkloadId, Workload> = {
  w1: {
    id: "w1",
    title: "W1 sum axis (0,1), (128,128,1024) f32 / (32,32,1024)",
    shape: [128, 128, 1024],
    chunks: [32, 32, 1024],
    dtype: "float32",
    build: (x) => x.sum({ axis: [0, 1] }),
    kind: "values",
    rtol: 1e-5,
  },
  w3: {
    id: "w3",
    title: "W3 3x3 mean mapOverlap reflect, (16,512,512) f32 / (4,256,256)",
    shape: [16, 512, 512],
    chunks: [4, 256, 256],
    dtype: "float32",
    build: (x) => x.mapOverlap(mean3x3, { depth: { 1: 1, 2: 1 }, boundary: "reflect", portable: true }),
    kind: "file",
    rtol: 1e-6,
  },
  w4: {
    id: "w4",
    title: "W4 ((x*2+1)**2).mean(), (256,256,512) f32 / (64,64,512)",
    shape: [256, 256, 512],
    chunks: [64, 64, 512],
    dtype: "float32",
    build: (x) => x.mul(2).add(1).pow(2).mean(),
    kind: "value",
    rtol: 1e-5,
  },
  w7: {
    id: "w7",
    title: "W7 sum axis (0,1) of uint16 counts 0..4095, (128,128,1024) / (32,32,1024) (numpy: uint64)",
    shape: [128, 128, 1024],
    chunks: [32, 32, 1024],
    dtype: "uint16",
    build: (x) => x.sum({ axis: [0, 1] }),
    kind: "values",
    rtol: 0,
  },
  w7i: {
    id: "w7i",
    title: "W7 sum axis (0,1) of int64, (128,128,1024) / (32,32,1024) (numpy: int64)",
    shape: [128, 128, 1024],
    chunks: [32, 32, 1024],
    dtype: "int64",
    build: (x) => x.sum({ axis: [0, 1] }),
    kind: "values",
    rtol: 0,
  },
  w8: {
    id: "w8",
    title: 'W8 x.astype("float32").sub(100).clip(0, Infinity).mean({axis: [0, 1]}), uint16 (256,256,512) / (64,64,512)',
    shape: [256, 256, 512],
    chunks: [64, 64, 512],
    dtype: "uint16",
    build: (x) => x.astype("float32").sub(100).clip(0, Infinity).mean({ axis: [0, 1] }),
    kind: "values",
    rtol: 1e-5,
  },
};
