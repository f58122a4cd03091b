/**
 * The wire format of the dask scheduler (lazy/distributed/wire.ts and its Python twin in
 * hsts_dask_worker.py): values round-trip exactly through both sides, and corrupted or truncated
 * streams give clear errors, never a wrong value or a hang. Fuzz cases use a documented seed.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { FrameReader, decodeValue, encodeFrame, encodeValue } from "../../lazy/distributed/wire";
import { makeBlock, tagDType, dtypeOf, Block } from "../../lazy/core/block";
import { ROOT } from "../helpers";
import { PYTHON } from "./cluster";

function sample(): unknown {
  return {
    block: makeBlock(new Float32Array([1.5, -0, NaN, Infinity]), [2, 2]),
    bool: tagDType(makeBlock(new Uint8Array([1, 0, 1]), [3]), "bool"),
    scalarBlock: makeBlock(new Float64Array([7]), []),
    empty: makeBlock(new Int16Array(0), [0, 3]),
    partial: { n: 12, shape: [1, 3], v: new Float64Array([1, 2, -Infinity]) },
    ints: [new Int8Array([-128, 127]), new Uint32Array([4294967295]), new Int32Array([-2147483648])],
    nums: [0, -0, NaN, Infinity, -Infinity, 1e-310, 2 ** 53],
    big: 12345678901234567890n,
    text: "ünïcode \u0000",
    nested: [[true, false, null], { a: { b: [1] } }],
  };
}

function frameBytes(v: unknown): Buffer {
  const bufs: Uint8Array[] = [];
  const j = encodeValue(v, bufs);
  return Buffer.concat(encodeFrame({ value: j }, bufs));
}

function assertSameValue(a: unknown, b: unknown, at = "value"): void {
  if (typeof b === "number") return assert.ok(Object.is(a, b), `${at}: ${String(a)} vs ${String(b)}`);
  if (ArrayBuffer.isView(b)) {
    assert.ok(ArrayBuffer.isView(a), `${at}: not a typed array`);
    assert.equal(a.constructor.name, b.constructor.name, `${at}: type`);
    const x = Array.from(a as unknown as ArrayLike<number>);
    const y = Array.from(b as unknown as ArrayLike<number>);
    assert.equal(x.length, y.length);
    x.forEach((v, i) => assert.ok(Object.is(v, y[i]), `${at}[${i}]`));
    return;
  }
  if (b !== null && typeof b === "object") {
    const bb = b as Record<string, unknown>;
    const aa = a as Record<string, unknown>;
    if ("stride" in bb && "data" in bb) {
      assert.deepEqual((aa as unknown as Block).shape, (bb as unknown as Block).shape, `${at}: shape`);
      assert.equal(dtypeOf(aa as unknown as Block), dtypeOf(bb as unknown as Block), `${at}: dtype`);
      return assertSameValue(aa.data, bb.data, `${at}.data`);
    }
    assert.deepEqual(Object.keys(aa).sort(), Object.keys(bb).sort(), `${at}: keys`);
    for (const k of Object.keys(bb)) assertSameValue(aa[k], bb[k], `${at}.${k}`);
    return;
  }
  assert.deepEqual(a, b, at);
}

test("values round-trip through a frame, split at every byte", () => {
  const v = sample();
  const bytes = frameBytes(v);
  for (const step of [1, 3, 7, 64, bytes.length]) {
    const r = new FrameReader("test");
    const frames = [];
    for (let o = 0; o < bytes.length; o += step) frames.push(...r.push(bytes.subarray(o, o + step)));
    assert.equal(frames.length, 1);
    assertSameValue(decodeValue(frames[0].header.value, frames[0].bufs), v);
  }
});

test("values round-trip through the Python side (decode, encode back) exactly", () => {
  const v = sample();
  const bytes = frameBytes(v);
  const script = [
    "import sys",
    `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, "lazy", "distributed", "python"))})`,
    "import hsts_dask_worker as W",
    "h, b = W.read_frame(sys.stdin.buffer)",
    "v = W.decode(h['value'], b)",
    "assert v['block'].dtype.name == 'float32' and v['block'].shape == (2, 2)",
    "assert v['bool'].dtype.name == 'bool' and v['scalarBlock'].shape == ()",
    "out = []",
    "W.write_frame(sys.stdout.buffer, {'value': W.encode(v, out)}, out)",
  ].join("\n");
  const r = spawnSync(PYTHON, ["-c", script], { input: bytes, maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr.toString());
  const frames = new FrameReader("python").push(r.stdout);
  assert.equal(frames.length, 1);
  assertSameValue(decodeValue(frames[0].header.value, frames[0].bufs), v);
});

/** A small deterministic PRNG (mulberry32), seed 20261208. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("fuzz: corrupted and truncated frames give a clear error or wait for more bytes, never a wrong value (seed 20261208, 3000 cases)", () => {
  const v = sample();
  const good = frameBytes(v);
  const rand = rng(20261208);
  let errors = 0;
  let waits = 0;
  for (let c = 0; c < 3000; c++) {
    const b = Buffer.from(good);
    const kind = c % 3;
    let input: Buffer;
    if (kind === 0) input = b.subarray(0, Math.floor(rand() * b.length)); // truncated
    else {
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
      input = kind === 1 ? b : b.subarray(0, Math.floor(rand() * b.length));
    }
    const r = new FrameReader("fuzz");
    try {
      const frames = r.push(input);
      if (frames.length === 0) {
        waits++;
        continue;
      }
      // a frame whose bytes changed may still parse: then decoding either fails clearly or gives
      // a value of the right structure (only payload bytes changed)
      try {
        decodeValue(frames[0].header.value, frames[0].bufs, "fuzz");
      } catch (e) {
        assert.ok(e instanceof Error && /fuzz|buffer|dtype|shape|elements|escape|BigInt|Cannot convert/.test(e.message), String(e));
        errors++;
      }
    } catch (e) {
      assert.ok(e instanceof Error && /corrupted stream/.test(e.message), String(e));
      errors++;
    }
  }
  assert.ok(errors > 100 && waits > 100, `errors ${errors}, waits ${waits}`);
});

test("the Python reader refuses corrupted headers clearly", () => {
  const script = [
    "import sys, io, struct",
    `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, "lazy", "distributed", "python"))})`,
    "import hsts_dask_worker as W",
    "for bad in [struct.pack('<I', 0), struct.pack('<I', 5) + b'{nope', struct.pack('<I', 2) + b'[]', struct.pack('<I', 11) + b'{\"lens\":[-1]}'[:11], struct.pack('<I', 12) + b'{\"lens\":[9]}' + b'abc']:",
    "    try:",
    "        W.read_frame(io.BytesIO(bad)); print('accepted', bad)",
    "    except (ValueError, EOFError) as e:",
    "        print('ok', type(e).__name__)",
  ].join("\n");
  const r = spawnSync(PYTHON, ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n").map((l) => l.split(" ")[0]), ["ok", "ok", "ok", "ok", "ok"]);
});
