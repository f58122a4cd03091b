/**
 * Our encoders (lazy/storage/blosc-encode.ts, lz4-napi, WASM zstd) against our decoders and
 * against Python's numcodecs 0.11 (the c-blosc 1.21 HyperSpy reads with): blosc lz4 / lz4hc / zstd /
 * zlib with and without shuffle, typesizes 1, 2, 4, 8, sizes with leftover blocks and bytes,
 * incompressible data (stored blocks, memcpy'd frames) and clevel 0; plain lz4 and zstd. Data from
 * a seeded xorshift (seed 7).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { CodecConfig, decodeChunk, encodeChunk } from "../../lazy/storage/codecs";

function data(n: number, kind: "smooth" | "noise", seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = kind === "noise" ? x & 0xff : (Math.floor(i / 64) + (x & 3)) & 0xff;
  }
  return out;
}

interface EncCase {
  name: string;
  config: CodecConfig;
  typesize: number;
  raw: Uint8Array;
}

const cases: EncCase[] = [];
for (const cname of ["lz4", "lz4hc", "zstd", "zlib"]) {
  for (const shuffle of [0, 1]) {
    for (const typesize of [1, 2, 4, 8]) {
      for (const [n, kind] of [[1_000_003, "smooth"], [300_000, "noise"], [777, "smooth"]] as const) {
        cases.push({ name: `blosc ${cname} shuffle ${shuffle} typesize ${typesize} ${n} ${kind}`, config: { id: "blosc", cname, clevel: 5, shuffle, blocksize: 0 }, typesize, raw: data(n, kind, n) });
      }
    }
  }
}
cases.push({ name: "blosc lz4 clevel 0", config: { id: "blosc", cname: "lz4", clevel: 0, shuffle: 1 }, typesize: 4, raw: data(10_000, "smooth") });
cases.push({ name: "blosc zstd clevel 1 blocksize 32768", config: { id: "blosc", cname: "zstd", clevel: 1, shuffle: 1, blocksize: 32768 }, typesize: 4, raw: data(200_000, "smooth") });
for (const [n, kind] of [[500_000, "smooth"], [100_000, "noise"], [5, "smooth"]] as const) {
  cases.push({ name: `lz4 ${n} ${kind}`, config: { id: "lz4" }, typesize: 1, raw: data(n, kind) });
  cases.push({ name: `zstd ${n} ${kind}`, config: { id: "zstd", level: 3 }, typesize: 1, raw: data(n, kind) });
}

test("our encoders round-trip through our decoders", async () => {
  for (const c of cases) {
    const enc = await encodeChunk(c.config, c.raw, c.typesize);
    const dec = await decodeChunk(c.config, enc, c.raw.length, c.name);
    assert.equal(Buffer.compare(Buffer.from(dec), Buffer.from(c.raw)), 0, c.name);
    if (c.config.id === "blosc" && c.config.shuffle === 1 && c.typesize > 1) assert.equal(enc[3], c.typesize, `${c.name}: typesize in the header`);
  }
});

test("our encoders' frames decode in Python's numcodecs 0.11 (what HyperSpy reads with)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-codecs-enc-"));
  try {
    const list: { file: string; raw: string; id: string }[] = [];
    for (const [i, c] of cases.entries()) {
      const enc = await encodeChunk(c.config, c.raw, c.typesize);
      const f = path.join(dir, `${i}.enc`);
      fs.writeFileSync(f, enc);
      fs.writeFileSync(path.join(dir, `${i}.raw`), c.raw);
      list.push({ file: f, raw: path.join(dir, `${i}.raw`), id: c.config.id });
    }
    const py = `
import json, sys, numcodecs
from numcodecs import Blosc, LZ4, Zstd
bad = []
for c in json.load(open(sys.argv[1])):
    enc = open(c["file"], "rb").read(); raw = open(c["raw"], "rb").read()
    codec = {"blosc": Blosc(), "lz4": LZ4(), "zstd": Zstd()}[c["id"]]
    if bytes(codec.decode(enc)) != raw: bad.append(c["file"])
print(json.dumps(bad))
`;
    fs.writeFileSync(path.join(dir, "list.json"), JSON.stringify(list));
    const out = execFileSync("/usr/bin/python3", ["-c", py, path.join(dir, "list.json")], { encoding: "utf8" });
    assert.deepEqual(JSON.parse(out), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
