/**
 * HyperSpy's `.hspy`: HDF5 through h5wasm (WASM, synchronous API, loaded on first use). Reads are
 * hyperslabs, one task per HDF5 chunk of the data (run on the worker threads, each with its own
 * h5wasm instance); saves stream block by block on this thread into a gzip-compressed chunked
 * dataset, in a temporary file renamed into place when complete.
 *
 * h5wasm cannot write HDF5 enum types, which h5py uses for numpy booleans: booleans in metadata are
 * written as int8 (HyperSpy then reads 0 / 1), and the axis groups leave `navigate` / `is_binned`
 * out (HyperSpy then takes the signal dimension from metadata.Signal.record_by).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fromArray } from "../../lazy/ops/creation";
import { Block, contiguous, isBlock } from "../../lazy/core/block";
import { ComputeOptions } from "../../lazy/graph/graph";
import { DType, arrayConstructor } from "../../lazy/core/dtype";

const ctorFor = (d: DType) => arrayConstructor(d);
import { closeH5, fromH5, h5wasm, openH5, regularChunks, storedTypeOf } from "../../lazy/storage/source";
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
import { chunksToWrite, regularData } from "./zspy";
import { BOOL_DTYPE, BOOL_MARK, patchBoolPlaceholders } from "./h5bool";

// minimal structural types of the h5wasm objects we use
interface H5Attr {
  value: unknown;
  metadata?: { type?: number; size?: number; enum_type?: { members?: Record<string, number> } };
}
interface H5Obj {
  attrs: Record<string, H5Attr>;
  create_attribute(name: string, data: unknown, shape?: number[] | null, dtype?: string | [string, string][] | null): void;
}
interface H5Group extends H5Obj {
  keys(): string[];
  get(name: string): unknown;
  create_group(name: string): H5Group;
  create_dataset(args: { name: string; data: unknown; shape?: number[] | null; maxshape?: (number | null)[] | null; dtype?: string | [string, string][] | null; chunks?: number[] | null; compression?: number | "gzip"; compression_opts?: number | number[] }): H5Dataset;
}
interface H5Dataset extends H5Obj {
  shape: number[] | null;
  value: unknown;
  metadata: { type: number; size: number; signed?: boolean; littleEndian?: boolean; chunks?: number[] | null; enum_type?: { members?: Record<string, number> } };
  write_slice(ranges: [number, number][], data: unknown): void;
  resize(shape: number[]): number;
}
interface H5File extends H5Group {
  close(): unknown;
  flush(): void;
}

const isGroup = (x: unknown): x is H5Group => typeof x === "object" && x !== null && typeof (x as H5Group).keys === "function";
const isDataset = (x: unknown): x is H5Dataset => typeof x === "object" && x !== null && typeof (x as H5Dataset).write_slice === "function";

/** A plain JS value for an h5wasm attribute or dataset value (bool enums as booleans, bigints as numbers). */
function plain(v: unknown, meta?: H5Attr["metadata"]): MetadataValue {
  const isBool = meta?.type === 8 && meta.enum_type?.members && "TRUE" in meta.enum_type.members;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return isBool ? v !== 0 : v;
  if (typeof v === "string" || typeof v === "boolean" || v === null) return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => (isBool ? Number(x) !== 0 : Number(x)));
  if (Array.isArray(v)) return v.map((x) => plain(x, meta));
  return String(v);
}

function groupToDict(g: H5Group): MetadataDict {
  const out: MetadataDict = {};
  for (const [key, a] of Object.entries(g.attrs)) {
    let value = plain(a.value, a.metadata);
    if (value === "_None_") value = null;
    if (key.startsWith("_sig_") || key.startsWith("_bs_")) continue;
    else if (key.startsWith("_list_empty_")) out[key.slice("_list_empty_".length)] = [];
    else if (key.startsWith("_tuple_empty_")) out[key.slice("_tuple_empty_".length)] = [];
    else out[key] = value;
  }
  const sortedValues = (d: MetadataDict) => Object.keys(d).sort().map((k) => d[k]);
  for (const name of g.keys().sort()) {
    const x = g.get(name);
    if (name.startsWith("_sig_") || name.startsWith("_hspy_AxesManager_")) continue;
    if (isDataset(x)) {
      const v = plain(x.value, x.metadata);
      const list = Array.isArray(v) ? v : [v];
      if (name.startsWith("_list_")) out[name.slice(6)] = list;
      else if (name.startsWith("_tuple_")) out[name.slice(7)] = list;
      else out[name] = v;
    } else if (isGroup(x)) {
      if (name.startsWith("_list_")) out[name.slice(7 + name.slice(6).indexOf("_"))] = sortedValues(groupToDict(x));
      else if (name.startsWith("_tuple_")) out[name.slice(8 + name.slice(7).indexOf("_"))] = sortedValues(groupToDict(x));
      else out[name] = groupToDict(x);
    }
  }
  return out;
}

