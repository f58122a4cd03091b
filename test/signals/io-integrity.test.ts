/**
 * Integrity of stored data: corrupted chunks are detected with an error naming the chunk (gzip
 * chunks of .hspy through h5wasm, fletcher32 .hspy, CRC-32 .zspy), lazily and eagerly; checksums
 * written with `checksum: true` are read back by HyperSpy; and partial reads of a lazy 8 GiB store
 * read only the chunks a compute needs (bytes counted from /proc/self/io).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import * as hs from "../../index";
import { LazyArray } from "../../lazy/core/array";

/** x[a0:a1, b0:b1, ...] */
function sl(x: LazyArray, ranges: [number, number][]): LazyArray {
  return x.get(...ranges.map(([a, b]) => `${a}:${b}`));
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "hs-io-integrity-"));
}

/** 2 MiB of float32 that gzip barely shrinks (xorshift), as a (8, 8|8192) Signal1D. */
function noisySignal(): hs.signals.BaseSignal {
  const d = new Float32Array(8 * 8 * 8192);
  let x = 2463534242;
  for (let i = 0; i < d.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    d[i] = (x >>> 0) / 4294967296;
  }
  return new hs.signals.Signal1D(hs.lazy.fromArray(d).reshape([8, 8, 8192]).computeSync());
}

/** Flip `n` bytes in the middle of `file` (inside the data chunks: they are most of the file). */
function corruptMiddle(file: string, n = 32): void {
  const b = fs.readFileSync(file);
  const at = Math.floor(b.length * 0.55);
  for (let i = 0; i < n; i++) b[at + i] ^= 0x5a;
  fs.writeFileSync(file, b);
}

/** Compute each block of a lazy signal separately: the indices of the ones that fail, with their messages. */
async function failingBlocks(s: hs.signals.BaseSignal): Promise<{ index: number[]; message: string }[]> {
  const x = s.data as LazyArray;
  const out: { index: number[]; message: string }[] = [];
  const [n0, n1] = [x.chunks[0].length, x.chunks[1].length];
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      const a = x.chunks[0].slice(0, i).reduce((p, c) => p + c, 0);
      const b = x.chunks[1].slice(0, j).reduce((p, c) => p + c, 0);
      try {
        await sl(x, [[a, a + x.chunks[0][i]], [b, b + x.chunks[1][j]]]).sum().compute();
      } catch (e) {
        out.push({ index: [i, j], message: (e as Error).message });
      }
    }
  }
  return out;
}

