/**
 * File sources and sinks of the engine: LazyArrays whose tasks read one chunk each from a zarr v2
 * array (a directory of chunk files, as HyperSpy's `.zspy` stores it) or one hyperslab from an HDF5
 * dataset (h5wasm), and the write kernel that encodes and writes one zarr chunk file.
 *
 * The kernels take only JSON parameters (file paths, codec configs), so they run on worker threads
 * as well as on the main thread: this module registers itself as a kernel module, and every worker
 * loads it before its next task. Reads are asynchronous (the codecs are WASM modules loaded on first
 * use), so arrays made here compute with `await compute()` / `store()`, not `computeSync()`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { LazyArray } from "../core/array";
import "../ops/bind";
import { Block, copyInto, emptyBlock, makeBlock, sizeOf, tagDType, view } from "../core/block";
import { cumulative } from "../core/chunks";
import { CodecConfig, decodeChunk, encodeChunk } from "./codecs";
import { httpGet, isUrl, urlJoin } from "./http";
import { DType, TypedArray, castValue, itemsize } from "../core/dtype";
import { importEsm } from "../core/esm";
import { Layer, registerKernel, registerKernelModule } from "../graph/graph";
import { TypeError } from "../core/errors";

// ------------------------------------------------------------------------------------------------
// zarr v2 dtypes

/** A zarr v2 / numpy dtype string ("<f4", ">i2", "|u1", "|b1") decoded. */
export interface StoredType {
  /** The dtype of our arrays. */
  dtype: Exclude<DType, "object">;
  /** "<", ">" or "|" (one byte). */
  order: "<" | ">" | "|";
  kind: "b" | "i" | "u" | "f";
  bytes: number;
}

