/**
 * Booleans in .hspy as h5py writes them: an HDF5 enum of int8 {FALSE: 0, TRUE: 1}, which h5py (and
 * so HyperSpy) reads as numpy bool. h5wasm cannot create enum types, so we write each boolean
 * attribute or dataset with a placeholder type of exactly the same encoded size (a compound of one
 * uint8 member whose 11-character name marks it), and after the file is closed we overwrite each
 * placeholder's datatype bytes with the enum's and recompute the checksum of the object header
 * chunk that holds it. Only placeholders found inside an object header chunk whose Jenkins lookup3
 * checksum verifies are patched, so other bytes can never be touched; a placeholder that cannot be
 * found is an error (the save fails, the previous file stays).
 *
 * Layouts (HDF5 file format spec, datatype message version 3, object header version 2):
 * - placeholder compound: `36 01 00 00 | 01 00 00 00` (v3 class 6, 1 member, size 1), the member
 *   name and its NUL (12 bytes), the member offset (1 byte: 0), the member type uint8
 *   (`10 00 00 00 01 00 00 00 00 00 08 00`): 33 bytes.
 * - enum: `38 02 00 00 | 01 00 00 00` (v3 class 8, 2 members, size 1), base type int8
 *   (`10 08 00 00 01 00 00 00 00 00 08 00`), names "FALSE\0TRUE\0", values 00 01: 33 bytes.
 */
import * as fs from "node:fs";

/** The placeholder member name (11 characters: with its NUL 12 bytes, making the compound 33 bytes like the enum). */
export const BOOL_MARK = "\u0001hsts_bool\u0001";

/** h5wasm dtype of the placeholder. */
export const BOOL_DTYPE: [string, string][] = [[BOOL_MARK, "<B"]];

const MARK = Buffer.from(BOOL_MARK + "\u0000", "latin1");
const PLACEHOLDER_HEAD = Buffer.from([0x36, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]);
const PLACEHOLDER_TAIL = Buffer.from([0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00]);
const ENUM = Buffer.concat([
  Buffer.from([0x38, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]),
  Buffer.from([0x10, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00]),
  Buffer.from("FALSE\u0000TRUE\u0000", "latin1"),
  Buffer.from([0x00, 0x01]),
]);
const TYPE_LEN = PLACEHOLDER_HEAD.length + MARK.length + PLACEHOLDER_TAIL.length; // 33
if (ENUM.length !== TYPE_LEN) throw new Error("h5bool: the enum and placeholder encodings differ in size");

/** Bob Jenkins' lookup3 hashlittle() with initval 0, as HDF5's H5_checksum_lookup3. */
export function lookup3(k: Uint8Array, start = 0, end = k.length, initval = 0): number {
  let length = end - start;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  const rot = (x: number, n: number) => (x << n) | (x >>> (32 - n));
  let o = start;
  while (length > 12) {
    a = (a + (k[o] | (k[o + 1] << 8) | (k[o + 2] << 16) | (k[o + 3] << 24))) | 0;
    b = (b + (k[o + 4] | (k[o + 5] << 8) | (k[o + 6] << 16) | (k[o + 7] << 24))) | 0;
    c = (c + (k[o + 8] | (k[o + 9] << 8) | (k[o + 10] << 16) | (k[o + 11] << 24))) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 12;
    o += 12;
  }
  if (length === 0) return c >>> 0;
  // the last block: bytes added into a, b, c by position (fall-through switch of lookup3.c)
  const byte = (i: number) => (i < length ? k[o + i] : 0);
  c = (c + (byte(8) | (byte(9) << 8) | (byte(10) << 16) | (byte(11) << 24))) | 0;
  b = (b + (byte(4) | (byte(5) << 8) | (byte(6) << 16) | (byte(7) << 24))) | 0;
  a = (a + (byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24))) | 0;
  // final(a, b, c)
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

interface Chunk {
  start: number;
  /** Offset of the checksum (the chunk's bytes are [start, sumAt)). */
  sumAt: number;
}

const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const uint = (b: Uint8Array, o: number, n: number) => {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[o + i];
  return v;
};

