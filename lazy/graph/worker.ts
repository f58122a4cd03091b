/**
 * Entry point of a worker thread of the threaded scheduler: loads every kernel module (through the
 * engine's index) and runs tasks by kernel id. Blocks it allocates live in SharedArrayBuffers.
 */
import { parentPort, workerData } from "node:worker_threads";
import "../index";
import { getKernel, isThenable } from "./graph";
import { setSharedAllocation } from "../core/dtype";
import { noteReleased } from "./memory";
import { adoptArenaInputs, setArenaMemory } from "../kernels/wasm/arena";
import type { WasmMemory } from "../kernels/wasm/api";

setSharedAllocation(true);
// the main thread's kernel arena: the same memory in every thread
const wd = workerData as { arena?: WasmMemory } | null;
if (wd?.arena) setArenaMemory(wd.arena);

interface Request {
  id: number;
  /** Kernel modules to load first (registerKernelModule). */
  modules: readonly string[];
  op: string;
  params: unknown;
  inputs: unknown[];
  /** Inputs that are blocks in the kernel arena (re-viewed over this thread's arena buffer). */
  arena?: number[];
}

const loaded = new Set<string>();

interface PlainError {
  name: string;
  message: string;
  stack?: string;
  cause?: PlainError;
}

/** An error as plain data for the main thread, with its `cause` chain (the user's own error under our wrapper). */
function plainError(e: unknown, depth: number): PlainError {
  const err = e instanceof Error ? e : new Error(String(e));
  const out: PlainError = { name: err.name, message: err.message, stack: err.stack };
  if (err.cause !== undefined && depth < 4) out.cause = plainError(err.cause, depth + 1);
  return out;
}

parentPort?.on("message", async (m: Request) => {
  try {
    for (const mod of m.modules) {
      if (!loaded.has(mod)) {
        require(mod);
        loaded.add(mod);
      }
    }
    adoptArenaInputs(m.inputs, m.arena);
    let value = getKernel(m.op)(m.inputs, m.params as never, undefined);
    if (isThenable(value)) value = await value;
    parentPort?.postMessage({ id: m.id, ok: true, value });
    // this thread is done with the inputs and its copy of the result's handle
    for (const x of m.inputs) noteReleased(x);
    noteReleased(value);
  } catch (e) {
    parentPort?.postMessage({ id: m.id, ok: false, error: plainError(e, 0) });
  }
});
