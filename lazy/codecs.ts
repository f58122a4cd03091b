/**
 * Chunk codecs of zarr v2 (numcodecs' ids and configs): blosc (any cname), zstd and lz4 through
 * numcodecs.js (WASM, ESM-only: loaded with importEsm on first use), gzip and zlib through
 * node:zlib (faster than fflate here). Used by the storage kernels (lazy/source.ts), on the main
 * thread or in worker threads.
 */
import * as zlib from "node:zlib";
import { importEsm } from "./esm";

/** A numcodecs compressor config as zarr v2 stores it in `.zarray` ({"id": "blosc", "cname": "zstd", ...}). */
export interface CodecConfig {
  id: string;
  [k: string]: unknown;
}

interface NumCodec {
  encode(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  decode(data: Uint8Array, out?: Uint8Array): Uint8Array | Promise<Uint8Array>;
}
interface NumCodecModule {
  default: { fromConfig(config: CodecConfig): NumCodec };
}

/** Compressor ids this module reads and writes. */
export const SUPPORTED_CODECS: readonly string[] = ["blosc", "zstd", "lz4", "gzip", "zlib"];

const codecCache = new Map<string, Promise<NumCodec>>();

function numcodec(config: CodecConfig): Promise<NumCodec> {
  const key = JSON.stringify(config);
  let p = codecCache.get(key);
  if (!p) {
    p = importEsm<NumCodecModule>(`numcodecs/${config.id}`).then((m) => m.default.fromConfig(config));
    codecCache.set(key, p);
  }
  return p;
}

function level(config: CodecConfig, dflt: number): number {
  const l = config.level;
  return typeof l === "number" && Number.isInteger(l) ? l : dflt;
}

/** Checks that a compressor config names a codec we support; returns a short description. */
export function describeCodec(config: CodecConfig | null): string {
  if (config === null) return "raw (no compressor)";
  if (!config || typeof config.id !== "string") throw new TypeError(`compressor must be null or a numcodecs config like {id: "blosc", cname: "lz4", clevel: 5, shuffle: 1}, got ${JSON.stringify(config)}`);
  if (!SUPPORTED_CODECS.includes(config.id)) {
    throw new TypeError(`unsupported compressor "${config.id}"; supported: ${SUPPORTED_CODECS.join(", ")} or null (raw)`);
  }
  if (config.id === "blosc") return `blosc ${String(config.cname ?? "lz4")} clevel ${String(config.clevel ?? 5)} shuffle ${String(config.shuffle ?? 1)}`;
  return `${config.id}${config.level !== undefined ? ` level ${String(config.level)}` : ""}`;
}

/** A blosc frame's header: (uncompressed bytes, compressed bytes). */
function bloscHeader(b: Uint8Array): { nbytes: number; cbytes: number } | null {
  if (b.length < 16) return null;
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  return { nbytes: dv.getUint32(4, true), cbytes: dv.getUint32(12, true) };
}

// ------------------------------------------------------------------------------------------------
// LZ4 block format and blosc 1 frames, in JS (no WASM heap, no copies through it)

function readU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/**
 * Decode one LZ4 block (raw block format, no frame) `src[s0, s1)` into `dst[d0, d1)`; returns the
 * number of bytes written. Throws on malformed input (never writes outside `[d0, d1)`).
 */
export function lz4DecodeBlock(src: Uint8Array, s0: number, s1: number, dst: Uint8Array, d0: number, d1: number): number {
  let s = s0;
  let d = d0;
  while (s < s1) {
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= s1) throw new Error("lz4: truncated literal length");
        b = src[s++];
        lit += b;
      } while (b === 255);
    }
    if (lit) {
      if (s + lit > s1 || d + lit > d1) throw new Error("lz4: literals run past the end of the block");
      if (lit > 32) dst.set(src.subarray(s, s + lit), d);
      else for (let i = 0; i < lit; i++) dst[d + i] = src[s + i];
      s += lit;
      d += lit;
    }
    if (s >= s1) break; // the last sequence has literals only
    if (s + 2 > s1) throw new Error("lz4: truncated match offset");
    const off = src[s] | (src[s + 1] << 8);
    s += 2;
    if (off === 0 || off > d - d0) throw new Error("lz4: match offset points before the block");
    let ml = token & 15;
    if (ml === 15) {
      let b: number;
      do {
        if (s >= s1) throw new Error("lz4: truncated match length");
        b = src[s++];
        ml += b;
      } while (b === 255);
    }
    ml += 4;
    if (d + ml > d1) throw new Error("lz4: match runs past the end of the block");
    let m = d - off;
    if (off >= ml && ml > 32) {
      dst.copyWithin(d, m, m + ml);
      d += ml;
    } else {
      const e = d + ml;
      while (d < e) dst[d++] = dst[m++];
    }
  }
  return d - d0;
}

