/**
 * NaN-ignoring reductions (numpy's nansum, nanmean, nanmax, ...), composed from the engine's own
 * pieces the way numpy's nanfunctions define them: NaN is replaced (by 0, 1 or -+inf) in an
 * elementwise expression that fuses into the reduction's chunk step, and the count of non-NaN
 * values, where needed, is one more reduction over the same source blocks. Integer and boolean
 * arrays hold no NaN: they take the plain reductions.
 */
import { isFloat, objectNotSupported } from "../core/dtype";
import { blockIndices, normalizeAxes, normalizeAxis } from "../core/chunks";
import { LazyArray, ReduceOptions, VarOptions, ArgReduceOptions } from "../core/array";
import { where } from "./ops";
import { mapBlocksOf } from "./blockwise";
import { NDArray } from "../core/block";
import { TypeError, ValueError } from "../core/errors";

export type NanKind = "nansum" | "nanprod" | "nanmean" | "nanmin" | "nanmax" | "nanvar" | "nanstd";

/** x with NaN replaced by `fill`. */
function replaceNan(x: LazyArray, fill: number): LazyArray {
  return where(x.isnan(), fill, x);
}

/** Non-NaN values per output element, as float64 (numpy's `cnt`). */
function countNonNan(x: LazyArray, o: ReduceOptions): LazyArray {
  return x.isnan().logicalNot().sum({ axis: o.axis, keepdims: o.keepdims, splitEvery: o.splitEvery, dtype: "float64" });
}

function reduceOpts(o: ReduceOptions): ReduceOptions {
  return { axis: o.axis, keepdims: o.keepdims, splitEvery: o.splitEvery };
}

export function nanReduce(x: LazyArray, kind: NanKind, opts: ReduceOptions & VarOptions): LazyArray {
  if (x.dtype === "object") throw objectNotSupported(kind);
  const o = opts ?? {};
  if (!isFloat(x.dtype)) {
    // no NaN in integers or booleans: numpy's nan-functions give the plain results
    const plain = kind.slice(3) as "sum" | "prod" | "mean" | "min" | "max" | "var" | "std";
    return x[plain](o);
  }
  const r = reduceOpts(o);
  switch (kind) {
    case "nansum":
      return replaceNan(x, 0).sum({ ...r, dtype: o.dtype });
    case "nanprod":
      return replaceNan(x, 1).prod({ ...r, dtype: o.dtype });
    case "nanmin":
    case "nanmax": {
      if (o.dtype !== undefined) throw new TypeError(`${kind}: the dtype option applies to nansum, nanprod, nanmean, nanvar and nanstd only`);
      const m = kind === "nanmax" ? replaceNan(x, -Infinity).max(r) : replaceNan(x, Infinity).min(r);
      // an all-NaN slice gives NaN (numpy warns "All-NaN slice encountered")
      return where(countNonNan(x, r).gt(0), m, NaN);
    }
    case "nanmean": {
      const out = o.dtype ?? x.dtype;
      const mean = replaceNan(x, 0).sum({ ...r, dtype: "float64" }).div(countNonNan(x, r)); // 0/0: NaN for all-NaN
      return out === "float64" ? mean : mean.astype(out);
    }
    case "nanvar":
    case "nanstd": {
      const out = o.dtype ?? x.dtype;
      const ddof = o.ddof ?? 0;
      if (typeof ddof !== "number" || !Number.isFinite(ddof)) throw new TypeError(`${kind}: ddof must be a finite number, got ${String(ddof)}`);
      // numpy's two passes: the mean (kept dims), then squared deviations of the non-NaN values
      const cntKeep = countNonNan(x, { ...r, keepdims: true });
      const avg = replaceNan(x, 0).sum({ ...r, keepdims: true, dtype: "float64" }).div(cntKeep);
      const dev = x.astype("float64").sub(avg);
      // drop the squares where x is NaN, not where the square is NaN: inf - mean(=inf) is NaN and
      // must stay NaN (numpy subtracts and squares with where=~isnan(x))
      const sq = where(x.isnan(), 0, dev.mul(dev)).sum({ ...r });
      const dof = countNonNan(x, r).sub(ddof);
      let v = where(dof.gt(0), sq.div(dof), NaN); // numpy: NaN where the degrees of freedom are <= 0
      if (kind === "nanstd") v = v.sqrt();
      return out === "float64" ? v : v.astype(out);
    }
  }
}

export function nanArgReduce(x: LazyArray, kind: "nanargmax" | "nanargmin", opts: ArgReduceOptions): LazyArray {
  if (x.dtype === "object") throw objectNotSupported(kind);
  const o = opts ?? {};
  if (!isFloat(x.dtype)) return kind === "nanargmax" ? x.argmax(o) : x.argmin(o);
  const fill = kind === "nanargmax" ? -Infinity : Infinity;
  const arg = kind === "nanargmax" ? replaceNan(x, fill).argmax(o) : replaceNan(x, fill).argmin(o);
  // numpy raises for an all-NaN slice: check it when the result is computed
  const axis = o.axis === undefined || o.axis === null ? null : normalizeAxis(o.axis, x.ndim);
  const allNan = x.isnan().all({ axis: axis === null ? normalizeAxes(null, x.ndim) : axis, keepdims: o.keepdims });
  return mapBlocksOf(
    (blocks: NDArray[]) => {
      const [a, bad] = blocks;
      for (const idx of blockIndices(bad.shape)) {
        if (bad.get(...idx) !== 0) throw new ValueError(`${kind}: All-NaN slice encountered (as numpy); use ${kind.slice(3)} or fill the NaN first`);
      }
      return a;
    },
    [arg, allNan],
    { dtype: arg.dtype, name: kind },
    false,
  );
}
