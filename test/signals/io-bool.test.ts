/**
 * Booleans in .hspy as h5py writes them (HDF5 enum {FALSE, TRUE}, see signals/io/h5bool.ts): bool
 * data, boolean metadata (scalars and lists) and the axes' navigate / is_binned flags come back in
 * HyperSpy 1.7.3 as numpy bool / Python bool (test/fixtures/check_io.py, run with /usr/bin/python3),
 * so a signal of any signal dimension keeps its navigation axes. lookup3 is checked against the
 * reference vectors of Bob Jenkins' lookup3.c.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import * as hs from "../../index";
import { LazyArray } from "../../lazy/core/array";
import { lookup3 } from "../../signals/io/h5bool";
import { ROOT } from "../helpers";

interface Checked {
  class: string;
  dtype: string;
  shape: number[];
  data: number[];
  axes: { navigate: boolean; name: string | null }[];
  metadata: Record<string, Record<string, unknown>>;
}

function checkIo(file: string): Checked {
  const out = execFileSync("/usr/bin/python3", [path.join(ROOT, "test", "fixtures", "check_io.py"), file], { encoding: "utf8", maxBuffer: 64 << 20 });
  return (JSON.parse(out) as Record<string, Checked>)[file];
}

test("lookup3 (HDF5's metadata checksum) matches lookup3.c's reference values", () => {
  const s = Buffer.from("Four score and seven years ago");
  assert.equal(lookup3(new Uint8Array(0)), 0xdeadbeef);
  assert.equal(lookup3(s), 0x17770551);
  assert.equal(lookup3(s, 0, s.length, 1), 0xcd628161);
});

test(".hspy: bool data, boolean metadata and navigate flags read in HyperSpy as bool; a 3-D signal keeps its navigation axis", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-io-bool-"));
  try {
    const flat: boolean[] = [];
    for (let i = 0; i < 2 * 3 * 4 * 5; i++) flat.push(i % 3 === 0 || i % 7 === 1);
    const nested = [0, 1].map((a) => [0, 1, 2].map((b) => [0, 1, 2, 3].map((c) => [0, 1, 2, 3, 4].map((d) => flat[((a * 3 + b) * 4 + c) * 5 + d]))));
    const s = new hs.signals.BaseSignal(hs.lazy.fromArray(nested).computeSync());
    // one navigation axis, a 3-D signal (HyperSpy's BaseSignal; record_by cannot say this)
    s.axesManager.axes.forEach((a, i) => (a.navigate = i === 0));
    s.axesManager.axes[1].name = "depth";
    s.metadata.setItem("General.flag", true);
    s.metadata.setItem("General.off", false);
    s.metadata.setItem("General.flags", [true, false, true]);
    const file = path.join(dir, "b.hspy");
    await s.save(file);
    const py = checkIo(file);
    assert.equal(py.dtype, "bool");
    assert.deepEqual(py.shape, [2, 3, 4, 5]);
    assert.deepEqual(py.data, flat.map((b) => (b ? 1 : 0)));
    assert.deepEqual(py.axes.map((a) => a.navigate), [true, false, false, false]);
    assert.equal(py.axes[1].name, "depth");
    assert.equal(py.class, "BaseSignal");
    assert.equal(py.metadata.General.flag, true);
    assert.equal(py.metadata.General.off, false);
    assert.deepEqual(py.metadata.General.flags, [true, false, true]);
    const folding = (py.metadata._HyperSpy as Record<string, Record<string, unknown>>).Folding;
    assert.equal(folding.unfolded, false);
    assert.equal(folding.signal_unfolded, false);
    // and here, lazily
    const back = await hs.load(file, { lazy: true });
    assert.equal((back.data as LazyArray).dtype, "bool");
    assert.deepEqual(back.axesManager.axes.map((a) => a.navigate), [true, false, false, false]);
    assert.equal(back.metadata.getItem("General.flag"), true);
    assert.deepEqual(back.metadata.getItem("General.flags"), [true, false, true]);
    const d = await (back.data as LazyArray).compute();
    const got: number[] = [];
    for (let i = 0; i < flat.length; i++) got.push(Number(d.data[i]));
    assert.deepEqual(got, flat.map((b) => (b ? 1 : 0)));
    // a group with more than 8 attributes keeps its booleans as int8 (HDF5 moves them out of the
    // object header; HyperSpy then reads 0 / 1), and the save still works
    const t = new hs.signals.Signal1D(hs.lazy.fromArray([1, 2, 3]).computeSync());
    for (let i = 0; i < 10; i++) t.metadata.setItem(`Many.k${i}`, i % 2 === 0);
    const f2 = path.join(dir, "many.hspy");
    await t.save(f2);
    const py2 = checkIo(f2);
    assert.equal(Number(py2.metadata.Many.k0), 1);
    assert.equal(Number(py2.metadata.Many.k1), 0);
    assert.deepEqual(py2.axes.map((a) => a.navigate), [false]);
  } finally {
    await hs.lazy.closePool();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