/** Per-thread scratch space for blosc's decompressed split streams (grown as needed, reused). */
let scratch = new Uint8Array(0);
function getScratch(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, 1 << 18));
  return scratch;
}

/**
 * Undo blosc's byte shuffle of one block of 4-byte items: `a`..`d` hold bytes 0..3 of each item
 * (4-aligned Uint32 views, 4 items per word); writes the items to `out` from word `o0` on. Works
 * on words (a 4x4 byte transpose per step): about twice as fast as a byte gather in JS.
 */
function unshuffle4(a: Uint32Array, b: Uint32Array, c: Uint32Array, d: Uint32Array, words: number, out: Uint32Array, o0: number): void {
  for (let w = 0, j = o0; w < words; w++, j += 4) {
    const x = a[w];
    const y = b[w];
    const z = c[w];
    const v = d[w];
    out[j] = (x & 0xff) | ((y & 0xff) << 8) | ((z & 0xff) << 16) | (v << 24);
    out[j + 1] = ((x >>> 8) & 0xff) | (y & 0xff00) | ((z & 0xff00) << 8) | ((v & 0xff00) << 16);
    out[j + 2] = ((x >>> 16) & 0xff) | ((y >>> 8) & 0xff00) | (z & 0xff0000) | ((v & 0xff0000) << 8);
    out[j + 3] = (x >>> 24) | ((y >>> 16) & 0xff00) | ((z >>> 8) & 0xff0000) | (v & 0xff000000);
  }
}

/** Undo blosc's byte shuffle of one block: `parts[i]` from `offs[i]` holds byte i of each of the n items. */
function unshuffle(parts: Uint8Array[], offs: number[], typesize: number, n: number, dst: Uint8Array, d0: number): void {
  const at = (i: number) => parts[i].byteOffset + offs[i];
  if (typesize === 4 && n % 4 === 0 && (dst.byteOffset + d0) % 4 === 0 && at(0) % 4 === 0 && at(1) % 4 === 0 && at(2) % 4 === 0 && at(3) % 4 === 0) {
    const w = n >> 2;
    const v = (i: number) => new Uint32Array(parts[i].buffer, at(i), w);
    unshuffle4(v(0), v(1), v(2), v(3), w, new Uint32Array(dst.buffer, dst.byteOffset + d0, n), 0);
    return;
  }
  if (typesize === 4 && (dst.byteOffset + d0) % 4 === 0) {
    const out = new Uint32Array(dst.buffer, dst.byteOffset + d0, n);
    const [a, b, c, e] = parts;
    const [oa, ob, oc, oe] = offs;
    for (let j = 0; j < n; j++) out[j] = (a[oa + j] | (b[ob + j] << 8) | (c[oc + j] << 16) | (e[oe + j] << 24)) >>> 0;
    return;
  }
  if (typesize === 2 && (dst.byteOffset + d0) % 2 === 0) {
    const out = new Uint16Array(dst.buffer, dst.byteOffset + d0, n);
    const [a, b] = parts;
    const [oa, ob] = offs;
    for (let j = 0; j < n; j++) out[j] = a[oa + j] | (b[ob + j] << 8);
    return;
  }
  for (let i = 0; i < typesize; i++) {
    const p = parts[i];
    const o = offs[i];
    for (let j = 0, k = d0 + i; j < n; j++, k += typesize) dst[k] = p[o + j];
  }
}

type SplitDecoder = (src: Uint8Array, s0: number, s1: number, dst: Uint8Array, d0: number, n: number) => void;

const decodeLz4Split: SplitDecoder = (src, s0, s1, dst, d0, n) => {
  const got = lz4DecodeBlock(src, s0, s1, dst, d0, d0 + n);
  if (got !== n) throw new Error(`lz4 stream decodes to ${got} bytes, expected ${n}`);
};
const decodeZlibSplit: SplitDecoder = (src, s0, s1, dst, d0, n) => {
  const r = zlib.inflateSync(src.subarray(s0, s1));
  if (r.length !== n) throw new Error(`zlib stream decodes to ${r.length} bytes, expected ${n}`);
  dst.set(r, d0);
};