for (const variant of ["gzip", "fletcher32"] as const) {
  test(`a .hspy (${variant}) with flipped bytes in one chunk fails with an error naming that chunk, lazy and eager; the other chunks read`, async () => {
    const dir = tmpdir();
    const file = path.join(dir, `c-${variant}.hspy`);
    try {
      const s = noisySignal();
      await s.save(file, { chunks: [2, 2, 8192], ...(variant === "fletcher32" ? { checksum: true } : {}) });
      const good = await hs.load(file);
      corruptMiddle(file);
      const lazy = await hs.load(file, { lazy: true });
      const bad = await failingBlocks(lazy);
      assert.ok(bad.length >= 1 && bad.length <= 2, `one corrupted chunk (or two when the flip spans a boundary), got ${bad.length}`);
      for (const f of bad) {
        assert.match(f.message, /cannot read elements \[\d+:\d+, \d+:\d+, 0:8192\] \(HDF5 chunk \d+, \d+, 0\): a chunk filter failed .*corrupt/);
        assert.ok(f.message.includes(`HDF5 chunk ${f.index[0]}, ${f.index[1]}, 0`), f.message);
      }
      await assert.rejects(hs.load(file), /HDF5 chunk \d+, \d+, 0\): a chunk filter failed/);
      // an intact chunk still reads the right values
      const ok = [0, 1, 2, 3].flatMap((i) => [0, 1, 2, 3].map((j) => [i, j])).find(([i, j]) => !bad.some((f) => f.index[0] === i && f.index[1] === j)) as number[];
      const part = await sl((lazy.data as LazyArray), [[ok[0] * 2, ok[0] * 2 + 1], [ok[1] * 2, ok[1] * 2 + 1]]).compute();
      assert.equal(part.get(0, 0, 5), good.data.get(ok[0] * 2, ok[1] * 2, 5));
    } finally {
      await hs.lazy.closePool();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("a .zspy saved with checksum: true carries numcodecs' CRC32 filter; a flipped byte fails naming the chunk file", async () => {
  const dir = tmpdir();
  const file = path.join(dir, "k.zspy");
  try {
    const s = noisySignal();
    await s.save(file, { chunks: [4, 4, 8192], checksum: true });
    const zarray = JSON.parse(fs.readFileSync(path.join(file, "Experiments", "__unnamed__", "data", ".zarray"), "utf8")) as { filters: unknown };
    assert.deepEqual(zarray.filters, [{ id: "crc32" }]);
    const back = await hs.load(file);
    assert.equal(back.data.get(7, 7, 8191), s.data.get(7, 7, 8191));
    // HyperSpy reads it (numcodecs' CRC32 checks it there too)
    const py = execFileSync("/usr/bin/python3", ["-c", `import hyperspy.api as hs; s = hs.load(${JSON.stringify(file)}); print(float(s.data[7, 7, 8191]))`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    assert.equal(Number(py.trim()), s.data.get(7, 7, 8191));
    // raw chunks: flip a byte of the data inside chunk 1/0/0
    const raw = path.join(dir, "r.zspy");
    await s.save(raw, { chunks: [4, 4, 8192], checksum: true, compressor: null });
    const chunk = path.join(raw, "Experiments", "__unnamed__", "data", "1", "0", "0");
    const b = fs.readFileSync(chunk);
    b[1000] ^= 1;
    fs.writeFileSync(chunk, b);
    await assert.rejects(hs.load(raw), (e: Error) => e.message.includes(chunk) && /CRC-32 mismatch .*corrupt/.test(e.message));
    const lazy = await hs.load(raw, { lazy: true });
    const one = await sl((lazy.data as LazyArray), [[0, 4], [0, 4]]).sum().compute();
    assert.ok(Number.isFinite(one.get(0)), "the intact chunks still read");
  } finally {
    await hs.lazy.closePool();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(".hspy: checksum with gzip is refused with the fix in the message", async () => {
  const dir = tmpdir();
  try {
    const s = noisySignal();
    await assert.rejects(s.save(path.join(dir, "x.hspy"), { checksum: true, compressor: "gzip" }), /needs \{ compressor: null \}/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function rchar(): number {
  const m = /rchar:\s+(\d+)/.exec(fs.readFileSync("/proc/self/io", "utf8"));
  return m ? Number(m[1]) : NaN;
}

test("partial reads: one pixel / one chunk of a lazy 8 GiB .zspy reads only the chunk it needs (bytes counted)", async () => {
  const dir = tmpdir();
  const file = path.join(dir, "big.zspy");
  try {
    // a real 8 GiB float32 (512, 512|8192) store of raw chunks (32, 32, 8192) = 32 MiB each; the
    // chunk files are sparse (ftruncate), so they take no disk space and read as zeros, except one
    // that holds values
    const small = new hs.signals.Signal1D(sl(hs.lazy.zeros([32, 32, 8192], { chunks: [32, 32, 8192], dtype: "float32" }), [[0, 32], [0, 32]]).computeSync());
    await small.save(file, { chunks: [32, 32, 8192], compressor: null });
    const data = path.join(file, "Experiments", "__unnamed__", "data");
    const za = JSON.parse(fs.readFileSync(path.join(data, ".zarray"), "utf8")) as { shape: number[] };
    za.shape = [512, 512, 8192];
    fs.writeFileSync(path.join(data, ".zarray"), JSON.stringify(za));
    fs.writeFileSync(path.join(file, "Experiments", "__unnamed__", "axis-0", ".zattrs"), JSON.stringify({ _type: "UniformDataAxis", name: "y", navigate: true, offset: 0, scale: 1, size: 512, is_binned: false }));
    fs.writeFileSync(path.join(file, "Experiments", "__unnamed__", "axis-1", ".zattrs"), JSON.stringify({ _type: "UniformDataAxis", name: "x", navigate: true, offset: 0, scale: 1, size: 512, is_binned: false }));
    const chunkBytes = 32 * 32 * 8192 * 4;
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        const f = path.join(data, String(i), String(j), "0");
        fs.mkdirSync(path.dirname(f), { recursive: true });
        if (i === 5 && j === 7) {
          const d = new Float32Array(32 * 32 * 8192);
          for (let k = 0; k < d.length; k++) d[k] = k % 1000;
          fs.writeFileSync(f, d);
        } else {
          fs.closeSync(fs.openSync(f, "w"));
          fs.truncateSync(f, chunkBytes);
        }
      }
    }
    const s = await hs.load(file, { lazy: true });
    assert.deepEqual(s.data.shape, [512, 512, 8192]);
    assert.equal((s.data as LazyArray).nbytes, 8 * 2 ** 30);
    // one pixel (inside chunk (5, 7)): 32 MiB read of 8 GiB
    const r0 = rchar();
    const px = await sl((s.data as LazyArray), [[5 * 32 + 3, 5 * 32 + 4], [7 * 32 + 2, 7 * 32 + 3]]).compute();
    const r1 = rchar();
    const k = (3 * 32 + 2) * 8192;
    assert.equal(px.get(0, 0, 10), (k + 10) % 1000);
    assert.ok(r1 - r0 >= chunkBytes && r1 - r0 < 1.5 * chunkBytes, `one pixel read ${r1 - r0} bytes; one chunk is ${chunkBytes}`);
    // one whole chunk, summed over its navigation: again that one chunk only
    const sum = await sl((s.data as LazyArray), [[5 * 32, 6 * 32], [7 * 32, 8 * 32]]).sum({ axis: [0, 1] }).compute();
    const r2 = rchar();
    assert.ok(r2 - r1 >= chunkBytes && r2 - r1 < 1.5 * chunkBytes, `one chunk read ${r2 - r1} bytes; one chunk is ${chunkBytes}`);
    assert.ok(Number.isFinite(sum.get(0)));
    // a band across 2 chunks reads 2 of the 256
    await sl((s.data as LazyArray), [[0, 1], [31, 33]]).compute();
    const r3 = rchar();
    assert.ok(r3 - r2 >= 2 * chunkBytes && r3 - r2 < 2.5 * chunkBytes, `two chunks read ${r3 - r2} bytes`);
  } finally {
    await hs.lazy.closePool();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("partial reads: one pixel of a lazy .hspy reads only its HDF5 chunk (bytes counted)", async () => {
  const dir = tmpdir();
  const file = path.join(dir, "p.hspy");
  try {
    const x = hs.lazy.random.random([32, 32, 8192], { seed: 3, chunks: [8, 8, 8192], dtype: "float32" });
    await new hs.signals.LazySignal1D(x).save(file, { chunks: [8, 8, 8192], compressor: null });
    const chunkBytes = 8 * 8 * 8192 * 4; // 2 MiB of a 32 MiB file
    const s = await hs.load(file, { lazy: true });
    const r0 = rchar();
    await sl((s.data as LazyArray), [[9, 10], [17, 18]]).compute({ scheduler: "sync" });
    const r1 = rchar();
    assert.ok(r1 - r0 < 2 * chunkBytes, `one pixel read ${r1 - r0} bytes of a ${fs.statSync(file).size}-byte file; one chunk is ${chunkBytes}`);
  } finally {
    await hs.lazy.closePool();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
