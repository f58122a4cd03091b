/** Arithmetic between signals and with scalars (stub: being written). */
import type { BaseSignal } from "./signal";
export type SignalOperand = BaseSignal | number | boolean;
export type SignalBinaryOp = "add" | "sub" | "mul" | "div" | "floorDiv" | "mod" | "pow" | "gt" | "ge" | "lt" | "le" | "eq" | "ne" | "maximum" | "minimum";
export type SignalUnaryOp = "neg" | "abs" | "sqrt" | "exp" | "log" | "log10" | "square" | "sign";
export function binary(op: SignalBinaryOp, a: BaseSignal, b: SignalOperand): BaseSignal {
  throw new Error(`${op}: not implemented yet (${String(a)}, ${String(b)})`);
}
export function unary(op: SignalUnaryOp, a: BaseSignal): BaseSignal {
  throw new Error(`${op}: not implemented yet (${String(a)})`);
}