/** A plain Uint8Array over the same bytes (a Node Buffer's elements load slower in mixed loops). */
function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Decode a blosc 1 frame in JS into `out` (its decoded size). Handles memcpy'd frames, byte
 * shuffle, split and unsplit blocks, and lz4/lz4hc and zlib streams; returns false (nothing
 * written) for what it does not handle here (blosclz, snappy, zstd, bitshuffle, delta), which then
 * goes to the WASM decoder.
 */
function bloscDecodeJs(frame: Uint8Array, into: Uint8Array): boolean {
  // plain Uint8Arrays only (a Node Buffer is a subclass: mixing both makes the loops below polymorphic)
  const src = plainBytes(frame);
  const out = plainBytes(into);
  const version = src[0];
  const flags = src[2];
  const typesize = src[3];
  const nbytes = readU32(src, 4);
  const blocksize = readU32(src, 8);
  const cbytes = readU32(src, 12);
  if (version !== 2 && version !== 1) return false;
  if (out.length !== nbytes) throw new Error(`the blosc header says ${nbytes} bytes decoded, the output holds ${out.length}`);
  if (nbytes === 0) return true;
  if (flags & 0x02) {
    // memcpy'd: the data follows the 16-byte header, unshuffled
    if (cbytes !== nbytes + 16) throw new Error(`a memcpy'd blosc frame of ${nbytes} bytes must be ${nbytes + 16} bytes long, not ${cbytes}`);
    out.set(src.subarray(16, 16 + nbytes));
    return true;
  }
  if (flags & 0x0c) return false; // bitshuffle or delta
  const format = (flags & 0xe0) >> 5;
  const split: SplitDecoder | null = format === 1 ? decodeLz4Split : format === 3 ? decodeZlibSplit : null;
  if (!split) return false;
  if (blocksize <= 0 || typesize <= 0) throw new Error(`bad blosc header (blocksize ${blocksize}, typesize ${typesize})`);
  const doShuffle = (flags & 0x01) !== 0 && typesize > 1;
  const dontSplit = (flags & 0x10) !== 0;
  const leftover = nbytes % blocksize;
  const nblocks = Math.floor(nbytes / blocksize) + (leftover ? 1 : 0);
  if (16 + 4 * nblocks > cbytes) throw new Error(`the blosc frame is too short for its ${nblocks} block offsets`);
  const tmp = doShuffle ? getScratch(blocksize) : null;
  const parts: Uint8Array[] = new Array<Uint8Array>(typesize);
  const offs: number[] = new Array<number>(typesize);
  for (let b = 0; b < nblocks; b++) {
    const last = b === nblocks - 1 && leftover > 0;
    const bsize = last ? leftover : blocksize;
    const dest = b * blocksize;
    let s = readU32(src, 16 + 4 * b);
    const nsplits = !dontSplit && typesize <= 16 && Math.floor(bsize / typesize) >= 128 && !last ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    // each split goes to tmp (shuffled) or straight to out; a stored (raw) split stays where it is when shuffled
    let t = 0;
    for (let j = 0; j < nsplits; j++) {
      if (s + 4 > cbytes) throw new Error(`blosc block ${b} runs past the end of the frame`);
      const cb = readU32(src, s);
      s += 4;
      if (s + cb > cbytes) throw new Error(`blosc block ${b} runs past the end of the frame`);
      if (doShuffle && nsplits === typesize) {
        if (cb === neblock && (typesize !== 4 || (src.byteOffset + s) % 4 === 0)) {
          parts[j] = src;
          offs[j] = s;
        } else if (cb === neblock) {
          // a stored stream at an odd offset: copy it (fast) so that the unshuffle can read words
          (tmp as Uint8Array).set(src.subarray(s, s + neblock), t);
          parts[j] = tmp as Uint8Array;
          offs[j] = t;
        } else {
          split(src, s, s + cb, tmp as Uint8Array, t, neblock);
          parts[j] = tmp as Uint8Array;
          offs[j] = t;
        }
      } else if (doShuffle) {
        if (cb === neblock) (tmp as Uint8Array).set(src.subarray(s, s + neblock), t);
        else split(src, s, s + cb, tmp as Uint8Array, t, neblock);
      } else if (cb === neblock) out.set(src.subarray(s, s + neblock), dest + t);
      else split(src, s, s + cb, out, dest + t, neblock);
      s += cb;
      t += neblock;
    }
    if (doShuffle) {
      const n = Math.floor(bsize / typesize);
      if (nsplits !== typesize) {
        for (let i = 0; i < typesize; i++) {
          parts[i] = tmp as Uint8Array;
          offs[i] = i * n;
        }
      }
      unshuffle(parts, offs, typesize, n, out, dest);
      const rem = bsize - n * typesize;
      if (rem) {
        // leftover bytes of a block are stored unshuffled at its end
        if (nsplits === typesize) throw new Error("blosc: a split block with leftover bytes");
        out.set((tmp as Uint8Array).subarray(bsize - rem, bsize), dest + bsize - rem);
      }
    }
  }
  return true;
}

