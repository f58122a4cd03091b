/**
 * The engine's layout (docs/engine.md, "Where the code is"): lazy/ is folders by concept, no source
 * file over 650 lines, and no runtime import cycle between its modules. Cycles are read from the
 * compiled CommonJS (dist/lazy/**\/*.js), where type-only imports are gone, so `import type` across
 * folders is allowed and only the `require("./...")` calls that run at load time count.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../helpers";

const SRC = path.join(ROOT, "lazy");
const DIST = path.join(ROOT, "dist", "lazy");
const MAX_LINES = 650;

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path.join(dir, e.name)] : []))
    .sort();
}

/** Module id (path under lazy/ without extension) -> the lazy/ modules it requires at load time. */
function runtimeGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const src of sources(SRC)) {
    const id = path.relative(SRC, src).replace(/\.ts$/, "");
    const js = fs.readFileSync(path.join(DIST, id + ".js"), "utf8");
    const deps: string[] = [];
    for (const m of js.matchAll(/\brequire\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
      let dep = path.normalize(path.join(path.dirname(id), m[1])).replace(/\.js$/, "");
      if (fs.existsSync(path.join(SRC, dep, "index.ts"))) dep = path.join(dep, "index");
      if (!dep.startsWith("..")) deps.push(dep.split(path.sep).join("/"));
    }
    graph.set(id.split(path.sep).join("/"), deps);
  }
  return graph;
}

/** Every cycle's modules (Tarjan's strongly connected components of more than one module, or a self-import). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

test("lazy/ modules import each other without a runtime cycle", () => {
  const graph = runtimeGraph();
  assert.ok(graph.size > 20, `expected the engine's modules, found ${graph.size}`);
  for (const [id, deps] of graph) for (const d of deps) assert.ok(graph.has(d), `${id} requires ${d}, which is not a lazy/ module`);
  assert.deepEqual(cycles(graph), [], "runtime import cycles (break them with `import type` or a late binding)");
});

test("the cycle finder finds a cycle", () => {
  const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  assert.deepEqual(cycles(g), [["a", "b", "c"]]);
});

test(`no lazy/ source file is over ${MAX_LINES} lines`, () => {
  const long = sources(SRC)
    .map((f) => [path.relative(ROOT, f), fs.readFileSync(f, "utf8").split("\n").length] as const)
    .filter(([, n]) => n > MAX_LINES);
  assert.deepEqual(long, []);
});

test("lazy/ keeps its files in the folders by concept", () => {
  const top = fs.readdirSync(SRC, { withFileTypes: true });
  assert.deepEqual(top.filter((e) => e.isFile()).map((e) => e.name), ["index.ts"]);
  assert.deepEqual(top.filter((e) => e.isDirectory()).map((e) => e.name).sort(), ["core", "display", "distributed", "graph", "kernels", "ops", "storage"]);
});
