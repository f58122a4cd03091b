/**
 * Rechunk planning, after dask's plan_rechunk (dask/array/rechunk.py, 2022.12).
 *
 * A one-step rechunk between very different chunkings (columns to rows) makes every new block read
 * many old blocks: the graph grows like the product over axes of (old blocks + new blocks - 1). When
 * that estimate exceeds `threshold` times the blocks at both ends, the plan goes through intermediate
 * chunkings:
 *
 * - a merge step joins neighbouring old blocks along the axes where the target has fewer blocks,
 *   taking the axes with the best graph-shrink per block-growth first (a greedy knapsack), as far as
 *   the block size limit allows (partially, by cutting the target chunks to a width, when it does
 *   not allow the whole target);
 * - when the limit stopped a merge, a split step first cuts the axes where the target has more
 *   blocks toward the target (coarsened to stay within a graph budget), which makes room in the
 *   block size for the next merge.
 *
 * Steps repeat until the estimate is small enough or nothing changes. The functions below follow
 * dask's choices (including its rounding) so plans match dask's.
 */
import { Chunks, product, sameAxisChunks, sameChunks } from "../core/chunks";

type Axis = readonly number[];



/** Integer floor division of non-negative integers, exact where the float quotient would round up. */
function intDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

function maxOf(c: Axis): number {
  let m = -Infinity;
  for (const x of c) if (x > m) m = x;
  return m;
}

/** Number of blocks of a chunking. */
export function numberOfBlocks(chunks: Chunks): number {
  return product(chunks.map((c) => c.length));
}

/** Elements of the largest block. */
export function largestBlockSize(chunks: Chunks): number {
  return product(chunks.map(maxOf));
}

/**
 * Estimated number of pieces a one-step rechunk cuts: per axis, an unchanged axis contributes its
 * block count and a changed one at most old + new - 1 intersections.
 */
export function estimateGraphSize(oldChunks: Chunks, newChunks: Chunks): number {
  let n = 1;
  for (let a = 0; a < oldChunks.length; a++) {
    const o = oldChunks[a];
    const c = newChunks[a];
    n *= sameAxisChunks(o, c) ? o.length : o.length + c.length - 1;
  }
  return n;
}

/** Cut each chunk into the fewest nearly equal parts no wider than `maxWidth`. */
export function divideToWidth(desired: Axis, maxWidth: number): number[] {
  const out: number[] = [];
  for (let c of desired) {
    const parts = Math.ceil(c / maxWidth);
    for (let i = 0; i < parts; i++) {
      const n = intDiv(c, parts - i);
      out.push(n);
      c -= n;
    }
  }
  return out;
}

