/**
 * Chunk codecs of zarr v2 (numcodecs' ids and configs). Decoding: blosc frames with lz4/lz4hc,
 * zlib or zstd streams, numcodecs' lz4 and zstd in JS (LZ4 and Zstandard decoders below, straight
 * into the caller's output); other blosc codecs (blosclz, snappy), bitshuffle and delta through
 * numcodecs.js (WASM, ESM-only: loaded with importEsm on first use); gzip and zlib through node:zlib
 * (faster than fflate here). Encoding: numcodecs.js, node:zlib. Used by the storage kernels
 * (lazy/source.ts), on the main thread or in worker threads.
 */
import * as zlib from "node:zlib";
import { importEsm } from "../core/esm";

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

// ------------------------------------------------------------------------------------------------
// Zstandard frames (RFC 8878), in JS: blosc's zstd streams and numcodecs' `zstd` codec. Decodes
// straight into the caller's output (the match window is the output itself: no dictionaries).

/** Index of the highest set bit of a positive 32-bit integer. */
function highBit(x: number): number {
  return 31 - Math.clz32(x);
}

/** Bits `[p, p + n)` of `src` counted from byte `s0` (little-endian bit order), n <= 25; bytes past the array read as 0. */
function bitsAt(src: Uint8Array, s0: number, p: number, n: number): number {
  const b = s0 + (p >> 3);
  const v = b + 3 < src.length ? src[b] | (src[b + 1] << 8) | (src[b + 2] << 16) | (src[b + 3] << 24) : (src[b] | 0) | ((src[b + 1] | 0) << 8) | ((src[b + 2] | 0) << 16);
  return (v >>> (p & 7)) & ((1 << n) - 1);
}

/** A backward bit stream's start: the bit position just below its final byte's marker bit. */
function backStart(src: Uint8Array, s0: number, s1: number): number {
  if (s1 <= s0) throw new Error("zstd: empty bit stream");
  const last = src[s1 - 1];
  if (last === 0) throw new Error("zstd: bit stream without its end marker");
  return (s1 - 1 - s0) * 8 + highBit(last);
}

/** An FSE decoding table; for the sequence codes each cell also carries its value's base and extra bits. */
interface FseTable {
  log: number;
  sym: Uint8Array;
  nb: Uint8Array;
  next: Uint16Array;
  base: Uint32Array;
  extra: Uint8Array;
}

function newFseTable(log: number): FseTable {
  const n = 1 << log;
  return { log, sym: new Uint8Array(n), nb: new Uint8Array(n), next: new Uint16Array(n), base: new Uint32Array(n), extra: new Uint8Array(n) };
}

