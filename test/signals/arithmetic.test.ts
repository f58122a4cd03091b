/**
 * Signal arithmetic against HyperSpy 1.7.3 (test/fixtures/make_arithmetic.py): signal with signal
 * (HyperSpy's separate broadcasting of navigation and signal spaces, the result's axes, class, title,
 * dtype and data, "Invalid dimensions for this operation"), signal with scalar (numpy 1.24 dtypes),
 * unary operators and ufuncs. Every case runs eager and lazy (and mixed for pairs).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as hs from "../../index";
import { SignalBinaryOp, SignalUnaryOp, INVALID_DIMENSIONS, binary } from "../../signals/arithmetic";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";

type Sig = InstanceType<typeof hs.signals.BaseSignal>;
type ClsName = "BaseSignal" | "Signal1D" | "Signal2D";

interface AxisFx {
  name: string;
  size: number;
  scale: number;
  offset: number;
  units: string;
  navigate: boolean;
}
interface OperandFx {
  cls: ClsName;
  data: FixtureArray;
  title: string;
  axes: AxisFx[];
}
interface ResultFx {
  repr: string;
  lazyRepr: string;
  title: string;
  data: FixtureArray;
  axes: AxisFx[];
}
interface Fx {
  pairs: { label: string; a: OperandFx; b: OperandFx; results?: Partial<Record<SignalBinaryOp, ResultFx>>; error?: string }[];
  scalars: { op: SignalBinaryOp; scalar: number | boolean; a: OperandFx; result: ResultFx }[];
  unary: { op: SignalUnaryOp; a: OperandFx; result: ResultFx }[];
  calibrationWarning: { a: OperandFx; b: OperandFx; bSignalScale: number; messages: string[]; axes: AxisFx[] };
  reflectedError: string;
}
const fx = loadFixture<Fx>("arithmetic");

/**
 * Eager signals hold bool data as 0/1 in a Uint8Array tagged "bool" by the engine (lazy/core/block.ts
 * DTYPE_TAG), so they read "bool" like lazy ones.
 */
const EAGER_BOOL_DTYPE = "bool";

/** The operand as HyperSpy built it: eager, or lazy with `chunks` (the fixture's dtype kept, bool included). */
function build(d: OperandFx, lazy: boolean, chunks = 2): Sig {
  const block = fromFixture(d.data);
  const axes = d.axes.map((a) => ({ name: a.name, size: a.size, scale: a.scale, offset: a.offset, units: a.units, navigate: a.navigate }));
  const s = new hs.signals[d.cls](block, { axes, metadata: { General: { title: d.title } }, dtype: d.data.dtype });
  if (!lazy) return s;
  return s.withData(hs.lazy.fromArray(block, { dtype: d.data.dtype, chunks }));
}

function values(s: Sig): hs.lazy.NDArray {
  return s.data instanceof hs.lazy.LazyArray ? s.data.computeSync() : s.data;
}

function check(r: Sig, f: ResultFx, lazy: boolean, what: string): void {
  assert.equal(r.isLazy, lazy, `${what}: lazy`);
  assert.equal(String(r), lazy ? f.lazyRepr : f.repr, `${what}: repr`);
  assert.equal(r.title, f.title, `${what}: title`);
  const want = f.data.dtype === "bool" && !lazy ? EAGER_BOOL_DTYPE : f.data.dtype;
  assert.equal(r.dtype, want, `${what}: dtype`);
  if (!lazy) assert.ok(!(r.data instanceof hs.lazy.LazyArray), `${what}: eager data in memory`);
  assert.deepEqual(
    r.axesManager.axes.map((a) => ({ name: a.name, size: a.size, scale: a.scale, offset: a.offset, units: a.units, navigate: a.navigate })),
    f.axes,
    `${what}: axes (array order)`,
  );
  assertArrayClose(values(r), f.data, { msg: `${what}: data` });
}

const VARIANTS: [string, boolean, boolean][] = [
  ["eager + eager", false, false],
  ["lazy + lazy", true, true],
  ["lazy + eager", true, false],
  ["eager + lazy", false, true],
];

/** Results checked over all pairs and variants (from the fixture: 4 variants each, bool pairs included). */
const EXPECTED_PAIR_CHECKS = fx.pairs.reduce((n, p) => n + 4 * (p.error !== undefined ? 1 : Object.keys(p.results ?? {}).length), 0);
let pairChecks = 0;
for (const p of fx.pairs) {
  test(`signal with signal: ${p.label}${p.error ? " -> " + p.error : ""}`, () => {
    for (const [v, la, lb] of VARIANTS) {
      const a = build(p.a, la, 2);
      const b = build(p.b, lb, 3);
      if (p.error !== undefined) {
        assert.throws(
          () => a.add(b),
          (e: Error) => {
            assert.ok(e instanceof RangeError, "a RangeError (HyperSpy: ValueError)");
            assert.ok(e.message.startsWith(p.error + ":"), e.message);
            assert.ok(e.message.includes(a.axesManager.dimensionString()) && e.message.includes(b.axesManager.dimensionString()), `both shapes named: ${e.message}`);
            return true;
          },
        );
        pairChecks++;
        continue;
      }
      const lazy = la || lb;
      for (const [op, f] of Object.entries(p.results ?? {}) as [SignalBinaryOp, ResultFx][]) {
        check(a[op](b), f, lazy, `${v} ${op}`);
        pairChecks++;
      }
      // operands untouched
      assert.equal(String(a), String(build(p.a, la)));
    }
  });
}

