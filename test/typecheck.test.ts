/**
 * The library's .d.ts files must type-check under TypeScript 5.0 (the compiler tslab uses in the
 * kernel), as a notebook cell would use them: `const hs = require("hyperspy-ts")` in CommonJS.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ROOT, TSC_50, assertTypechecksWithTs50 } from "./helpers";

test("dist/*.d.ts type-check with TypeScript 5.0 in a strict CommonJS consumer", () => {
  assertTypechecksWithTs50(
    `import hs = require(${JSON.stringify(ROOT)});
const x = hs.lazy.random.random([8, 8, 16], { seed: 1, chunks: [4, 4, -1], dtype: "float32" });
const y: hs.lazy.LazyArray = x.mul(2).add(1).pow(2).mean({ axis: [0, 1] });
const s: hs.lazy.GraphSummary = y.summary();
const n: number = s.tasksFull;
const m = x.get(x.gt(0.5));
async function main(): Promise<number> {
  const k = await m.computeChunkSizes();
  const v = await y.compute({ scheduler: "threads", onProgress: (p) => void p.done });
  const w: number = hs.lazy.asNumbers(v).get(0); // elements are number | bigint (bigint for int64 / uint64): narrowed, checked
  const big: bigint = hs.lazy.asBigInts(await hs.lazy.arange(3).sum().compute()).get();
  return w + Number(v.get(0)) + k.shape[0] + n + Number(big);
}
void main;
`,
    "ts50",
  );
  const version = spawnSync(process.execPath, [TSC_50, "--version"], { encoding: "utf8" }).stdout.trim();
  assert.equal(version, "Version 5.0.4");
});
