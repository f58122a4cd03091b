/**
 * The Node sidecar of a dask worker: a long-lived `node` process that the worker's Python side
 * (hsts_dask_worker.py) starts on first need and talks to over stdin/stdout in frames (wire.ts).
 * Each request names one of our kernels by id with its parameters and inputs; the sidecar runs it
 * exactly as a worker thread of the local "threads" scheduler would (the same kernel registry,
 * the same portable-function compiler), so its results are bit-for-bit ours.
 *
 * It exits when its stdin closes (the worker process is gone).
 */
import "../index";
import { getKernel, isThenable } from "../graph/graph";
import { Json, FrameReader, decodeValue, encodeFrame, encodeValue } from "./wire";

const loaded = new Set<string>();
const reader = new FrameReader("sidecar stdin");
let queue: Promise<void> = Promise.resolve();

function write(header: Record<string, Json>, bufs: Uint8Array[]): void {
  for (const b of encodeFrame(header, bufs)) process.stdout.write(b);
}

async function handle(header: Record<string, unknown>, bufs: Uint8Array[]): Promise<void> {
  const id = typeof header.id === "number" ? header.id : 0;
  try {
    if (header.op === "ping") {
      write({ id, ok: true, value: { pid: process.pid, node: process.version } }, []);
      return;
    }
    for (const mod of (header.modules as string[] | undefined) ?? []) {
      if (!loaded.has(mod)) {
        require(mod);
        loaded.add(mod);
      }
    }
    const op = String(header.op);
    const params = decodeValue(header.params, bufs, `sidecar ${op}`);
    const inputs = decodeValue(header.inputs ?? [], bufs, `sidecar ${op}`) as unknown[];
    let v = getKernel(op)(inputs, params as never, undefined);
    if (isThenable(v)) v = await v;
    const out: Uint8Array[] = [];
    const value = encodeValue(v, out);
    write({ id, ok: true, value }, out);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    write({ id, ok: false, error: { name: err.name, message: err.message, stack: err.stack ?? "" } }, []);
  }
}

process.stdin.on("data", (chunk: Buffer) => {
  let frames;
  try {
    frames = reader.push(chunk);
  } catch (e) {
    process.stderr.write(`hyperspy-ts sidecar: ${(e as Error).message}\n`);
    process.exit(3);
  }
  for (const f of frames) queue = queue.then(() => handle(f.header, f.bufs));
});
process.stdin.on("end", () => {
  void queue.then(() => process.exit(0));
});