for (const c of fx.scalars) {
  test(`signal with scalar: ${c.a.data.dtype} ${c.op} ${String(c.scalar)} -> ${c.result.data.dtype} ${c.result.repr}`, () => {
    for (const lazy of [false, true]) {
      if (c.a.data.dtype === "bool" && !lazy) continue;
      const a = build(c.a, lazy);
      check(a[c.op](c.scalar), c.result, lazy, lazy ? "lazy" : "eager");
    }
  });
}

for (const c of fx.unary) {
  test(`unary: ${c.op} ${c.a.data.dtype} ${c.a.cls} -> ${c.result.data.dtype} ${c.result.repr}`, () => {
    for (const lazy of [false, true]) {
      const a = build(c.a, lazy);
      check(a[c.op](), c.result, lazy, lazy ? "lazy" : "eager");
    }
  });
}

test("eager bool data: comparisons give 0/1 values and read as bool, eagerly and lazily", () => {
  const s = new hs.signals.Signal1D([1, 5, 3, 7]);
  const g = s.gt(3);
  assert.deepEqual(hs.lazy.toFlat(values(g)), [0, 1, 0, 1]);
  assert.equal(g.dtype, EAGER_BOOL_DTYPE);
  assert.equal(s.asLazy().gt(3).dtype, "bool");
});

test("calibration mismatch: HyperSpy's warning text, the left signal's axis kept on a tie", async () => {
  const w = fx.calibrationWarning;
  const a = build(w.a, false);
  const b = build(w.b, false);
  b.axesManager.signalAxes[0].scale = w.bSignalScale;
  const seen: string[] = [];
  const onWarning = (e: Error) => seen.push(e.message);
  process.on("warning", onWarning);
  try {
    const r = a.add(b);
    await new Promise((res) => setImmediate(res)); // warnings are emitted on the next tick
    assert.deepEqual(seen, w.messages);
    assert.deepEqual(
      r.axesManager.axes.map((x) => ({ name: x.name, size: x.size, scale: x.scale, offset: x.offset, units: x.units, navigate: x.navigate })),
      w.axes,
    );
  } finally {
    process.off("warning", onWarning);
  }
});

test("no reflected operations: a scalar on the left is a TypeError with HyperSpy's text and the fix", () => {
  const s = new hs.signals.Signal1D([1, 2, 3, 4]);
  assert.throws(
    () => binary("add", 1 as unknown as Sig, s),
    (e: Error) => e instanceof TypeError && e.message.startsWith(fx.reflectedError) && e.message.includes("s.add(1)"),
  );
});

test("ndarray and LazyArray operands: numpy broadcasting against the data array, which must keep its shape", () => {
  // reference 1.6: s + np.arange(4) -> [[[0,2,4,6],[4,6,8,10],...]]
  const data = hs.lazy.arange(24).reshape([2, 3, 4]).computeSync();
  const s = new hs.signals.Signal1D(data);
  const v = hs.lazy.arange(4).computeSync();
  const r = s.add(v);
  assert.equal(String(r), "<Signal1D, title: , dimensions: (3, 2|4)>");
  assert.ok(!r.isLazy);
  assert.deepEqual(hs.lazy.toFlat(values(r)).slice(0, 8), [0, 2, 4, 6, 4, 6, 8, 10]);
  const rl = s.add(hs.lazy.arange(4));
  assert.ok(rl.isLazy);
  assert.equal(String(rl), "<LazySignal1D, title: , dimensions: (3, 2|4)>");
  assert.deepEqual(hs.lazy.toFlat(values(rl)), hs.lazy.toFlat(values(r)));
  assert.throws(() => s.add(hs.lazy.arange(24).reshape([2, 3, 4, 1]).computeSync()), /does not broadcast to the data shape \[2, 3, 4\]/);
  assert.throws(() => s.add(hs.lazy.arange(3).computeSync()), RangeError);
});

test("bad operands are TypeErrors naming what is accepted", () => {
  const s = new hs.signals.Signal1D([1, 2, 3, 4]);
  assert.throws(() => s.add("1" as unknown as number), /unsupported operand type\(s\) for \+: 'Signal1D' and 'str'; give a signal, a number/);
  assert.throws(() => s.mul(null as unknown as number), /'Signal1D' and 'NoneType'/);
});

test("INVALID_DIMENSIONS is HyperSpy 1.7.3's text; every pair result was checked", () => {
  assert.equal(INVALID_DIMENSIONS, fx.pairs.find((p) => p.error)?.error);
  // every pair result ran in 4 variants (bool pairs: lazy only), errors included
  assert.equal(pairChecks, EXPECTED_PAIR_CHECKS);
});
