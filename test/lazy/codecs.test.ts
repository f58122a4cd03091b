/**
 * Chunk decoders against frames made by Python's numcodecs 0.11 (c-blosc 1.21.3, what HyperSpy's
 * zarr writes): blosc lz4 / lz4hc / zlib / zstd / blosclz with every shuffle, split and unsplit
 * blocks, several typesizes; plain lz4, zlib, zstd, gzip (test/fixtures/make_codecs.py). Also into a
 * caller's output buffer, and round trips through our encoder.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { loadFixture } from "../helpers";
import { CodecConfig, decodeChunk, encodeChunk } from "../../lazy/codecs";

const cases = loadFixture<{ name: string; config: CodecConfig; frame: string; raw: string }[]>("codecs");
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));

for (const c of cases) {
  test(`decodes ${c.name}`, async () => {
    const raw = bytes(c.raw);
    const got = await decodeChunk(c.config, bytes(c.frame), raw.length, c.name);
    assert.equal(Buffer.compare(Buffer.from(got), Buffer.from(raw)), 0);
    if (raw.length) {
      // into a caller's buffer at an odd offset (the engine decodes straight into a block)
      const backing = new Uint8Array(raw.length + 3);
      const out = backing.subarray(3);
      await decodeChunk(c.config, bytes(c.frame), raw.length, c.name, out);
      assert.equal(Buffer.compare(Buffer.from(out), Buffer.from(raw)), 0);
    }
  });
}

test("our encoder's frames decode back (default blosc-lz4, zstd, zlib)", async () => {
  const raw = bytes(cases.find((c) => c.name.endsWith("f4_smooth"))!.raw);
  for (const config of [{ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }, { id: "zstd", level: 1 }, { id: "zlib", level: 1 }]) {
    const enc = await encodeChunk(config, raw);
    const dec = await decodeChunk(config, enc, raw.length, "round trip");
    assert.equal(Buffer.compare(Buffer.from(dec), Buffer.from(raw)), 0, JSON.stringify(config));
  }
});
