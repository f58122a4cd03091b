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

test("the README's signals example runs and prints what it says", async () => {
  const md = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const m = /## Signals\s+```js\n([\s\S]*?)```/.exec(md);
  assert.ok(m, "README has a js block under '## Signals'");
  const code = `const hs = require(${JSON.stringify(ROOT)});\n${m[1]}`;
  const run = new Function("require", `return (async () => {\n${code}\nreturn { s: String(s), nav: s.axesManager.navigationShape, l: String(l), t: String(t) };\n})();`) as (
    r: NodeRequire,
  ) => Promise<Record<string, unknown>>;
  const out = await run(require);
  assert.equal(out.s, "<Signal1D, title: , dimensions: (3, 2|4)>");
  assert.deepEqual(out.nav, [3, 2]);
  assert.equal(out.l, "<LazySignal1D, title: , dimensions: (3, 2|4)>");
  assert.equal(out.t, "<Signal2D, title: , dimensions: (4|3, 2)>");
});
