/**
 * Writes the live-plot bench's file: a float32 (256, 256|128, 128) Signal2D .zspy (4 GiB of
 * values), chunked as HyperSpy's .zspy writer chunks in-memory data (get_signal_chunks with
 * 1e8 bytes: (39, 39|128, 128) chunks of 95 MiB), blosc-lz4 (our default). Random values
 * (incompressible): every chunk read decodes ~95 MiB.
 *
 *   node dist/bench/liveplot-make.js FILE.zspy
 */
import * as hs from "../index";
import { getSignalChunks } from "../signals/io/common";

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: node dist/bench/liveplot-make.js FILE.zspy");
  const shape = [256, 256, 128, 128];
  const chunks = getSignalChunks(shape, "float32", [2, 3], 1e8);
  const x = hs.lazy.random.random(shape, { seed: 7, chunks, dtype: "float32" });
  const s = new hs.signals.LazySignal2D(x);
  s.title = "live-plot bench";
  const t0 = Date.now();
  await s.save(file, { overwrite: true });
  console.log(`wrote ${file}: shape ${shape}, chunks ${chunks}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
