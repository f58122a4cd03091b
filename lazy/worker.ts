/**
 * Entry point of a worker thread of the threaded scheduler: loads every kernel module (through the
 * engine's index) and runs tasks by kernel id. Blocks it allocates live in SharedArrayBuffers.
 */
import { parentPort } from "node:worker_threads";
import "./index";
import { getKernel } from "./graph";
import { setSharedAllocation } from "./dtype";

setSharedAllocation(true);

interface Request {
  id: number;
  op: string;
  params: unknown;
  inputs: unknown[];
}

parentPort?.on("message", (m: Request) => {
  try {
    const value = getKernel(m.op)(m.inputs, m.params as never, undefined);
    parentPort?.postMessage({ id: m.id, ok: true, value });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort?.postMessage({ id: m.id, ok: false, error: { name: err.name, message: err.message, stack: err.stack } });
  }
});
