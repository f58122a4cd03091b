/**
 * signals/axes.ts against HyperSpy 1.7.3 (fixtures from test/fixtures/make_axes.py).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { loadFixture } from "../helpers";
import { AxesManager, AxisDict, DataAxis, Rounding, formatG, ordinal, pyFloatRepr } from "../../signals/axes";

type Result<T> = { value: T } | { error: string; message: string };

interface Described {
  axes: AxisDict[];
  indices: number[];
  ragged: boolean;
  navigation_shape: number[];
  signal_shape: number[];
  shape: number[];
  navigation_dimension: number;
  signal_dimension: number;
  navigation_size: number;
  signal_size: number;
  dimension_string: string;
  repr: string;
  natural_reprs: string[];
  natural_strs: string[];
  array_reprs: string[];
  navigation_reprs: string[];
  signal_reprs: string[];
  navigation_indices_in_array: number[];
  signal_indices_in_array: number[];
  index_in_array: number[];
  index_in_axes_manager: number[];
  aligned: boolean;
  label: string;
}

interface SignalCase extends Described {
  signal_repr: string;
  data_shape: number[];
}

interface ManagerCase extends Described {
  complex: { nav0?: string; sig0?: string; array0?: string };
}

type FixNum = number | "nan" | "inf" | "-inf";
type V2IRow = [number, number | string, number | string, number | string];
type VRRow = [number | null, number | null, [number, number] | string];

interface AxisCase {
  spec: { name?: string; units?: string; size: number; scale: number; offset: number; navigate?: boolean; is_binned?: boolean };
  dict: AxisDict;
  axis: number[];
  low_value: number;
  high_value: number;
  repr: string;
  str: string;
  value2index: V2IRow[];
  index2value: (Result<number> & { i: number })[];
  value_range_to_indices: VRRow[];
}

interface Fixture {
  signals: SignalCase[];
  managers: ManagerCase[];
  lookups: {
    dicts: AxisDict[];
    by_name: Record<string, string>;
    zz: Result<string>;
    index_10: Result<string>;
    "index_-1": Result<string>;
    "index_-4": Result<string>;
    "index_-5": Result<string>;
    "index_1.5": Result<string>;
    "array_-1": Result<string>;
    array_4: Result<string>;
  };
  duplicate_names: { dicts: AxisDict[]; x: string };
  indices_setter: {
    dicts: AxisDict[];
    cases: (Result<{ indices: number[]; getitem_tuple: (number | null)[] }> & { set: number[] })[];
    nav0: (Result<{ indices: number[] }> & { set: number[] })[];
  };
  axis_index: { cases: (Result<number> & { set: number })[]; after_shrink: number };
  axis_index_size1: Result<null>;
  copy: { indices_before: number[]; deepcopy_indices: number[]; signal_deepcopy_indices: number[] };
  axes: AxisCase[];
  reference_axis: {
    v2i: Record<string, number>;
    v2i_half: number[];
    i2v_3: number;
    range_075_225: number[];
    range_none: number[];
    range_3_1: Result<null>;
    dict: AxisDict;
  };
  bad_type: Result<null>;
  iterpaths: { shape: number[]; flyback: number[][]; serpentine: number[][] }[];
  manager_iteration: { dicts: AxisDict[]; flyback: number[][]; serpentine: number[][] };
  iterpath_errors: Record<"blahblah" | "not_iterable" | "flat_list" | "wrong_length", { error: string; message: string }>;
  set_signal_dimension: ({ set: number; navigate?: boolean[] } & Result<string>)[];
}

const fx = loadFixture<Fixture>("axes");

function num(v: FixNum): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return v;
}

/** JSON turns NaN / inf into null; compare dicts with that in mind. */
function normDict(d: AxisDict): AxisDict {
  return { ...d, scale: num(d.scale as FixNum), offset: num(d.offset as FixNum) };
}

/** Our messages equal HyperSpy's, except where we deliberately append advice (listed here). */
const EXTENDED = new Set(["float division by zero"]);

