/**
 * Loading and saving HyperSpy files: `hs.load(path, {lazy})` and `s.save(path, options)` for
 * `.zspy` (zarr v2 directory, nested layout) and `.hspy` (HDF5). See docs/io.md.
 */
import { ComputeOptions } from "../../lazy/graph/graph";
import { CodecConfig } from "../../lazy/storage/codecs";
import { BaseSignal } from "../signal";
import { buildSignal, formatOf, recoverTarget } from "./common";
import { DEFAULT_COMPRESSOR, openRemoteZspy, openZspy, readZspy, saveZspy } from "./zspy";
import { isUrl } from "../../lazy/storage/http";
import { openHspy, readHspy, saveHspy } from "./hspy";

export { DEFAULT_COMPRESSOR } from "./zspy";
export type { CodecConfig } from "../../lazy/storage/codecs";

export interface LoadOptions extends ComputeOptions {
  /** Return a lazy signal over the file's chunks (nothing read until computed). Default false. */
  lazy?: boolean;
  /** Which experiment (group under Experiments/) to load when the file has several (default: the only one). */
  experiment?: string;
}

export interface SaveOptions extends ComputeOptions {
  /** Replace an existing file (default false: an existing file is an error). */
  overwrite?: boolean;
  /** Chunk shape in array order (default: a lazy signal's chunks, else HyperSpy's guess). */
  chunks?: readonly number[];
  /**
   * .zspy: a numcodecs compressor config (`{id: "blosc", cname: "zstd", clevel: 1, shuffle: 1}`,
   * `{id: "zstd", level: 3}`, `{id: "gzip", level: 5}`, `{id: "zlib"}`, `{id: "lz4"}`) or null for
   * raw chunks; default blosc-lz4 (DEFAULT_COMPRESSOR). .hspy: "gzip" (default, as HyperSpy) or null.
   */
  compressor?: CodecConfig | "gzip" | null;
  /**
   * Checksum every data chunk, checked on every read (default false). .zspy: numcodecs' CRC32
   * filter (`filters: [{"id": "crc32"}]`, read by HyperSpy's zarr). .hspy: HDF5's fletcher32 filter,
   * which h5wasm can only write instead of gzip, so it needs `compressor: null`.
   */
  checksum?: boolean;
}

/**
 * Load a HyperSpy `.zspy` or `.hspy` file: data, axes, metadata and original_metadata, as the
 * signal class HyperSpy assigns (Signal1D / Signal2D / BaseSignal, Lazy* with `{lazy: true}`).
 * A lazy load keeps the file's chunks and reads only the chunks a compute needs.
 */
export async function load(file: string, opts: LoadOptions = {}): Promise<BaseSignal> {
  if (typeof file !== "string") throw new TypeError("load(path, {lazy}): path must be a string");
  const { lazy = false, experiment, ...computeOpts } = opts;
  const remote = isUrl(file);
  const fmt = formatOf(remote ? new URL(file).pathname.replace(/\/+$/, "") : file, "load");
  if (remote && fmt !== "zspy") throw new Error(`load: ${file}: over HTTP(S) only .zspy stores are read (h5wasm reads HDF5 from a local file); download the .hspy first`);
  if (remote) await openRemoteZspy(file);
  // a save killed between the renames of a directory swap: put the complete store back in place
  else recoverTarget(file);
  const pick = (experiments: string[]): string => {
    if (experiment !== undefined) {
      if (!experiments.includes(experiment)) throw new Error(`load: ${file} has no experiment "${experiment}"; it has: ${experiments.join(", ")}`);
      return experiment;
    }
    if (experiments.length > 1) throw new Error(`load: ${file} holds ${experiments.length} signals (${experiments.join(", ")}); pick one with { experiment: name }`);
    return experiments[0];
  };
  if (fmt === "zspy") {
    const { experiments } = openZspy(file);
    return buildSignal(await readZspy(file, pick(experiments), lazy, computeOpts), file, "zspy");
  }
  const { experiments } = await openHspy(file);
  let parts;
  try {
    parts = await readHspy(file, pick(experiments), lazy, computeOpts);
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    if (m.includes(file)) throw e;
    throw new Error(`load: ${file}: cannot read the HDF5 file (${m}); it is truncated or corrupt`, { cause: e });
  }
  return buildSignal(parts, file, "hspy");
}

declare module "../signal" {
  interface BaseSignal {
    /**
     * Save to `.zspy` or `.hspy` (by extension) as HyperSpy writes it. A lazy signal is written
     * block by block without being computed whole. The file is written to a temporary sibling and
     * renamed into place when complete, so a failed or aborted save leaves an existing file intact;
     * an existing file is replaced only with `{ overwrite: true }`. Progress and abort through
     * `onProgress` / `signal` (and the compute observer).
     */
    save(file: string, opts?: SaveOptions): Promise<void>;
  }
}

BaseSignal.prototype.save = async function save(this: BaseSignal, file: string, opts: SaveOptions = {}): Promise<void> {
  if (typeof file !== "string") throw new TypeError("save(path, options): path must be a string");
  const fmt = formatOf(file, "save");
  if (fmt === "zspy") {
    if (opts.compressor === "gzip") throw new TypeError('save: for .zspy give a numcodecs config such as {id: "gzip", level: 5}, not "gzip"');
    return saveZspy(this, file, { ...opts, compressor: opts.compressor as CodecConfig | null | undefined });
  }
  if (opts.compressor !== undefined && opts.compressor !== null && opts.compressor !== "gzip" && !(typeof opts.compressor === "object" && opts.compressor.id === "gzip")) {
    throw new TypeError(`save: .hspy supports compressor "gzip" (default) or null, not ${JSON.stringify(opts.compressor)}`);
  }
  return saveHspy(this, file, { ...opts, compressor: opts.compressor === null || (opts.checksum === true && opts.compressor === undefined) ? null : "gzip" });
};

void DEFAULT_COMPRESSOR;
