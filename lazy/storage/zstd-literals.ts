/**
 * Zstandard (RFC 8878) literals: Huffman tree descriptions and the 1- and 4-stream Huffman
 * decoders, and the literals section of a block. lazy/storage/zstd.ts decodes frames.
 */
import { ZstdState, backStart, bitsAt, buildFse, highBit, readFse, zs } from "./zstd-fse";

/** Read a Huffman tree description at `src[p]` into `st.huf`; returns the position after it. */
function readHuffman(src: Uint8Array, p: number, end: number, st: ZstdState): number {
  const w = zs.weights;
  let n: number;
  const hb = src[p++];
  if (hb < 128) {
    // FSE-compressed weights: hb bytes, a table description then two interleaved states
    const e = p + hb;
    if (e > end) throw new Error("zstd: truncated Huffman tree description");
    const q = readFse(src, p, e, 6, 255, zs.norm, zs.desc);
    const t = zs.wTable;
    buildFse(t, zs.norm, zs.desc.nsym, zs.desc.log, null, null);
    let pos = backStart(src, q, e);
    const lg = t.log;
    if (pos < 2 * lg) throw new Error("zstd: bad Huffman weights");
    pos -= lg;
    let s1 = bitsAt(src, q, pos, lg);
    pos -= lg;
    let s2 = bitsAt(src, q, pos, lg);
    n = 0;
    // reading past the stream's start ends the weights (the value read is then unused)
    const rd = (k: number): number => {
      pos -= k;
      return pos < 0 ? 0 : bitsAt(src, q, pos, k);
    };
    for (;;) {
      if (n > 254) throw new Error("zstd: too many Huffman weights");
      w[n++] = t.sym[s1];
      s1 = t.next[s1] + rd(t.nb[s1]);
      if (pos < 0) {
        w[n++] = t.sym[s2];
        break;
      }
      if (n > 254) throw new Error("zstd: too many Huffman weights");
      w[n++] = t.sym[s2];
      s2 = t.next[s2] + rd(t.nb[s2]);
      if (pos < 0) {
        w[n++] = t.sym[s1];
        break;
      }
    }
    p = e;
  } else {
    n = hb - 127;
    const e = p + ((n + 1) >> 1);
    if (e > end) throw new Error("zstd: truncated Huffman tree description");
    for (let i = 0; i < n; i += 2) {
      const b = src[p + (i >> 1)];
      w[i] = b >> 4;
      w[i + 1] = b & 15;
    }
    p = e;
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (w[i] > 11) throw new Error("zstd: Huffman weight above 11");
    if (w[i]) total += 1 << (w[i] - 1);
  }
  if (total === 0 || n > 255) throw new Error("zstd: bad Huffman weights");
  const maxBits = highBit(total) + 1;
  const rest = (1 << maxBits) - total;
  if (maxBits > 11 || rest & (rest - 1)) throw new Error("zstd: bad Huffman weights");
  w[n++] = highBit(rest) + 1;
  // symbols by weight (ascending), then by value; weight w takes 2^(w-1) cells of maxBits + 1 - w bits
  const huf = st.huf;
  const start = zs.rankStart;
  start.fill(0);
  for (let i = 0; i < n; i++) if (w[i]) start[w[i]] += 1 << (w[i] - 1);
  let at = 0;
  for (let wt = 1; wt <= maxBits; wt++) {
    const c = start[wt];
    start[wt] = at;
    at += c;
  }
  if (at !== 1 << maxBits) throw new Error("zstd: bad Huffman weights");
  for (let i = 0; i < n; i++) {
    const wt = w[i];
    if (!wt) continue;
    const len = 1 << (wt - 1);
    const e = (i << 4) | (maxBits + 1 - wt);
    const a = start[wt];
    if (len > 16) huf.fill(e, a, a + len);
    else for (let j = a; j < a + len; j++) huf[j] = e;
    start[wt] = a + len;
  }
  st.hufLog = maxBits;
  return p;
}