function expectError(fn: () => unknown, r: { message: string }, msg: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, `${msg}: not an Error`);
    if (EXTENDED.has(r.message)) assert.ok(e.message.startsWith(r.message + ":"), `${msg}: ${e.message}`);
    else assert.equal(e.message, r.message, msg);
    return true;
  });
}

function checkDescribed(am: AxesManager, d: Described): void {
  const m = d.label;
  assert.deepEqual(am.toDicts().map(normDict), d.axes.map(normDict), `${m}: dicts`);
  assert.deepEqual(am.indices, d.indices, `${m}: indices`);
  assert.equal(am.ragged, d.ragged, `${m}: ragged`);
  assert.deepEqual(am.navigationShape, d.navigation_shape, `${m}: navigationShape`);
  assert.deepEqual(am.signalShape, d.signal_shape, `${m}: signalShape`);
  assert.deepEqual(am.shape, d.shape, `${m}: shape`);
  assert.equal(am.navigationDimension, d.navigation_dimension, `${m}: navigationDimension`);
  assert.equal(am.signalDimension, d.signal_dimension, `${m}: signalDimension`);
  assert.equal(am.navigationSize, d.navigation_size, `${m}: navigationSize`);
  assert.equal(am.signalSize, d.signal_size, `${m}: signalSize`);
  assert.equal(am.dimensionString(), d.dimension_string, `${m}: dimensionString`);
  assert.equal(am.toString(), d.repr, `${m}: repr`);
  assert.equal(String(am), d.repr, `${m}: String()`);
  const nat = d.natural_reprs.map((_, i) => am.get(i));
  assert.deepEqual(nat.map((a) => a.toString()), d.natural_reprs, `${m}: natural reprs`);
  assert.deepEqual(nat.map((a) => `${a.displayName} axis`), d.natural_strs, `${m}: natural strs`);
  assert.deepEqual(d.array_reprs.map((_, i) => am.arrayAxis(i).toString()), d.array_reprs, `${m}: array reprs`);
  assert.deepEqual(am.navigationAxes.map(String), d.navigation_reprs, `${m}: navigationAxes`);
  assert.deepEqual(am.signalAxes.map(String), d.signal_reprs, `${m}: signalAxes`);
  assert.deepEqual(am.navigationIndicesInArray, d.navigation_indices_in_array, `${m}: navigationIndicesInArray`);
  assert.deepEqual(am.signalIndicesInArray, d.signal_indices_in_array, `${m}: signalIndicesInArray`);
  assert.deepEqual(am.axes.map((a) => am.indexInArray(a)), d.index_in_array, `${m}: indexInArray`);
  assert.deepEqual(am.axes.map((a) => am.indexInAxesManager(a)), d.index_in_axes_manager, `${m}: indexInAxesManager`);
  assert.equal(am.axesAreAlignedWithData, d.aligned, `${m}: axesAreAlignedWithData`);
}

function managerFrom(d: Described): AxesManager {
  const am = new AxesManager(d.axes.map((a) => DataAxis.fromDict(normDict(a))), { ragged: d.ragged });
  if (d.navigation_dimension > 0) am.indices = d.indices;
  return am;
}

test("signals of several shapes: shapes, sizes, dimension strings, repr tables, axis reprs", () => {
  assert.ok(fx.signals.length >= 15);
  for (const s of fx.signals) {
    const am = managerFrom(s);
    checkDescribed(am, s);
    assert.equal(`(${s.navigation_shape.join(", ")}|${s.ragged ? "ragged" : s.signal_shape.join(", ")})`, s.dimension_string);
    assert.ok(s.signal_repr.endsWith(`dimensions: ${am.dimensionString()}>`), `${s.label}: signal repr ${s.signal_repr}`);
    if (!s.ragged) assert.deepEqual(am.axes.map((a) => a.size), s.data_shape, `${s.label}: data shape`);
  }
});

