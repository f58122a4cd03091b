/**
 * A kernel module for tests (loaded with registerKernelModule, here and in the workers): kernels
 * that answer asynchronously, as storage reads will.
 */
import { registerKernel } from "../../lazy/graph/graph";
import { Block, contiguous } from "../../lazy/core/block";
import { allocate, dtypeOfTypedArray } from "../../lazy/core/dtype";
import { isMainThread } from "node:worker_threads";

function doubled(b: Block): Block {
  const c = contiguous(b);
  const out = allocate(dtypeOfTypedArray(c.data), c.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 2 * Number(c.data[i]);
  return { data: out, shape: c.shape.slice(), stride: c.stride.slice(), offset: 0 };
}

registerKernel<{ ms: number; fail?: boolean }>("test.asyncDouble", async (inputs, p) => {
  await new Promise((r) => setTimeout(r, p.ms));
  if (p.fail) throw new Error("simulated read failure");
  const out = doubled(inputs[0] as Block);
  // mark where it ran: +1000 in the first element off the main thread
  if (!isMainThread) (out.data as Float64Array)[0] += 1000;
  return out;
});

registerKernel<{ ms: number }>("test.asyncLocal", async (_inputs, p, local) => {
  await new Promise((r) => setTimeout(r, p.ms));
  if (!isMainThread) throw new Error("a task with local data must run on the main thread");
  return local?.data as Block;
});