/** Our dtype for an h5wasm dataset's type metadata, or an error. */
function dtypeOfH5(m: H5Dataset["metadata"], where: string): { dtype: Exclude<DType, "object">; bytes: number } {
  if (m.type === 8) return { dtype: "bool", bytes: 1 };
  if (m.type === 1) {
    if (m.size === 4) return { dtype: "float32", bytes: 4 };
    if (m.size === 8) return { dtype: "float64", bytes: 8 };
  }
  if (m.type === 0) {
    const s = m.signed !== false;
    const d = ({ 1: s ? "int8" : "uint8", 2: s ? "int16" : "uint16", 4: s ? "int32" : "uint32", 8: s ? "int64" : "uint64" } as const)[m.size as 1];
    if (d) return { dtype: d, bytes: m.size };
  }
  throw new Error(`${where}: unsupported HDF5 data type (class ${m.type}, ${m.size} bytes)`);
}

/** Check that `file` is a HyperSpy .hspy; returns its experiments. */
export async function openHspy(file: string): Promise<{ experiments: string[]; version: string }> {
  const where = `load: ${file}`;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new Error(`${where}: no such file or directory`);
  }
  if (st.isDirectory()) {
    const hint = fs.existsSync(path.join(file, ".zgroup")) ? " (it is a zarr store: rename it .zspy)" : "";
    throw new Error(`${where}: not an HDF5 file: it is a folder${hint}`);
  }
  if (!isHdf5File(file)) throw new Error(`${where}: not an HDF5 file (no HDF5 signature); the file is corrupt or not what its extension says`);
  let version = "";
  let experiments: string[] = [];
  try {
    const f = (await openH5(path.resolve(file))) as unknown as H5File;
    const va = f.attrs.file_format_version;
    version = va ? String(plain(va.value)) : "";
    const keys = f.keys();
    if (!version && keys.includes("Experiments")) version = "1.0";
    const exp = keys.includes("Experiments") ? f.get("Experiments") : null;
    experiments = isGroup(exp) ? exp.keys().filter((k) => { const g = exp.get(k); return isGroup(g) && g.keys().includes("data"); }) : [];
  } catch (e) {
    closeH5(path.resolve(file));
    throw new Error(`${where}: cannot open the HDF5 file (${(e as Error).message}); it is truncated or corrupt`, { cause: e });
  }
  if (!version) throw new Error(`${where}: The file is not a valid HyperSpy hdf5 file (no file_format_version, no Experiments group)`);
  if (!experiments.length) throw new Error(`${where}: This is not a valid hspy file: no Experiments/<title>/data`);
  return { experiments, version };
}

/** Read one experiment of an .hspy (lazy: a LazyArray over the dataset's HDF5 chunks). */
export async function readHspy(file: string, experiment: string, lazy: boolean, opts: ComputeOptions): Promise<SignalParts> {
  const where = `load: ${file}`;
  const abs = path.resolve(file);
  const f = (await openH5(abs)) as unknown as H5File;
  const g = f.get(`Experiments/${experiment}`) as H5Group;
  const ds = g.get("data");
  if (!isDataset(ds) || !ds.shape) throw new Error(`${where}: Experiments/${experiment}/data is not a dataset`);
  const shape = ds.shape;
  const { dtype, bytes } = dtypeOfH5(ds.metadata, `${where}: Experiments/${experiment}/data`);
  const keys = g.keys();
  const axes = shape.map((n, i) => {
    const ag = keys.includes(`axis-${i}`) ? g.get(`axis-${i}`) : null;
    if (!isGroup(ag)) throw new Error(`${where}: Experiments/${experiment} has no axis-${i} group`);
    const attrs: { [k: string]: MetadataValue } = {};
    for (const [k, a] of Object.entries(ag.attrs)) attrs[k] = plain(a.value, a.metadata);
    const ax = axisFromAttrs(attrs, `${where}: axis-${i}`);
    if (!("navigate" in attrs)) delete (ax as Partial<typeof ax>).navigate;
    if (ax.size !== n) throw new Error(`${where}: axis-${i} has size ${ax.size} but data has ${n} along axis ${i}`);
    return ax;
  });
  const md = keys.includes("metadata") ? groupToDict(g.get("metadata") as H5Group) : {};
  const omd = keys.includes("original_metadata") ? groupToDict(g.get("original_metadata") as H5Group) : {};
  // axes without navigate (written by us or old files): from record_by, as HyperSpy's dict2signal
  if (axes.some((a) => a.navigate === undefined)) {
    const rb = (md.Signal as MetadataDict | undefined)?.record_by;
    const sd = rb === "spectrum" ? 1 : rb === "image" ? 2 : shape.length;
    axes.forEach((a, i) => (a.navigate = i < shape.length - sd));
  }
  const chunk = ds.metadata.chunks ?? getSignalChunks(shape, dtype, shape.map((_, i) => i).filter((i) => !axes[i].navigate), 1e8);
  const x = fromH5(abs, `Experiments/${experiment}/data`, shape, chunk, dtype, bytes, "from-hspy", ds.metadata.chunks ?? null);
  const data = lazy ? x : await x.compute(opts);
  return { data, axes, metadata: md, originalMetadata: omd };
}