test("AxesManager from dicts: non-contiguous navigate flags, %g formatting, ordinals, empty", () => {
  for (const m of fx.managers) {
    // built from AxisDicts directly as well as from DataAxis objects
    const am = new AxesManager(m.axes.map(normDict));
    checkDescribed(am, m);
    if (m.complex.nav0 !== undefined) assert.equal(am.navigationAxis(0).toString(), m.complex.nav0);
    if (m.complex.sig0 !== undefined) assert.equal(am.signalAxis(0).toString(), m.complex.sig0);
    if (m.complex.array0 !== undefined) assert.equal(am.arrayAxis(0).toString(), m.complex.array0);
  }
});

test("the reference's x/nm example", () => {
  const am = new AxesManager([{ size: 2, navigate: true }, { size: 3, navigate: true }, { size: 4 }]);
  const x = am.get(0);
  x.name = "x";
  x.units = "nm";
  x.scale = 0.5;
  x.offset = 1;
  assert.equal(x.toString(), "<x axis, size: 3, index: 0>");
  assert.equal(am.get(2).toString(), "<Unnamed 2nd axis, size: 4>");
  assert.deepEqual(Array.from(x.axis), [1, 1.5, 2]);
  assert.deepEqual(am.axes.map((a) => am.indexInArray(a)), [0, 1, 2]);
  assert.deepEqual([am.navigationDimension, am.signalDimension, am.navigationSize, am.signalSize], [2, 1, 6, 4]);
  assert.deepEqual(am.shape, [3, 2, 4]);
  assert.equal(am.dimensionString(), "(3, 2|4)");
  const cal = fx.signals.find((s) => s.label === "Signal1D (2,3,4) calibrated");
  assert.ok(cal);
  assert.equal(am.toString(), cal.repr);
});

test("lookups by name and index, with HyperSpy's errors", () => {
  const L = fx.lookups;
  const am = new AxesManager(L.dicts);
  for (const [n, r] of Object.entries(L.by_name)) assert.equal(am.get(n).toString(), r);
  const cases: [Result<string>, () => DataAxis][] = [
    [L.zz, () => am.get("zz")],
    [L.index_10, () => am.get(10)],
    [L["index_-1"], () => am.get(-1)],
    [L["index_-4"], () => am.get(-4)],
    [L["index_-5"], () => am.get(-5)],
    [L["index_1.5"], () => am.get(1.5)],
    [L["array_-1"], () => am.arrayAxis(-1)],
    [L.array_4, () => am.arrayAxis(4)],
  ];
  for (const [r, fn] of cases) {
    if ("value" in r) assert.equal(fn().toString(), r.value);
    else expectError(fn, r, r.message);
  }
  const dup = new AxesManager(fx.duplicate_names.dicts);
  assert.equal(dup.get("x").toString(), fx.duplicate_names.x);
  const stray = new DataAxis({ size: 2 });
  assert.throws(() => am.indexInArray(stray), /is not in this AxesManager/);
  assert.throws(() => am.indexInAxesManager(stray), /is not in this AxesManager/);
});

test("indices setter: values and HyperSpy's errors", () => {
  const F = fx.indices_setter;
  for (const c of F.cases) {
    const am = new AxesManager(F.dicts);
    if ("value" in c) {
      am.indices = c.set;
      assert.deepEqual(am.indices, c.value.indices);
      // getitem tuple: array order, index for navigation axes, null (slice) for signal axes
      assert.deepEqual(am.axes.map((a) => (a.navigate ? a.index : null)), c.value.getitem_tuple);
    } else {
      expectError(() => (am.indices = c.set), c, `indices = [${c.set}]`);
      assert.deepEqual(am.indices, [0, 0], "unchanged after an error");
    }
  }
  for (const c of F.nav0) {
    const am = new AxesManager([{ size: 4 }]);
    if ("value" in c) {
      am.indices = c.set;
      assert.deepEqual(am.indices, c.value.indices);
    } else expectError(() => (am.indices = c.set), c, `nav0 indices = [${c.set}]`);
  }
  const am = new AxesManager(F.dicts);
  assert.throws(() => (am.indices = [1.5, 0]), (e: unknown) => e instanceof TypeError && /must be an integer/.test(e.message));
  am.indices = [2, 1];
  assert.deepEqual(am.coordinates, [2, 1]);
});

