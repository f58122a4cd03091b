/**
 * Chunk codecs of zarr v2 (numcodecs' ids and configs). Decoding: blosc frames parsed in JS
 * (blosc.ts) with their lz4 streams through lz4-napi and zstd streams through WASM zstd
 * (native.ts), numcodecs' lz4 through lz4-napi (or our JS LZ4 decoder, lz4.ts, which wins on
 * incompressible blocks and where lz4-napi has no binary), numcodecs' zstd through WASM zstd; other
 * blosc codecs (blosclz, snappy), bitshuffle and delta through numcodecs.js (WASM, ESM-only: loaded
 * with importEsm on first use); gzip and zlib through node:zlib. Encoding: blosc frames written here
 * (blosc-encode.ts: lz4, lz4hc, zstd, zlib with byte shuffle), lz4 through lz4-napi, zstd through
 * WASM zstd, gzip / zlib through node:zlib, the rest through numcodecs.js. Used by the storage
 * kernels (lazy/storage/source.ts), on the main thread or in worker threads.
 */
import * as zlib from "node:zlib";
import { importEsm } from "../core/esm";
import { lz4DecodeBlock, readU32 } from "./lz4";
import { bloscDecodeJs, plainBytes } from "./blosc";
import { bloscEncode } from "./blosc-encode";
import { lz4CodecDecodeNative, lz4CodecEncodeNative, zstdDecodeWasm, zstdWasm } from "./native";
import { TypeError } from "../core/errors";

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

/**
 * numcodecs' LZ4 codec: a little-endian uint32 of the decoded size, then one LZ4 block. lz4-napi
 * decodes compressible blocks about 2x faster than our JS decoder; a block that barely compresses
 * (mostly literal runs, copied at memcpy speed in JS) decodes faster in JS, which also writes
 * straight into `out` (bench/README.md, codecs).
 */
function lz4CodecDecode(src: Uint8Array, out: Uint8Array | null, expected: number | null): Uint8Array {
  if (src.length < 4) throw new Error(`the lz4 chunk is ${src.length} bytes, shorter than its 4-byte size header`);
  const n = readU32(src, 0);
  if (expected !== null && n !== expected) throw new Error(`the lz4 header says ${n} bytes decoded, expected ${expected}`);
  const dst = out && out.length === n ? out : null;
  if (src.length - 4 < 0.9 * n) {
    const r = lz4CodecDecodeNative(src);
    if (r) {
      if (r.length !== n) throw new Error(`the lz4 block decodes to ${r.length} bytes, the header says ${n}`);
      if (!dst) return r;
      dst.set(r);
      return dst;
    }
  }
  const into = dst ?? new Uint8Array(n);
  const got = lz4DecodeBlock(plainBytes(src), 4, src.length, into, 0, n);
  if (got !== n) throw new Error(`the lz4 block decodes to ${got} bytes, the header says ${n}`);
  return into;
}

/** The decoded size a Zstandard frame header states (first frame), or -1 when it does not. */
export function zstdContentSize(src: Uint8Array, s0: number, s1: number): number {
  if (s1 - s0 < 6 || readU32(src, s0) !== 0xfd2fb528) return -1;
  const fhd = src[s0 + 4];
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const fcsBytes = [single, 2, 4, 8][fcsFlag];
  if (!fcsBytes) return -1;
  const at = s0 + 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3];
  if (at + fcsBytes > s1) return -1;
  let fcs = 0;
  for (let i = 0; i < fcsBytes; i++) fcs += src[at + i] * 2 ** (8 * i);
  return fcsBytes === 2 ? fcs + 256 : fcs;
}

/** numcodecs' Zstd codec: Zstandard frames (one, with its content size, as numcodecs writes), through WASM zstd. */
async function zstdCodecDecode(src: Uint8Array, out: Uint8Array | null, expected: number | null): Promise<Uint8Array> {
  const n = expected ?? zstdContentSize(src, 0, src.length);
  const dst = out && out.length === n ? out : new Uint8Array(n);
  zstdDecodeWasm(await zstdWasm(), src, 0, src.length, dst, 0, n);
  return dst;
}

/**
 * Decode `bytes` with `config` (null: raw). `expected` is the decoded size in bytes (null: unknown, not checked); `where` names
 * the chunk in errors. Truncated or corrupt input gives an error naming `where`. With `out` (of the decoded size), the
 * result is written there where the codec allows (blosc, lz4 and zstd in JS, raw), else copied there; the returned array is `out`.
 */
export async function decodeChunk(config: CodecConfig | null, bytes: Uint8Array, expected: number | null, where: string, out?: Uint8Array): Promise<Uint8Array> {
  let res: Uint8Array;
  const into = out && (expected === null || out.length === expected) ? out : null;
  try {
    if (config === null) res = bytes;
    else if (config.id === "gzip") res = zlib.gunzipSync(bytes);
    else if (config.id === "zlib") res = zlib.inflateSync(bytes);
    else if (config.id === "lz4") res = lz4CodecDecode(bytes, into, expected);
    else if (config.id === "zstd" && (expected !== null || zstdContentSize(bytes, 0, bytes.length) >= 0)) res = await zstdCodecDecode(bytes, into, expected);
    else {
      let done: Uint8Array | null = null;
      if (config.id === "blosc") {
        const h = bloscHeader(bytes);
        if (!h) throw new Error(`the blosc frame is ${bytes.length} bytes, shorter than its 16-byte header`);
        if ((bytes[2] & 0xe0) >> 5 === 4) await zstdWasm(); // zstd streams: instantiate the decoder first
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

const num = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) ? v : d);

/**
 * Encode `bytes` with `config` (null: raw, returned as is). `typesize` is the item size of the data
 * (blosc's shuffle moves byte i of every item together; numcodecs' Blosc takes it from the array).
 */
export async function encodeChunk(config: CodecConfig | null, bytes: Uint8Array, typesize = 1): Promise<Uint8Array> {
  if (config === null) return bytes;
  if (config.id === "gzip") return zlib.gzipSync(bytes, { level: level(config, 5) });
  if (config.id === "zlib") return zlib.deflateSync(bytes, { level: level(config, 1) });
  describeCodec(config);
  if (config.id === "blosc") {
    const cname = typeof config.cname === "string" ? config.cname : "lz4";
    if (cname === "zstd") await zstdWasm();
    const enc = bloscEncode(bytes, { cname, clevel: num(config.clevel, 5), shuffle: num(config.shuffle, 1), typesize, blocksize: num(config.blocksize, 0) });
    if (enc) return enc;
  } else if (config.id === "lz4") {
    const enc = lz4CodecEncodeNative(bytes);
    if (enc) return enc;
  } else if (config.id === "zstd") {
    return (await zstdWasm()).compress(bytes, level(config, 1));
  }
  return (await numcodec(config)).encode(bytes);
}
