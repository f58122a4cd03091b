/**
 * The graph pass that compiles the kernels of a graph's fused elementwise and reduction tasks when
 * the graph is optimised (after the fusion passes), so the first block does not pay for it and an
 * expression the compiler refuses is known before anything runs. Each worker compiles its own copy
 * on first use (modules are cheap; instances are per thread), from the same cache key.
 */
import { Key, Task, registerPass } from "../../graph/graph";
import { Mode, WExpr, inputDtypes } from "./simd";
import { exprCacheKey, wasmCompiles, wasmKernelsEnabled } from "./runtime";

function precompile(tasks: Map<Key, Task>): void {
  if (!wasmKernelsEnabled()) return;
  const seen = new Set<string>();
  for (const t of tasks.values()) {
    let e: WExpr | undefined;
    let kinds: ("ew" | "rows" | "red")[] = [];
    if (t.op === "elementwise") {
      e = (t.params as { expr: WExpr }).expr;
      kinds = ["ew"];
    } else if (t.op === "reduction.chunk") {
      const p = t.params as { pre?: WExpr; kind: string; reduced: boolean[] };
      if (!p.pre || (p.kind !== "sum" && p.kind !== "mean")) continue;
      e = p.pre;
      // which scan kernel runs depends on the block's layout: the innermost axis kept or reduced
      kinds = [p.reduced[p.reduced.length - 1] ? "red" : "rows"];
    }
    if (!e) continue;
    const key = exprCacheKey(e);
    const modes: Mode[] = inputDtypes(e).map(() => "v");
    for (const k of kinds) {
      const sig = `${k}|${key}`;
      if (seen.has(sig)) continue;
      seen.add(sig);
      wasmCompiles(k, key, e, modes);
    }
  }
}

registerPass((tasks) => precompile(tasks), 30);
