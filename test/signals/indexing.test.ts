/**
 * inav / isig against HyperSpy 1.7.3 (test/fixtures/make_indexing.py): every case on the eager
 * signal (indices as "a:b:c" strings and as slice objects) and on the lazy one (chunks of 2, so
 * slices cross blocks), comparing the repr, the data, the title and every axis' name / size /
 * scale / offset / units / navigate, or HyperSpy's error message.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as hs from "../../index";
import { FixtureArray, assertArrayClose, loadFixture } from "../helpers";
import type { SignalIndex, SignalSlice, SliceBound } from "../../signals/indexing";

const { BaseSignal, Signal1D, LazySignal } = hs.signals;
type Sig = InstanceType<typeof BaseSignal>;

interface AxisFx {
  name: string | null;
  size: number;
  scale: number;
  offset: number;
  units: string | null;
  navigate: boolean;
}
interface SignalFx {
  cls: "Signal1D" | "Signal2D" | "BaseSignal";
  shape: number[];
  dtype: hs.lazy.DType;
  title: string;
  axes: AxisFx[];
}
type IndexFx = number | string | { v: number };
interface CaseFx {
  signal: string;
  op: "inav" | "isig";
  index: IndexFx[];
  repr?: string;
  lazyRepr?: string;
  data?: FixtureArray;
  lazyData?: FixtureArray;
  axes?: AxisFx[];
  title?: string;
  error?: { type: string; message: string };
  lazyError?: { type: string; message: string };
}
const fx = loadFixture<{ signals: { [k: string]: SignalFx }; cases: CaseFx[] }>("indexing");

function arange(n: number, dtype: hs.lazy.DType): hs.lazy.TypedArray {
  const a = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function makeSignal(spec: SignalFx): Sig {
  const n = spec.shape.reduce((p, x) => p * x, 1);
  const data = hs.lazy.fromArray(arange(n, spec.dtype)).reshape(spec.shape).computeSync();
  const axes = spec.axes.map((a) => ({
    size: a.size,
    scale: a.scale,
    offset: a.offset,
    navigate: a.navigate,
    ...(a.name === null ? {} : { name: a.name }),
    ...(a.units === null ? {} : { units: a.units }),
  }));
  return new hs.signals[spec.cls](data, { axes, metadata: { General: { title: spec.title } } });
}

/** A fixture index as the TS API takes it: "a:b:c" strings stay strings; {v} becomes a value. */
function toIndex(ix: IndexFx): SignalIndex {
  if (typeof ix === "object") return Number.isInteger(ix.v) ? { value: ix.v } : ix.v;
  return ix;
}

/** The same index with slices as {start, stop, step} objects (bounds as numbers / {value} / strings). */
function toObjectIndex(ix: IndexFx): SignalIndex {
  if (typeof ix !== "string" || !ix.includes(":")) return toIndex(ix);
  const bound = (p: string): SliceBound | null => {
    const t = p.trim();
    if (t === "") return null;
    if (/^[+-]?\d+$/.test(t)) return Number(t);
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
      const v = Number(t);
      return Number.isInteger(v) ? { value: v } : v;
    }
    return t;
  };
  const [a, b, c] = ix.split(":");
  const s: SignalSlice = { start: bound(a), stop: bound(b), step: c === undefined ? null : (bound(c) as number | string | null) };
  return s;
}

function checkAxes(r: Sig, want: AxisFx[], what: string): void {
  const got = r.axesManager.axes.map((a) => ({
    name: a.name ?? null,
    size: a.size,
    scale: a.scale,
    offset: a.offset,
    units: a.units ?? null,
    navigate: a.navigate,
  }));
  assert.equal(got.length, want.length, `${what}: number of axes`);
  got.forEach((g, i) => {
    assert.equal(g.name, want[i].name, `${what}: axis ${i} name`);
    assert.equal(g.size, want[i].size, `${what}: axis ${i} size`);
    assert.ok(Math.abs(g.scale - want[i].scale) <= 1e-12 * Math.abs(want[i].scale), `${what}: axis ${i} scale ${g.scale} vs ${want[i].scale}`);
    assert.ok(Math.abs(g.offset - want[i].offset) <= 1e-12 * (1 + Math.abs(want[i].offset)), `${what}: axis ${i} offset ${g.offset} vs ${want[i].offset}`);
    assert.equal(g.units, want[i].units, `${what}: axis ${i} units`);
    assert.equal(g.navigate, want[i].navigate, `${what}: axis ${i} navigate`);
  });
}