/** Fill `t` (accuracy `log`) from normalized counts `norm[0, nsym)` (-1: "less than one"). */
function buildFse(t: FseTable, norm: Int16Array, nsym: number, log: number, bases: ArrayLike<number> | null, extras: ArrayLike<number> | null): void {
  const size = 1 << log;
  t.log = log;
  let high = size - 1;
  const symNext = zs.symNext;
  for (let s = 0; s < nsym; s++) {
    if (norm[s] === -1) {
      t.sym[high--] = s;
      symNext[s] = 1;
    } else symNext[s] = norm[s] > 0 ? norm[s] : 0;
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let pos = 0;
  for (let s = 0; s < nsym; s++) {
    for (let i = 0; i < norm[s]; i++) {
      t.sym[pos] = s;
      do pos = (pos + step) & mask;
      while (pos > high);
    }
  }
  if (pos !== 0) throw new Error("zstd: bad FSE distribution");
  for (let u = 0; u < size; u++) {
    const s = t.sym[u];
    const ns = symNext[s]++;
    const nb = log - highBit(ns);
    t.nb[u] = nb;
    t.next[u] = (ns << nb) - size;
    if (bases && extras) {
      t.base[u] = bases[s];
      t.extra[u] = extras[s];
    }
  }
}

/** Read an FSE table description (normalized counts) at `src[p]`; returns the position after it. */
function readFse(src: Uint8Array, p: number, end: number, maxLog: number, maxSym: number, norm: Int16Array, out: { nsym: number; log: number }): number {
  if (p >= end) throw new Error("zstd: truncated FSE table description");
  let bp = 0; // bit position from p
  const log = (src[p] & 15) + 5;
  bp = 4;
  if (log > maxLog) throw new Error(`zstd: FSE accuracy ${log} above ${maxLog}`);
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  let sym = 0;
  let prev0 = false;
  while (remaining > 1 && sym <= maxSym) {
    if (prev0) {
      let n0 = sym;
      for (;;) {
        const r = bitsAt(src, p, bp, 2);
        bp += 2;
        n0 += r;
        if (r !== 3) break;
      }
      if (n0 > maxSym + 1) throw new Error("zstd: bad FSE table description");
      while (sym < n0) norm[sym++] = 0;
      if (sym > maxSym) break;
    }
    const max = 2 * threshold - 1 - remaining;
    let count: number;
    const low = bitsAt(src, p, bp, nbBits - 1);
    if (low < max) {
      count = low;
      bp += nbBits - 1;
    } else {
      count = bitsAt(src, p, bp, nbBits);
      if (count >= threshold) count -= max;
      bp += nbBits;
    }
    count--;
    remaining -= count < 0 ? -count : count;
    norm[sym++] = count;
    prev0 = count === 0;
    if (remaining < threshold) {
      if (remaining <= 1) break;
      nbBits = highBit(remaining) + 1;
      threshold = 1 << (nbBits - 1);
    }
  }
  if (remaining !== 1 || (bp + 7) >> 3 > end - p) throw new Error("zstd: bad FSE table description");
  out.nsym = sym;
  out.log = log;
  return p + ((bp + 7) >> 3);
}

const LL_BASE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
const LL_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const ML_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83,
  99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
];
const ML_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const OF_BASE = Array.from({ length: 32 }, (_, i) => i); // the offset code itself: decoded specially
const OF_EXTRA = OF_BASE;
const LL_DEFAULT = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
const ML_DEFAULT = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

function defaultTable(dist: number[], log: number, bases: number[], extras: number[]): FseTable {
  const t = newFseTable(log);
  buildFse(t, Int16Array.from(dist), dist.length, log, bases, extras);
  return t;
}
let zstdDefaults: { ll: FseTable; of: FseTable; ml: FseTable } | null = null;

/** Per-frame decoder state (tables and repeat offsets carry over between the blocks of a frame). */
interface ZstdState {
  huf: Uint16Array; // (symbol << 4) | bits, 1 << hufLog entries
  hufLog: number;
  ll: FseTable | null;
  of: FseTable | null;
  ml: FseTable | null;
  rep: Int32Array;
}