/** Parse a numpy dtype string; throws naming the dtype when we cannot read it. */
export function parseStoredType(s: string, where: string): StoredType {
  const m = /^([<>|=])([biuf])(\d+)$/.exec(s);
  const bad = () => new TypeError(`${where}: unsupported dtype ${JSON.stringify(s)} (readable: bool, int8-64, uint8-64, float32, float64)`);
  if (!m) throw bad();
  const order = (m[1] === "=" ? "<" : m[1]) as StoredType["order"];
  const kind = m[2] as StoredType["kind"];
  const bytes = Number(m[3]);
  let dtype: StoredType["dtype"] | undefined;
  if (kind === "b" && bytes === 1) dtype = "bool";
  else if (kind === "i") dtype = ({ 1: "int8", 2: "int16", 4: "int32", 8: "int64" } as const)[bytes as 1];
  else if (kind === "u") dtype = ({ 1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64" } as const)[bytes as 1];
  else if (kind === "f") dtype = ({ 4: "float32", 8: "float64" } as const)[bytes as 4];
  if (!dtype) throw bad();
  return { dtype, order: bytes === 1 ? "|" : order, kind, bytes };
}

/** The zarr dtype string we write for one of our dtypes (little-endian). */
export function storedTypeOf(d: DType): string {
  const map: Record<Exclude<DType, "object">, string> = {
    bool: "|b1",
    int8: "|i1",
    uint8: "|u1",
    int16: "<i2",
    uint16: "<u2",
    int32: "<i4",
    uint32: "<u4",
    float32: "<f4",
    float64: "<f8",
    int64: "<i8",
    uint64: "<u8",
  };
  if (d === "object") throw new TypeError('save: a ragged (dtype "object") signal cannot be saved to .zspy/.hspy yet');
  return map[d];
}

/** A typed array over raw little- or big-endian bytes of type `t` (copied when unaligned or swapped). */
function typedView(bytes: Uint8Array, t: StoredType): TypedArray | Float64Array {
  let b = bytes;
  if (t.bytes > 1 && (b.byteOffset % t.bytes !== 0 || t.order === ">")) b = b.slice();
  if (t.order === ">" && t.bytes > 1) {
    for (let i = 0; i < b.length; i += t.bytes) {
      for (let j = 0, k = t.bytes - 1; j < k; j++, k--) {
        const x = b[i + j];
        b[i + j] = b[i + k];
        b[i + k] = x;
      }
    }
  }
  const n = b.length / t.bytes;
  const buf = b.buffer as ArrayBuffer;
  const o = b.byteOffset;
  if (t.kind === "f") return t.bytes === 4 ? new Float32Array(buf, o, n) : new Float64Array(buf, o, n);
  if (t.bytes === 8) return t.kind === "i" ? new BigInt64Array(buf, o, n) : new BigUint64Array(buf, o, n);
  if (t.kind === "i") return t.bytes === 1 ? new Int8Array(buf, o, n) : t.bytes === 2 ? new Int16Array(buf, o, n) : new Int32Array(buf, o, n);
  return t.bytes === 1 ? new Uint8Array(buf, o, n) : t.bytes === 2 ? new Uint16Array(buf, o, n) : new Uint32Array(buf, o, n);
}

// ------------------------------------------------------------------------------------------------
// zarr chunk reads

export interface ZarrChunkParams {
  /** Absolute path of the chunk file. */
  file: string;
  /** Names the array in errors. */
  where: string;
  stored: string;
  /** Stored chunk shape (edge chunks are stored whole). */
  chunk: number[];
  /** This block's shape. */
  shape: number[];
  compressor: CodecConfig | null;
  fill: number | null;
  order: "C" | "F";
  /** numcodecs' CRC32 filter: each chunk holds a little-endian CRC-32 of the data before the data. */
  crc32?: boolean;
}

/** numcodecs' CRC32 filter (zarr `filters: [{"id": "crc32"}]`): a 4-byte little-endian CRC-32 first. */
export function crc32Wrap(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 4);
  new DataView(out.buffer).setUint32(0, zlib.crc32(bytes), true);
  out.set(bytes, 4);
  return out;
}

/** Check and strip numcodecs' CRC32 prefix; throws naming the chunk when it does not match. */
export function crc32Unwrap(bytes: Uint8Array, where: string): Uint8Array {
  if (bytes.length < 4) throw new Error(`${where}: the chunk is ${bytes.length} bytes, shorter than its CRC-32; the file is truncated or corrupt`);
  const stored = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const data = bytes.subarray(4);
  const actual = zlib.crc32(data);
  if (stored !== actual) throw new Error(`${where}: CRC-32 mismatch (stored ${stored.toString(16).padStart(8, "0")}, computed ${actual.toString(16).padStart(8, "0")}): the chunk is corrupt`);
  return data;
}

/**
 * This thread's reusable read buffer (checked out while a read uses it; a concurrent read gets a
 * fresh one). Reading into a buffer that is already mapped is 2-4x faster than into a new one: a
 * fresh 30 MB Buffer per chunk costs its page faults and GC.
 */
let readBuffer: Buffer | null = null;

/** Read all of `fd` (of `size` bytes) into `dst` from `at`. */
function readAll(fd: number, dst: Uint8Array, at: number, size: number): void {
  let o = 0;
  while (o < size) {
    const k = fs.readSync(fd, dst, at + o, size - o, o);
    if (k === 0) throw new Error(`the file ended after ${o} of ${size} bytes`);
    o += k;
  }
}

async function readZarrChunk(p: ZarrChunkParams): Promise<Block> {
  const t = parseStoredType(p.stored, p.where);
  const out = emptyBlock(t.dtype, p.shape);
  tagDType(out, t.dtype);
  const expected = sizeOf(p.chunk) * t.bytes;
  const whereChunk = `${p.where}: chunk ${p.file}`;
  const direct = !p.crc32 && t.order !== ">" && itemsize(t.dtype) === t.bytes && (p.order === "C" || p.chunk.length <= 1) && p.shape.every((n, a) => n === p.chunk[a]);
  const outBytes = direct ? new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength) : null;
  if (isUrl(p.file)) {
    // over HTTP(S): one GET of this chunk (with retries); a 404 is a chunk never written
    const raw = await httpGet(p.file, p.where, true);
    if (raw === null) {
      if (p.fill !== null && p.fill !== 0) (out.data as Float64Array).fill((t.bytes === 8 && t.kind !== "f" ? BigInt(p.fill) : p.fill) as number);
      return out;
    }
    if (outBytes && !(p.compressor === null && raw.length === expected)) {
      await decodeChunk(p.compressor, raw, expected, whereChunk, outBytes);
      return out;
    }
    if (outBytes) {
      outBytes.set(raw);
      return out;
    }
    const dec = await decodeChunk(p.compressor, raw, expected + (p.crc32 ? 4 : 0), whereChunk);
    return placeChunk(out, p.crc32 ? crc32Unwrap(dec, whereChunk) : dec, t, p);
  }
  // one synchronous read of the whole file: this runs on a worker thread (one task at a time), and
  // fs.promises.readFile would read it in 512 KiB pieces through libuv's pool into a fresh Buffer
  let fd: number;
  try {
    fd = fs.openSync(p.file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      // zarr: a chunk that was never written holds the fill value
      if (p.fill !== null && p.fill !== 0) (out.data as Float64Array).fill((t.bytes === 8 && t.kind !== "f" ? BigInt(p.fill) : p.fill) as number);
      return out;
    }
    throw new Error(`${p.where}: cannot read chunk file ${p.file}: ${(e as Error).message}`, { cause: e });
  }
  let raw: Uint8Array;
  let borrowed: Buffer | null = null;
  try {
    const size = fs.fstatSync(fd).size;
    if (p.compressor === null && outBytes && size === expected) {
      // raw chunk in our layout: read it straight into the block
      readAll(fd, outBytes, 0, size);
      return out;
    }
    borrowed = readBuffer && readBuffer.length >= size ? readBuffer : null;
    if (borrowed) readBuffer = null;
    const buf = borrowed ?? Buffer.allocUnsafeSlow(Math.max(size, 1));
    readAll(fd, buf, 0, size);
    raw = buf.subarray(0, size);
    if (!borrowed) borrowed = buf;
  } catch (e) {
    throw new Error(`${p.where}: cannot read chunk file ${p.file}: ${(e as Error).message}`, { cause: e });
  } finally {
    fs.closeSync(fd);
  }
  try {
    if (outBytes) {
      await decodeChunk(p.compressor, raw, expected, whereChunk, outBytes);
      return out;
    }
    // an edge chunk, another layout, a dtype we widen or a checksummed chunk: decode, then copy the
    // block's part (placeChunk copies synchronously, before the read buffer goes back)
    if (p.crc32) return placeChunk(out, crc32Unwrap(await decodeChunk(p.compressor, raw, expected + 4, whereChunk), whereChunk), t, p);
    return placeChunk(out, await decodeChunk(p.compressor, raw, expected, whereChunk), t, p);
  } finally {
    // hand the buffer back for the next read (keep the larger one)
    if (borrowed && (!readBuffer || readBuffer.length < borrowed.length)) readBuffer = borrowed;
  }
}