/**
 * Decode the four Huffman streams `src[a, b)`, `[b, c)`, `[c, d)`, `[d, e)` into `out[0, q)`,
 * `[q, 2q)`, `[2q, 3q)`, `[3q, n)`: one symbol of each per step while all four are far from their
 * ends (four independent dependency chains), then each stream's rest on its own.
 */
function huffStreams4(src: Uint8Array, a: number, b: number, c: number, d: number, e: number, huf: Uint16Array, log: number, out: Uint8Array, q: number, n: number): void {
  let p1 = backStart(src, a, b) + 8 * a;
  let p2 = backStart(src, b, c) + 8 * b;
  let p3 = backStart(src, c, d) + 8 * c;
  let p4 = backStart(src, d, e) + 8 * d;
  const mask = (1 << log) - 1;
  const log2 = 2 * log;
  let o = 0;
  // two symbols per stream from one 32-bit read (2 * 11 bits + a 7-bit shift fit): safe while each
  // stream has 2 * log bits left and the read stays inside src (stream 4 reads highest)
  const dv = new DataView(src.buffer, src.byteOffset, src.length);
  const lo1 = 8 * a + log2;
  const lo2 = 8 * b + log2;
  const lo3 = 8 * c + log2;
  const lo4 = 8 * d + log2;
  if (p4 - log2 < 8 * (src.length - 4)) {
    for (;;) {
      const m = Math.min(p1 - lo1, p2 - lo2, p3 - lo3, p4 - lo4);
      let k = Math.min(Math.floor(m / log2) + 1, (Math.min(q, n - 3 * q) - o) >> 1);
      if (m < 0 || k <= 0) break;
      for (; k > 0; k--) {
        let x = p1 - log2;
        let w = dv.getUint32(x >> 3, true) >>> (x & 7);
        let e = huf[(w >>> log) & mask];
        let f = huf[(w >>> (log - (e & 15))) & mask];
        out[o] = e >>> 4;
        out[o + 1] = f >>> 4;
        p1 -= (e & 15) + (f & 15);
        x = p2 - log2;
        w = dv.getUint32(x >> 3, true) >>> (x & 7);
        e = huf[(w >>> log) & mask];
        f = huf[(w >>> (log - (e & 15))) & mask];
        out[q + o] = e >>> 4;
        out[q + o + 1] = f >>> 4;
        p2 -= (e & 15) + (f & 15);
        x = p3 - log2;
        w = dv.getUint32(x >> 3, true) >>> (x & 7);
        e = huf[(w >>> log) & mask];
        f = huf[(w >>> (log - (e & 15))) & mask];
        out[2 * q + o] = e >>> 4;
        out[2 * q + o + 1] = f >>> 4;
        p3 -= (e & 15) + (f & 15);
        x = p4 - log2;
        w = dv.getUint32(x >> 3, true) >>> (x & 7);
        e = huf[(w >>> log) & mask];
        f = huf[(w >>> (log - (e & 15))) & mask];
        out[3 * q + o] = e >>> 4;
        out[3 * q + o + 1] = f >>> 4;
        p4 -= (e & 15) + (f & 15);
        o += 2;
      }
    }
  }
  huffStream(src, a, b, huf, log, out, o, q, p1 - 8 * a);
  huffStream(src, b, c, huf, log, out, q + o, 2 * q, p2 - 8 * b);
  huffStream(src, c, d, huf, log, out, 2 * q + o, 3 * q, p3 - 8 * c);
  huffStream(src, d, e, huf, log, out, 3 * q + o, n, p4 - 8 * d);
}

