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

/**
 * Decode `bytes` with `config` (null: raw). `expected` is the decoded size in bytes (null: unknown, not checked); `where` names
 * the chunk in errors. Truncated or corrupt input gives an error naming `where`.
 */
export async function decodeChunk(config: CodecConfig | null, bytes: Uint8Array, expected: number | null, where: string): Promise<Uint8Array> {
  let out: Uint8Array;
  try {
    if (config === null) out = bytes;
    else if (config.id === "gzip") out = zlib.gunzipSync(bytes);
    else if (config.id === "zlib") out = zlib.inflateSync(bytes);
    else {
      if (config.id === "blosc") {
        const h = bloscHeader(bytes);
        if (!h) throw new Error(`the blosc frame is ${bytes.length} bytes, shorter than its 16-byte header`);
        if (h.cbytes !== bytes.length) throw new Error(`the blosc header says ${h.cbytes} compressed bytes but the file has ${bytes.length}`);
        if (expected !== null && h.nbytes !== expected) throw new Error(`the blosc header says ${h.nbytes} bytes decoded, expected ${expected}`);
      }
      if (!SUPPORTED_CODECS.includes(config.id)) throw new Error(`unsupported compressor "${config.id}" (supported: ${SUPPORTED_CODECS.join(", ")}, raw)`);
      out = await (await numcodec(config)).decode(bytes);
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`${where}: cannot decode the chunk (${config === null ? "raw" : config.id}): ${why}; the file is truncated or corrupt`, { cause: e });
  }
  if (expected !== null && out.length !== expected) {
    throw new Error(`${where}: the chunk decodes to ${out.length} bytes, expected ${expected}; the file is truncated or corrupt`);
  }
  return out;
}

/** Encode `bytes` with `config` (null: raw, returned as is). */
export async function encodeChunk(config: CodecConfig | null, bytes: Uint8Array): Promise<Uint8Array> {
  if (config === null) return bytes;
  if (config.id === "gzip") return zlib.gzipSync(bytes, { level: level(config, 5) });
  if (config.id === "zlib") return zlib.deflateSync(bytes, { level: level(config, 1) });
  describeCodec(config);
  return (await numcodec(config)).encode(bytes);
}
