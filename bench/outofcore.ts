/**
 * Out-of-core check of the engine alone: a lazy float32 array bigger than what should ever be in
 * memory, generated inside its tasks, summed over its navigation axes. Prints wall time, the most
 * block bytes the scheduler held, and this process's peak RSS. (Reading the same from a .zspy
 * store, side by side with HyperSpy and dask, is the storage issue's W5.)
 *
 *   node dist/bench/outofcore.js [--gib 8] [--scheduler threads|sync]
 */
import * as lazy from "../lazy";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const gib = Number(args[args.indexOf("--gib") + 1] || 8);
  const scheduler = (args.includes("--scheduler") ? args[args.indexOf("--scheduler") + 1] : "threads") as "threads" | "sync";
  const nav = Math.round(Math.sqrt((gib * 2 ** 30) / (8192 * 4)));
  const x = lazy.random.random([nav, nav, 8192], { seed: 1, chunks: [32, 32, 8192], dtype: "float32" });
  console.log(`${String(x)}: ${(x.nbytes / 2 ** 30).toFixed(2)} GiB, scheduler ${scheduler}`);
  const stats: Partial<lazy.ComputeStats> = {};
  const t0 = process.hrtime.bigint();
  const r = await x.sum({ axis: [0, 1] }).compute({ scheduler, stats });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `sum over navigation: ${(ms / 1000).toFixed(1)} s, ${((x.nbytes / 2 ** 30) / (ms / 1000)).toFixed(2)} GiB/s; ` +
      `${stats.tasksRun} tasks; blocks held at most ${((stats.peakBytes ?? 0) / 2 ** 20).toFixed(0)} MiB; ` +
      `peak RSS ${rss.toFixed(0)} MiB; mean ${(Number(r.get(0)) / (nav * nav)).toFixed(4)}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
