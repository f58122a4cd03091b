/**
 * HyperSpy's `.zspy`: a zarr v2 directory store with the nested ("/") chunk layout. We write the
 * zarr v2 JSON (.zgroup, .zattrs, .zarray) ourselves, and read and write chunk files with the
 * engine's storage kernels (lazy/storage/source.ts), so a lazy load reads only the chunks a compute needs
 * and a save streams block by block on the worker threads.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LazyArray } from "../../lazy/core/array";
import { toNested } from "../../lazy/core/block";
import { fromArray } from "../../lazy/ops/creation";
import { CodecConfig, decodeChunk, describeCodec } from "../../lazy/storage/codecs";
import { ComputeOptions } from "../../lazy/graph/graph";
import { httpGet, isUrl, urlJoin } from "../../lazy/storage/http";
import { ZarrArrayInfo, chunkFile, fromZarr, parseStoredType, regularChunks, storedTypeOf, zarrWriter } from "../../lazy/storage/source";
import { MetadataDict, MetadataValue } from "../metadata";
import { BaseSignal } from "../signal";
import {
  FORMAT_VERSION,
  SignalParts,
  axisAttrs,
  axisFromAttrs,
  checkTarget,
  commitTemp,
  experimentName,
  getSignalChunks,
  isHdf5File,
  metadataToWrite,
  removeTemp,
  tempSibling,
} from "./common";

/**
 * The compressor we write by default: blosc with lz4, level 5, byte shuffle. HyperSpy (numcodecs'
 * native blosc) reads it at several GB/s, and our JS blosc-lz4 decoder (lazy/storage/blosc.ts, lz4.ts) at about
 * 0.5-0.7 GB/s per thread, against about 0.3-0.4 for HyperSpy's own default blosc-zstd-1 (our JS
 * zstd decoder), while shuffle+lz4 still compresses smooth float data. Raw (null) and blosc-zlib were measured as
 * alternatives (docs/io.md, bench/README.md).
 */
export const DEFAULT_COMPRESSOR: CodecConfig = { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 };

// ------------------------------------------------------------------------------------------------
// JSON with NaN / Infinity (Python's json writes them as bare tokens)

const NAN = "\u0000NaN";
const INF = "\u0000Infinity";
const NINF = "\u0000-Infinity";

function parseJson(text: string, where: string): unknown {
  const safe = text.replace(/"(?:[^"\\]|\\.)*"|-Infinity|Infinity|NaN/g, (m) => (m[0] === '"' ? m : JSON.stringify("\u0000" + m)));
  try {
    return JSON.parse(safe, (_k, v) => (v === NAN ? NaN : v === INF ? Infinity : v === NINF ? -Infinity : v));
  } catch (e) {
    throw new Error(`${where}: invalid JSON (${(e as Error).message}); the file is corrupt`, { cause: e });
  }
}