// ------------------------------------------------------------------------------------------------
// writing

/** Counts the boolean placeholders written (patched into h5py's bool enum after the file is closed, see h5bool.ts). */
const bools = { written: 0 };

/** HDF5 keeps at most 8 attributes in the object header (compact storage); beyond, they move to a heap we do not patch. */
const MAX_COMPACT_ATTRS = 8;

function writeAttr(o: H5Obj, key: string, v: number | string | boolean, compact = false): void {
  if (typeof v === "string") o.create_attribute(key, v);
  else if (typeof v === "boolean" && compact) {
    o.create_attribute(key, new Map([[BOOL_MARK, Uint8Array.of(v ? 1 : 0)]]), [], BOOL_DTYPE);
    bools.written++;
  } else if (typeof v === "boolean") o.create_attribute(key, v ? 1 : 0, null, "<b");
  else if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) o.create_attribute(key, BigInt(v), null, "<q");
  else o.create_attribute(key, v, null, "<d");
}

function dictToGroup(d: MetadataDict, g: H5Group): void {
  const nAttrs = Object.values(d).filter((v) => v === null || (Array.isArray(v) && v.length === 0) || (typeof v !== "object")).length;
  const compact = nAttrs <= MAX_COMPACT_ATTRS;
  for (const [key, value] of Object.entries(d)) {
    if (value === null) writeAttr(g, key, "_None_");
    else if (Array.isArray(value)) {
      if (value.length === 0) writeAttr(g, `_list_empty_${key}`, "_None_");
      else if (value.every((v) => typeof v === "number")) {
        const ints = value.every((v) => Number.isInteger(v) && Math.abs(v as number) <= Number.MAX_SAFE_INTEGER);
        g.create_dataset({ name: `_list_${key}`, data: ints ? BigInt64Array.from(value as number[], (v) => BigInt(v)) : Float64Array.from(value as number[]) });
      } else if (value.every((v) => typeof v === "boolean")) {
        g.create_dataset({ name: `_list_${key}`, data: new Map([[BOOL_MARK, Uint8Array.from(value as boolean[], (b) => (b ? 1 : 0))]]), dtype: BOOL_DTYPE });
        bools.written++;
      } else if (value.every((v) => typeof v === "string")) {
        g.create_dataset({ name: `_list_${key}`, data: value as string[] });
      } else {
        const sub: MetadataDict = {};
        value.forEach((v, i) => (sub[String(i)] = v));
        dictToGroup(sub, g.create_group(`_list_${value.length}_${key}`));
      }
    } else if (typeof value === "object") dictToGroup(value, g.create_group(key));
    else writeAttr(g, key, value, compact);
  }
}

/** The parts of h5wasm's Emscripten module used to write raw bytes into a hyperslab (the bool placeholder's compound type). */
interface H5RawModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  set_dataset_data(fileId: bigint, path: string, count: bigint[], offset: bigint[], strides: bigint[], ptr: bigint): number;
}

/** Write raw bytes (one per element) into `ranges` of a dataset, bypassing h5wasm's per-element compound packing. */
function writeRawSlice(mod: H5RawModule, ds: H5Dataset, ranges: [number, number][], bytes: Uint8Array): void {
  const d = ds as unknown as { file_id: bigint; path: string };
  const n = bytes.length;
  const ptr = mod._malloc(Math.max(1, n));
  if (!ptr) throw new Error("save: out of WASM memory for a boolean block");
  try {
    mod.HEAPU8.set(bytes.subarray(0, n), ptr);
    mod.set_dataset_data(d.file_id, d.path, ranges.map(([a, b]) => BigInt(b - a)), ranges.map(([a]) => BigInt(a)), ranges.map(() => 1n), BigInt(ptr));
  } finally {
    mod._free(ptr);
  }
}

export interface HspySaveOptions extends ComputeOptions {
  overwrite?: boolean;
  chunks?: readonly number[];
  compressor?: "gzip" | null;
  /** HDF5's fletcher32 checksum filter on the data's chunks (h5wasm writes one filter: needs compressor null). */
  checksum?: boolean;
}

