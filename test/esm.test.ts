/**
 * The package is CommonJS (tslab cells use require) but its storage dependencies are ESM-only:
 * the compiled output must keep dynamic `import()` so they load from CommonJS.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { importEsm } from "../lazy/core/esm";
import { ROOT } from "./helpers";

const fixture = path.join(ROOT, "test", "fixtures", "esm", "index.js");

test("an ESM-only module loads from the CommonJS build through importEsm", async () => {
  const m = await importEsm<{ answer: number; default: (x: number) => number }>(fixture);
  assert.equal(m.answer, 42);
  assert.equal(m.default(21), 42);
  assert.equal(await importEsm(fixture), m, "loaded once");
});

test("the compiled CommonJS keeps import() (module Node16), not require()", () => {
  const js = fs.readFileSync(path.join(ROOT, "dist", "lazy", "core", "esm.js"), "utf8");
  assert.match(js, /import\(specifier\)/);
  assert.match(js, /exports\.importEsm/);
});

test("a missing ES module is a clear error naming it", async () => {
  await assert.rejects(importEsm("/nonexistent/module.js"), /could not load the ES module "\/nonexistent\/module.js"/);
});
