/**
 * The compiled codec libraries we use, loaded on first use in each thread (docs/io.md, "Codecs",
 * has the measurements that chose them):
 * - LZ4: `lz4-napi` (napi-rs over the Rust lz4_flex; its prebuilt binaries ship as per-platform
 *   npm optional packages for Linux, macOS, Windows, FreeBSD and Android on x64/arm64: nothing is
 *   downloaded or built at install). Where no binary exists for the platform, the JS LZ4 decoder
 *   (lazy/codecs.ts) decodes and numcodecs.js encodes.
 * - Zstandard: `@foxglove/wasm-zstd` (libzstd compiled to WebAssembly, one .wasm file in the
 *   package: every platform).
 */
import type * as Lz4Napi from "lz4-napi";

type Lz4Module = typeof Lz4Napi;
let lz4: Lz4Module | null | undefined;

/** lz4-napi, or null when its binary is not available on this platform (or HYPERSPY_TS_NO_NATIVE is set). */
export function lz4Native(): Lz4Module | null {
  if (lz4 === undefined) {
    try {
      lz4 = process.env.HYPERSPY_TS_NO_NATIVE ? null : (require("lz4-napi") as Lz4Module);
    } catch {
      lz4 = null;
    }
  }
  return lz4;
}

/** Tests: turn lz4-napi off (false: our JS LZ4 decoder and numcodecs.js, as on a platform without its binary) or back on. */
export function useLz4Native(on: boolean): void {
  lz4 = on ? undefined : null;
}

/** A reusable per-thread Buffer of at least n bytes. */
let scratch = Buffer.allocUnsafeSlow(0);
function scratchOf(n: number): Buffer {
  if (scratch.length < n) scratch = Buffer.allocUnsafeSlow(Math.max(n, 1 << 16));
  return scratch;
}

/**
 * Decode one raw LZ4 block `src[s0, s1)` (a blosc stream: no size header) of `n` bytes into
 * `dst` from `d0` with lz4-napi; false when lz4-napi is not available. Throws on malformed input or a
 * size other than n.
 */
export function lz4DecodeBlockNative(src: Uint8Array, s0: number, s1: number, dst: Uint8Array, d0: number, n: number): boolean {
  const m = lz4Native();
  if (!m) return false;
  // lz4_flex's size-prepended format: a little-endian u32 of the decoded size, then the block
  const len = s1 - s0;
  const buf = scratchOf(len + 4);
  buf.writeUInt32LE(n, 0);
  buf.set(src.subarray(s0, s1), 4);
  const out = m.uncompressSync(buf.subarray(0, len + 4));
  if (out.length !== n) throw new Error(`lz4 stream decodes to ${out.length} bytes, expected ${n}`);
  dst.set(out, d0);
  return true;
}

/** numcodecs' LZ4 chunk (u32 size, then one block: lz4_flex's size-prepended format) decoded by lz4-napi, or null. */
export function lz4CodecDecodeNative(src: Uint8Array): Buffer | null {
  const m = lz4Native();
  if (!m) return null;
  return m.uncompressSync(src);
}

/** LZ4-compress `src` with lz4-napi into numcodecs' LZ4 format (u32 size + block), or null. */
export function lz4CodecEncodeNative(src: Uint8Array): Buffer | null {
  const m = lz4Native();
  if (!m) return null;
  return m.compressSync(Buffer.from(src.buffer, src.byteOffset, src.byteLength));
}

// ------------------------------------------------------------------------------------------------
// Zstandard (WASM)

interface ZstdModule {
  isLoaded: Promise<boolean>;
  compress(buffer: Uint8Array, compressionLevel?: number): Buffer;
  decompress(buffer: Uint8Array, size: number): Buffer;
}
let zstd: Promise<ZstdModule> | null = null;
let zstdNow: ZstdModule | null = null;

/** @foxglove/wasm-zstd, instantiated (once per thread). */
export function zstdWasm(): Promise<ZstdModule> {
  if (!zstd) {
    zstd = (async () => {
      const m = require("@foxglove/wasm-zstd") as ZstdModule;
      await m.isLoaded;
      zstdNow = m;
      return m;
    })();
  }
  return zstd;
}

/** The WASM zstd module if already instantiated (for synchronous inner loops), else null. */
export function zstdWasmNow(): ZstdModule | null {
  return zstdNow;
}

/** Decode Zstandard frame(s) `src[s0, s1)` of exactly `n` bytes into `dst` from `d0` (WASM zstd, instantiated). */
export function zstdDecodeWasm(m: ZstdModule, src: Uint8Array, s0: number, s1: number, dst: Uint8Array, d0: number, n: number): void {
  let out: Buffer;
  try {
    out = m.decompress(src.subarray(s0, s1), n);
  } catch {
    throw new Error(`the zstd stream of ${s1 - s0} bytes does not decode to ${n} bytes (corrupt or truncated)`);
  }
  if (out.length !== n) throw new Error(`zstd stream decodes to ${out.length} bytes, expected ${n}`);
  dst.set(out, d0);
}
