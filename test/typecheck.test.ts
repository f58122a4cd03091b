/**
 * The library's .d.ts files must type-check under TypeScript 5.0 (the compiler tslab uses in the
 * kernel), as a notebook cell would use them: `const hs = require("hyperspy-ts")` in CommonJS.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./helpers";

test("dist/*.d.ts type-check with TypeScript 5.0 in a strict CommonJS consumer", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hsts-ts50-"));
  fs.writeFileSync(
    path.join(dir, "cell.ts"),
    `import hs = require(${JSON.stringify(ROOT)});
const x = hs.lazy.random.random([8, 8, 16], { seed: 1, chunks: [4, 4, -1], dtype: "float32" });
const y: hs.lazy.LazyArray = x.mul(2).add(1).pow(2).mean({ axis: [0, 1] });
const s: hs.lazy.GraphSummary = y.summary();
const n: number = s.tasksFull;
const m = x.get(x.gt(0.5));
async function main(): Promise<number> {
  const k = await m.computeChunkSizes();
  const v = await y.compute({ scheduler: "threads", onProgress: (p) => void p.done });
  return v.get(0) + k.shape[0] + n;
}
void main;
`,
  );
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: "commonjs", moduleResolution: "node", target: "ES2020", types: ["node"], typeRoots: [path.join(ROOT, "node_modules", "@types")] },
      files: ["cell.ts"],
    }),
  );
  const tsc = path.join(ROOT, "node_modules", "typescript-5.0", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8" });
  assert.equal(r.status, 0, `TypeScript 5.0 reported:\n${r.stdout}${r.stderr}`);
  const version = spawnSync(process.execPath, [tsc, "--version"], { encoding: "utf8" }).stdout.trim();
  assert.equal(version, "Version 5.0.4");
});