/** numcodecs' LZ4 codec: a little-endian uint32 of the decoded size, then one LZ4 block. */
function lz4CodecDecode(src: Uint8Array, out: Uint8Array | null, expected: number | null): Uint8Array {
  if (src.length < 4) throw new Error(`the lz4 chunk is ${src.length} bytes, shorter than its 4-byte size header`);
  const n = readU32(src, 0);
  if (expected !== null && n !== expected) throw new Error(`the lz4 header says ${n} bytes decoded, expected ${expected}`);
  const dst = out && out.length === n ? out : new Uint8Array(n);
  const got = lz4DecodeBlock(plainBytes(src), 4, src.length, dst, 0, n);
  if (got !== n) throw new Error(`the lz4 block decodes to ${got} bytes, the header says ${n}`);
  return dst;
}

/**
 * Decode `bytes` with `config` (null: raw). `expected` is the decoded size in bytes (null: unknown, not checked); `where` names
 * the chunk in errors. Truncated or corrupt input gives an error naming `where`. With `out` (of the decoded size), the
 * result is written there where the codec allows (blosc and lz4 in JS, raw), else copied there; the returned array is `out`.
 */
export async function decodeChunk(config: CodecConfig | null, bytes: Uint8Array, expected: number | null, where: string, out?: Uint8Array): Promise<Uint8Array> {
  let res: Uint8Array;
  const into = out && (expected === null || out.length === expected) ? out : null;
  try {
    if (config === null) res = bytes;
    else if (config.id === "gzip") res = zlib.gunzipSync(bytes);
    else if (config.id === "zlib") res = zlib.inflateSync(bytes);
    else if (config.id === "lz4") res = lz4CodecDecode(bytes, into, expected);
    else {
      let done: Uint8Array | null = null;
      if (config.id === "blosc") {
        const h = bloscHeader(bytes);
        if (!h) throw new Error(`the blosc frame is ${bytes.length} bytes, shorter than its 16-byte header`);
        if (h.cbytes !== bytes.length) throw new Error(`the blosc header says ${h.cbytes} compressed bytes but the file has ${bytes.length}`);
        if (expected !== null && h.nbytes !== expected) throw new Error(`the blosc header says ${h.nbytes} bytes decoded, expected ${expected}`);
        const dst = into && into.length === h.nbytes ? into : new Uint8Array(h.nbytes);
        if (bloscDecodeJs(bytes, dst)) done = dst === into || !into ? dst : into;
      }
      if (done) res = done;
      else {
        if (!SUPPORTED_CODECS.includes(config.id)) throw new Error(`unsupported compressor "${config.id}" (supported: ${SUPPORTED_CODECS.join(", ")}, raw)`);
        res = await (await numcodec(config)).decode(bytes);
      }
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`${where}: cannot decode the chunk (${config === null ? "raw" : config.id}): ${why}; the file is truncated or corrupt`, { cause: e });
  }
  if (expected !== null && res.length !== expected) {
    throw new Error(`${where}: the chunk decodes to ${res.length} bytes, expected ${expected}; the file is truncated or corrupt`);
  }
  if (into && res !== into) {
    into.set(res);
    return into;
  }
  return res;
}

/** Encode `bytes` with `config` (null: raw, returned as is). */
export async function encodeChunk(config: CodecConfig | null, bytes: Uint8Array): Promise<Uint8Array> {
  if (config === null) return bytes;
  if (config.id === "gzip") return zlib.gzipSync(bytes, { level: level(config, 5) });
  if (config.id === "zlib") return zlib.deflateSync(bytes, { level: level(config, 1) });
  describeCodec(config);
  return (await numcodec(config)).encode(bytes);
}
