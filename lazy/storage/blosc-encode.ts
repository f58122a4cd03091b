/**
 * A blosc 1 frame writer (the format c-blosc 1.x and numcodecs' Blosc read, e.g. HyperSpy's
 * zarr): byte shuffle in JS (word-wise 4x4 transposes for 4-byte items), each block compressed
 * with lz4-napi (lz4, lz4hc) or WASM zstd (zstd) or node:zlib (zlib), unsplit (flag 0x10: one
 * stream per block). A block that does not shrink is stored raw; a frame that does not shrink is
 * written memcpy'd (flag 0x02), as c-blosc does. Returns null for what it does not write (bitshuffle,
 * blosclz, snappy, an unavailable library, empty input): the caller then encodes with numcodecs.js.
 *
 * Why not numcodecs.js (c-blosc in WASM): its embind wrapper copies the input into the WASM heap
 * byte by byte, so it encodes at about 0.2 GB/s (bench/README.md).
 */
import * as zlib from "node:zlib";
import { lz4Native, zstdWasmNow } from "./native";

/** The largest buffer blosc 1 encodes (BLOSC_MAX_BUFFERSIZE). */
const MAX_BUFFER = 2 ** 31 - 1 - 16;

let shuf = new Uint8Array(0);
function shuffleScratch(n: number): Uint8Array {
  if (shuf.length < n) shuf = new Uint8Array(Math.max(n, 1 << 18));
  return shuf;
}

/** Byte-shuffle `n` items of `typesize` bytes from src[s0..] into dst[0..): byte i of every item into plane i. */
export function shuffleBlock(src: Uint8Array, s0: number, typesize: number, n: number, dst: Uint8Array): void {
  if (typesize === 4 && n % 4 === 0 && (src.byteOffset + s0) % 4 === 0 && dst.byteOffset % 4 === 0) {
    const w = n >> 2;
    const inp = new Uint32Array(src.buffer, src.byteOffset + s0, n);
    const a = new Uint32Array(dst.buffer, dst.byteOffset, w);
    const b = new Uint32Array(dst.buffer, dst.byteOffset + n, w);
    const c = new Uint32Array(dst.buffer, dst.byteOffset + 2 * n, w);
    const d = new Uint32Array(dst.buffer, dst.byteOffset + 3 * n, w);
    for (let k = 0, j = 0; k < w; k++, j += 4) {
      const x = inp[j];
      const y = inp[j + 1];
      const z = inp[j + 2];
      const v = inp[j + 3];
      a[k] = (x & 0xff) | ((y & 0xff) << 8) | ((z & 0xff) << 16) | (v << 24);
      b[k] = ((x >>> 8) & 0xff) | (y & 0xff00) | ((z & 0xff00) << 8) | ((v & 0xff00) << 16);
      c[k] = ((x >>> 16) & 0xff) | ((y >>> 8) & 0xff00) | (z & 0xff0000) | ((v & 0xff0000) << 8);
      d[k] = (x >>> 24) | ((y >>> 16) & 0xff00) | ((z >>> 8) & 0xff0000) | (v & 0xff000000);
    }
    return;
  }
  for (let i = 0; i < typesize; i++) {
    const o = i * n;
    for (let j = 0, k = s0 + i; j < n; j++, k += typesize) dst[o + j] = src[k];
  }
}

type BlockCompressor = (src: Uint8Array) => Uint8Array;

/** The compressor of one block for a blosc cname, or null when we do not write it here. */
function blockCompressor(cname: string, clevel: number): { code: number; fn: BlockCompressor } | null {
  if (cname === "lz4" || cname === "lz4hc") {
    const m = lz4Native();
    if (!m) return null;
    // lz4_flex writes a size-prepended block: drop the 4-byte size (blosc stores sizes itself)
    return { code: 1, fn: (s) => m.compressSync(Buffer.from(s.buffer, s.byteOffset, s.byteLength)).subarray(4) };
  }
  if (cname === "zstd") {
    const m = zstdWasmNow();
    if (!m) return null;
    // c-blosc's level mapping: clevel < 9 -> 2 * clevel - 1, else zstd's maximum (22)
    const level = clevel < 9 ? Math.max(1, 2 * clevel - 1) : 22;
    return { code: 4, fn: (s) => m.compress(s, level) };
  }
  if (cname === "zlib") return { code: 3, fn: (s) => zlib.deflateSync(s, { level: Math.min(9, Math.max(0, clevel)) }) };
  return null;
}

