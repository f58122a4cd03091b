/**
 * Headless notebooks through the kernel: `jupyter nbconvert --to notebook --execute`, as CI and
 * users run them. Execution counts are set, outputs are where they belong, and with
 * --allow-errors the cells after an error still run.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { bareDir, jupyterEnv, jupyterMissing } from "./jupyter";

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: { [mime: string]: unknown };
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: Output[];
}

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: "hyperspy-ts", display_name: "TypeScript (HyperSpy)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

function execute(dir: string, name: string, cells: string[], extra: string[] = []) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, notebook(cells));
  const r = spawnSync(
    "jupyter",
    ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120", "--output", name.replace(".ipynb", ".out.ipynb"), ...extra, file],
    { cwd: dir, env: jupyterEnv(), encoding: "utf8", timeout: 300_000 },
  );
  const outFile = file.replace(".ipynb", ".out.ipynb");
  const cellsOut: Cell[] = fs.existsSync(outFile) ? (JSON.parse(fs.readFileSync(outFile, "utf8")) as { cells: Cell[] }).cells : [];
  return { status: r.status, stderr: r.stderr, cells: cellsOut };
}

const text = (o: Output): string => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? ""));
const plain = (o: Output): string => {
  const v = o.data?.["text/plain"];
  return Array.isArray(v) ? v.join("") : String(v ?? "");
};

test("nbconvert --execute runs a notebook that uses hs, with execution counts", { timeout: 300_000 }, () => {
  const missing = jupyterMissing();
  assert.equal(missing, null, missing ?? "");
  const dir = bareDir("nb");
  const r = execute(dir, "signals.ipynb", [
    "const s = new hs.signals.Signal1D(hs.lazy.arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 3, 4]).computeSync());\nString(s)",
    "s.axesManager.navigationShape",
    "console.log('sum', (await s.asLazy().sum().compute()).data.get(0))",
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    r.cells.map((c) => c.execution_count),
    [1, 2, 3],
  );
  assert.equal(plain(r.cells[0].outputs?.[0] ?? { output_type: "" }), "'<Signal1D, title: , dimensions: (3, 2|4)>'");
  const nav = r.cells[1].outputs?.find((o) => o.output_type === "execute_result");
  assert.deepEqual(nav?.data?.["application/json"], [3, 2]);
  const printed = r.cells[2].outputs?.filter((o) => o.output_type === "stream").map(text).join("");
  // HyperSpy's sum() with no axis sums over the navigation axes: data[0] = 0 + 4 + ... + 20.
  assert.equal(printed, "sum 60\n");
});

test("nbconvert --allow-errors keeps running the cells after an error", { timeout: 300_000 }, () => {
  const missing = jupyterMissing();
  assert.equal(missing, null, missing ?? "");
  const dir = bareDir("nb-err");
  const cells = ["const a = 1;\na", "throw new TypeError('bad input, on purpose')", "a + 1", "console.log('after')"];
  const r = execute(dir, "errors.ipynb", cells, ["--allow-errors"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    r.cells.map((c) => c.execution_count),
    [1, 2, 3, 4],
  );
  const err = r.cells[1].outputs?.find((o) => o.output_type === "error");
  assert.equal(err?.ename, "TypeError");
  assert.equal(err?.evalue, "bad input, on purpose");
  assert.equal(plain(r.cells[2].outputs?.[0] ?? { output_type: "" }), "2");
  assert.equal(text(r.cells[3].outputs?.[0] ?? { output_type: "" }), "after\n");

  // Without --allow-errors the run fails and names the error.
  const strict = execute(dir, "strict.ipynb", cells);
  assert.notEqual(strict.status, 0);
  assert.match(strict.stderr, /TypeError/);
  assert.match(strict.stderr, /bad input, on purpose/);
});
