/**
 * Elementwise operations' expression IR and numpy's result dtypes: the node types, the unary and
 * binary op names, the dtype rules (numpy 1.24), and the builders ops.ts uses. The loops that
 * evaluate an expression are generated in lazy/kernels/elementwise.ts.
 *
 * Every node carries its dtype and its value is cast to it after the operation, so a fused chain
 * gives bit-for-bit what numpy gives step by step (integer wrap-around, float32 rounding).
 */
import { DType, ScalarValue, castValue, isFloat, isUnsigned, promoteTypes, resultType } from "../core/dtype";
import { TypeError } from "../core/errors";

/**
 * The expression IR. A node's value has its dtype's representation: a JS number for every dtype but
 * int64 / uint64, a bigint for those (so a "const" of dtype int64 / uint64 holds a bigint).
 */
export type Expr =
  | { readonly t: "in"; readonly i: number; readonly dtype: DType }
  | { readonly t: "const"; readonly v: number | bigint; readonly dtype: DType }
  | { readonly t: "op"; readonly op: string; readonly dtype: DType; readonly args: readonly Expr[] };

export const BINARY_OPS = [
  "add",
  "sub",
  "mul",
  "div",
  "floorDiv",
  "mod",
  "pow",
  "maximum",
  "minimum",
  "fmax",
  "fmin",
  "arctan2",
  "hypot",
  "gt",
  "ge",
  "lt",
  "le",
  "eq",
  "ne",
  "logicalAnd",
  "logicalOr",
  "logicalXor",
  "bitwiseAnd",
  "bitwiseOr",
  "bitwiseXor",
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export const UNARY_OPS = [
  "neg",
  "abs",
  "sign",
  "square",
  "sqrt",
  "cbrt",
  "exp",
  "expm1",
  "exp2",
  "log",
  "log1p",
  "log2",
  "log10",
  "sin",
  "cos",
  "tan",
  "arcsin",
  "arccos",
  "arctan",
  "sinh",
  "cosh",
  "tanh",
  "arcsinh",
  "arccosh",
  "arctanh",
  "floor",
  "ceil",
  "trunc",
  "rint",
  "isnan",
  "isinf",
  "isfinite",
  "logicalNot",
  "reciprocal",
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

const COMPARE = new Set(["gt", "ge", "lt", "le", "eq", "ne", "logicalAnd", "logicalOr", "logicalXor"]);
const PREDICATE = new Set(["isnan", "isinf", "isfinite", "logicalNot"]);
/** Unary ops that are float-valued: integer inputs give float (numpy's float16 is float32 here). */
const FLOAT_UNARY = new Set([
  "sqrt",
  "cbrt",
  "exp",
  "expm1",
  "exp2",
  "log",
  "log1p",
  "log2",
  "log10",
  "sin",
  "cos",
  "tan",
  "arcsin",
  "arccos",
  "arctan",
  "sinh",
  "cosh",
  "tanh",
  "arcsinh",
  "arccosh",
  "arctanh",
  "floor",
  "ceil",
  "trunc",
  "rint",
]);

/** numpy's float type for a float ufunc on dtype d (float16 -> float32 here). */
export function floatTypeFor(d: DType): DType {
  if (isFloat(d)) return d;
  if (d === "bool" || d === "int8" || d === "uint8" || d === "int16" || d === "uint16") return "float32";
  return "float64";
}

/** Result dtype of a unary op on dtype d. */
export function unaryResultType(op: UnaryOp, d: DType): DType {
  if (PREDICATE.has(op)) return "bool";
  if (FLOAT_UNARY.has(op)) return floatTypeFor(d);
  // numpy has no bool loop for square / reciprocal: bool runs in int8
  if ((op === "reciprocal" || op === "square") && d === "bool") return "int8";
  if (op === "neg" && d === "bool") throw new TypeError("neg: the negative of a boolean array is not supported (as numpy); use logicalNot");
  if (op === "sign" && d === "bool") throw new TypeError("sign: not supported for a boolean array (as numpy)");
  return d;
}

/** Result dtype of a binary op, given the dtype numpy's type resolution picks for its operands. */
export function binaryResultType(op: BinaryOp, common: DType): DType {
  if (COMPARE.has(op)) return "bool";
  if (op === "div") return isFloat(common) ? common : "float64";
  if (op === "arctan2" || op === "hypot") return floatTypeFor(common);
  if (op === "sub" && common === "bool") throw new TypeError("sub: subtracting boolean arrays is not supported (as numpy); use logicalXor");
  if ((op === "bitwiseAnd" || op === "bitwiseOr" || op === "bitwiseXor") && isFloat(common)) {
    throw new TypeError(`${op}: only integer and boolean arrays are supported, not ${common}`);
  }
  if ((op === "floorDiv" || op === "mod" || op === "pow") && common === "bool") return "int8";
  return common;
}

export type Operand = { dtype: DType } | ScalarValue;

function opDType(o: Operand): DType | ScalarValue {
  return typeof o === "object" ? o.dtype : o;
}

/** The dtype operands are converted to before a binary op (numpy 1.24 value-based casting). */
export function commonType(a: Operand, b: Operand): DType {
  return resultType(opDType(a), opDType(b));
}

/** Build a constant node cast to dtype `d` (as numpy casts a python scalar to the loop type). */
export function constExpr(v: ScalarValue, d: DType): Expr {
  return { t: "const", v: castValue(d, v), dtype: d };
}

// ---------------------------------------------------------------------------------------------
// Building expressions

export function inputExpr(i: number, dtype: DType): Expr {
  return { t: "in", i, dtype };
}

export function unaryExpr(op: UnaryOp, a: Expr): Expr {
  const d = unaryResultType(op, a.dtype);
  const ft = FLOAT_UNARY.has(op) || op === "square" || op === "reciprocal" ? d : a.dtype;
  return { t: "op", op, dtype: d, args: [ft === a.dtype ? a : castExpr(a, ft)] };
}

export function castExpr(a: Expr, d: DType): Expr {
  if (a.dtype === d) return a;
  if (a.t === "const") return constExpr(a.v, d);
  return { t: "op", op: "cast", dtype: d, args: [a] };
}

/** A binary op node; `common` is the dtype numpy converts both operands to. */
export function binaryExpr(op: BinaryOp, a: Expr, b: Expr, common: DType): Expr {
  const d = binaryResultType(op, common);
  // the loop runs in the common type, or in the float type for true division of integers
  const loopT = op === "div" || op === "arctan2" || op === "hypot" ? d : common;
  return { t: "op", op, dtype: d, args: [castExpr(a, loopT), castExpr(b, loopT)] };
}

export function whereExpr(c: Expr, a: Expr, b: Expr, common: DType): Expr {
  return { t: "op", op: "where", dtype: common, args: [castExpr(c, "bool"), castExpr(a, common), castExpr(b, common)] };
}

export { promoteTypes, isUnsigned };