function apply(s: Sig, op: "inav" | "isig", index: SignalIndex[]): Sig {
  return op === "inav" ? s.inav(...index) : s.isig(...index);
}

let nCases = 0;
for (const c of fx.cases) {
  nCases++;
  const spec = fx.signals[c.signal];
  const label = `${c.signal}.${c.op}[${c.index.map((i) => (typeof i === "object" ? `${i.v}(value)` : JSON.stringify(i))).join(", ")}]`;
  test(`${label} -> ${c.error ? `${c.error.type}: ${c.error.message}` : c.repr}`, () => {
    const eager = makeSignal(spec);
    const lazy = eager.asLazy({ chunks: 2 });
    const forms: [string, SignalIndex[]][] = [
      ["strings", c.index.map(toIndex)],
      ["objects", c.index.map(toObjectIndex)],
    ];
    if (c.error) {
      const want = c.error.message;
      const pint = c.error.type === "DimensionalityError"; // pint's message; ours names the units
      const startsWith = want === "too many indices" || pint;
      const check = (e: unknown): boolean => {
        assert.ok(e instanceof Error, "an Error");
        if (pint) assert.ok(e.message.startsWith("Cannot convert from"), e.message);
        else if (startsWith) assert.ok(e.message.startsWith(want), e.message);
        else assert.equal(e.message, want);
        if (!pint) assert.ok(e instanceof RangeError, `RangeError for ${c.error?.type}`);
        return true;
      };
      for (const [form, ix] of forms) {
        assert.throws(() => apply(eager, c.op, ix), check, `eager, ${form}`);
        assert.throws(() => apply(lazy, c.op, ix), check, `lazy, ${form}`);
      }
      return;
    }
    for (const [form, ix] of forms) {
      const r = apply(eager, c.op, ix);
      assert.equal(String(r), c.repr, `eager ${form}: repr`);
      assert.ok(!r.isLazy);
      assertArrayClose(r.data as hs.lazy.NDArray, c.data as FixtureArray, { msg: `eager ${form}: data` });
      assert.equal(r.dtype, (c.data as FixtureArray).dtype, "dtype kept");
      checkAxes(r, c.axes as AxisFx[], `eager ${form}`);
      assert.equal(r.title, c.title);
      const l = apply(lazy, c.op, ix);
      assert.equal(String(l), c.lazyRepr, `lazy ${form}: repr`);
      assert.ok(l.isLazy && l instanceof LazySignal);
      assertArrayClose(l.computeSync().data as hs.lazy.NDArray, (c.lazyData ?? c.data) as FixtureArray, { msg: `lazy ${form}: data` });
      checkAxes(l, c.axes as AxisFx[], `lazy ${form}`);
      assert.equal(l.title, c.title);
    }
    // the parent is untouched
    assert.equal(String(eager), String(makeSignal(spec)));
    checkAxes(eager, spec.axes, "parent after indexing");
  });
}

test("the fixture has many cases", () => {
  assert.ok(nCases >= 150, `${nCases} cases`);
});

// ------------------------------------------------------------------------------------------------
// behaviour beyond the fixture

function s1d(): Sig {
  return makeSignal(fx.signals.s1d);
}

test("eager results never share memory with the parent (writes do not propagate either way)", () => {
  const s = s1d();
  const r = s.inav(1);
  const rd = r.data as hs.lazy.NDArray;
  const sd = s.data as hs.lazy.NDArray;
  assert.notEqual(rd.data, sd.data);
  rd.set(0, 0, -1);
  assert.equal(sd.get(0, 1, 0), 4);
  sd.set(0, 1, 1, -5);
  assert.equal(rd.get(0, 1), 5);
  // a whole-axis "slice" too
  const w = s.isig(":");
  assert.notEqual((w.data as hs.lazy.NDArray).data, sd.data);
});

test("lazy indexing is lazy and culls: inav(1, 0) computes one block of six", () => {
  const base = s1d().asLazy({ chunks: [1, 1, -1] });
  let calls = 0;
  const counted = (base.data as hs.lazy.LazyArray).mapBlocks((b) => {
    calls++;
    return b;
  });
  const l = base.withData(counted);
  const r = l.inav(1, 0);
  assert.equal(calls, 0, "nothing computed by indexing");
  assert.ok(r.data instanceof hs.lazy.LazyArray);
  const c = r.computeSync();
  assert.equal(calls, 1);
  assert.deepEqual(Array.from((c.data as hs.lazy.NDArray).data as ArrayLike<number>), [4, 5, 6, 7]);
  calls = 0;
  l.inav(":", 1).isig("1:3").computeSync();
  assert.equal(calls, 3, "one row of blocks");
});

