/**
 * blosc 1 frames parsed in JS (memcpy'd frames, byte shuffle, split and unsplit blocks), each stream
 * decoded by lz4-napi (lz4/lz4hc; our JS LZ4 decoder where lz4-napi has no binary), WASM zstd or
 * node:zlib, and the shuffle undone in JS straight into the output (what it does not handle goes to
 * numcodecs.js, see lazy/storage/codecs.ts).
 */
import * as zlib from "node:zlib";
import { lz4DecodeBlock, readU32 } from "./lz4";
import { lz4DecodeBlockNative, zstdDecodeWasm, zstdWasmNow } from "./native";
import { getScratch, unshuffle } from "./shuffle";

type SplitDecoder = (src: Uint8Array, s0: number, s1: number, dst: Uint8Array, d0: number, n: number) => void;

const decodeLz4Split: SplitDecoder = (src, s0, s1, dst, d0, n) => {
  if (lz4DecodeBlockNative(src, s0, s1, dst, d0, n)) return;
  const got = lz4DecodeBlock(src, s0, s1, dst, d0, d0 + n);
  if (got !== n) throw new Error(`lz4 stream decodes to ${got} bytes, expected ${n}`);
};
const decodeZstdSplit: SplitDecoder = (src, s0, s1, dst, d0, n) => {
  const m = zstdWasmNow();
  if (!m) throw new Error("internal: the WASM zstd decoder is not instantiated (await zstdWasm() first)");
  zstdDecodeWasm(m, src, s0, s1, dst, d0, n);
};
const decodeZlibSplit: SplitDecoder = (src, s0, s1, dst, d0, n) => {
  const r = zlib.inflateSync(src.subarray(s0, s1));
  if (r.length !== n) throw new Error(`zlib stream decodes to ${r.length} bytes, expected ${n}`);
  dst.set(r, d0);
};

/** A plain Uint8Array over the same bytes (a Node Buffer's elements load slower in mixed loops). */
export function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Decode a blosc 1 frame in JS into `out` (its decoded size). Handles memcpy'd frames, byte
 * shuffle, split and unsplit blocks, and lz4/lz4hc, zlib and zstd streams; returns false (nothing
 * written) for what it does not handle here (blosclz, snappy, bitshuffle, delta), which then goes
 * to the WASM decoder.
 */
export function bloscDecodeJs(frame: Uint8Array, into: Uint8Array): boolean {
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
  const split: SplitDecoder | null = format === 1 ? decodeLz4Split : format === 3 ? decodeZlibSplit : format === 4 ? decodeZstdSplit : null;
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