/** Copy the part of a decoded stored chunk that block `out` covers into it. */
function placeChunk(out: Block, bytes: Uint8Array, t: StoredType, p: ZarrChunkParams): Block {
  const data = typedView(bytes, t);
  let st: number[];
  if (p.order === "F") {
    st = [];
    let s = 1;
    for (let a = 0; a < p.chunk.length; a++) {
      st.push(s);
      s *= p.chunk[a];
    }
  } else st = makeBlock(data as TypedArray, p.chunk).stride as number[];
  const whole: Block = { data: data as TypedArray, shape: p.chunk, stride: st, offset: 0 };
  const zeros = p.chunk.map(() => 0);
  copyInto(out, zeros, view(whole, zeros, p.shape));
  return out;
}
registerKernel<ZarrChunkParams>("io.zarr-read", (_i, p) => readZarrChunk(p));

/** What a zarr v2 array's `.zarray` says, resolved. */
export interface ZarrArrayInfo {
  /** Directory of the array (absolute). */
  dir: string;
  /** Names the array in errors and summaries. */
  where: string;
  shape: number[];
  chunks: number[];
  stored: string;
  compressor: CodecConfig | null;
  fill: number | null;
  order: "C" | "F";
  /** "/" (nested, HyperSpy) or "." (flat). */
  separator: "/" | ".";
  /** The chunks carry numcodecs' CRC32 filter. */
  crc32?: boolean;
}

/** The chunk file of block `index`. */
export function chunkFile(info: Pick<ZarrArrayInfo, "dir" | "separator">, index: readonly number[]): string {
  const key = index.length ? index.join(info.separator) : "0";
  return isUrl(info.dir) ? urlJoin(info.dir, key) : path.join(info.dir, ...key.split("/"));
}

/** Per-axis block sizes for a regular chunk shape. */
export function regularChunks(shape: readonly number[], chunk: readonly number[]): number[][] {
  return shape.map((n, a) => {
    const c = Math.max(1, chunk[a]);
    const out: number[] = [];
    for (let s = 0; s < n; s += c) out.push(Math.min(c, n - s));
    return n === 0 ? [0] : out;
  });
}

