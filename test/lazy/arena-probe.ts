/** A kernel module for wasm.test.ts: reports, from the thread it runs on, where its input block lives in the arena (-1: elsewhere). */
import { registerKernel } from "../../lazy/graph/graph";
import { arenaPointer } from "../../lazy/kernels/wasm/arena";

registerKernel("test.arenaProbe", (inputs) => {
  const b = inputs[0] as { data: { buffer: ArrayBufferLike; byteOffset: number } };
  return { data: new Float64Array([arenaPointer(b.data) ?? -1]), shape: [1], stride: [1], offset: 0 };
});
