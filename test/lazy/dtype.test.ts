/**
 * dtypes: numpy's promotion tables (result_type with several scalars, the loop search of
 * floor_divide / remainder / power), dtype validation errors, casting of single values.
 * Fixtures: test/fixtures/make_elementwise.py -> elementwise.json ("promotion").
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { DType, DTYPES, castValue, checkDType, itemsize, resultType, ufuncLoopType } from "../../lazy/core/dtype";
import { loadFixture } from "../helpers";

type Sc = number | boolean;
interface Fixture {
  promotion: {
    loop: { a: DType | null; b: DType | Sc | Sc[]; floorDivDtype: DType }[];
    three: { a: DType; scalars: Sc[]; resultType: DType }[];
  };
}
const fx = loadFixture<Fixture>("elementwise").promotion;

test("ufuncLoopType: numpy's loop search for floor_divide over every dtype with every dtype and python scalar", () => {
  assert.ok(fx.loop.length > 100);
  for (const c of fx.loop) {
    const operands: (DType | Sc)[] = c.a === null ? (c.b as Sc[]) : [c.a, c.b as DType | Sc];
    assert.equal(ufuncLoopType(...operands), c.floorDivDtype, `floor_divide(${operands.map(String).join(", ")})`);
  }
});

test("resultType: an array with two python scalars (as numpy.clip) matches numpy.result_type", () => {
  for (const c of fx.three) assert.equal(resultType(c.a, ...c.scalars), c.resultType, `${c.a} with ${c.scalars}`);
});

test("checkDType: unknown dtypes are rejected naming the valid ones, with hints for 64-bit ints and float16", () => {
  for (const d of DTYPES) assert.equal(checkDType(d), d);
  const check = (bad: unknown, hint: RegExp) =>
    assert.throws(
      () => checkDType(bad, "astype"),
      (e: unknown) => e instanceof TypeError && /astype/.test(e.message) && DTYPES.every((d) => e.message.includes(d)) && hint.test(e.message),
    );
  check("int65", /int64, uint64/);
  check("float16", /float32/);
  check("complex128", /complex128/);
  check(undefined, /undefined/);
  check(3, /3/);
});

test("itemsize and castValue: byte sizes, wrap-around, truncation toward zero, float32 rounding", () => {
  assert.deepEqual(
    DTYPES.map((d) => itemsize(d)),
    [1, 1, 2, 4, 1, 2, 4, 4, 8, 8, 8],
  );
  // int64 / uint64: bigints, wrapping modulo 2^64; floats truncate, NaN and out of range as x86 numpy
  assert.equal(castValue("int64", 2n ** 63n), -(2n ** 63n));
  assert.equal(castValue("uint64", -1), 2n ** 64n - 1n);
  assert.equal(castValue("int64", -2.9), -2n);
  assert.equal(castValue("int64", NaN), -(2n ** 63n));
  assert.equal(castValue("uint64", -1.5), 2n ** 64n - 1n);
  assert.equal(castValue("uint64", Infinity), 0n);
  assert.equal(castValue("int32", 2n ** 32n + 5n), 5);
  assert.equal(castValue("float64", 2n ** 53n + 1n), 2 ** 53);
  assert.equal(castValue("int8", 200), -56);
  assert.equal(castValue("uint8", -1), 255);
  assert.equal(castValue("int16", -2.9), -2);
  assert.equal(castValue("uint32", -1), 4294967295);
  assert.equal(castValue("int32", 2147483648), -2147483648);
  assert.equal(castValue("bool", 0.1), 1);
  assert.equal(castValue("bool", true), 1);
  assert.equal(castValue("float32", 0.1), Math.fround(0.1));
  assert.ok(Number.isNaN(castValue("float64", NaN)));
});
