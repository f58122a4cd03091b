/**
 * The README's usage example runs as written (with `require("hyperspy-ts")` pointing here).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./helpers";

test("the README's engine example runs", async () => {
  const md = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const m = /## Using the engine\s+```js\n([\s\S]*?)```/.exec(md);
  assert.ok(m, "README has a js block under '## Using the engine'");
  const code = m[1].replace('require("hyperspy-ts")', `require(${JSON.stringify(ROOT)})`);
  const run = new Function("require", `return (async () => {\n${code}\nreturn { v, known, a, b };\n})();`) as (r: NodeRequire) => Promise<Record<string, { shape: number[] }>>;
  const out = await run(require);
  assert.deepEqual(out.v.shape, [1024]);
  assert.equal(out.a.shape.length, 0);
  assert.ok(out.known.shape[0] > 0);
});