/** Per-thread decoder scratch (tables owned by a frame are rebuilt in place). */
const zs = {
  lit: new Uint8Array(1 << 17),
  norm: new Int16Array(256),
  desc: { nsym: 0, log: 0 },
  weights: new Uint8Array(256),
  rankStart: new Int32Array(13),
  symNext: new Uint16Array(256),
  wTable: newFseTable(6),
  ll: newFseTable(9),
  of: newFseTable(8),
  ml: newFseTable(9),
  llRle: newFseTable(0),
  ofRle: newFseTable(0),
  mlRle: newFseTable(0),
  state: { huf: new Uint16Array(1 << 11), hufLog: 0, ll: null, of: null, ml: null, rep: new Int32Array(3) } as ZstdState,
};

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
function readLiterals(src: Uint8Array, p: number, end: number, st: ZstdState, res: { arr: Uint8Array; at: number; n: number }): number {
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

/** Pick the table of one sequence code (mode: predefined, RLE, FSE, repeat); returns the position after its description. */
function seqTable(
  src: Uint8Array,
  p: number,
  end: number,
  mode: number,
  dflt: FseTable,
  rle: FseTable,
  own: FseTable,
  prev: FseTable | null,
  maxLog: number,
  maxSym: number,
  bases: ArrayLike<number>,
  extras: ArrayLike<number>,
  out: { t: FseTable | null },
): number {
  if (mode === 0) out.t = dflt;
  else if (mode === 1) {
    if (p >= end) throw new Error("zstd: truncated RLE sequence table");
    const s = src[p++];
    if (s > maxSym) throw new Error("zstd: bad RLE sequence code");
    rle.log = 0;
    rle.sym[0] = s;
    rle.nb[0] = 0;
    rle.next[0] = 0;
    rle.base[0] = bases[s];
    rle.extra[0] = extras[s];
    out.t = rle;
  } else if (mode === 2) {
    p = readFse(src, p, end, maxLog, maxSym, zs.norm, zs.desc);
    buildFse(own, zs.norm, zs.desc.nsym, zs.desc.log, bases, extras);
    out.t = own;
  } else {
    if (!prev) throw new Error("zstd: repeated sequence table without a previous one");
    out.t = prev;
  }
  return p;
}

/** Copy `n` bytes from `from` to `to` within `dst`, front to back (the regions may overlap: repeats a pattern). */
function copyMatch(dst: Uint8Array, to: number, from: number, n: number): void {
  const off = to - from;
  if (off >= n) {
    if (n > 128) dst.copyWithin(to, from, from + n);
    else for (let i = 0; i < n; i++) dst[to + i] = dst[from + i];
  } else if (n > 64) {
    let done = 0;
    let run = off;
    while (done < n) {
      const k = Math.min(run, n - done);
      dst.copyWithin(to + done, from, from + k);
      done += k;
      run += k;
    }
  } else for (let i = 0; i < n; i++) dst[to + i] = dst[from + i];
}

/** Decode the sequences section `src[p, end)` of a block and execute it into `dst` from `o`; returns the new output position. */
function execSequences(src: Uint8Array, p: number, end: number, st: ZstdState, lits: { arr: Uint8Array; at: number; n: number }, dst: Uint8Array, frame0: number, o: number, oEnd: number): number {
  let nseq = src[p++];
  if (nseq >= 128) {
    if (nseq === 255) {
      nseq = src[p] + (src[p + 1] << 8) + 0x7f00;
      p += 2;
    } else {
      nseq = ((nseq - 128) << 8) + src[p];
      p++;
    }
  }
  const lit = lits.arr;
  let la = lits.at;
  const lEnd = la + lits.n;
  if (nseq === 0) {
    if (p !== end) throw new Error("zstd: bytes after an empty sequences section");
  } else {
    if (p >= end) throw new Error("zstd: truncated sequences section");
    const modes = src[p++];
    if (modes & 3) throw new Error("zstd: reserved bits set in the sequence modes");
    if (!zstdDefaults) zstdDefaults = { ll: defaultTable(LL_DEFAULT, 6, LL_BASE, LL_EXTRA), of: defaultTable(OF_DEFAULT, 5, OF_BASE, OF_EXTRA), ml: defaultTable(ML_DEFAULT, 6, ML_BASE, ML_EXTRA) };
    const pick = { t: null as FseTable | null };
    p = seqTable(src, p, end, modes >> 6, zstdDefaults.ll, zs.llRle, zs.ll, st.ll, 9, 35, LL_BASE, LL_EXTRA, pick);
    st.ll = pick.t;
    p = seqTable(src, p, end, (modes >> 4) & 3, zstdDefaults.of, zs.ofRle, zs.of, st.of, 8, 31, OF_BASE, OF_EXTRA, pick);
    st.of = pick.t;
    p = seqTable(src, p, end, (modes >> 2) & 3, zstdDefaults.ml, zs.mlRle, zs.ml, st.ml, 9, 52, ML_BASE, ML_EXTRA, pick);
    st.ml = pick.t;
    const ll = st.ll as FseTable;
    const of = st.of as FseTable;
    const ml = st.ml as FseTable;
    // (repeat mode reuses whichever table the code used in the frame's previous block: the scratch
    // tables are per code, so it is still there)
    // the backward bit stream src[p, end) through a container: `cont` holds the next `cn` bits
    // (the next one highest); bytes src[p, bp) are not loaded yet
    const s0 = p;
    let bp = end - 1;
    const lastByte = src[bp];
    if (lastByte === 0) throw new Error("zstd: sequences bit stream without its end marker");
    let cn = highBit(lastByte);
    let cont = lastByte;
    while (cn <= 24 && bp > s0) {
      cont = (cont << 8) | src[--bp];
      cn += 8;
    }
    cn -= ll.log;
    let sl = (cont >>> cn) & ((1 << ll.log) - 1);
    while (cn <= 24 && bp > s0) {
      cont = (cont << 8) | src[--bp];
      cn += 8;
    }
    cn -= of.log;
    let so = (cont >>> cn) & ((1 << of.log) - 1);
    cn -= ml.log;
    let sm = (cont >>> cn) & ((1 << ml.log) - 1);
    if (cn < 0) throw new Error("zstd: truncated sequences bit stream");
    const rep = st.rep;
    let r0 = rep[0];
    let r1 = rep[1];
    let r2 = rep[2];
    const llBase = ll.base;
    const llExtra = ll.extra;
    const llNb = ll.nb;
    const llNext = ll.next;
    const mlBase = ml.base;
    const mlExtra = ml.extra;
    const mlNb = ml.nb;
    const mlNext = ml.next;
    const ofSym = of.sym;
    const ofNb = of.nb;
    const ofNext = of.next;
    for (let i = 0; i < nseq; i++) {
      while (cn <= 24 && bp > s0) {
        cont = (cont << 8) | src[--bp];
        cn += 8;
      }
      const ofCode = ofSym[so];
      let offset: number;
      if (ofCode > 1) {
        let x: number;
        if (ofCode > 24) {
          const hi = ofCode - 24;
          cn -= hi;
          x = ((cont >>> cn) & ((1 << hi) - 1)) * 16777216;
          while (cn <= 24 && bp > s0) {
            cont = (cont << 8) | src[--bp];
            cn += 8;
          }
          cn -= 24;
          x += (cont >>> cn) & 0xffffff;
        } else {
          cn -= ofCode;
          x = (cont >>> cn) & ((1 << ofCode) - 1);
        }
        offset = (ofCode < 31 ? 1 << ofCode : 2147483648) - 3 + x;
        r2 = r1;
        r1 = r0;
        r0 = offset;
      } else {
        const ll0 = llBase[sl] === 0 ? 1 : 0;
        if (ofCode === 0) {
          if (ll0) {
            offset = r1;
            r1 = r0;
            r0 = offset;
          } else offset = r0;
        } else {
          cn -= 1;
          const ov = 1 + ll0 + ((cont >>> cn) & 1);
          let t = ov === 3 ? r0 - 1 : ov === 1 ? r1 : r2;
          if (t === 0) t = -1;
          if (ov !== 1) r2 = r1;
          r1 = r0;
          r0 = t;
          offset = t;
        }
      }
      if (cn <= 16) {
        while (cn <= 24 && bp > s0) {
          cont = (cont << 8) | src[--bp];
          cn += 8;
        }
      }
      let mlen = mlBase[sm];
      let k = mlExtra[sm];
      if (k) {
        cn -= k;
        mlen += (cont >>> cn) & ((1 << k) - 1);
      }
      if (cn <= 16) {
        while (cn <= 24 && bp > s0) {
          cont = (cont << 8) | src[--bp];
          cn += 8;
        }
      }
      let llen = llBase[sl];
      k = llExtra[sl];
      if (k) {
        cn -= k;
        llen += (cont >>> cn) & ((1 << k) - 1);
      }
      if (i + 1 < nseq) {
        // state updates: at most 9 + 9 + 8 bits
        while (cn <= 24 && bp > s0) {
          cont = (cont << 8) | src[--bp];
          cn += 8;
        }
        k = llNb[sl];
        cn -= k;
        sl = llNext[sl] + ((cont >>> cn) & ((1 << k) - 1));
        k = mlNb[sm];
        cn -= k;
        sm = mlNext[sm] + ((cont >>> cn) & ((1 << k) - 1));
        if (cn <= 8) {
          while (cn <= 24 && bp > s0) {
            cont = (cont << 8) | src[--bp];
            cn += 8;
          }
        }
        k = ofNb[so];
        cn -= k;
        so = ofNext[so] + ((cont >>> cn) & ((1 << k) - 1));
      }
      if (cn < 0) throw new Error("zstd: sequences bit stream overrun");
      // execute: literals, then the match
      if (la + llen > lEnd || o + llen + mlen > oEnd) throw new Error("zstd: a sequence runs past the literals or the output");
      // short copies are "wild": 8 or 16 bytes unrolled, the excess overwritten later (inside the output)
      if (llen === 0) {
        // most sequences of shuffled floats
      } else if (llen <= 8 && o + 8 <= oEnd && la + 8 <= lit.length) {
        dst[o] = lit[la];
        dst[o + 1] = lit[la + 1];
        dst[o + 2] = lit[la + 2];
        dst[o + 3] = lit[la + 3];
        dst[o + 4] = lit[la + 4];
        dst[o + 5] = lit[la + 5];
        dst[o + 6] = lit[la + 6];
        dst[o + 7] = lit[la + 7];
      } else if (llen > 256) dst.set(lit.subarray(la, la + llen), o); // (a subarray costs more than a short loop)
      else for (let j = 0; j < llen; j++) dst[o + j] = lit[la + j];
      la += llen;
      o += llen;
      if (offset <= 0 || offset > o - frame0) throw new Error("zstd: a match offset points before the frame");
      const m = o - offset;
      if (mlen <= 8 && offset >= 8 && o + 8 <= oEnd) {
        dst[o] = dst[m];
        dst[o + 1] = dst[m + 1];
        dst[o + 2] = dst[m + 2];
        dst[o + 3] = dst[m + 3];
        dst[o + 4] = dst[m + 4];
        dst[o + 5] = dst[m + 5];
        dst[o + 6] = dst[m + 6];
        dst[o + 7] = dst[m + 7];
      } else copyMatch(dst, o, m, mlen);
      o += mlen;
    }
    if (cn !== 0 || bp !== s0) throw new Error("zstd: sequences bit stream not consumed exactly");
    rep[0] = r0;
    rep[1] = r1;
    rep[2] = r2;
  }
  const rest = lEnd - la;
  if (o + rest > oEnd) throw new Error("zstd: literals run past the output");
  dst.set(lit.subarray(la, lEnd), o);
  return o + rest;
}

/**
 * Decode the Zstandard frames `src[s0, s1)` into `dst[d0, d1)`; returns the number of bytes
 * written. Throws on malformed input and on what this decoder does not support (dictionaries).
 * Checksums are skipped, not verified.
 */
export function zstdDecode(src: Uint8Array, s0: number, s1: number, dst: Uint8Array, d0: number, d1: number): number {
  let s = s0;
  let o = d0;
  const st = zs.state;
  const lits = { arr: zs.lit, at: 0, n: 0 };
  while (s < s1) {
    if (s + 4 > s1) throw new Error("zstd: truncated frame magic");
    const magic = readU32(src, s);
    s += 4;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (s + 4 > s1) throw new Error("zstd: truncated skippable frame");
      s += 4 + readU32(src, s);
      continue;
    }
    if (magic !== 0xfd2fb528) throw new Error(`zstd: bad frame magic 0x${magic.toString(16)}`);
    if (s >= s1) throw new Error("zstd: truncated frame header");
    const fhd = src[s++];
    const fcsFlag = fhd >> 6;
    const single = (fhd >> 5) & 1;
    const checksum = (fhd >> 2) & 1;
    const dictFlag = fhd & 3;
    if (fhd & 8) throw new Error("zstd: reserved bit set in the frame header");
    if (!single) s++; // window descriptor: the whole output is the window here
    const dictBytes = [0, 1, 2, 4][dictFlag];
    let dictId = 0;
    for (let i = 0; i < dictBytes; i++) dictId += src[s + i] * 2 ** (8 * i);
    s += dictBytes;
    if (dictId !== 0) throw new Error(`zstd: frame needs dictionary ${dictId}, not supported`);
    const fcsBytes = [single, 2, 4, 8][fcsFlag];
    let fcs = -1;
    if (fcsBytes) {
      fcs = 0;
      for (let i = 0; i < fcsBytes; i++) fcs += src[s + i] * 2 ** (8 * i);
      if (fcsBytes === 2) fcs += 256;
    }
    s += fcsBytes;
    if (s > s1) throw new Error("zstd: truncated frame header");
    const frame0 = o;
    st.hufLog = 0;
    st.ll = st.of = st.ml = null;
    st.rep[0] = 1;
    st.rep[1] = 4;
    st.rep[2] = 8;
    for (;;) {
      if (s + 3 > s1) throw new Error("zstd: truncated block header");
      const bh = src[s] | (src[s + 1] << 8) | (src[s + 2] << 16);
      s += 3;
      const last = bh & 1;
      const type = (bh >> 1) & 3;
      const size = bh >>> 3;
      if (type === 0) {
        if (s + size > s1 || o + size > d1) throw new Error("zstd: raw block runs past the input or the output");
        dst.set(src.subarray(s, s + size), o);
        o += size;
        s += size;
      } else if (type === 1) {
        if (s >= s1 || o + size > d1) throw new Error("zstd: RLE block runs past the input or the output");
        dst.fill(src[s], o, o + size);
        o += size;
        s += 1;
      } else if (type === 2) {
        const e = s + size;
        if (e > s1 || size > 1 << 17) throw new Error("zstd: compressed block runs past the input");
        const q = readLiterals(src, s, e, st, lits);
        if (q >= e) throw new Error("zstd: block without its sequences section");
        o = execSequences(src, q, e, st, lits, dst, frame0, o, d1);
        s = e;
      } else throw new Error("zstd: reserved block type");
      if (last) break;
    }
    if (checksum) s += 4;
    if (s > s1) throw new Error("zstd: truncated frame checksum");
    if (fcs >= 0 && o - frame0 !== fcs) throw new Error(`zstd: frame decodes to ${o - frame0} bytes, its header says ${fcs}`);
  }
  return o - d0;
}

/** The decoded size of Zstandard frames `src[s0, s1)` from their headers, or -1 where a header does not say. */
export function zstdContentSize(src: Uint8Array, s0: number, s1: number): number {
  // only the first frame is looked at when it is the whole input (numcodecs writes one frame)
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
const decodeZstdSplit: SplitDecoder = (src, s0, s1, dst, d0, n) => {
  const got = zstdDecode(src, s0, s1, dst, d0, d0 + n);
  if (got !== n) throw new Error(`zstd stream decodes to ${got} bytes, expected ${n}`);
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
 * shuffle, split and unsplit blocks, and lz4/lz4hc, zlib and zstd streams; returns false (nothing
 * written) for what it does not handle here (blosclz, snappy, bitshuffle, delta), which then goes
 * to the WASM decoder.
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