test("axis index validation and clamping on shrink", () => {
  const a = new DataAxis({ size: 3, navigate: true });
  for (const c of fx.axis_index.cases) {
    if ("value" in c) {
      a.index = c.set;
      assert.equal(a.index, c.value);
    } else expectError(() => (a.index = c.set), c, `index = ${c.set}`);
  }
  a.index = 2;
  a.size = 2;
  assert.equal(a.index, fx.axis_index.after_shrink);
  const one = new DataAxis({ size: 1, navigate: true });
  const r = fx.axis_index_size1;
  assert.ok("error" in r);
  expectError(() => (one.index = 1), r, "size-1 axis");
});

test("copy: deep, indices reset as HyperSpy's deepcopy", () => {
  const am = new AxesManager(fx.indices_setter.dicts);
  am.indices = fx.copy.indices_before;
  const c = am.copy();
  assert.deepEqual(c.indices, fx.copy.deepcopy_indices);
  assert.deepEqual(c.indices, fx.copy.signal_deepcopy_indices);
  assert.deepEqual(am.indices, fx.copy.indices_before);
  assert.deepEqual(c.toDicts(), am.toDicts());
  c.get(0).name = "changed";
  c.get(0).scale = 7;
  assert.equal(am.get(0).name, undefined);
  assert.equal(am.get(0).scale, 1);
  assert.notEqual(c.axes[0], am.axes[0]);
  assert.equal(c.axes[0].axesManager, c);
  const r = new AxesManager([{ size: 2, navigate: true }], { ragged: true });
  assert.equal(r.copy().ragged, true);
});

test("single axes: axis values, limits, reprs, dictionaries", () => {
  for (const c of fx.axes) {
    const s = c.spec;
    const ax = new DataAxis({ name: s.name, units: s.units, size: s.size, scale: s.scale, offset: s.offset, navigate: s.navigate, isBinned: s.is_binned });
    assert.deepEqual(Array.from(ax.axis), c.axis, `axis ${JSON.stringify(s)}`);
    assert.equal(ax.lowValue, c.low_value);
    assert.equal(ax.highValue, c.high_value);
    assert.equal(ax.toString(), c.repr);
    assert.equal(`${ax.displayName} axis`, c.str);
    assert.deepEqual(ax.toDict(), c.dict);
    assert.deepEqual(DataAxis.fromDict(c.dict).toDict(), c.dict);
    assert.deepEqual(ax.copy().toDict(), c.dict);
  }
});

test("value2index (round / floor / ceil) on several axes incl. negative and zero scale", () => {
  let n = 0;
  const kinds: Rounding[] = ["round", "floor", "ceil"];
  for (const c of fx.axes) {
    const s = c.spec;
    const ax = new DataAxis({ size: s.size, scale: s.scale, offset: s.offset });
    for (const row of c.value2index) {
      const v = row[0];
      kinds.forEach((k, j) => {
        const want = row[j + 1];
        const what = `value2index(${v}, ${k}) on ${JSON.stringify(s)}`;
        if (typeof want === "number") assert.equal(ax.value2index(v, k), want, what);
        else expectError(() => ax.value2index(v, k), { message: want }, what);
        n++;
      });
    }
  }
  assert.ok(n > 500, `${n} value2index cases`);
});

