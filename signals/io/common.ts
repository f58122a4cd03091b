/**
 * What .zspy and .hspy share: HyperSpy's hierarchical layout (Experiments/<title>/{data, axis-i,
 * metadata, original_metadata}), the signal class for a file's axes, HyperSpy's chunk guess, the
 * FileIO metadata entries, and safe replacement of files (write to a temporary sibling, rename into
 * place when complete).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LazyArray } from "../../lazy/core/array";
import { NDArray } from "../../lazy/core/block";
import { DType, itemsize } from "../../lazy/core/dtype";
import { AxisDict, DataAxis } from "../axes";
import { MetadataDict, MetadataValue } from "../metadata";
import { BaseSignal, LazySignal, LazySignal1D, LazySignal2D, Signal1D, Signal2D } from "../signal";

/** The hierarchical format version HyperSpy 1.7.3 writes. */
export const FORMAT_VERSION = "3.1";

/** Our version, for the FileIO entries of metadata. */
export const LIBRARY_VERSION: string = (() => {
  for (const p of [path.join(__dirname, "../../../package.json"), path.join(__dirname, "../../package.json")]) {
    try {
      const v = (JSON.parse(fs.readFileSync(p, "utf8")) as { name?: string; version?: string });
      if (v.name === "hyperspy-ts" && v.version) return `hyperspy-ts ${v.version}`;
    } catch {
      // try the next
    }
  }
  return "hyperspy-ts";
})();

export type FileFormat = "zspy" | "hspy";