/** The version-2 object header chunks in `buf` (from `base` in the file) whose checksums verify, with their continuation chunks. */
function headerChunks(buf: Buffer, base: number): Chunk[] {
  const out: Chunk[] = [];
  const sig = Buffer.from("OHDR", "latin1");
  for (let at = buf.indexOf(sig); at >= 0; at = buf.indexOf(sig, at + 1)) {
    if (buf[at + 4] !== 2) continue;
    const flags = buf[at + 5];
    let p = at + 6;
    if (flags & 0x20) p += 16;
    if (flags & 0x10) p += 4;
    const sizeBytes = 1 << (flags & 3);
    const size = uint(buf, p, sizeBytes);
    p += sizeBytes;
    const sumAt = p + size;
    if (sumAt + 4 > buf.length || lookup3(buf, at, sumAt) !== u32(buf, sumAt)) continue;
    out.push({ start: at, sumAt });
    // continuation messages (type 0x10: offset, length of an OCHK chunk)
    const msgHead = 4 + (flags & 0x04 ? 2 : 0);
    const chunks: [number, number][] = [[p, sumAt]];
    while (chunks.length) {
      const [c0, c1] = chunks.pop() as [number, number];
      for (let q = c0; q + msgHead <= c1; ) {
        const type = buf[q];
        const len = buf[q + 1] | (buf[q + 2] << 8);
        const body = q + msgHead;
        if (type === 0x10 && len >= 16) {
          const off = uint(buf, body, 8) - base;
          const clen = uint(buf, body + 8, 8);
          if (off >= 0 && off + clen <= buf.length && buf.toString("latin1", off, off + 4) === "OCHK" && lookup3(buf, off, off + clen - 4) === u32(buf, off + clen - 4)) {
            out.push({ start: off, sumAt: off + clen - 4 });
            chunks.push([off + 4, off + clen - 4]);
          }
        }
        q = body + len;
      }
    }
  }
  return out;
}

/**
 * Turn every boolean placeholder in the first `scanBytes` bytes of the closed HDF5 file `file` into
 * h5py's bool enum. Returns how many were patched; throws when a placeholder is not inside a
 * verified object header chunk (nothing is written then).
 */
export function patchBoolPlaceholders(file: string, scanBytes: number, expected: number): number {
  if (expected === 0) return 0;
  const fd = fs.openSync(file, "r+");
  try {
    const size = fs.fstatSync(fd).size;
    const n = Math.min(size, scanBytes);
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const k = fs.readSync(fd, buf, got, n - got, got);
      if (k === 0) break;
      got += k;
    }
    const chunks = headerChunks(buf, 0);
    const touched = new Set<Chunk>();
    let patched = 0;
    for (let at = buf.indexOf(MARK); at >= 0; at = buf.indexOf(MARK, at + 1)) {
      const t0 = at - PLACEHOLDER_HEAD.length;
      const chunk = chunks.find((c) => c.start < t0 && at + MARK.length + PLACEHOLDER_TAIL.length <= c.sumAt);
      if (!chunk) continue; // bytes of data that happen to match: not inside a verified header
      if (!buf.subarray(t0, at).equals(PLACEHOLDER_HEAD) || !buf.subarray(at + MARK.length, at + MARK.length + PLACEHOLDER_TAIL.length).equals(PLACEHOLDER_TAIL)) {
        throw new Error(`save: ${file}: the boolean placeholder at byte ${t0} is not encoded as expected; cannot write HDF5 booleans`);
      }
      ENUM.copy(buf, t0);
      touched.add(chunk);
      patched++;
    }
    if (patched !== expected) {
      throw new Error(`save: ${file}: found ${patched} of ${expected} boolean placeholders in the HDF5 object headers; cannot write HDF5 booleans (please report this)`);
    }
    for (const c of touched) {
      buf.writeUInt32LE(lookup3(buf, c.start, c.sumAt), c.sumAt);
      fs.writeSync(fd, buf, c.start, c.sumAt + 4 - c.start, c.start);
    }
    return patched;
  } finally {
    fs.closeSync(fd);
  }
}