test("index2value and valueRangeToIndices on several axes, with HyperSpy's errors", () => {
  for (const c of fx.axes) {
    const s = c.spec;
    const ax = new DataAxis({ size: s.size, scale: s.scale, offset: s.offset });
    for (const r of c.index2value) {
      if ("value" in r) assert.equal(ax.index2value(r.i), r.value, `index2value(${r.i})`);
      else expectError(() => ax.index2value(r.i), r, `index2value(${r.i})`);
    }
    for (const [v1, v2, want] of c.value_range_to_indices) {
      const what = `valueRangeToIndices(${v1}, ${v2}) on ${JSON.stringify(s)}`;
      if (typeof want === "string") expectError(() => ax.valueRangeToIndices(v1, v2), { message: want }, what);
      else assert.deepEqual(ax.valueRangeToIndices(v1, v2), want, what);
    }
  }
});

test("the reference axis (size 10, scale 0.5, offset 0.25)", () => {
  const R = fx.reference_axis;
  const ax = new DataAxis({ name: "E", units: "eV", size: 10, scale: 0.5, offset: 0.25 });
  for (const [v, i] of Object.entries(R.v2i)) assert.equal(ax.value2index(Number(v)), i, `value2index(${v})`);
  assert.deepEqual((["round", "floor", "ceil"] as Rounding[]).map((k) => ax.value2index(0.5, k)), R.v2i_half);
  assert.equal(ax.index2value(3), R.i2v_3);
  assert.deepEqual(ax.valueRangeToIndices(0.75, 2.25), R.range_075_225);
  assert.deepEqual(ax.valueRangeToIndices(null, null), R.range_none);
  assert.deepEqual(ax.valueRangeToIndices(), R.range_none);
  assert.ok("error" in R.range_3_1);
  expectError(() => ax.valueRangeToIndices(3, 1), R.range_3_1, "range 3, 1");
  assert.deepEqual(ax.toDict(), R.dict);
  assert.throws(() => ax.value2index(-0.1), (e: unknown) => e instanceof RangeError && e.message === "The value is out of the axis limits");
  assert.throws(() => ax.value2index(NaN), /NaN/);
  assert.throws(() => ax.value2index(Infinity), /out of the axis limits/);
  assert.throws(() => ax.value2index(1, "nearest" as Rounding), /Non-supported rounding/);
});

test("fromDict rejects another _type with HyperSpy's message", () => {
  const r = fx.bad_type;
  assert.ok("error" in r);
  expectError(() => DataAxis.fromDict({ _type: "DataAxis" as "UniformDataAxis", size: 3 }), r, "bad _type");
});

test("iterpath: flyback and serpentine", () => {
  for (const p of fx.iterpaths) {
    const am = new AxesManager(p.shape.slice().reverse().map((size) => ({ size, navigate: true })).concat([{ size: 2, navigate: false }]));
    assert.deepEqual(am.navigationShape, p.shape);
    assert.deepEqual([...am.iterpath()], p.flyback, `flyback ${p.shape}`);
    assert.deepEqual([...am.iterpath("flyback")], p.flyback, `flyback ${p.shape}`);
    assert.deepEqual([...am.iterpath("serpentine")], p.serpentine, `serpentine ${p.shape}`);
  }
  const M = fx.manager_iteration;
  const am = new AxesManager(M.dicts);
  assert.deepEqual([...am.iterpath("flyback")], M.flyback);
  assert.deepEqual([...am.iterpath("serpentine")], M.serpentine);
  assert.deepEqual(am.indices, [0, 0], "iterating does not move the position");
  // a custom path
  assert.deepEqual([...am.iterpath([[2, 1], [0, 0]])], [[2, 1], [0, 0]]);
  function* gen(): Generator<number[]> {
    yield [1, 1];
  }
  assert.deepEqual([...am.iterpath(gen())], [[1, 1]]);
  // a zero-size navigation axis: no positions (HyperSpy's serpentine never ends there)
  const z = new AxesManager([{ size: 0, navigate: true }, { size: 2, navigate: true }]);
  assert.deepEqual([...z.iterpath("serpentine")], []);
  assert.deepEqual([...z.iterpath("flyback")], []);
});