export interface BloscParams {
  cname: string;
  clevel: number;
  /** 0: none, 1: byte shuffle (2, bitshuffle, is not written here). */
  shuffle: number;
  typesize: number;
  /** Bytes per block; 0: our default (256 KiB). */
  blocksize: number;
}

/** Encode `src` as one blosc 1 frame, or null when this writer does not handle the parameters. */
export function bloscEncode(src: Uint8Array, p: BloscParams): Uint8Array | null {
  const nbytes = src.length;
  if (nbytes === 0 || p.shuffle === 2 || p.clevel < 0 || p.clevel > 9) return null;
  if (nbytes > MAX_BUFFER) throw new Error(`blosc cannot encode a chunk of ${nbytes} bytes (at most ${MAX_BUFFER}); save with smaller chunks`);
  const typesize = p.typesize > 0 && p.typesize <= 255 ? p.typesize : 1;
  const doShuffle = p.shuffle === 1 && typesize > 1;
  let flags = 0x10 | (doShuffle ? 0x01 : 0);
  const header = (buf: Uint8Array, f: number, blocksize: number, cbytes: number) => {
    const dv = new DataView(buf.buffer, buf.byteOffset, 16);
    buf[0] = 2; // blosc format version
    buf[1] = 1; // codec format version
    buf[2] = f;
    buf[3] = typesize;
    dv.setUint32(4, nbytes, true);
    dv.setUint32(8, blocksize, true);
    dv.setUint32(12, cbytes, true);
  };
  const memcpyFrame = () => {
    const out = new Uint8Array(16 + nbytes);
    header(out, 0x02 | 0x10, nbytes, 16 + nbytes);
    out.set(src, 16);
    return out;
  };
  if (p.clevel === 0) return memcpyFrame();
  const comp = blockCompressor(p.cname, p.clevel);
  if (!comp) return null;
  flags |= comp.code << 5;
  let blocksize = p.blocksize > 0 ? p.blocksize : 1 << 18;
  blocksize = Math.min(nbytes, Math.max(typesize, blocksize - (blocksize % typesize)));
  const nblocks = Math.ceil(nbytes / blocksize);
  const out = new Uint8Array(16 + 8 * nblocks + nbytes);
  const dv = new DataView(out.buffer);
  let o = 16 + 4 * nblocks;
  const tmp = doShuffle ? shuffleScratch(blocksize) : null;
  for (let b = 0; b < nblocks; b++) {
    const start = b * blocksize;
    const bsize = Math.min(blocksize, nbytes - start);
    let block = src.subarray(start, start + bsize);
    if (tmp) {
      const n = Math.floor(bsize / typesize);
      shuffleBlock(src, start, typesize, n, tmp);
      // leftover bytes of a block stay unshuffled at its end
      if (bsize > n * typesize) tmp.set(src.subarray(start + n * typesize, start + bsize), n * typesize);
      block = tmp.subarray(0, bsize);
    }
    dv.setUint32(16 + 4 * b, o, true);
    const c = comp.fn(block);
    if (o + 4 + Math.min(c.length, bsize) > 16 + nbytes) return memcpyFrame();
    if (c.length > 0 && c.length < bsize) {
      dv.setUint32(o, c.length, true);
      out.set(c, o + 4);
      o += 4 + c.length;
    } else {
      // no gain: stored raw (the decoder copies a stream whose size equals the block's)
      dv.setUint32(o, bsize, true);
      out.set(block, o + 4);
      o += 4 + bsize;
    }
  }
  header(out, flags, blocksize, o);
  return out.subarray(0, o);
}