/** The format an extension names (.zspy, .hspy / .hdf5), or an error naming the supported ones. */
export function formatOf(file: string, where: string): FileFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".zspy") return "zspy";
  if (ext === ".hspy" || ext === ".hdf5" || ext === ".h5") return "hspy";
  throw new Error(`${where}: ${file}: unsupported extension "${ext || "(none)"}"; supported: .zspy (zarr directory) and .hspy (HDF5)`);
}

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Whether `file` is a regular file that starts with the HDF5 signature (at 0, 512, 1024, ...). */
export function isHdf5File(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return false;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(8);
    for (let off = 0; off + 8 <= size && off <= 1 << 20; off = off === 0 ? 512 : off * 2) {
      fs.readSync(fd, buf, 0, 8, off);
      if (buf.equals(HDF5_MAGIC)) return true;
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** What a reader found: everything a signal is made of. */
export interface SignalParts {
  data: NDArray | LazyArray;
  axes: AxisDict[];
  metadata: MetadataDict;
  originalMetadata: MetadataDict;
}

/** The signal class HyperSpy 1.7.3 assigns (dict2signal): by the number of signal axes and laziness. */
export function signalClassFor(lazy: boolean, signalDimension: number): new (data: unknown, opts?: object) => BaseSignal {
  if (lazy) return signalDimension === 1 ? LazySignal1D : signalDimension === 2 ? LazySignal2D : LazySignal;
  return signalDimension === 1 ? Signal1D : signalDimension === 2 ? Signal2D : BaseSignal;
}

/** A "load" / "save" entry as HyperSpy adds under General.FileIO (the next free integer key). */
export function addFileIO(md: MetadataDict, operation: "load" | "save", plugin: FileFormat): void {
  const general = (md.General ??= {}) as MetadataDict;
  const fio = (general.FileIO ??= {}) as MetadataDict;
  const next = Math.max(0, ...Object.keys(fio).map((k) => Number(k.replace("Number_", "")) + 1).filter((n) => Number.isFinite(n)));
  fio[String(next)] = {
    operation,
    io_plugin: `hyperspy.io_plugins.${plugin}`,
    hyperspy_version: LIBRARY_VERSION,
    timestamp: new Date().toISOString().replace("Z", "+00:00"),
  };
}

/** A signal from what a reader found, as HyperSpy's dict2signal (record_by is dropped from metadata). */
export function buildSignal(parts: SignalParts, file: string, plugin: FileFormat): BaseSignal {
  const md = parts.metadata;
  const sig = md.Signal as MetadataDict | undefined;
  let sigDim = -1;
  if (sig && typeof sig === "object" && "record_by" in sig) {
    sigDim = sig.record_by === "spectrum" ? 1 : sig.record_by === "image" ? 2 : -1;
    delete sig.record_by;
  }
  if (parts.axes.length && parts.axes.every((a) => typeof a.navigate === "boolean")) sigDim = parts.axes.filter((a) => !a.navigate).length;
  else if (sigDim === -1) sigDim = parts.data.shape.length;
  const General = md.General as MetadataDict | undefined;
  if (General && General.title === "__unnamed__") General.title = "";
  addFileIO(md, "load", plugin);
  const lazy = parts.data instanceof LazyArray;
  const Cls = signalClassFor(lazy, sigDim);
  const axes = parts.axes.map((a) => DataAxis.fromDict(a));
  if (axes.length !== parts.data.shape.length) {
    throw new Error(`load: ${file}: the file has ${axes.length} axis groups for data of ${parts.data.shape.length} dimensions`);
  }
  return new Cls(parts.data, { axes, metadata: md, originalMetadata: parts.originalMetadata });
}

/**
 * HyperSpy's get_signal_chunks: chunks (array order) holding whole signals, about `targetBytes`
 * each (1e8 for .zspy, 1e6 for .hspy).
 */
export function getSignalChunks(shape: readonly number[], dtype: DType, signalAxes: readonly number[], targetBytes: number): number[] {
  const bytesPerSignal = signalAxes.reduce((n, a) => n * shape[a], 1) * itemsize(dtype);
  const signalsPerChunk = Math.floor(targetBytes / Math.max(1, bytesPerSignal));
  const navAxes = shape.map((_, i) => i).filter((i) => !signalAxes.includes(i));
  const numSignals = navAxes.reduce((n, a) => n * shape[a], 1);
  if (signalsPerChunk < 2 || navAxes.length === 0) return shape.map((s, i) => (signalAxes.includes(i) ? s : 1));
  if (signalsPerChunk > numSignals) return shape.slice();
  const smallIdx: number[] = [];
  const smallSizes: number[] = [];
  let navChunk = 0;
  for (let iterate = true; iterate; ) {
    iterate = false;
    const prod = smallSizes.reduce((n, s) => n * s, 1);
    navChunk = Math.floor((signalsPerChunk / prod) ** (1 / (navAxes.length - smallSizes.length)));
    shape.forEach((size, i) => {
      if (!signalAxes.includes(i) && !smallIdx.includes(i) && size < navChunk) {
        smallIdx.push(i);
        smallSizes.push(size);
        iterate = true;
      }
    });
  }
  return shape.map((s, i) => (signalAxes.includes(i) || smallIdx.includes(i) ? s : navChunk));
}

/** The experiment group name HyperSpy uses for a title. */
export function experimentName(title: string): string {
  return title ? title.replace(/\//g, "-") : "__unnamed__";
}

/** Refuse to replace an existing path unless `overwrite` (after recovering what a killed save left, see recoverTarget). */
export function checkTarget(file: string, overwrite: boolean | undefined): void {
  recoverTarget(file);
  if (fs.existsSync(file) && !overwrite) {
    throw new Error(`save: ${file} already exists; pass { overwrite: true } to replace it`);
  }
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) throw new Error(`save: the folder ${dir} does not exist`);
}

/**
 * The temporary siblings of a save: `.<name>.<tag>-<pid>-<rnd>` in the target's folder (so a rename
 * moves them into place). Tags: "tmp" (being written), "new" (complete, about to be swapped in),
 * "old" (the replaced store, moved aside until the new one is in place).
 */
export type TempTag = "tmp" | "new" | "old";

/** A temporary sibling of `file` (same folder, so a rename moves it into place). */
export function tempSibling(file: string, tag: TempTag): string {
  const rnd = Math.random().toString(36).slice(2, 8).padEnd(6, "0");
  return path.join(path.dirname(file), `.${path.basename(file)}.${tag}-${process.pid}-${rnd}`);
}

/** Whether process `pid` is alive on this machine (EPERM: alive, someone else's). */
function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The temporary siblings of `file` left by processes that are no longer running. */
export function staleTemps(file: string): { path: string; tag: TempTag; pid: number; mtimeMs: number }[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const prefix = `.${base}.`;
  const out: { path: string; tag: TempTag; pid: number; mtimeMs: number }[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const m = /^(tmp|new|old)-(\d+)-[a-z0-9]+$/.exec(n.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[2]);
    if (pidAlive(pid)) continue;
    const p = path.join(dir, n);
    let mtimeMs = 0;
    try {
      mtimeMs = fs.lstatSync(p).mtimeMs;
    } catch {
      continue;
    }
    out.push({ path: p, tag: m[1] as TempTag, pid, mtimeMs });
  }
  return out;
}

/**
 * Finish or undo what a save killed mid-way (kill -9, power cut of the process) left next to `file`,
 * and delete the temporaries of dead processes. Called before every load and save of `file`.
 * When `file` is missing because the kill came between the two renames of a directory swap, the
 * complete new store ("new") is renamed into place, else the old one ("old") is put back; every
 * other temporary of a dead process (a partly written "tmp", a leftover "old") is deleted.
 * Temporaries of running processes (a save in progress elsewhere) are left alone. Best effort:
 * a folder we cannot write to is left as it is. Returns what it did, for messages and tests.
 */
export function recoverTarget(file: string): { restored: string | null; removed: string[] } {
  const stale = staleTemps(file);
  let restored: string | null = null;
  if (!stale.length) return { restored, removed: [] };
  if (!fs.existsSync(file)) {
    const pick = (tag: TempTag) => stale.filter((t) => t.tag === tag).sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
    const cand = pick("new") ?? pick("old");
    if (cand) {
      try {
        fs.renameSync(cand.path, file);
        restored = cand.path;
      } catch {
        // read-only folder or a race with another recovery: leave it
      }
    }
  }
  const removed: string[] = [];
  for (const t of stale) {
    if (t.path === restored) continue;
    try {
      fs.rmSync(t.path, { recursive: true, force: true });
      removed.push(t.path);
    } catch {
      // best effort
    }
  }
  return { restored, removed };
}

/** Test hooks: called between the steps of a directory swap (the kill -9 tests stop the process there). */
export const commitHooks: { afterReady?: () => void; afterAside?: () => void; afterSwap?: () => void } = {};

/**
 * Move the completed `tmp` into place at `file`. A file over a file is one atomic rename. A
 * directory (.zspy) cannot be renamed over a non-empty one, so it takes three renames, each atomic:
 * `tmp` -> `.<name>.new-*` (marks it complete), `file` -> `.<name>.old-*`, `.new-*` -> `file`; then
 * the old store is deleted. A process killed at any point leaves `file` complete (old or new), or
 * missing with the complete new (or old) store beside it, which recoverTarget (run by the next load
 * or save) renames into place. If the final rename fails here, the old store is put back.
 */
export function commitTemp(tmp: string, file: string, overwrite: boolean | undefined): void {
  if (!fs.existsSync(file)) {
    fs.renameSync(tmp, file);
    return;
  }
  if (!overwrite) throw new Error(`save: ${file} already exists; pass { overwrite: true } to replace it`);
  const tmpStat = fs.statSync(tmp);
  const oldStat = fs.lstatSync(file);
  if (tmpStat.isFile() && oldStat.isFile()) {
    fs.renameSync(tmp, file); // atomic replacement of a file
    return;
  }
  const ready = tempSibling(file, "new");
  fs.renameSync(tmp, ready);
  commitHooks.afterReady?.();
  const aside = tempSibling(file, "old");
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    removeTemp(ready);
    throw e;
  }
  commitHooks.afterAside?.();
  try {
    fs.renameSync(ready, file);
  } catch (e) {
    fs.renameSync(aside, file);
    removeTemp(ready);
    throw e;
  }
  commitHooks.afterSwap?.();
  fs.rmSync(aside, { recursive: true, force: true });
}

/** Remove a temporary path (best effort). */
export function removeTemp(tmp: string): void {
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
  } catch {
    // nothing more to do
  }
}

