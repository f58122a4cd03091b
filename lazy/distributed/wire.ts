/**
 * The wire format between the kernel, our Python client, the workers and their Node sidecars: one
 * frame is a little-endian uint32 length, a UTF-8 JSON header, then the raw bytes of the header's
 * buffers (`lens`, in order). Values are JSON with three escapes, so typed arrays travel as raw
 * bytes and non-finite numbers survive:
 *
 * - `{"$nd": i, "dtype": "float32", "shape": [..]}`: a block (C order) whose bytes are buffer i;
 * - `{"$ta": i, "dtype": "float64"}`: a bare typed array (a reduction's partial values);
 * - `{"$f": "nan" | "inf" | "-inf" | "-0"}` and `{"$big": "123"}` (a BigInt).
 *
 * The same format is written and read by lazy/distributed/hsts_dask.py (the Python side).
 */
import { Block, DTYPE_TAG, contiguous, isBlock, makeBlock, sizeOf, tagDType } from "../core/block";
import { arrayConstructor, dtypeOfTypedArray, isDType, type DType, type TypedArray } from "../core/dtype";
import { TypeError, ValueError } from "../core/errors";

/** A JSON value (after escaping). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type AnyTyped = TypedArray | BigInt64Array | BigUint64Array;

function typedName(a: ArrayBufferView): string {
  // core/dtype's mapping; its float64 fallback for other views (DataView, ...) is refused here
  const d = dtypeOfTypedArray(a as TypedArray);
  if (d === "float64" && !(a instanceof Float64Array)) throw new TypeError(`cannot send a ${a.constructor.name} to a dask cluster`);
  return d;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A value as escaped JSON plus the buffers it refers to. */
export function encodeValue(v: unknown, bufs: Uint8Array[]): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { $f: "nan" };
    if (v === Infinity) return { $f: "inf" };
    if (v === -Infinity) return { $f: "-inf" };
    if (v === 0 && 1 / v < 0) return { $f: "-0" };
    return v;
  }
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return { $big: v.toString() };
  if (typeof v === "function") throw new TypeError("a function cannot be sent to a dask cluster");
  if (isBlock(v) || (typeof v === "object" && Array.isArray((v as Block).shape) && Array.isArray((v as Block).data) && Array.isArray((v as Block).stride))) {
    const b = v as Block;
    if (Array.isArray(b.data)) {
      throw new TypeError('a block of dtype "object" (a ragged signal\'s data) cannot be sent to a dask cluster: compute it with the local scheduler');
    }
    const tag = (b as Block & { [DTYPE_TAG]?: DType })[DTYPE_TAG];
    const c = contiguous(b);
    const n = sizeOf(c.shape);
    const data = c.offset === 0 && c.data.length === n ? c.data : c.data.subarray(c.offset, c.offset + n);
    bufs.push(bytesOf(data));
    return { $nd: bufs.length - 1, dtype: tag === "bool" ? "bool" : typedName(data), shape: c.shape.slice() };
  }
  if (ArrayBuffer.isView(v)) {
    bufs.push(bytesOf(v));
    return { $ta: bufs.length - 1, dtype: typedName(v) };
  }
  if (Array.isArray(v)) return v.map((x) => encodeValue(x, bufs));
  if (typeof v === "object") {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) o[k] = encodeValue(x, bufs);
    return o;
  }
  throw new TypeError(`cannot send a ${typeof v} to a dask cluster`);
}

function typedFrom(dtype: string, bytes: Uint8Array, where: string): AnyTyped {
  if (!isDType(dtype)) throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dtype)} in a frame`);
  const C = arrayConstructor(dtype);
  if (bytes.byteLength % C.BYTES_PER_ELEMENT !== 0) throw new ValueError(`${where}: ${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  // a fresh, aligned copy: frames are read into one Buffer whose offsets need not be aligned
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  return new C(buf, 0, bytes.byteLength / C.BYTES_PER_ELEMENT);
}

