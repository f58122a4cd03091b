/**
 * Test helpers: load fixtures written by test/fixtures/make_*.py and compare arrays with them.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Block, dtypeOf, sizeOf, makeBlock, toFlat, toValues } from "../lazy/core/block";
import { DType, allocate, isBigArray } from "../lazy/core/dtype";

/** Repository root (tests run from dist/test/). */
export const ROOT = path.resolve(__dirname, "..", "..");

/** A fixture value: numbers, booleans, "nan" / "inf" / "-inf", or a decimal string (an int64 / uint64 beyond 2^53). */
export type FixtureValue = number | boolean | string;
export interface FixtureArray {
  shape: number[];
  dtype: DType;
  data: FixtureValue[];
}

/** A fixture value as a number (an integer string beyond 2^53 rounded: use decodeExact for int64 / uint64). */
export function decodeValue(v: FixtureValue): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (typeof v === "string") return Number(v);
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}

/** A fixture value in the representation of `dtype`: a bigint for int64 / uint64, else decodeValue. */
export function decodeExact(v: FixtureValue, dtype: DType): number | bigint {
  if (dtype === "int64" || dtype === "uint64") return typeof v === "boolean" ? BigInt(v ? 1 : 0) : BigInt(v);
  return decodeValue(v);
}

/** Decode fixture chunks ("nan" -> NaN). */
export function decodeChunks(c: (number | "nan")[][]): number[][] {
  return c.map((axis) => axis.map((v) => (v === "nan" ? NaN : v)));
}

export function loadFixture<T>(name: string): T {
  const p = path.join(ROOT, "test", "fixtures", `${name}.json`);
  return JSON.parse(fs.readFileSync(p, "utf8")) as T;
}

/** A Block (usable as a scijs ndarray input to fromArray) from a fixture array. */
export function fromFixture(a: FixtureArray): Block {
  const data = allocate(a.dtype, sizeOf(a.shape));
  const w = data as unknown as { [i: number]: number | bigint };
  a.data.forEach((v, i) => (w[i] = decodeExact(v, a.dtype)));
  return makeBlock(data, a.shape);
}

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  /** Also require the dtype to match. */
  dtype?: DType;
  msg?: string;
}

/** Assert `actual` has the fixture's shape and values (NaN equal to NaN), within tolerances. */
export function assertArrayClose(actual: Block, expected: FixtureArray, opts: CloseOptions = {}): void {
  const msg = opts.msg ? `${opts.msg}: ` : "";
  assert.deepEqual(actual.shape.slice(), expected.shape, `${msg}shape`);
  if (opts.dtype !== undefined) assert.equal(dtypeOf(actual), opts.dtype, `${msg}dtype`);
  if ((expected.dtype === "int64" || expected.dtype === "uint64") && (opts.dtype !== undefined || isBigArray(actual.data))) {
    // exact: every element as a bigint (results of a JS user function are numbers: compared below, exactly)
    const g = toValues(actual);
    const w = expected.data.map((v) => decodeExact(v, expected.dtype));
    assert.equal(g.length, w.length, `${msg}size`);
    for (let i = 0; i < w.length; i++) {
      if (typeof g[i] !== "bigint" || g[i] !== w[i]) assert.fail(`${msg}element ${i} (flat, C order): got ${String(g[i])}${typeof g[i] === "bigint" ? "n" : ""}, expected ${String(w[i])}n (${expected.dtype})`);
    }
    return;
  }
  const got = toFlat(actual);
  const want = expected.data.map(decodeValue);
  const big = expected.dtype === "int64" || expected.dtype === "uint64";
  const rtol = opts.rtol ?? (expected.dtype === "float32" ? 1e-5 : big ? 0 : 1e-12);
  const atol = opts.atol ?? (expected.dtype === "float32" ? 1e-6 : big ? 0 : 1e-12);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (g === w) continue;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
      assert.fail(`${msg}element ${i} (flat, C order): got ${g}, expected ${w} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Count calls of a function (for culling tests). */
export function counter<A extends unknown[], R>(fn: (...a: A) => R): { fn: (...a: A) => R; calls: A[] } {
  const calls: A[] = [];
  return {
    calls,
    fn: (...a: A) => {
      calls.push(a);
      return fn(...a);
    },
  };
}

/** TypeScript 5.0.4 (tslab's compiler), the `typescript-5.0` alias package. */
export const TSC_50 = path.join(ROOT, "node_modules", "typescript-5.0", "bin", "tsc");

/**
 * Type-check `source` as a notebook cell would be (strict CommonJS, Node's types) with TypeScript
 * 5.0; asserts it compiles, with the compiler's messages on failure.
 */
export function assertTypechecksWithTs50(source: string, tag = "ts50"): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hsts-${tag}-`));
  fs.writeFileSync(path.join(dir, "cell.ts"), source);
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: "commonjs", moduleResolution: "node", target: "ES2020", types: ["node"], typeRoots: [path.join(ROOT, "node_modules", "@types")] },
      files: ["cell.ts"],
    }),
  );
  const r = spawnSync(process.execPath, [TSC_50, "-p", dir], { encoding: "utf8" });
  assert.equal(r.status, 0, `TypeScript 5.0 reported:\n${r.stdout}${r.stderr}`);
}