test("iterpath errors", () => {
  const E = fx.iterpath_errors;
  const am = new AxesManager(fx.manager_iteration.dicts);
  expectError(() => [...am.iterpath("blahblah" as "flyback")], E.blahblah, "blahblah");
  expectError(() => [...am.iterpath(5 as unknown as "flyback")], E.not_iterable, "5");
  expectError(() => [...am.iterpath([0, 1, 2] as unknown as number[][])], E.flat_list, "[0, 1, 2]");
  expectError(() => [...am.iterpath([[0]])], E.wrong_length, "[(0,)]");
  assert.throws(() => [...am.iterpath([[0, 0], [3, 0]])], /must be 0 <= a number <= 2/);
});

test("setSignalDimension", () => {
  for (const c of fx.set_signal_dimension) {
    const am = new AxesManager([{ size: 2, navigate: true }, { size: 3, navigate: true }, { size: 4 }]);
    if ("value" in c) {
      am.setSignalDimension(c.set);
      assert.equal(am.dimensionString(), c.value);
      assert.deepEqual(am.axes.map((a) => a.navigate), c.navigate);
    } else expectError(() => am.setSignalDimension(c.set), c, `setSignalDimension(${c.set})`);
  }
  const r = new AxesManager([{ size: 2, navigate: true }], { ragged: true });
  assert.throws(() => r.setSignalDimension(1), /ragged array must have zero signal dimension/);
});

test("axis changes show through the manager (navigate flags, sizes)", () => {
  const am = new AxesManager([{ size: 2, navigate: true }, { size: 3, navigate: true }, { size: 4 }]);
  am.arrayAxis(0).navigate = false;
  assert.equal(am.dimensionString(), "(3|4, 2)");
  am.arrayAxis(2).size = 5;
  assert.deepEqual(am.shape, [3, 5, 2]);
  assert.equal(am.arrayAxis(2).axis.length, 5);
});

test("bad options get clear errors", () => {
  assert.throws(() => new DataAxis({ size: -1 }), /size must be a non-negative integer, got -1/);
  assert.throws(() => new DataAxis({ size: 2.5 }), /size must be a non-negative integer, got 2.5/);
  assert.throws(() => new DataAxis({ size: 3, scale: "1" as unknown as number }), /scale must be a number/);
  assert.throws(() => new DataAxis({ size: 3, name: 5 as unknown as string }), /name must be a string/);
  assert.throws(() => new AxesManager("x" as unknown as DataAxis[]), /list of axes/);
  assert.throws(() => new DataAxis({ size: 3 }).index2value(1.5), TypeError);
});

test("number formatting helpers match Python", () => {
  const g: [number, number, string][] = [
    [1.25, 2, "1.2"], [1.75, 2, "1.8"], [0.125, 2, "0.12"], [-0, 2, "-0"], [1e6, 6, "1e+06"], [123456, 6, "123456"],
    [100, 2, "1e+02"], [0.0001, 2, "0.0001"], [0.00001, 2, "1e-05"], [9.96, 2, "10"], [99.5, 2, "1e+02"],
    [1234567, 6, "1.23457e+06"], [5e-324, 2, "4.9e-324"], [1.7976931348623157e308, 2, "1.8e+308"], [0.5, 0, "0.5"],
  ];
  for (const [x, p, want] of g) assert.equal(formatG(x, p), want, `%.${p}g % ${x}`);
  const r: [number, string][] = [
    [0.1, "0.1"], [1e16, "1e+16"], [1e15, "1000000000000000.0"], [0.0001, "0.0001"], [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"], [2.5, "2.5"], [-3, "-3.0"], [0.6000000000000001, "0.6000000000000001"], [1.2345e20, "1.2345e+20"],
  ];
  for (const [x, want] of r) assert.equal(pyFloatRepr(x), want, `repr(${x})`);
  assert.deepEqual([0, 1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112].map(ordinal), [
    "0th", "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th", "112th",
  ]);
});
