/**
 * Codec throughput per thread: our decode and encode paths (lazy/storage/codecs.ts) beside
 * numcodecs.js (WASM c-blosc, what zarrita uses) and Python's numcodecs 0.11 (native c-blosc, what
 * HyperSpy uses, 1 thread) on the same 32 MiB float32 chunks, in one run. The frames decoded are the
 * ones Python's numcodecs wrote (as in a HyperSpy .zspy), so block sizes and splits are c-blosc's.
 *
 *   node dist/bench/codecs.js [--reps 7] [--no-python]
 *
 * Data: "random" = uniform float32 (xorshift, seed 1: barely compresses), "spectra" = Poisson counts
 * of a Gaussian peak on a background, float32 (compresses 3-6x). GB/s = decoded bytes / best time.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { CodecConfig, decodeChunk, encodeChunk } from "../lazy/storage/codecs";
import { useLz4Native, zstdWasm } from "../lazy/storage/native";
import { importEsm } from "../lazy/core/esm";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const REPS = Number(arg("--reps", "7"));
const N = 32 * 32 * 8192; // float32 items: 32 MiB

function makeData(kind: "random" | "spectra"): Uint8Array {
  const d = new Float32Array(N);
  let x = 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  if (kind === "random") for (let i = 0; i < N; i++) d[i] = next();
  else {
    for (let i = 0; i < N; i++) {
      const e = i % 8192;
      const lam = 20 * Math.exp(-(((e - 4000) / 800) ** 2)) + 3;
      // Poisson by inversion (small lambda)
      let k = 0;
      let p = Math.exp(-lam);
      let s = p;
      const u = next();
      while (u > s && k < 200) {
        k++;
        p *= lam / k;
        s += p;
      }
      d[i] = k;
    }
  }
  return new Uint8Array(d.buffer);
}

async function bestAsync(fn: () => Promise<unknown>): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < REPS; i++) {
    const t = process.hrtime.bigint();
    await fn();
    b = Math.min(b, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return b;
}

const PY = `
import json, sys, time, numpy as np, numcodecs
from numcodecs import Blosc, Zstd, LZ4
numcodecs.blosc.use_threads = False
numcodecs.blosc.set_nthreads(1)
dirn, reps = sys.argv[1], int(sys.argv[2])
out = {}
codecs = {"blosc-zstd1": Blosc(cname="zstd", clevel=1, shuffle=1), "blosc-lz45": Blosc(cname="lz4", clevel=5, shuffle=1), "zstd1": Zstd(level=1), "lz4": LZ4()}
for kind in ["random", "spectra"]:
    raw = np.fromfile(f"{dirn}/{kind}.raw", dtype=np.float32)
    for name, c in codecs.items():
        enc = bytes(c.encode(raw))
        open(f"{dirn}/{kind}.{name}", "wb").write(enc)
        dst = np.empty_like(raw)
        bd = be = 1e9
        for _ in range(reps):
            t = time.perf_counter(); c.encode(raw); be = min(be, time.perf_counter() - t)
            t = time.perf_counter()
            if name.startswith("blosc"): c.decode(enc, out=dst)
            else: c.decode(enc)
            bd = min(bd, time.perf_counter() - t)
        out[f"{kind}.{name}"] = {"dec": raw.nbytes / bd / 1e9, "enc": raw.nbytes / be / 1e9, "ratio": raw.nbytes / len(enc)}
print(json.dumps(out))
`;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-bench-codecs-"));
  try {
    for (const kind of ["random", "spectra"] as const) fs.writeFileSync(path.join(dir, `${kind}.raw`), makeData(kind));
    let py: Record<string, { dec: number; enc: number; ratio: number }> = {};
    if (!process.argv.includes("--no-python")) {
      py = JSON.parse(execFileSync(process.env.BENCH_PYTHON ?? "/usr/bin/python3", ["-c", PY, dir, String(REPS)], { encoding: "utf8" })) as typeof py;
    } else throw new Error("--no-python: the frames come from Python's numcodecs; run with /usr/bin/python3 available");
    await zstdWasm();
    const nc = {
      blosc: (await importEsm<{ default: { fromConfig(c: CodecConfig): { decode(b: Uint8Array): Promise<Uint8Array>; encode(b: Uint8Array): Promise<Uint8Array> } } }>("numcodecs/blosc")).default,
    };
    const configs: Record<string, CodecConfig> = {
      "blosc-zstd1": { id: "blosc", cname: "zstd", clevel: 1, shuffle: 1, blocksize: 0 },
      "blosc-lz45": { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 },
      zstd1: { id: "zstd", level: 1 },
      lz4: { id: "lz4" },
    };
    const rows: string[] = [];
    rows.push("| data | codec | ratio | ours decode | ours decode, JS LZ4 (no lz4-napi) | numcodecs.js (WASM) decode | numcodecs native decode, 1 thread | ours encode | numcodecs.js encode | numcodecs native encode |");
    rows.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    const f = (x: number | null) => (x === null || !Number.isFinite(x) ? "-" : x.toFixed(2));
    for (const kind of ["random", "spectra"] as const) {
      const raw = new Uint8Array(fs.readFileSync(path.join(dir, `${kind}.raw`)));
      const out = new Uint8Array(raw.length);
      for (const [name, cfg] of Object.entries(configs)) {
        const frame = new Uint8Array(fs.readFileSync(path.join(dir, `${kind}.${name}`)));
        const gb = (s: number) => raw.length / s / 1e9;
        // interleaved: ours, ours without lz4-napi, numcodecs.js
        const dec = gb(await bestAsync(() => decodeChunk(cfg, frame, raw.length, name, out)));
        if (Buffer.compare(Buffer.from(out), Buffer.from(raw)) !== 0) throw new Error(`${kind} ${name}: ours decoded wrong bytes`);
        useLz4Native(false);
        const decJs = name.includes("lz4") ? gb(await bestAsync(() => decodeChunk(cfg, frame, raw.length, name, out))) : null;
        useLz4Native(true);
        let wasmDec: number | null = null;
        let wasmEnc: number | null = null;
        if (cfg.id === "blosc") {
          const c = nc.blosc.fromConfig(cfg);
          wasmDec = gb(await bestAsync(() => c.decode(frame)));
          wasmEnc = gb(await bestAsync(() => c.encode(raw)));
        }
        const enc = gb(await bestAsync(() => encodeChunk(cfg, raw, 4)));
        const p = py[`${kind}.${name}`];
        rows.push(`| ${kind} | ${name} | ${f(p?.ratio ?? NaN)} | ${f(dec)} | ${f(decJs)} | ${f(wasmDec)} | ${f(p?.dec ?? NaN)} | ${f(enc)} | ${f(wasmEnc)} | ${f(p?.enc ?? NaN)} |`);
      }
    }
    console.log(`codec throughput per thread, GB/s of decoded data (best of ${REPS}); ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
    console.log(rows.join("\n"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
