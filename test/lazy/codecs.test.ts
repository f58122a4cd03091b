/**
 * Chunk decoders against frames made by Python's numcodecs 0.11 (c-blosc 1.21.3, what HyperSpy's
 * zarr writes): blosc lz4 / lz4hc / zlib / zstd / blosclz with every shuffle, split and unsplit
 * blocks, several typesizes; plain lz4, zlib, zstd, gzip; HyperSpy's default blosc-zstd clevel 1 and
 * plain zstd levels 1-22 on data spanning several zstd blocks (test/fixtures/make_codecs.py). Also
 * into a caller's output buffer, corrupt frames, and round trips through our encoder.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { loadFixture } from "../helpers";
import { CodecConfig, decodeChunk, encodeChunk } from "../../lazy/storage/codecs";

/** A numcodecs frame and its decoded bytes: `raw` (base64), or for the big ones their `sha256` and `size`. */
interface Case {
  name: string;
  config: CodecConfig;
  frame: string;
  raw?: string;
  sha256?: string;
  size?: number;
}
const cases = loadFixture<Case[]>("codecs");
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function check(c: Case, got: Uint8Array): void {
  if (c.raw !== undefined) assert.equal(Buffer.compare(Buffer.from(got), Buffer.from(bytes(c.raw))), 0);
  else {
    assert.equal(got.length, c.size);
    assert.equal(sha256(got), c.sha256);
  }
}

for (const c of cases) {
  test(`decodes ${c.name}`, async () => {
    const n = c.raw !== undefined ? bytes(c.raw).length : (c.size as number);
    check(c, await decodeChunk(c.config, bytes(c.frame), n, c.name));
    if (n) {
      // into a caller's buffer at an odd offset (the engine decodes straight into a block); the
      // bytes around it stay untouched
      const backing = new Uint8Array(n + 11).fill(0xa5);
      const out = backing.subarray(3, 3 + n);
      const got = await decodeChunk(c.config, bytes(c.frame), n, c.name, out);
      assert.equal(got, out);
      check(c, out);
      assert.ok(backing.subarray(0, 3).every((v) => v === 0xa5) && backing.subarray(3 + n).every((v) => v === 0xa5), "wrote outside the output");
    }
    if (c.config.id === "zstd") check(c, await decodeChunk(c.config, bytes(c.frame), null, c.name)); // size from the frame header
  });
}

test("truncated or corrupt zstd and blosc-zstd frames are errors that name the chunk", async () => {
  for (const name of ["zstd-level1-f4_poisson_34k", "blosc-zstd-clevel1-s1-f4_poisson_34k", "zstd-level19-u1_symbols_140k"]) {
    const c = cases.find((x) => x.name === name) as Case;
    const frame = bytes(c.frame);
    const n = c.size as number;
    // truncated
    await assert.rejects(decodeChunk(c.config, frame.subarray(0, frame.length - 7), n, "chunk 1/2/3"), /chunk 1\/2\/3: cannot decode the chunk .*truncated or corrupt/);
    // bit flips in the compressed data: an error, or wrong bytes (zstd frames without a checksum), never a crash or a write outside the output
    for (let k = 0; k < 40; k++) {
      const bad = frame.slice();
      const at = 40 + ((k * 7919) % (frame.length - 40));
      bad[at] ^= 1 << k % 8;
      const backing = new Uint8Array(n + 16).fill(0x5a);
      try {
        await decodeChunk(c.config, bad, n, "chunk 1/2/3", backing.subarray(8, 8 + n));
      } catch (e) {
        assert.match((e as Error).message, /^chunk 1\/2\/3: cannot decode the chunk/);
      }
      assert.ok(backing.subarray(0, 8).every((v) => v === 0x5a) && backing.subarray(8 + n).every((v) => v === 0x5a), "wrote outside the output");
    }
  }
});

test("our encoder's frames decode back (default blosc-lz4, HyperSpy's blosc-zstd, zstd, zlib)", async () => {
  const raw = bytes(cases.find((c) => c.name.endsWith("f4_smooth"))!.raw as string);
  const configs = [
    { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 },
    { id: "blosc", cname: "zstd", clevel: 1, shuffle: 1, blocksize: 0 },
    { id: "zstd", level: 1 },
    { id: "zstd", level: 19 },
    { id: "zlib", level: 1 },
  ];
  for (const config of configs) {
    const enc = await encodeChunk(config, raw);
    const dec = await decodeChunk(config, enc, raw.length, "round trip");
    assert.equal(Buffer.compare(Buffer.from(dec), Buffer.from(raw)), 0, JSON.stringify(config));
  }
});
