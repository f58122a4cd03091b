/**
 * Loading ESM-only dependencies (numcodecs.js, h5wasm) from this CommonJS package: tsc with module
 * "Node16" keeps `import()` as a real dynamic import in the CommonJS output (with module
 * "commonjs" it would become `require()`, which cannot load an ES module on Node 20), so
 * `require("hyperspy-ts")` works and the ES module loads on first use.
 */
const cache = new Map<string, Promise<unknown>>();

/** Import an ES module once (by package name or absolute path) and keep its namespace. */
export function importEsm<T>(specifier: string): Promise<T> {
  let p = cache.get(specifier);
  if (!p) {
    p = import(specifier).catch((e: unknown) => {
      cache.delete(specifier);
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`could not load the ES module "${specifier}": ${why}`, { cause: e });
    });
    cache.set(specifier, p);
  }
  return p as Promise<T>;
}
