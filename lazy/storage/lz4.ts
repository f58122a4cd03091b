/**
 * The LZ4 block format in JS (numcodecs' lz4 and blosc's lz4/lz4hc streams), decoding straight into
 * the caller's output (no WASM heap, no copies through it). Used by lazy/storage/codecs.ts and blosc.ts.
 */


// ------------------------------------------------------------------------------------------------
// LZ4 block format and blosc 1 frames, in JS (no WASM heap, no copies through it)

export function readU32(b: Uint8Array, o: number): number {
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
