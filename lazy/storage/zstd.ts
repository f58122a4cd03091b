/**
 * Zstandard frames (RFC 8878), in JS: blosc's zstd streams and numcodecs' `zstd` codec. Decodes
 * straight into the caller's output (the match window is the output itself: no dictionaries).
 * Sequences and frames here; entropy tables in zstd-fse.ts, literals in zstd-literals.ts.
 */
import { readU32 } from "./lz4";
import { FseTable, LL_BASE, LL_DEFAULT, LL_EXTRA, ML_BASE, ML_DEFAULT, ML_EXTRA, OF_BASE, OF_DEFAULT, OF_EXTRA, ZstdState, buildFse, defaultTable, highBit, readFse, zs } from "./zstd-fse";

let zstdDefaults: { ll: FseTable; of: FseTable; ml: FseTable } | null = null;
import { readLiterals } from "./zstd-literals";

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
