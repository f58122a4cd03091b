/**
 * Elementwise operations on LazyArrays: numpy broadcasting, chunk unification, and one
 * "elementwise" layer per operation (fused into one loop per block at compute time).
 */
import { Chunks, UnknownChunksError, commonChunks, sameAxisChunks } from "../core/chunks";
export { commonChunks };
import { DType, checkBigScalar, checkDType, objectNotSupported, resultType, scalarDefaultType, ufuncLoopType } from "../core/dtype";
import {   BinaryOp,
  Expr,
  UnaryOp,
  binaryExpr,
  castExpr,
  commonType,
  constExpr,
  inputExpr,
  unaryExpr,
  whereExpr,
} from "./elementwise";
import "../kernels/elementwise"; // registers the "elementwise" kernel and the fusion pass
import { Layer } from "../graph/graph";
import { LazyArray, Operand } from "../core/array";
import { rechunk } from "./rechunk";
import { TypeError, ValueError } from "../core/errors";

/** numpy's broadcast of shapes, with numpy's error when they are incompatible. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    const off = nd - s.length;
    for (let a = 0; a < s.length; a++) {
      const n = s[a];
      const o = out[a + off];
      if (n === 1) continue;
      if (o === 1 || o === n || (Number.isNaN(o) && Number.isNaN(n))) out[a + off] = n;
      else {
        throw new ValueError(
          `operands could not be broadcast together with shapes ${shapes.map((x) => `[${x.join(", ")}]`).join(" ")}: ` +
            `axis ${a + off} (counted from the left of the broadcast shape) has sizes ${o} and ${n}; sizes must match or be 1`,
        );
      }
    }
  }
  return out;
}


/**
 * Align the chunks of arrays that broadcast together: for each output axis, arrays that span it
 * (size equal to the output's) share one chunking; length-1 axes broadcast from block 0.
 */
export function unifyChunks(arrays: readonly LazyArray[], shape: readonly number[]): { arrays: LazyArray[]; chunks: number[][] } {
  const nd = shape.length;
  const chunks: number[][] = [];
  const targets: (number[] | null)[][] = arrays.map((x) => new Array(x.ndim).fill(null));
  for (let a = 0; a < nd; a++) {
    const spanning: { i: number; ax: number }[] = [];
    arrays.forEach((x, i) => {
      const ax = a - (nd - x.ndim);
      if (ax >= 0 && !(x.shape[ax] === 1 && shape[a] !== 1)) spanning.push({ i, ax });
    });
    if (spanning.length === 0) {
      chunks.push([shape[a]]);
      continue;
    }
    const first = arrays[spanning[0].i].chunks[spanning[0].ax];
    if (spanning.every(({ i, ax }) => sameAxisChunks(arrays[i].chunks[ax], first))) {
      chunks.push(first.slice());
      continue;
    }
    const lists = spanning.map(({ i, ax }) => arrays[i].chunks[ax]);
    if (lists.some((c) => c.some(Number.isNaN))) throw new UnknownChunksError("combining arrays whose chunks differ");
    const common = commonChunks(lists);
    chunks.push(common);
    for (const { i, ax } of spanning) targets[i][ax] = common;
  }
  const out = arrays.map((x, i) => {
    if (targets[i].every((t) => t === null)) return x;
    const spec = x.chunks.map((c, ax) => targets[i][ax] ?? c.slice());
    return rechunk(x, spec, {});
  });
  return { arrays: out, chunks };
}

/**
 * A new array from an expression over array and scalar operands: `build` receives one leaf per
 * operand (an input node for arrays, a constant node for scalars) and returns the expression.
 */
