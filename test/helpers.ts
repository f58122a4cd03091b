/**
 * Test helpers: load fixtures written by test/fixtures/make_*.py and compare arrays with them.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Block, sizeOf, makeBlock, toFlat } from "../lazy/core/block";
import { DType, allocate } from "../lazy/core/dtype";

/** Repository root (tests run from dist/test/). */
export const ROOT = path.resolve(__dirname, "..", "..");

export type FixtureValue = number | boolean | "nan" | "inf" | "-inf";
export interface FixtureArray {
  shape: number[];
  dtype: DType;
  data: FixtureValue[];
}

export function decodeValue(v: FixtureValue): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
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
  a.data.forEach((v, i) => (data[i] = decodeValue(v)));
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
  const got = toFlat(actual);
  const want = expected.data.map(decodeValue);
  const rtol = opts.rtol ?? (expected.dtype === "float32" ? 1e-5 : 1e-12);
  const atol = opts.atol ?? (expected.dtype === "float32" ? 1e-6 : 1e-12);
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