/** A LazyArray over a zarr v2 array: one task per stored chunk, each reading that chunk only. */
export function fromZarr(info: ZarrArrayInfo, label = "from-zarr"): LazyArray {
  const t = parseStoredType(info.stored, info.where);
  const chunks = regularChunks(info.shape, info.chunks);
  const layer = new Layer({
    kind: "source",
    label,
    chunks,
    dtype: t.dtype,
    dependencies: [],
    sourceBytes: sizeOf(info.shape) * t.bytes,
    task: (index, key) => ({
      key,
      op: "io.zarr-read",
      params: {
        file: chunkFile(info, index),
        where: info.where,
        stored: info.stored,
        chunk: info.chunks.slice(),
        shape: index.map((i, a) => chunks[a][i]),
        compressor: info.compressor,
        fill: info.fill,
        order: info.order,
        ...(info.crc32 ? { crc32: true } : {}),
      } satisfies ZarrChunkParams,
      deps: [],
    }),
  });
  return new LazyArray(layer);
}

// ------------------------------------------------------------------------------------------------
// zarr chunk writes

export interface ZarrWriteParams {
  file: string;
  stored: string;
  chunk: number[];
  compressor: CodecConfig | null;
  crc32?: boolean;
}

async function writeZarrChunk(block: Block, p: ZarrWriteParams): Promise<Block> {
  const t = parseStoredType(p.stored, p.file);
  // zarr stores edge chunks whole: pad with the fill value (0)
  const full = emptyBlock(t.dtype, p.chunk, false);
  copyInto(full, p.chunk.map(() => 0), block);
  const d = full.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.length * itemsize(t.dtype));
  const enc = await encodeChunk(p.compressor, p.crc32 ? crc32Wrap(bytes) : bytes, t.bytes);
  await fs.promises.mkdir(path.dirname(p.file), { recursive: true });
  await fs.promises.writeFile(p.file, enc);
  return emptyBlock("uint8", p.chunk.map(() => 1));
}
registerKernel<ZarrWriteParams>("io.zarr-write", (inputs, p) => writeZarrChunk(inputs[0] as Block, p));

/**
 * A LazyArray of one uint8 per block of `x` whose tasks encode and write `x`'s blocks as the chunk
 * files of the zarr array `info` (whose chunk shape must equal x's regular chunks). Computing it
 * writes the array block by block, on the worker threads, without assembling `x`.
 */
export function zarrWriter(x: LazyArray, info: Pick<ZarrArrayInfo, "dir" | "separator" | "chunks" | "stored" | "compressor" | "crc32">): LazyArray {
  const src = x.layer;
  const layer = new Layer({
    kind: "blockwise",
    label: "to-zarr",
    chunks: src.numBlocks.map((n) => new Array<number>(n).fill(1)),
    dtype: "uint8",
    dependencies: [src],
    task: (index, key) => ({
      key,
      op: "io.zarr-write",
      params: { file: chunkFile(info, index), stored: info.stored, chunk: info.chunks, compressor: info.compressor, ...(info.crc32 ? { crc32: true } : {}) } satisfies ZarrWriteParams,
      deps: [src.key(index)],
    }),
  });
  return new LazyArray(layer);
}

// ------------------------------------------------------------------------------------------------
// HDF5 hyperslab reads (h5wasm; each thread has its own instance and open files)

interface H5Dataset {
  slice(ranges: [number, number][]): unknown;
  shape: number[] | null;
  dtype: unknown;
}
interface H5File {
  get(p: string): unknown;
  close(): unknown;
}
interface H5Module {
  ready: Promise<{ activate_throwing_error_handler?: () => number }>;
  File: new (filename: string, mode?: string) => H5File;
}

let h5: Promise<H5Module> | null = null;
/** h5wasm's Node build, ready. */
export function h5wasm(): Promise<H5Module> {
  if (!h5) {
    h5 = importEsm<{ default: H5Module }>("h5wasm/node").then(async (m) => {
      const mod = await m.default.ready;
      // HDF5 errors (a gzip chunk that fails to inflate, a fletcher32 checksum mismatch, a failed
      // write) throw instead of being printed and ignored, which would return wrong values
      mod.activate_throwing_error_handler?.();
      return m.default;
    });
  }
  return h5;
}

const openFiles = new Map<string, { stamp: string; file: H5File }>();

/** An open read-only h5wasm File for `file`, reopened when the file on disk changed. */
export async function openH5(file: string): Promise<H5File> {
  const m = await h5wasm();
  const st = fs.statSync(file);
  const stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
  const o = openFiles.get(file);
  if (o && o.stamp === stamp) return o.file;
  if (o) {
    try {
      o.file.close();
    } catch {
      // already closed
    }
    openFiles.delete(file);
  }
  const f = new m.File(file, "r");
  openFiles.set(file, { stamp, file: f });
  return f;
}