/** The value an escaped JSON value and its buffers stand for. */
export function decodeValue(j: unknown, bufs: readonly Uint8Array[], where = "frame"): unknown {
  if (j === null || typeof j !== "object") return j;
  if (Array.isArray(j)) return j.map((x) => decodeValue(x, bufs, where));
  const o = j as Record<string, unknown>;
  const buf = (i: unknown): Uint8Array => {
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= bufs.length) throw new ValueError(`${where}: buffer ${String(i)} is missing`);
    return bufs[i];
  };
  if ("$nd" in o) {
    const shape = o.shape;
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) throw new TypeError(`${where}: bad block shape`);
    const data = typedFrom(String(o.dtype), buf(o.$nd), where);
    if (data.length !== sizeOf(shape as number[])) throw new ValueError(`${where}: a block of shape [${shape.join(", ")}] needs ${sizeOf(shape as number[])} elements, got ${data.length}`);
    const b = makeBlock(data as TypedArray, shape as number[]);
    return o.dtype === "bool" ? tagDType(b, "bool") : b;
  }
  if ("$ta" in o) return typedFrom(String(o.dtype), buf(o.$ta), where);
  if ("$f" in o) {
    const f = o.$f;
    if (f === "nan") return NaN;
    if (f === "inf") return Infinity;
    if (f === "-inf") return -Infinity;
    if (f === "-0") return -0;
    throw new TypeError(`${where}: bad number escape ${JSON.stringify(f)}`);
  }
  if ("$big" in o) return BigInt(String(o.$big));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x, bufs, where);
  return out;
}

/** The largest header we accept (a plan of a few million tasks fits). */
export const MAX_HEADER = 1 << 30;

/** One frame: header (with `lens` added) and buffers. */
export function encodeFrame(header: Record<string, Json>, bufs: readonly Uint8Array[]): Buffer[] {
  const h = Buffer.from(JSON.stringify({ ...header, lens: bufs.map((b) => b.byteLength) }), "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32LE(h.length, 0);
  return [len, h, ...bufs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))];
}

export interface Frame {
  header: Record<string, unknown>;
  bufs: Uint8Array[];
}

/**
 * Splits a byte stream into frames. Throws on a corrupted stream (a header that is not JSON, or
 * lengths that make no sense): the stream cannot be resynchronised after that.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private need: { header: Record<string, unknown>; lens: number[]; total: number } | null = null;

  constructor(private readonly where: string) {}

  push(b: Buffer): Frame[] {
    this.chunks.push(b);
    this.size += b.length;
    const out: Frame[] = [];
    for (;;) {
      if (!this.need) {
        if (this.size < 4) break;
        const head = this.peek(4);
        const n = head.readUInt32LE(0);
        if (n === 0 || n > MAX_HEADER) throw new ValueError(`${this.where}: corrupted stream (header length ${n})`);
        if (this.size < 4 + n) break;
        this.take(4);
        const text = this.take(n).toString("utf8");
        let header: unknown;
        try {
          header = JSON.parse(text);
        } catch {
          throw new ValueError(`${this.where}: corrupted stream (a header that is not JSON: ${JSON.stringify(text.slice(0, 80))})`);
        }
        if (header === null || typeof header !== "object" || Array.isArray(header)) throw new ValueError(`${this.where}: corrupted stream (a header that is not an object)`);
        const lens = (header as { lens?: unknown }).lens ?? [];
        if (!Array.isArray(lens) || !lens.every((x) => Number.isInteger(x) && x >= 0)) throw new ValueError(`${this.where}: corrupted stream (bad buffer lengths)`);
        this.need = { header: header as Record<string, unknown>, lens: lens as number[], total: (lens as number[]).reduce((a, x) => a + x, 0) };
      }
      if (this.size < this.need.total) break;
      const bufs = this.need.lens.map((n) => this.take(n));
      out.push({ header: this.need.header, bufs });
      this.need = null;
    }
    return out;
  }

  /** Bytes received that do not yet make a whole frame. */
  get pending(): number {
    return this.size + (this.need ? 1 : 0);
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    let out: Buffer;
    if (this.chunks[0].length >= n) {
      out = this.chunks[0].subarray(0, n);
      if (this.chunks[0].length === n) this.chunks.shift();
      else this.chunks[0] = this.chunks[0].subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let o = 0;
      while (o < n) {
        const c = this.chunks[0];
        const k = Math.min(c.length, n - o);
        c.copy(out, o, 0, k);
        o += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.size -= n;
    return out;
  }
}