/** Write `s` to a new .hspy (HDF5) at `file`, block by block, through a temporary sibling. */
export async function saveHspy(s: BaseSignal, file: string, opts: HspySaveOptions): Promise<void> {
  checkTarget(file, opts.overwrite);
  if (opts.checksum && opts.compressor !== null) {
    throw new TypeError("save: .hspy with { checksum: true } needs { compressor: null }: h5wasm writes one HDF5 filter per dataset, so fletcher32 cannot follow gzip (use .zspy for compressed and checksummed chunks)");
  }
  const m = (await h5wasm()) as unknown as { File: new (p: string, mode: string) => H5File };
  const x0 = s.lazyData();
  const stored = storedTypeOf(x0.dtype);
  const chunk = chunksToWrite(s, x0, opts.chunks, 1e6);
  const x = s.isLazy ? regularData(x0, chunk) : fromArray(s.data, { chunks: regularChunks(x0.shape, chunk) });
  const tmp = path.resolve(tempSibling(file, "tmp"));
  const mod = (await (m as unknown as { ready: Promise<H5RawModule> }).ready);
  let f: H5File | null = null;
  bools.written = 0;
  try {
    f = new m.File(tmp, "w");
    writeAttr(f, "file_format", "HyperSpy");
    writeAttr(f, "file_format_version", FORMAT_VERSION);
    const g = f.create_group("Experiments").create_group(experimentName(s.title));
    writeAttr(g, "package", "");
    writeAttr(g, "package_version", "");
    s.axesManager.axes.forEach((a, i) => {
      const ag = g.create_group(`axis-${i}`);
      // navigate and is_binned as h5py's bool enum (at most 8 attributes: compact, patched after close)
      const attrs = axisAttrs(a.toDict());
      for (const [k, v] of Object.entries(attrs)) writeAttr(ag, k, v as number | string | boolean, Object.keys(attrs).length <= MAX_COMPACT_ATTRS);
    });
    const isBool = stored === "|b1";
    const dtypeStr = isBool ? "<B" : stored.replace("|", "<").replace(/[iuf](\d)$/, (m0, n: string) => ({ i: { 1: "b", 2: "h", 4: "i", 8: "q" }, u: { 1: "B", 2: "H", 4: "I", 8: "Q" }, f: { 4: "f", 8: "d" } } as Record<string, Record<string, string>>)[m0[0]][n]);
    const shape = x.shape;
    // created empty with room to grow, then resized: h5wasm wants data at creation, and the data
    // is written block by block below
    const ds = g.create_dataset({
      name: "data",
      data: isBool ? new Map([[BOOL_MARK, new Uint8Array(0)]]) : new (ctorFor(x.dtype))(0),
      shape: shape.map(() => 0),
      maxshape: shape.slice(),
      dtype: isBool ? BOOL_DTYPE : dtypeStr,
      chunks: chunk.slice(),
      // HDF5 filter 3 is fletcher32 (no parameters)
      ...(opts.checksum ? { compression: 3, compression_opts: [] } : opts.compressor === null ? {} : { compression: "gzip" as const, compression_opts: 4 }),
    });
    if (isBool) bools.written++;
    ds.resize(shape.slice());
    const md = metadataToWrite(s, "hspy");
    dictToGroup(md, g.create_group("metadata"));
    dictToGroup(s.originalMetadata.asDictionary(), g.create_group("original_metadata"));
    g.create_group("learning_results");
    // every placeholder is in an object header allocated by now: the patch scans the file up to here
    f.flush();
    const headerBytes = fs.statSync(tmp).size + (16 << 20);
    const placeholders = bools.written;
    const { overwrite: _o, chunks: _c, compressor: _z, checksum: _k, ...computeOpts } = opts;
    await x.store((block, info) => {
      const b = block as unknown as Block;
      const data = isBlock(b) ? contiguous(b).data.subarray(0, info.arrayLocation.reduce((n, [a, z]) => n * (z - a), 1)) : b;
      if (isBool) writeRawSlice(mod, ds, info.arrayLocation as [number, number][], data as Uint8Array);
      else ds.write_slice(info.arrayLocation as [number, number][], data);
    }, computeOpts);
    f.close();
    f = null;
    patchBoolPlaceholders(tmp, headerBytes, placeholders);
    closeH5(path.resolve(file));
    commitTemp(tmp, file, opts.overwrite);
  } catch (e) {
    if (f) {
      try {
        f.close();
      } catch {
        // closing is best effort
      }
    }
    removeTemp(tmp);
    throw e;
  }
}