function stringifyJson(v: unknown): string {
  const text = JSON.stringify(
    v,
    (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? (Number.isNaN(x) ? NAN : x > 0 ? INF : NINF) : x),
    4,
  );
  // ASCII only, as Python's json (zarr reads .zattrs as ASCII)
  return text
    .replace(/"\\u0000(NaN|Infinity|-Infinity)"/g, "$1")
    .replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

// ------------------------------------------------------------------------------------------------
// where metadata comes from: the local folder, or for an http(s) URL the store's consolidated
// metadata (.zmetadata, fetched once by openRemoteZspy), since HTTP cannot list folders

/** Consolidated metadata of the remote stores opened: store URL -> key ("a/b/.zattrs") -> JSON. */
const remoteMeta = new Map<string, Map<string, unknown>>();

/** The remote store holding `p` and p's key inside it, or null for a local path. */
function remoteKey(p: string): { meta: Map<string, unknown>; key: string } | null {
  if (!isUrl(p)) return null;
  for (const [base, meta] of remoteMeta) {
    if (p === base) return { meta, key: "" };
    if (p.startsWith(base + "/")) return { meta, key: decodeURIComponent(p.slice(base.length + 1)) };
  }
  return null;
}

/** path.join for local paths, `/` joins (scheme kept) for URLs. */
function pj(base: string, ...parts: string[]): string {
  return isUrl(base) ? urlJoin(base, ...parts) : path.join(base, ...parts);
}

/** Whether a metadata file or folder exists (locally, or in a remote store's consolidated metadata). */
function exists(p: string): boolean {
  const r = remoteKey(p);
  if (!r) return fs.existsSync(p);
  if (r.meta.has(r.key)) return true;
  const prefix = r.key ? r.key + "/" : "";
  for (const k of r.meta.keys()) if (k.startsWith(prefix)) return true;
  return false;
}

/**
 * Fetch a remote .zspy's consolidated metadata (`.zmetadata`, which our saves write and Python's
 * `zarr.consolidate_metadata(path)` adds to a HyperSpy-written store), so that the reader below
 * can walk its groups without listing folders.
 */
export async function openRemoteZspy(url: string): Promise<void> {
  const base = url.replace(/\/+$/, "");
  const where = `load: ${url}`;
  const raw = await httpGet(urlJoin(base, ".zmetadata"), where, true);
  if (raw === null) {
    // say whether the store is there at all
    const g = await httpGet(urlJoin(base, ".zgroup"), where, true);
    if (g === null) throw new Error(`${where}: not found (HTTP 404 for ${urlJoin(base, ".zgroup")} and .zmetadata); check the URL (it names the .zspy folder)`);
    throw new Error(`${where}: the store has no consolidated metadata (.zmetadata), which reading over HTTP needs (HTTP cannot list folders); add it with Python's zarr.consolidate_metadata(path), or save the file with hyperspy-ts, which writes it`);
  }
  const v = parseJson(Buffer.from(raw).toString("utf8"), `${where}: .zmetadata`) as { metadata?: Record<string, unknown>; zarr_consolidated_format?: number };
  if (!v || typeof v.metadata !== "object" || v.metadata === null) throw new Error(`${where}: .zmetadata has no "metadata" object; the file is corrupt`);
  remoteMeta.set(base, new Map(Object.entries(v.metadata)));
}

/** Consolidated metadata of the local store `dir` (every .zgroup / .zattrs / .zarray), as zarr's consolidate_metadata writes it. */
function consolidate(dir: string): void {
  const metadata: Record<string, unknown> = {};
  const walk = (d: string, rel: string) => {
    const list = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    const isArray = list.some((e) => e.name === ".zarray");
    for (const e of list) {
      // an array's sub-folders hold its chunks: not walked
      if (e.isDirectory()) {
        if (!isArray) walk(path.join(d, e.name), rel ? `${rel}/${e.name}` : e.name);
      }
      else if (e.name === ".zgroup" || e.name === ".zattrs" || e.name === ".zarray") {
        metadata[rel ? `${rel}/${e.name}` : e.name] = parseJson(fs.readFileSync(path.join(d, e.name), "utf8"), path.join(d, e.name));
      }
    }
  };
  walk(dir, "");
  fs.writeFileSync(path.join(dir, ".zmetadata"), stringifyJson({ metadata, zarr_consolidated_format: 1 }));
}

function readJson(file: string, where: string): unknown {
  const r = remoteKey(file);
  if (r) {
    if (!r.meta.has(r.key)) throw new Error(`${where}: ${file} is not in the store's consolidated metadata`);
    return r.meta.get(r.key);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${where}: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseJson(text, `${where}: ${file}`);
}

function readAttrs(dir: string, where: string): { [k: string]: MetadataValue } {
  const f = pj(dir, ".zattrs");
  if (!exists(f)) return {};
  const v = readJson(f, where);
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${where}: ${f} is not a JSON object`);
  return v as { [k: string]: MetadataValue };
}

// ------------------------------------------------------------------------------------------------
// reading

/** The array described by `<dir>/.zarray`. */
export function readArrayInfo(dir: string, where: string): ZarrArrayInfo {
  const f = pj(dir, ".zarray");
  if (!exists(f)) throw new Error(`${where}: ${dir} has no .zarray (not a zarr array, or the store is incomplete)`);
  const z = readJson(f, where) as {
    zarr_format?: number;
    shape?: number[];
    chunks?: number[];
    dtype?: string;
    compressor?: CodecConfig | null;
    fill_value?: number | null;
    order?: string;
    filters?: unknown[] | null;
    dimension_separator?: string;
  };
  const w = `${where}: ${f}`;
  if (z.zarr_format !== 2) throw new Error(`${w}: zarr_format ${String(z.zarr_format)}, expected 2`);
  if (!Array.isArray(z.shape) || !Array.isArray(z.chunks) || z.shape.length !== z.chunks.length) throw new Error(`${w}: shape and chunks are missing or of different lengths`);
  if (typeof z.dtype !== "string") throw new Error(`${w}: no dtype`);
  if (z.compressor !== null && z.compressor !== undefined) describeCodec(z.compressor);
  const crc32 = Array.isArray(z.filters) && z.filters.length === 1 && (z.filters[0] as { id?: string }).id === "crc32";
  if (z.filters && z.filters.length && z.dtype !== "|O" && !crc32) throw new Error(`${w}: filters ${JSON.stringify(z.filters)} are not supported (readable: none, or [{"id": "crc32"}])`);
  return {
    dir,
    where,
    shape: z.shape,
    chunks: z.chunks,
    stored: z.dtype,
    compressor: z.compressor ?? null,
    fill: typeof z.fill_value === "number" ? z.fill_value : null,
    order: z.order === "F" ? "F" : "C",
    separator: z.dimension_separator === "/" ? "/" : ".",
    ...(crc32 && z.dtype !== "|O" ? { crc32: true } : {}),
  };
}

/** A small array (metadata lists) read whole as a flat JS list. */
async function readSmallArray(dir: string, where: string): Promise<MetadataValue[]> {
  const info = readArrayInfo(dir, where);
  if (info.stored === "|O") {
    // numcodecs' JSON object codec: each chunk is [items..., dtype, shape]
    const out: MetadataValue[] = [];
    const n = Math.ceil(info.shape[0] / info.chunks[0]);
    for (let i = 0; i < n; i++) {
      const file = chunkFile(info, info.shape.length ? [i] : []);
      const raw = isUrl(file) ? Buffer.from((await httpGet(file, where)) as Uint8Array) : fs.readFileSync(file);
      const text = info.compressor ? Buffer.from(await decodeChunk(info.compressor, raw, null, file)) : raw;
      const items = parseJson(text.toString("utf8"), `${where}: ${file}`) as MetadataValue[];
      out.push(...items.slice(0, -2));
    }
    return out.slice(0, info.shape[0]);
  }
  const t = parseStoredType(info.stored, where);
  const x = await fromZarr(info).compute({ scheduler: "sync" });
  // metadata numbers are JS numbers: int64 lists (HyperSpy's python ints) read through Number()
  const unbig = (v: unknown): unknown => (typeof v === "bigint" ? Number(v) : Array.isArray(v) ? v.map(unbig) : v);
  const flat = unbig(toNested(x as never)) as MetadataValue[];
  return t.dtype === "bool" ? (flat as number[]).map((v) => Boolean(v)) : flat;
}

function entries(dir: string): { name: string; kind: "group" | "array" }[] {
  const r = remoteKey(dir);
  let names: string[];
  if (r) {
    const prefix = r.key ? r.key + "/" : "";
    const set = new Set<string>();
    for (const k of r.meta.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length).split("/");
      if (rest.length === 2) set.add(rest[0]);
    }
    names = [...set];
  } else {
    names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  }
  return names.sort().flatMap((name): { name: string; kind: "group" | "array" }[] => {
    const p = pj(dir, name);
    if (exists(pj(p, ".zgroup"))) return [{ name, kind: "group" }];
    if (exists(pj(p, ".zarray"))) return [{ name, kind: "array" }];
    return [];
  });
}

/** Python's sorted() of string keys, then values (HyperSpy's _list_/_tuple_ groups). */
function sortedValues(d: MetadataDict): MetadataValue[] {
  return Object.keys(d)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => d[k]);
}

/** HyperSpy's _group2dict for a zarr group. */
export async function groupToDict(dir: string, where: string): Promise<MetadataDict> {
  const out: MetadataDict = {};
  for (const [key, v] of Object.entries(readAttrs(dir, where))) {
    const value = v === "_None_" ? null : v;
    if (key.startsWith("_sig_") || key.startsWith("_bs_")) continue;
    else if (key.startsWith("_list_empty_")) out[key.slice("_list_empty_".length)] = [];
    else if (key.startsWith("_tuple_empty_")) out[key.slice("_tuple_empty_".length)] = [];
    else out[key] = value;
  }
  for (const { name, kind } of entries(dir)) {
    const p = pj(dir, name);
    if (name.startsWith("_sig_") || name.startsWith("_hspy_AxesManager_")) continue; // signals and axes managers inside metadata: not supported
    if (kind === "array") {
      const values = await readSmallArray(p, where);
      if (name.startsWith("_list_")) out[name.slice(6)] = values;
      else if (name.startsWith("_tuple_")) out[name.slice(7)] = values;
      else {
        const info = readArrayInfo(p, where);
        const x = await fromZarr(info).compute({ scheduler: "sync" });
        out[name] = toNested(x as never) as MetadataValue;
      }
    } else if (name.startsWith("_list_")) {
      out[name.slice(7 + name.slice(6).indexOf("_"))] = sortedValues(await groupToDict(p, where));
    } else if (name.startsWith("_tuple_")) {
      out[name.slice(8 + name.slice(7).indexOf("_"))] = sortedValues(await groupToDict(p, where));
    } else {
      out[name] = await groupToDict(p, where);
    }
  }
  return out;
}

/** Check that `file` is a HyperSpy .zspy store; returns its experiment folders. */
export function openZspy(file: string): { experiments: string[]; version: string } {
  const where = `load: ${file}`;
  if (!isUrl(file)) {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      throw new Error(`${where}: no such file or directory`);
    }
    if (!st.isDirectory()) {
      if (isHdf5File(file)) throw new Error(`${where}: this is an HDF5 file, not a .zspy (zarr) directory; rename it .hspy`);
      throw new Error(`${where}: not a .zspy store: a .zspy is a zarr directory, this is a file`);
    }
  }
  if (!exists(pj(file, ".zgroup"))) throw new Error(`${where}: not a zarr store: the folder has no .zgroup`);
  const attrs = readAttrs(file, where);
  let version = typeof attrs.file_format_version === "string" ? attrs.file_format_version : typeof attrs.file_format_version === "number" ? String(attrs.file_format_version) : "";
  const expDir = pj(file, "Experiments");
  if (!version) {
    if (exists(expDir)) version = "1.0";
    else throw new Error(`${where}: not a HyperSpy file: no file_format_version attribute and no Experiments group`);
  }
  const experiments = exists(expDir)
    ? entries(expDir)
        .filter((e) => e.kind === "group" && exists(pj(expDir, e.name, "data")))
        .map((e) => e.name)
    : [];
  if (!experiments.length) throw new Error(`${where}: This is not a valid zspy file: no Experiments/<title>/data`);
  return { experiments, version };
}

/** Read one experiment of a .zspy: data (lazy: a LazyArray over the file's chunks), axes, metadata. */
export async function readZspy(file: string, experiment: string, lazy: boolean, opts: ComputeOptions): Promise<SignalParts> {
  const where = `load: ${file}`;
  const g = pj(file, "Experiments", experiment);
  const info = readArrayInfo(pj(g, "data"), `${where}: Experiments/${experiment}/data`);
  const x = fromZarr(info, "from-zspy");
  const axes = info.shape.map((_, i) => {
    const ad = pj(g, `axis-${i}`);
    if (!exists(ad)) throw new Error(`${where}: Experiments/${experiment} has no axis-${i} group`);
    return axisFromAttrs(readAttrs(ad, where), `${where}: axis-${i}`);
  });
  axes.forEach((a, i) => {
    if (a.size !== info.shape[i]) throw new Error(`${where}: axis-${i} has size ${a.size} but data has ${info.shape[i]} along axis ${i}`);
  });
  const md = exists(pj(g, "metadata")) ? await groupToDict(pj(g, "metadata"), where) : {};
  const omd = exists(pj(g, "original_metadata")) ? await groupToDict(pj(g, "original_metadata"), where) : {};
  const data = lazy ? x : await x.compute(opts);
  return { data, axes, metadata: md, originalMetadata: omd };
}

// ------------------------------------------------------------------------------------------------
// writing

function writeGroup(dir: string, attrs?: { [k: string]: MetadataValue }): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, ".zgroup"), stringifyJson({ zarr_format: 2 }));
  if (attrs && Object.keys(attrs).length) {
    const sorted: { [k: string]: MetadataValue } = {};
    for (const k of Object.keys(attrs).sort()) sorted[k] = attrs[k];
    fs.writeFileSync(path.join(dir, ".zattrs"), stringifyJson(sorted));
  }
}

function zarray(shape: readonly number[], chunks: readonly number[], dtype: string, compressor: CodecConfig | null, filters: unknown[] | null = null, fill: number | null = 0) {
  return {
    chunks,
    compressor,
    dimension_separator: "/",
    dtype,
    fill_value: fill,
    filters,
    order: "C",
    shape,
    zarr_format: 2,
  };
}

const JSON2 = {
  allow_nan: true,
  check_circular: true,
  encoding: "utf-8",
  ensure_ascii: true,
  id: "json2",
  indent: null,
  separators: [",", ":"],
  skipkeys: false,
  sort_keys: true,
  strict: true,
};

/** A small 1-D metadata array (a list), raw chunk "0". */
function writeSmallArray(dir: string, values: readonly (number | boolean | string)[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const n = values.length;
  let dtype: string;
  let bytes: Uint8Array;
  let filters: unknown[] | null = null;
  let fill: number | null = 0;
  if (values.every((v) => typeof v === "string")) {
    dtype = "|O";
    filters = [JSON2];
    bytes = Buffer.from(JSON.stringify([...values, "|O", [n]]), "utf8");
  } else if (values.every((v) => typeof v === "boolean")) {
    dtype = "|b1";
    bytes = Uint8Array.from(values as boolean[], (b) => (b ? 1 : 0));
    fill = null;
  } else if (values.every((v) => typeof v === "number" && Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER)) {
    dtype = "<i8";
    bytes = new Uint8Array(BigInt64Array.from(values as number[], (v) => BigInt(v)).buffer);
  } else {
    dtype = "<f8";
    bytes = new Uint8Array(Float64Array.from(values as number[]).buffer);
  }
  fs.writeFileSync(path.join(dir, ".zarray"), stringifyJson(zarray([n], [n], dtype, null, filters, fill)));
  fs.writeFileSync(path.join(dir, "0"), bytes);
}

/** HyperSpy's dict2group for a zarr group. */
export function dictToGroup(d: MetadataDict, dir: string): void {
  const attrs: { [k: string]: MetadataValue } = {};
  const groups: [string, MetadataDict][] = [];
  for (const [key, value] of Object.entries(d)) {
    if (value === null) attrs[key] = "_None_";
    else if (Array.isArray(value)) {
      if (value.length === 0) attrs[`_list_empty_${key}`] = "_None_";
      else if (value.every((v) => typeof v === "number") || value.every((v) => typeof v === "boolean") || value.every((v) => typeof v === "string")) {
        writeSmallArray(path.join(dir, `_list_${key}`), value as (number | boolean | string)[]);
      } else {
        const sub: MetadataDict = {};
        value.forEach((v, i) => (sub[String(i)] = v));
        groups.push([`_list_${value.length}_${key}`, sub]);
      }
    } else if (typeof value === "object") groups.push([key, value]);
    else attrs[key] = value;
  }
  writeGroup(dir, attrs);
  for (const [k, sub] of groups) dictToGroup(sub, path.join(dir, k));
}

export interface ZspySaveOptions extends ComputeOptions {
  overwrite?: boolean;
  /** Chunk shape in array order (default: the lazy data's chunks, else HyperSpy's guess of about 100 MB). */
  chunks?: readonly number[];
  /** numcodecs compressor config, or null for raw chunks (default: DEFAULT_COMPRESSOR). */
  compressor?: CodecConfig | null;
  /** Add numcodecs' CRC32 filter (a CRC-32 per chunk, checked on every read; HyperSpy reads it). Default false. */
  checksum?: boolean;
}

/** The chunk shape to write: given, the lazy data's first chunks, or HyperSpy's guess. */
export function chunksToWrite(s: BaseSignal, x: LazyArray, given: readonly number[] | undefined, targetBytes: number): number[] {
  const shape = x.shape;
  if (given !== undefined) {
    if (!Array.isArray(given) || given.length !== shape.length || given.some((c) => !Number.isInteger(c) || c < 1)) {
      throw new TypeError(`save: chunks must be ${shape.length} positive integers (array order), got ${JSON.stringify(given)}`);
    }
    return given.map((c, a) => Math.min(c, Math.max(1, shape[a])));
  }
  if (s.isLazy) return x.chunks.map((c, a) => Math.max(1, Math.min(c[0] ?? 1, shape[a])));
  return getSignalChunks(shape, x.dtype, s.axesManager.signalIndicesInArray, targetBytes).map((c) => Math.max(1, c));
}

/** The data of `s` as a LazyArray with regular chunks `chunk` (rechunked when needed). */
export function regularData(x: LazyArray, chunk: readonly number[]): LazyArray {
  const want = regularChunks(x.shape, chunk);
  const same = want.every((c, a) => c.length === x.chunks[a].length && c.every((n, i) => n === x.chunks[a][i]));
  return same ? x : x.rechunk(want);
}

/** Write `s` to a new .zspy at `file` (through a temporary sibling, renamed into place when complete). */
export async function saveZspy(s: BaseSignal, file: string, opts: ZspySaveOptions): Promise<void> {
  checkTarget(file, opts.overwrite);
  const compressor = opts.compressor === undefined ? DEFAULT_COMPRESSOR : opts.compressor;
  describeCodec(compressor);
  const x0 = s.lazyData();
  const stored = storedTypeOf(x0.dtype);
  const chunk = chunksToWrite(s, x0, opts.chunks, 1e8);
  const x = s.isLazy ? regularData(x0, chunk) : fromArray(s.data, { chunks: regularChunks(x0.shape, chunk) });
  const tmp = tempSibling(file, "tmp");
  try {
    writeGroup(tmp, { file_format: "ZSpy", file_format_version: FORMAT_VERSION });
    writeGroup(path.join(tmp, "Experiments"));
    const g = path.join(tmp, "Experiments", experimentName(s.title));
    writeGroup(g, { package: "", package_version: "" });
    s.axesManager.axes.forEach((a, i) => writeGroup(path.join(g, `axis-${i}`), axisAttrs(a.toDict())));
    const dataDir = path.join(g, "data");
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, ".zarray"), stringifyJson(zarray(x.shape, chunk, stored, compressor, opts.checksum ? [{ id: "crc32" }] : null)));
    dictToGroup(metadataToWrite(s, "zspy"), path.join(g, "metadata"));
    dictToGroup(s.originalMetadata.asDictionary(), path.join(g, "original_metadata"));
    writeGroup(path.join(g, "learning_results"));
    const { overwrite: _o, chunks: _c, compressor: _z, checksum: _k, ...computeOpts } = opts;
    await zarrWriter(x, { dir: dataDir, separator: "/", chunks: chunk, stored, compressor, crc32: opts.checksum === true }).compute(computeOpts);
    // consolidated metadata (zarr's .zmetadata): lets the store be read over HTTP, which cannot list folders
    consolidate(tmp);
    commitTemp(tmp, file, opts.overwrite);
  } catch (e) {
    removeTemp(tmp);
    throw e;
  }
}