test("indices are combined with the natural order: isig then inav equals HyperSpy's chained result", () => {
  const s = s1d();
  // a one-axis signal keeps its axis under an integer (HyperSpy: Signal1D (|1), offset at the value)
  const a = s.inav(2, 1).isig(1);
  assert.equal(String(a), "<Signal1D, title: demo, dimensions: (|1)>");
  assert.deepEqual(Array.from((a.data as hs.lazy.NDArray).data as ArrayLike<number>), [21]);
  assert.equal(a.axesManager.axes[0].offset, 10.5);
  // removing every axis gives HyperSpy's "Scalar" BaseSignal
  for (const t of [s, s.asLazy({ chunks: 1 })]) {
    const b = t.isig(1).inav(2, 1);
    assert.equal(String(b), `<${t.isLazy ? "LazySignal" : "BaseSignal"}, title: demo, dimensions: (|1)>`);
    assert.deepEqual(toArr(b.computeSync()), [21]);
    assert.equal(b.axesManager.axes[0].name, "Scalar");
    assert.equal(b.axesManager.axes[0].navigate, false);
  }
});

test("null is a whole axis; a single string index is an index, a value, a relative or a unit value", () => {
  const s = s1d();
  assert.equal(String(s.inav(null, 1)), String(s.inav(":", 1)));
  assert.deepEqual(toArr(s.isig("2")), toArr(s.isig(2)));
  assert.deepEqual(toArr(s.isig("11.0")), toArr(s.isig({ value: 11 })));
  assert.deepEqual(toArr(s.isig("11.0")), toArr(s.isig(2)));
  assert.deepEqual(toArr(s.isig("rel0.5")), toArr(s.isig({ value: 10.75 })));
  assert.deepEqual(toArr(s.inav("1 nm")), toArr(s.inav(1)), "x: offset -1 nm, scale 2 nm");
  assert.deepEqual(toArr(s.inav("1000 pm")), toArr(s.inav(1)));
  assert.deepEqual(toArr(s.inav(":", "0.0035 mm")), toArr(s.inav(":", 1)), "y: offset 3 µm, scale 0.5 µm");
  const f = makeSignal(fx.signals.fancy); // µm
  assert.deepEqual(toArr(f.isig(":40000 Å")), toArr(f.isig(":4 µm")), "Å is 1e-4 µm");
  assert.deepEqual(toArr(f.isig(":4 um")), toArr(f.isig(":4 µm")));
});

function toArr(s: Sig): number[] {
  return Array.from(hs.lazy.toFlat(s.data as hs.lazy.NDArray));
}

test("bad indices: clear errors", () => {
  const s = s1d();
  assert.throws(() => s.isig(true as unknown as number), /unsupported index true/);
  assert.throws(() => s.isig("1:2:3:4"), /is not a slice/);
  assert.throws(() => s.isig({ start: 1, end: 3 } as unknown as SignalSlice), /unsupported index/);
  assert.throws(() => s.isig(NaN), /NaN is not an index/);
  assert.throws(() => s.isig(""), /Cannot index with an empty string/);
  assert.throws(() => s.isig({ value: "a" } as unknown as { value: number }), /must hold a number/);
  assert.throws(() => s.isig({ start: [1] } as unknown as SignalSlice), /is not a slice bound/);
  assert.throws(() => s.isig("x:"), /`x` is not a suitable string for slicing\./);
  assert.throws(() => new Signal1D(hs.lazy.fromArray(new Float64Array(4)).computeSync()).isig(":1 nm"), /axis 'Unnamed 0th axis' doesn't have units/);
  assert.throws(() => s.isig(":1 nm"), /Cannot convert from 'nm' to 'eV'/);
});

test("float steps are rounded half to even, as Python's round", () => {
  const s = makeSignal(fx.signals.fancy); // scale 0.5
  assert.equal(s.isig("::1.25").axesManager.axes[0].scale, 1.0, "2.5 -> 2");
  assert.equal(s.isig("::1.75").axesManager.axes[0].scale, 2.0, "3.5 -> 4");
});