/** Axis dicts to write: HyperSpy omits an unset (Undefined) name or units. */
export function axisAttrs(a: AxisDict): { [k: string]: MetadataValue } {
  const out: { [k: string]: MetadataValue } = { _type: a._type, is_binned: a.is_binned };
  if (a.name !== null) out.name = a.name;
  out.navigate = a.navigate;
  out.offset = a.offset;
  out.scale = a.scale;
  out.size = a.size;
  if (a.units !== null) out.units = a.units;
  return out;
}

/** An AxisDict from the attributes of an axis-i group. */
export function axisFromAttrs(attrs: { [k: string]: MetadataValue }, where: string): AxisDict {
  const t = attrs._type ?? "UniformDataAxis";
  if (t !== "UniformDataAxis") {
    throw new Error(`${where}: axis of type ${String(t)} (non-uniform) is not supported; only UniformDataAxis`);
  }
  const num = (k: string, d: number) => (typeof attrs[k] === "number" ? (attrs[k] as number) : d);
  return {
    _type: "UniformDataAxis",
    name: typeof attrs.name === "string" ? attrs.name : null,
    units: typeof attrs.units === "string" ? attrs.units : null,
    navigate: attrs.navigate === undefined ? true : Boolean(attrs.navigate),
    is_binned: Boolean(attrs.is_binned ?? false),
    size: num("size", 0),
    scale: num("scale", 1),
    offset: num("offset", 0),
  };
}

/** The metadata dict to write for a signal (with HyperSpy's record_by and a FileIO "save" entry added to the signal). */
export function metadataToWrite(s: BaseSignal, plugin: FileFormat): MetadataDict {
  const md = s.metadata.asDictionary();
  addFileIO(md, "save", plugin);
  // the signal records the save, as HyperSpy's does
  s.metadata.setItem("General.FileIO", (md.General as MetadataDict).FileIO as MetadataDict);
  const sd = s.axesManager.signalDimension;
  const sig = (md.Signal ??= {}) as MetadataDict;
  sig.record_by = sd === 1 ? "spectrum" : sd === 2 ? "image" : "";
  return md;
}