/** Decode one Huffman stream `src[s0, s1)` into `out[o0, o1)` (from bit `start` when resumed). */
function huffStream(src: Uint8Array, s0: number, s1: number, huf: Uint16Array, log: number, out: Uint8Array, o0: number, o1: number, start = -1): void {
  let pos = start >= 0 ? start : backStart(src, s0, s1);
  const mask = (1 << log) - 1;
  const len = src.length;
  let o = o0;
  while (o < o1) {
    const p = pos - log;
    if (p < 0) break;
    const b = s0 + (p >> 3);
    if (b + 2 >= len) {
      const e = huf[bitsAt(src, s0, p, log)];
      out[o++] = e >>> 4;
      pos -= e & 15;
      continue;
    }
    const e = huf[((src[b] | (src[b + 1] << 8) | (src[b + 2] << 16)) >>> (p & 7)) & mask];
    out[o++] = e >>> 4;
    pos -= e & 15;
  }
  while (o < o1) {
    // the last bits: the peek reaches below the stream's start (zeros)
    const v = pos > 0 ? bitsAt(src, s0, 0, pos) << (log - pos) : 0;
    const e = huf[v];
    out[o++] = e >>> 4;
    pos -= e & 15;
    if (pos < 0) throw new Error("zstd: Huffman stream overrun");
  }
  if (pos !== 0) throw new Error("zstd: Huffman stream not consumed exactly");
}

/** Decode a literals section at `src[p]`; returns [position after it, literal array, literal start, count]. */
export function readLiterals(src: Uint8Array, p: number, end: number, st: ZstdState, res: { arr: Uint8Array; at: number; n: number }): number {
  const b0 = src[p];
  const type = b0 & 3;
  const sf = (b0 >> 2) & 3;
  if (type < 2) {
    let size: number;
    let h: number;
    if ((sf & 1) === 0) {
      size = b0 >> 3;
      h = 1;
    } else if (sf === 1) {
      size = (b0 >> 4) + (src[p + 1] << 4);
      h = 2;
    } else {
      size = (b0 >> 4) + (src[p + 1] << 4) + (src[p + 2] << 12);
      h = 3;
    }
    p += h;
    if (type === 0) {
      if (p + size > end) throw new Error("zstd: raw literals run past the block");
      res.arr = src;
      res.at = p;
      res.n = size;
      return p + size;
    }
    if (p >= end) throw new Error("zstd: truncated RLE literals");
    if (size > zs.lit.length) throw new Error("zstd: literals larger than a block");
    zs.lit.fill(src[p], 0, size);
    res.arr = zs.lit;
    res.at = 0;
    res.n = size;
    return p + 1;
  }
  let regen: number;
  let comp: number;
  let h: number;
  const streams = sf === 0 ? 1 : 4;
  if (sf < 2) {
    const v = b0 | (src[p + 1] << 8) | (src[p + 2] << 16);
    regen = (v >>> 4) & 0x3ff;
    comp = (v >>> 14) & 0x3ff;
    h = 3;
  } else if (sf === 2) {
    const v = (b0 | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24)) >>> 0;
    regen = (v >>> 4) & 0x3fff;
    comp = v >>> 18;
    h = 4;
  } else {
    const v = (b0 | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24)) >>> 0;
    regen = (v >>> 4) & 0x3ffff;
    comp = (v >>> 22) + (src[p + 4] << 10);
    h = 5;
  }
  p += h;
  const e = p + comp;
  if (e > end) throw new Error("zstd: compressed literals run past the block");
  if (regen > zs.lit.length) throw new Error("zstd: literals larger than a block");
  if (type === 2) p = readHuffman(src, p, e, st);
  else if (st.hufLog === 0) throw new Error("zstd: treeless literals without a previous Huffman tree");
  const lit = zs.lit;
  if (streams === 1) huffStream(src, p, e, st.huf, st.hufLog, lit, 0, regen);
  else {
    if (p + 6 > e) throw new Error("zstd: truncated literal jump table");
    const c1 = src[p] | (src[p + 1] << 8);
    const c2 = src[p + 2] | (src[p + 3] << 8);
    const c3 = src[p + 4] | (src[p + 5] << 8);
    const a = p + 6;
    const b = a + c1;
    const c = b + c2;
    const d = c + c3;
    if (d > e) throw new Error("zstd: bad literal jump table");
    const q = (regen + 3) >> 2;
    if (3 * q > regen) throw new Error("zstd: bad literal sizes");
    huffStreams4(src, a, b, c, d, e, st.huf, st.hufLog, lit, q, regen);
  }
  res.arr = lit;
  res.at = 0;
  res.n = regen;
  return e;
}