/** Close the h5wasm handles this thread holds for `file` (before replacing it). */
export function closeH5(file: string): void {
  const o = openFiles.get(file);
  if (o) {
    try {
      o.file.close();
    } catch {
      // already closed
    }
    openFiles.delete(file);
  }
}

export interface H5ReadParams {
  file: string;
  dataset: string;
  start: number[];
  count: number[];
  dtype: Exclude<DType, "object">;
  /** The dataset's HDF5 chunk shape (names the chunk in errors), when chunked. */
  chunk?: number[];
}

/** A clear error for a failed hyperslab read: which chunk(s), and why (HDF5's message, trimmed). */
function h5ReadError(p: H5ReadParams, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const range = p.start.map((s, a) => `${s}:${s + p.count[a]}`).join(", ");
  const filter = /filter returned failure|inflate|checksum|Filter operation failed/i.test(msg);
  const chunks = p.chunk && p.chunk.length === p.start.length ? ` (HDF5 chunk ${p.start.map((s, a) => Math.floor(s / (p.chunk as number[])[a])).join(", ")}${p.count.some((c, a) => Math.floor((p.start[a] + c - 1) / (p.chunk as number[])[a]) !== Math.floor(p.start[a] / (p.chunk as number[])[a])) ? " and following" : ""})` : "";
  const lines = msg.split("\n").map((l) => l.trim()).filter((l) => /^#\d+:/.test(l));
  const detail = lines.length ? lines[lines.length - 1].replace(/^#\d+:\s*\S+\s+line\s+\d+\s+in\s+/, "") : msg.split("\n")[0];
  const why = filter ? "a chunk filter failed (gzip inflate or fletcher32 checksum): the chunk is corrupt" : detail;
  return new Error(`${p.file}: dataset ${p.dataset}: cannot read elements [${range}]${chunks}: ${why}; the file is truncated or corrupt`, { cause: e });
}

async function readH5(p: H5ReadParams): Promise<Block> {
  const f = await openH5(p.file);
  const ds = f.get(p.dataset) as H5Dataset | null;
  if (!ds || typeof ds.slice !== "function") throw new Error(`${p.file}: no dataset ${p.dataset}`);
  const ranges = p.start.map((s, a) => [s, s + p.count[a]] as [number, number]);
  let v: unknown;
  try {
    v = ds.slice(ranges);
  } catch (e) {
    throw h5ReadError(p, e);
  }
  const out = emptyBlock(p.dtype, p.count);
  tagDType(out, p.dtype);
  const n = sizeOf(p.count);
  const w = out.data as unknown as { [i: number]: number | bigint };
  const conv = (x: unknown): number | bigint => castValue(p.dtype, typeof x === "bigint" || typeof x === "boolean" ? x : Number(x));
  if (ArrayBuffer.isView(v) && (v as unknown as { length: number }).length === n) {
    const src = v as unknown as ArrayLike<number | bigint>;
    if (v.constructor === out.data.constructor) (out.data as Float64Array).set(v as unknown as Float64Array);
    else for (let i = 0; i < n; i++) w[i] = conv(src[i]);
  } else if (n === 1 && (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean")) {
    w[0] = conv(v);
  } else if (Array.isArray(v) && v.length === n) {
    for (let i = 0; i < n; i++) w[i] = conv(v[i]);
  } else {
    throw new Error(`${p.file}: dataset ${p.dataset}: hyperslab [${ranges.map((r) => r.join(":")).join(", ")}] returned ${typeof v}, not ${n} numbers`);
  }
  return out;
}
registerKernel<H5ReadParams>("io.h5-read", (_i, p) => readH5(p));

/** A LazyArray over an HDF5 dataset with the given block chunks: one hyperslab read per block. */
export function fromH5(file: string, dataset: string, shape: readonly number[], chunk: readonly number[], dtype: Exclude<DType, "object">, bytesPerItem: number, label = "from-hdf5", storedChunk: number[] | null = null): LazyArray {
  const chunks = regularChunks(shape, chunk);
  const offs = chunks.map((c) => cumulative(c));
  const layer = new Layer({
    kind: "source",
    label,
    chunks,
    dtype,
    dependencies: [],
    sourceBytes: sizeOf(shape) * bytesPerItem,
    task: (index, key) => ({
      key,
      op: "io.h5-read",
      params: { file, dataset, start: index.map((i, a) => offs[a][i]), count: index.map((i, a) => chunks[a][i]), dtype, chunk: storedChunk ?? undefined } satisfies H5ReadParams,
      deps: [],
    }),
  });
  return new LazyArray(layer);
}

// every worker thread loads this module before its next task
registerKernelModule(__filename);