export function elementwise(operands: readonly Operand[], build: (leaves: Expr[]) => Expr, label: string): LazyArray {
  rejectObjects(label, operands);
  const arrays: LazyArray[] = [];
  const slot = new Map<string, number>();
  const leaves: Expr[] = operands.map((o) => {
    if (o instanceof LazyArray) {
      let i = slot.get(o.name);
      if (i === undefined) {
        i = arrays.length;
        arrays.push(o);
        slot.set(o.name, i);
      }
      return inputExpr(i, o.dtype);
    }
    if (typeof o !== "number" && typeof o !== "boolean" && typeof o !== "bigint") {
      throw new TypeError(`${label}: operands must be LazyArrays, numbers, bigints or booleans, got ${describe(o)}`);
    }
    // a bigint keeps its exact value (int64, or uint64 above 2^63 - 1) until cast to the loop type
    return constExpr(o, typeof o === "boolean" ? "bool" : typeof o === "bigint" ? scalarDefaultType(checkBigScalar(o, label)) : "float64");
  });
  const expr = build(leaves);
  if (arrays.length === 0) throw new TypeError(`${label}: at least one operand must be a LazyArray`);
  const shape = broadcastShapes(...arrays.map((x) => x.shape));
  const { arrays: aligned, chunks } = unifyChunks(arrays, shape);
  const nd = shape.length;
  const layer = new Layer({
    kind: "elementwise",
    label,
    chunks,
    dtype: expr.dtype,
    dependencies: aligned.map((x) => x.layer),
    task: (index, key) => ({
      key,
      op: "elementwise",
      params: { expr },
      deps: aligned.map((x) => {
        const off = nd - x.ndim;
        return x.layer.key(x.shape.map((n, ax) => (n === 1 && shape[ax + off] !== 1 ? 0 : index[ax + off])));
      }),
    }),
  });
  return new LazyArray(layer);
}

function describe(o: unknown): string {
  if (o === null) return "null";
  if (Array.isArray(o)) return "a JS array (wrap it with lazy.fromArray)";
  if (typeof o === "object") return `an object (${(o as object).constructor?.name ?? "Object"}; wrap arrays with lazy.fromArray)`;
  return typeof o;
}

/** numpy's dtype for a scalar operand next to array operands. */
function scalarLoopType(a: Operand, b: Operand): DType {
  return commonType(a instanceof LazyArray ? a : a, b instanceof LazyArray ? b : b);
}

/** Elementwise operations need numbers: object (ragged) arrays get a clear error naming the operation. */
function rejectObjects(label: string, operands: readonly Operand[]): void {
  if (operands.some((o) => o instanceof LazyArray && o.dtype === "object")) throw objectNotSupported(label);
}

/** Ops numpy resolves with its default (loop search) type resolver rather than result_type. */
const LOOP_SEARCH = new Set<BinaryOp>(["floorDiv", "mod", "pow"]);

export function binary(op: BinaryOp, a: Operand, b: Operand): LazyArray {
  rejectObjects(op, [a, b]);
  const common = LOOP_SEARCH.has(op)
    ? ufuncLoopType(a instanceof LazyArray ? a.dtype : a, b instanceof LazyArray ? b.dtype : b)
    : scalarLoopType(a, b);
  return elementwise([a, b], ([x, y]) => binaryExpr(op, x, y, common), op);
}

export function unary(op: UnaryOp, a: LazyArray): LazyArray {
  return elementwise([a], ([x]) => unaryExpr(op, x), op);
}

export function astype(a: LazyArray, dtype: DType): LazyArray {
  if (dtype === a.dtype) return a;
  rejectObjects("astype", [a]);
  checkDType(dtype, "astype");
  return elementwise([a], ([x]) => castExpr(x, dtype), `astype-${dtype}`);
}

/** numpy.where(cond, a, b). */
export function where(cond: Operand, a: Operand, b: Operand): LazyArray {
  rejectObjects("where", [cond, a, b]);
  const common = resultType(
    a instanceof LazyArray ? a.dtype : a,
    b instanceof LazyArray ? b.dtype : b,
  );
  return elementwise([cond, a, b], ([c, x, y]) => whereExpr(c, x, y, common), "where");
}

/** Chunks of a broadcast result (for tests). */
export function chunksOf(x: LazyArray): Chunks {
  return x.chunks;
}
