/**
 * Zstandard (RFC 8878) entropy tables: bit reading, FSE table construction and description
 * reading, the predefined distributions, and the per-frame decoder state. lazy/storage/zstd.ts decodes frames.
 */

// ------------------------------------------------------------------------------------------------
// Zstandard frames (RFC 8878), in JS: blosc's zstd streams and numcodecs' `zstd` codec. Decodes
// straight into the caller's output (the match window is the output itself: no dictionaries).

/** Index of the highest set bit of a positive 32-bit integer. */
export function highBit(x: number): number {
  return 31 - Math.clz32(x);
}

/** Bits `[p, p + n)` of `src` counted from byte `s0` (little-endian bit order), n <= 25; bytes past the array read as 0. */
export function bitsAt(src: Uint8Array, s0: number, p: number, n: number): number {
  const b = s0 + (p >> 3);
  const v = b + 3 < src.length ? src[b] | (src[b + 1] << 8) | (src[b + 2] << 16) | (src[b + 3] << 24) : (src[b] | 0) | ((src[b + 1] | 0) << 8) | ((src[b + 2] | 0) << 16);
  return (v >>> (p & 7)) & ((1 << n) - 1);
}

/** A backward bit stream's start: the bit position just below its final byte's marker bit. */
export function backStart(src: Uint8Array, s0: number, s1: number): number {
  if (s1 <= s0) throw new Error("zstd: empty bit stream");
  const last = src[s1 - 1];
  if (last === 0) throw new Error("zstd: bit stream without its end marker");
  return (s1 - 1 - s0) * 8 + highBit(last);
}

/** An FSE decoding table; for the sequence codes each cell also carries its value's base and extra bits. */
export interface FseTable {
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
export function buildFse(t: FseTable, norm: Int16Array, nsym: number, log: number, bases: ArrayLike<number> | null, extras: ArrayLike<number> | null): void {
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
export function readFse(src: Uint8Array, p: number, end: number, maxLog: number, maxSym: number, norm: Int16Array, out: { nsym: number; log: number }): number {
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

export const LL_BASE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
export const LL_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
export const ML_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83,
  99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
];
export const ML_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
export const OF_BASE = Array.from({ length: 32 }, (_, i) => i); // the offset code itself: decoded specially
export const OF_EXTRA = OF_BASE;
export const LL_DEFAULT = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
export const ML_DEFAULT = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
export const OF_DEFAULT = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

export function defaultTable(dist: number[], log: number, bases: number[], extras: number[]): FseTable {
  const t = newFseTable(log);
  buildFse(t, Int16Array.from(dist), dist.length, log, bases, extras);
  return t;
}

/** Per-frame decoder state (tables and repeat offsets carry over between the blocks of a frame). */
export interface ZstdState {
  huf: Uint16Array; // (symbol << 4) | bits, 1 << hufLog entries
  hufLog: number;
  ll: FseTable | null;
  of: FseTable | null;
  ml: FseTable | null;
  rep: Int32Array;
}

/** Per-thread decoder scratch (tables owned by a frame are rebuilt in place). */
export const zs = {
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