/** A binary min-heap of [width, i, j] ordered lexicographically. */
class PairHeap {
  private h: [number, number, number][] = [];
  private less(a: [number, number, number], b: [number, number, number]): boolean {
    return a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];
  }
  push(x: [number, number, number]): void {
    const h = this.h;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): [number, number, number] {
    const h = this.h;
    const top = h[0];
    const last = h.pop() as [number, number, number];
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Merge neighbouring chunks until at most `maxNumber` remain, keeping the widest small: uniform
 * chunks are grouped evenly; otherwise the narrowest adjacent pair (leftmost on ties) is merged
 * repeatedly.
 */
export function mergeToNumber(desired: Axis, maxNumber: number): number[] {
  if (desired.length <= maxNumber) return desired.slice();
  if (desired.every((c) => c === desired[0])) {
    const w = desired[0];
    const total = desired.length * w;
    const width = w * intDiv(intDiv(total, maxNumber), w);
    const wider = intDiv(total - maxNumber * width, w);
    return [...new Array<number>(wider).fill(width + w), ...new Array<number>(maxNumber - wider).fill(width)];
  }
  const chunks = desired.slice();
  const heap = new PairHeap();
  for (let i = 0; i + 1 < chunks.length; i++) heap.push([chunks[i] + chunks[i + 1], i, i + 1]);
  let merges = chunks.length - maxNumber;
  while (merges > 0) {
    const [width, i, j0] = heap.pop();
    let j = j0;
    if (chunks[j] === 0) {
      // the right neighbour was merged away: pair with the next live chunk and retry
      while (chunks[j] === 0) j++;
      heap.push([chunks[i] + chunks[j], i, j]);
      continue;
    }
    if (chunks[i] + chunks[j] !== width) {
      heap.push([chunks[i] + chunks[j], i, j]);
      continue;
    }
    chunks[i] = 0; // merged into its right neighbour
    chunks[j] = width;
    merges--;
  }
  return chunks.filter((c) => c !== 0);
}

/**
 * One merge step: along the axes where the target has no more blocks than now, replace the chunks by
 * the target's (or the target's cut to a width) while the largest block stays within `limit`
 * elements. Returns the new chunking and whether the limit got in the way.
 */
export function findMergeRechunk(oldChunks: Chunks, newChunks: Chunks, limit: number): { chunks: number[][]; limitHit: boolean } {
  const nd = oldChunks.length;
  const oldWidest = oldChunks.map(maxOf);
  const newWidest = newChunks.map(maxOf);
  const graphEffect = oldChunks.map((o, a) => newChunks[a].length / o.length);
  const blockEffect = oldWidest.map((w, a) => newWidest[a] / (w || 1));
  const score = (a: number) => {
    let b = blockEffect[a];
    if (b === 1) b = 1 + 1e-9;
    return b > 0 ? Math.log(graphEffect[a]) / Math.log(b) : 0;
  };
  const candidates = Array.from({ length: nd }, (_, a) => a).filter((a) => graphEffect[a] <= 1);
  candidates.sort((x, y) => score(x) - score(y)); // stable, as Python's sorted
  let largest = product(oldWidest);
  const chunks: number[][] = oldChunks.map((c) => c.slice());
  let limitHit = false;
  for (const a of candidates) {
    const grown = intDiv(largest * newWidest[a], oldWidest[a] || 1);
    if (grown <= limit) {
      chunks[a] = newChunks[a].slice();
      largest = grown;
    } else {
      // only part of the way: the target cut to the widest chunk that still fits
      const width = oldWidest[a];
      const chunkLimit = Math.trunc((limit * width) / largest);
      const c = divideToWidth(newChunks[a], chunkLimit);
      if (c.length <= oldChunks[a].length) {
        chunks[a] = c;
        largest = intDiv(largest * maxOf(c), width);
      }
      limitHit = true;
    }
  }
  return { chunks, limitHit };
}

/**
 * One split step: along the axes where the target has at least as many blocks, move toward the
 * target's chunks, coarsened so that the graph stays under `graphLimit`, when that gives more and no
 * wider blocks than now.
 */
export function findSplitRechunk(oldChunks: Chunks, newChunks: Chunks, graphLimit: number): number[][] {
  const chunks: number[][] = oldChunks.map((c) => c.slice());
  for (let a = 0; a < oldChunks.length; a++) {
    const graphSize = estimateGraphSize(chunks, newChunks);
    if (graphSize > graphLimit) break;
    if (oldChunks[a].length > newChunks[a].length) continue;
    const maxNumber = Math.trunc((oldChunks[a].length * graphLimit) / graphSize);
    const c = mergeToNumber(newChunks[a], maxNumber);
    if (c.length >= oldChunks[a].length && maxOf(c) <= maxOf(oldChunks[a])) chunks[a] = c;
  }
  return chunks;
}

export interface PlanOptions {
  /** Graph growth factor under which no intermediate step is added (default 4). */
  threshold?: number;
  /** Largest intermediate block in bytes (default 128 MiB). */
  blockSizeLimit?: number;
}

/**
 * The chunkings to go through, the last being `newChunks` (a one-element list when a direct rechunk
 * is cheap enough, the array is 1-D, or sizes are unknown).
 */
export function planRechunk(oldChunks: Chunks, newChunks: Chunks, itemsize: number, opts: PlanOptions = {}): number[][][] {
  const threshold = opts.threshold || 4;
  const byteLimit = opts.blockSizeLimit || 128 * 1024 * 1024;
  const target = newChunks.map((c) => c.slice());
  const nd = newChunks.length;
  if (nd <= 1 || newChunks.some((c) => c.length === 0) || oldChunks.some((c) => c.some(Number.isNaN))) return [target];
  const limit = Math.max(byteLimit / itemsize, largestBlockSize(oldChunks), largestBlockSize(newChunks));
  const graphThreshold = threshold * (numberOfBlocks(oldChunks) + numberOfBlocks(newChunks));
  const steps: number[][][] = [];
  let current: number[][] = oldChunks.map((c) => c.slice());
  let first = true;
  for (;;) {
    const graphSize = estimateGraphSize(current, newChunks);
    if (graphSize < graphThreshold) break;
    // after a merge stopped by the limit: accept a bigger graph to get nearer the target and make
    // the blocks small enough for the next merge
    const start = first ? current : findSplitRechunk(current, newChunks, graphSize * threshold);
    const { chunks, limitHit } = findMergeRechunk(start, newChunks, limit);
    if ((sameChunks(chunks, current) && !first) || sameChunks(chunks, newChunks)) break;
    if (!sameChunks(chunks, current)) steps.push(chunks);
    current = chunks;
    if (!limitHit) break;
    first = false;
  }
  return [...steps, target];
}
