/**
 * Fuzz test of the chunk decoders we own (lazy/codecs.ts: the JS LZ4 block decoder, the blosc 1
 * frame parser with its unshuffle, numcodecs' lz4 / zstd chunk headers, the CRC-32 filter) and of
 * the paths through the libraries we call (lz4-napi, WASM zstd, node:zlib): every frame of
 * test/fixtures/codecs.json (numcodecs 0.11) is corrupted (random bytes flipped, a byte range
 * overwritten, header fields rewritten) and truncated (random lengths), and each result must be
 * either the correct size or an Error that names the chunk and says it is truncated or corrupt:
 * no hang, no crash, no write outside the output buffer.
 *
 * Seed: 0x16f00d (mulberry32); N_PER_FRAME mutations per frame. A failure prints the case, the seed
 * and the mutation index, so it replays.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { loadFixture } from "../helpers";
import { CodecConfig, decodeChunk } from "../../lazy/storage/codecs";
import { lz4DecodeBlock } from "../../lazy/storage/lz4";
import { crc32Unwrap, crc32Wrap } from "../../lazy/storage/source";
import { useLz4Native } from "../../lazy/storage/native";

const SEED = 0x16f00d;
const N_PER_FRAME = 40;

function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  name: string;
  config: CodecConfig;
  frame: string;
  raw?: string;
  size?: number;
}
const cases = loadFixture<Case[]>("codecs").filter((c) => Buffer.from(c.frame, "base64").length <= 1 << 20);
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));

/** One mutation of `f` drawn from `rnd`: flips, a random run, a header field, or a truncation. */
function mutate(f: Uint8Array, rnd: () => number): { bytes: Uint8Array; what: string } {
  const b = f.slice();
  const kind = Math.floor(rnd() * 5);
  const at = () => Math.floor(rnd() * b.length);
  if (kind === 0) {
    const n = 1 + Math.floor(rnd() * 8);
    for (let i = 0; i < n; i++) b[at()] ^= 1 << Math.floor(rnd() * 8);
    return { bytes: b, what: `${n} bit flips` };
  }
  if (kind === 1) {
    const s = at();
    const n = Math.min(b.length - s, 1 + Math.floor(rnd() * 64));
    for (let i = 0; i < n; i++) b[s + i] = Math.floor(rnd() * 256);
    return { bytes: b, what: `${n} random bytes at ${s}` };
  }
  if (kind === 2) {
    // a header field: the first 32 bytes hold the blosc / lz4 / zstd headers and block offsets
    const s = Math.floor(rnd() * Math.min(32, b.length));
    b[s] = Math.floor(rnd() * 256);
    return { bytes: b, what: `header byte ${s}` };
  }
  if (kind === 3) {
    const n = Math.floor(rnd() * b.length);
    return { bytes: b.subarray(0, n), what: `truncated to ${n}` };
  }
  const n = Math.floor(rnd() * Math.min(64, b.length));
  return { bytes: b.subarray(n), what: `first ${n} bytes cut` };
}

for (const native of [true, false])
test(`fuzz: corrupted and truncated frames of every codec give the right size or a clear error (seed ${SEED}, ${N_PER_FRAME} per frame; lz4 ${native ? "lz4-napi" : "JS"})`, async (t) => {
  useLz4Native(native);
  t.after(() => useLz4Native(true));
  const rnd = mulberry32(SEED);
  let errors = 0;
  let decoded = 0;
  for (const c of cases) {
    const frame = bytes(c.frame);
    const n = c.raw !== undefined ? bytes(c.raw).length : (c.size as number);
    for (let k = 0; k < N_PER_FRAME; k++) {
      const m = mutate(frame, rnd);
      const where = `fuzz ${c.name} #${k}`;
      const backing = new Uint8Array(n + 16).fill(0xa5);
      const out = backing.subarray(8, 8 + n);
      try {
        const got = await decodeChunk(c.config, m.bytes, n, where, k % 2 ? out : undefined);
        assert.equal(got.length, n, `${where} (${m.what}): decoded to ${got.length} bytes, expected ${n}`);
        decoded++;
      } catch (e) {
        assert.ok(e instanceof Error, `${where} (${m.what}): threw a non-Error ${String(e)}`);
        assert.ok(e.message.includes(where), `${where} (${m.what}): the error does not name the chunk: ${e.message}`);
        assert.match(e.message, /truncated or corrupt/, `${where} (${m.what}): ${e.message}`);
        errors++;
      }
      assert.ok(backing.subarray(0, 8).every((v) => v === 0xa5) && backing.subarray(8 + n).every((v) => v === 0xa5), `${where} (${m.what}): wrote outside the output`);
    }
  }
  // most mutations must be caught (some land in literal bytes and still decode to the right size)
  assert.ok(errors > decoded / 4, `errors ${errors}, decoded ${decoded}`);
});

test(`fuzz: the JS LZ4 block decoder on random and mutated blocks never writes outside its output and ends (seed ${SEED})`, () => {
  const rnd = mulberry32(SEED ^ 0x1234);
  const lz4Cases = cases.filter((c) => c.config.id === "lz4");
  for (let k = 0; k < 3000; k++) {
    let src: Uint8Array;
    if (k % 3 === 0 || !lz4Cases.length) {
      src = new Uint8Array(Math.floor(rnd() * 300));
      for (let i = 0; i < src.length; i++) src[i] = Math.floor(rnd() * 256);
    } else {
      const f = bytes(lz4Cases[k % lz4Cases.length].frame).subarray(4);
      src = mutate(f, rnd).bytes;
    }
    const cap = Math.floor(rnd() * 4096);
    const backing = new Uint8Array(cap + 32).fill(0x5a);
    try {
      const got = lz4DecodeBlock(src, 0, src.length, backing, 16, 16 + cap);
      assert.ok(got >= 0 && got <= cap, `case ${k}: returned ${got} for a capacity of ${cap}`);
    } catch (e) {
      assert.ok(e instanceof Error && e.message.length > 0, `case ${k}: ${String(e)}`);
    }
    assert.ok(backing.subarray(0, 16).every((v) => v === 0x5a) && backing.subarray(16 + cap).every((v) => v === 0x5a), `case ${k}: wrote outside [16, ${16 + cap})`);
  }
});

test(`fuzz: the CRC-32 filter rejects every corrupted or truncated chunk (seed ${SEED})`, () => {
  const rnd = mulberry32(SEED ^ 0x77);
  for (let k = 0; k < 500; k++) {
    const data = new Uint8Array(1 + Math.floor(rnd() * 2000));
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(rnd() * 256);
    const w = crc32Wrap(data);
    assert.deepEqual(crc32Unwrap(w, "ok"), data);
    const m = mutate(w, rnd);
    if (m.bytes.length === w.length && Buffer.compare(Buffer.from(m.bytes), Buffer.from(w)) === 0) continue;
    assert.throws(() => crc32Unwrap(m.bytes, `crc #${k}`), (e: Error) => e.message.includes(`crc #${k}`) && /corrupt/.test(e.message), m.what);
  }
});
