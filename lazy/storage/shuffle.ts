/**
 * blosc's byte shuffle, undone in JS (and the per-thread scratch space for decompressed split
 * streams). Used by lazy/storage/blosc.ts.
 */


/** Per-thread scratch space for blosc's decompressed split streams (grown as needed, reused). */
let scratch = new Uint8Array(0);
export function getScratch(n: number): Uint8Array {
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
export function unshuffle(parts: Uint8Array[], offs: number[], typesize: number, n: number, dst: Uint8Array, d0: number): void {
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
