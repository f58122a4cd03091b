/**
 * Chunk codecs of zarr v2 (numcodecs' ids and configs). Decoding: blosc frames with lz4/lz4hc,
 * zlib or zstd streams, numcodecs' lz4 and zstd in JS (lz4.ts, zstd.ts and blosc.ts here, straight
 * into the caller's output); other blosc codecs (blosclz, snappy), bitshuffle and delta through
 * numcodecs.js (WASM, ESM-only: loaded with importEsm on first use); gzip and zlib through node:zlib
 * (faster than fflate here). Encoding: numcodecs.js, node:zlib. Used by the storage kernels
 * (lazy/storage/source.ts), on the main thread or in worker threads.
 */
import * as zlib from "node:zlib";
import { importEsm } from "../core/esm";
import { lz4DecodeBlock, readU32 } from "./lz4";
import { zstdContentSize, zstdDecode } from "./zstd";
import { bloscDecodeJs, plainBytes } from "./blosc";

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

/** numcodecs' Zstd codec: Zstandard frames (one, with its content size, as numcodecs writes). */
function zstdCodecDecode(src: Uint8Array, out: Uint8Array | null, expected: number | null): Uint8Array {
  const n = expected ?? zstdContentSize(src, 0, src.length);
  const dst = out && out.length === n ? out : new Uint8Array(n);
  const got = zstdDecode(plainBytes(src), 0, src.length, dst, 0, n);
  if (got !== n) throw new Error(`the zstd frames decode to ${got} bytes, expected ${n}`);
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
    else if (config.id === "zstd" && (expected !== null || zstdContentSize(bytes, 0, bytes.length) >= 0)) res = zstdCodecDecode(bytes, into, expected);
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
