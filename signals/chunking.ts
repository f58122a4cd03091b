/**
 * HyperSpy's chunk policy for lazy signals (`LazySignal._get_dask_chunks`, 1.7.3): every signal
 * axis stays whole; navigation axes share a budget of about 100 MiB per chunk, halving the largest
 * navigation size until the chunk fits, then splitting each navigation axis into nearly equal parts
 * (numpy's array_split).
 */
import { DType, itemsize } from "../lazy/core/dtype";

/** HyperSpy's chunk budget (100 MiB). */
export const SIGNAL_CHUNK_BYTES = 100 * 2 ** 20;

/** numpy.array_split sizes: `n` split into `parts` nearly equal parts, the larger ones first. */
export function arraySplitSizes(n: number, parts: number): number[] {
  const p = Math.max(1, Math.min(parts, Math.max(n, 1)));
  const base = Math.floor(n / p);
  const extra = n % p;
  return Array.from({ length: p }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Chunks in array order for data of `shape` (array order) whose navigation axes are the array axes
 * `navAxes` (the rest are signal axes, kept whole).
 */
export function hyperspyChunks(shape: readonly number[], navAxesIn: readonly number[], dtype: DType, limit = SIGNAL_CHUNK_BYTES): number[][] {
  const navAxes = [...navAxesIn].sort((a, b) => a - b); // array order, as HyperSpy walks _axes
  const sigSize = shape.reduce((p, n, a) => (navAxes.includes(a) ? p : p * n), 1);
  const numThatFit = Math.floor(limit / (Math.max(sigSize, 1) * itemsize(dtype)));
  const chunks: number[][] = shape.map((n) => [n]);
  if (navAxes.length === 0) return chunks.map((c) => (c[0] === 0 ? [0] : c));
  if (numThatFit < 2) {
    for (const a of navAxes) chunks[a] = shape[a] === 0 ? [0] : new Array(shape[a]).fill(1);
    return chunks;
  }
  const target = navAxes.map((a) => shape[a]);
  const product = () => target.reduce((p, n) => p * n, 1);
  while (product() > numThatFit) {
    // halve the largest (the first largest, as numpy's argmax)
    let k = 0;
    for (let i = 1; i < target.length; i++) if (target[i] > target[k]) k = i;
    target[k] = Math.floor(target[k] / 2);
  }
  navAxes.forEach((a, i) => {
    const n = shape[a];
    chunks[a] = n === 0 ? [0] : arraySplitSizes(n, Math.ceil(n / Math.max(target[i], 1)));
  });
  return chunks;
}
