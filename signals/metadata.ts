import { KeyError, TypeError, ValueError } from "../lazy/core/errors";
/**
 * HyperSpy's metadata tree (`hyperspy.misc.utils.DictionaryTreeBrowser`, 1.7.3), the type of
 * `s.metadata` and `s.original_metadata`.
 *
 * Semantics mirrored from HyperSpy 1.7.3 (fixtures: test/fixtures/make_metadata.py):
 * - Every key is stored under its "slug" (`slugify(key, valid_variable_name=True)`: NFKD, non-ASCII
 *   and punctuation dropped, spaces -> "_", "Number_" prefix when not an identifier) and remembers the
 *   original key. Lookups slugify each path part, so `getItem("c d")` and `getItem("c_d")` find the
 *   same item, and a later key with the same slug replaces the earlier one.
 * - Keys whose slug starts with "_" (e.g. `_HyperSpy`) are private: hidden by `toString()`,
 *   `toHtml()`, `keys()`, `length` and iteration, but kept by `asDictionary()` and reachable by path.
 * - `toString()` (= `repr(md)`; `print(md)` adds one more newline) sorts the keys by slug, prints
 *   strings raw and everything else with Python's `repr` (`True`, `None`, `1e-05`, `[1, 'a']`),
 *   cuts strings longer than 156 characters to `first 78 ... last 78`, and expands lists whose repr is
 *   longer than 156 characters into a `key <list>` node drawn with double lines (items `[0]`, `[1]`,
 *   `[10]`, ... in slug order).
 * - `asDictionary()` keeps insertion order and the original keys.
 * - Assigning a plain object to an existing node merges it in (add_dictionary); assigning a
 *   `Metadata` stores that node as is (no merge, no copy).
 *
 * Deliberate differences (see also the test file):
 * - JavaScript numbers cannot tell 2.0 from 2: integer-valued numbers below 1e16 print as Python ints
 *   (`200`, HyperSpy prints a float as `200.0`); other numbers print as Python floats (`-0.0`, `nan`,
 *   `inf`, `1e+16`).
 * - A plain object assigned over a leaf replaces it (HyperSpy 1.7.3 raises AttributeError on an
 *   already-processed tree, and replaces on a fresh one).
 * - Setting a path through a leaf (`setItem("a.b", 1)` when `a` is a value) throws a clear error
 *   (HyperSpy: `AttributeError: 'int' object has no attribute 'has_item'`).
 * - `hasItem("keys")` is false (HyperSpy finds the method); a `Metadata` stored with `setItem` prints
 *   its children (HyperSpy prints a lazily built one as an empty node); `keys()` of a fresh tree is
 *   its keys (HyperSpy returns [] until the tree is first accessed).
 * - Values are deep-copied on the way in (HyperSpy keeps references to lists); typed arrays become
 *   plain arrays. Signals stored in metadata (`_sig_` keys) are not supported.
 */

/** A value a metadata leaf can hold (JSON-like; `null` is Python's None). */
export type MetadataValue = string | number | boolean | null | MetadataValue[] | { [k: string]: MetadataValue };

/** A plain dictionary of metadata values (what `asDictionary()` returns). */
export type MetadataDict = { [k: string]: MetadataValue };

/** A metadata path: "A.B.c" or the parts ["A", "B", "c"] (for keys that contain dots). */
export type MetadataPath = string | readonly string[];

interface Entry {
  /** The key as given (HyperSpy's item["key"]). */
  key: string;
  value: MetadataValue | Metadata;
}

/** HyperSpy's `slugify(value, valid_variable_name=True)`: the attribute name a key is stored under. */
export function slugify(key: string): string {
  let v = key.normalize("NFKD").replace(/[^\x00-\x7f]/g, "");
  v = v.replace(/[^A-Za-z0-9_ ]/g, "").trim().replace(/ /g, "_");
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) v = "Number_" + v;
  return v;
}

function isPlainObject(v: unknown): v is { [k: string]: unknown } {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "object" && v !== null) {
    const ctor = (v as { constructor?: { name?: string } }).constructor;
    return ctor && ctor.name ? `a ${ctor.name}` : "an object";
  }
  return `a ${typeof v}`;
}

/** Deep-copy and check a leaf value (anything but a top-level plain object or a Metadata). */
function normalizeValue(v: unknown, where: string): MetadataValue {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map((x) => normalizeValue(x, where));
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => Number(x));
  }
  if (v instanceof Metadata) return v.asDictionary();
  if (isPlainObject(v)) {
    const out: MetadataDict = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalizeValue(x, where);
    return out;
  }
  if (v === undefined) {
    throw new TypeError(
      `${where}: undefined is not a metadata value; use null for Python's None, or deleteItem() to remove an item.`,
    );
  }
  throw new TypeError(
    `${where}: ${describe(v)} is not a metadata value; use a string, number, boolean, null, an array or a ` +
      `plain object (convert it first, e.g. String(x), Number(x) or Array.from(x)).`,
  );
}

function splitPath(path: MetadataPath, method: string): string[] {
  if (typeof path === "string") return path.split(".");
  if (Array.isArray(path) && path.length > 0 && path.every((p) => typeof p === "string")) return [...path];
  throw new TypeError(`${method}: the path must be a string like "General.title" or an array of keys, got ${describe(path)}.`);
}

function pathText(path: MetadataPath): string {
  return typeof path === "string" ? path : path.join(".");
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- Python repr ---------------------------------------------------------------------------------

/** Python's repr(float): shortest round-trip digits, exponent form when exp < -4 or exp >= 16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant, expStr] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const exp = parseInt(expStr, 10);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const a = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${a < 10 ? "0" : ""}${a}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** A number as HyperSpy would print it: integer-valued numbers below 1e16 as ints, the rest as floats. */
export function pyNumberRepr(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16 && !Object.is(x, -0)) return String(x);
  return pyFloatRepr(x);
}

const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

/** Python's repr(str). */
export function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && NON_PRINTABLE.test(ch)) {
      const c = ch.codePointAt(0) as number;
      const hex = c.toString(16);
      out += c <= 0xff ? `\\x${hex.padStart(2, "0")}` : c <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`;
    } else out += ch;
  }
  return out + q;
}

/** Python's repr() of a metadata value (lists and dicts as Python prints them). */
export function pyRepr(v: MetadataValue | Metadata): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return pyNumberRepr(v);
  if (typeof v === "string") return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (v instanceof Metadata) return v.toString();
  return `{${Object.entries(v).map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
}

/** HyperSpy's check_long_string: [too long?, the text to print]. */
function checkLongString(v: MetadataValue, maxLen: number | null): [boolean, string] {
  const s = typeof v === "string" ? v : pyRepr(v);
  if (maxLen === null) return [false, s];
  const cps = Array.from(s);
  if (cps.length <= 2 * maxLen) return [false, s];
  const right = Math.min(maxLen, cps.length - maxLen);
  return [true, `${cps.slice(0, maxLen).join("")} ... ${cps.slice(cps.length - right).join("")}`];
}

function htmlEscape(s: string): string {
  // HyperSpy's replace_html_symbols, including its "&amp" without ";".
  return s.replace(/&/g, "&amp").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const MAX_LEN = 78;

const HTML_NODE_A = '<ul style="margin: 0px; list-style-position: outside;">\n                    <details ';
const HTML_NODE_B =
  '>\n                    <summary style="display: list-item;">\n                    <li style="display: inline;">\n                    ';
const HTML_NODE_C = "\n                    </li></summary>\n                    ";

function htmlKeyValue(key: string, value: string): string {
  return (
    '\n    <ul style="margin: 0px; list-style-position: outside;">\n' +
    `    <li style='margin-left:1em; padding-left: 0.5em'>${htmlEscape(key)} = ${htmlEscape(value)}</li></ul>\n    `
  );
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

// ---- the tree --------------------------------------------------------------------------------------

/** HyperSpy's DictionaryTreeBrowser: a tree of metadata addressed by dotted paths ("General.title"). */
export class Metadata implements Iterable<[string, MetadataValue | Metadata]> {
  private readonly entries = new Map<string, Entry>();
  /** Only trees built to print long lists use double lines (╠══ ╚══ ║). */
  private doubleLines = false;

  constructor(dict?: { [k: string]: MetadataValue }) {
    if (dict !== undefined && dict !== null) {
      if (!isPlainObject(dict)) {
        throw new TypeError(`new Metadata(dict): dict must be a plain object like {General: {title: "x"}}, got ${describe(dict)}.`);
      }
      this.addDictionary(dict);
    }
  }

  private child(): Metadata {
    const m = new Metadata();
    m.doubleLines = this.doubleLines;
    return m;
  }

  /** HyperSpy's __setattr__: dicts become nodes (merged into an existing node), other values replace. */
  private assign(key: string, value: unknown, where: string): void {
    const slug = slugify(key);
    if (value instanceof Metadata) {
      this.entries.set(slug, { key, value });
      return;
    }
    if (isPlainObject(value)) {
      const existing = this.entries.get(slug);
      if (existing && existing.value instanceof Metadata) {
        existing.value.mergeDict(value, where);
        return;
      }
      const node = this.child();
      node.mergeDict(value, where);
      this.entries.set(slug, { key, value: node });
      return;
    }
    this.entries.set(slug, { key, value: normalizeValue(value, where) });
  }

  private mergeDict(d: { [k: string]: unknown }, where: string): void {
    for (const [k, v] of Object.entries(d)) this.assign(k, v, where);
  }

  /** The entry at `parts`, or undefined when a part is missing or passes through a leaf. */
  private find(parts: string[]): Entry | undefined {
    let node: Metadata = this;
    for (let i = 0; i < parts.length; i++) {
      const e = node.entries.get(slugify(parts[i]));
      if (!e) return undefined;
      if (i === parts.length - 1) return e;
      if (!(e.value instanceof Metadata)) return undefined;
      node = e.value;
    }
    return undefined;
  }

  /**
   * HyperSpy's get_item("General.title", default): the value (nodes come back as the live `Metadata`),
   * or `dflt` when the path is missing or runs through a leaf.
   */
  getItem(path: MetadataPath): MetadataValue | Metadata | undefined;
  getItem(path: MetadataPath, dflt: MetadataValue): MetadataValue | Metadata;
  getItem(path: MetadataPath, dflt?: MetadataValue): MetadataValue | Metadata | undefined;
  getItem(path: MetadataPath, dflt?: MetadataValue): MetadataValue | Metadata | undefined {
    const e = this.find(splitPath(path, "getItem"));
    return e ? e.value : dflt;
  }

  /** HyperSpy's has_item("A.B.c") (full path). */
  hasItem(path: MetadataPath): boolean {
    return this.find(splitPath(path, "hasItem")) !== undefined;
  }

  /**
   * HyperSpy's set_item("A.B.c", v): creates the missing nodes on the way. A plain object is merged
   * into an existing node (or becomes a new node); a `Metadata` is stored as is; anything else replaces.
   */
  setItem(path: MetadataPath, value: MetadataValue | Metadata): void {
    const parts = splitPath(path, "setItem");
    const where = `setItem("${pathText(path)}")`;
    let node: Metadata = this;
    for (let i = 0; i < parts.length - 1; i++) {
      const slug = slugify(parts[i]);
      const e = node.entries.get(slug);
      if (!e) {
        const c = node.child();
        node.entries.set(slug, { key: parts[i], value: c });
        node = c;
      } else if (e.value instanceof Metadata) {
        node = e.value;
      } else {
        const at = parts.slice(0, i + 1).join(".");
        throw new ValueError(
          `${where}: "${at}" holds a value (${pyRepr(e.value)}), not a node, so nothing can be set under it; ` +
            `delete it first with deleteItem("${at}") or choose another path.`,
        );
      }
    }
    node.assign(parts[parts.length - 1], value, where);
  }

  /** Remove the item (value or whole node) at `path`; throws naming the path when it is missing. */
  deleteItem(path: MetadataPath): void {
    const parts = splitPath(path, "deleteItem");
    const last = parts.pop() as string;
    const parent = parts.length === 0 ? this : this.find(parts)?.value;
    const slug = slugify(last);
    if (!(parent instanceof Metadata) || !parent.entries.has(slug)) {
      throw new KeyError(
        `deleteItem("${pathText(path)}"): there is no item at "${pathText(path)}" (check with hasItem(); ` +
          `paths are dot-separated keys such as "General.title").`,
      );
    }
    parent.entries.delete(slug);
  }

  /** HyperSpy's add_dictionary: deep merge (objects merge into existing nodes, other values replace). */
  addDictionary(d: { [k: string]: MetadataValue }): void {
    if (!isPlainObject(d)) {
      throw new TypeError(`addDictionary(d): d must be a plain object like {General: {title: "x"}}, got ${describe(d)}.`);
    }
    this.mergeDict(d, "addDictionary");
  }

  /** HyperSpy's as_dictionary(): plain nested objects (deep copy), insertion order, private keys included. */
  asDictionary(): MetadataDict {
    const out: MetadataDict = {};
    for (const { key, value } of this.entries.values()) {
      out[key] = value instanceof Metadata ? value.asDictionary() : normalizeValue(value, "asDictionary");
    }
    return out;
  }

  /** HyperSpy's keys(): the non-private keys at this level (as slugs), sorted. */
  keys(): string[] {
    return [...this.entries.keys()].filter((k) => !k.startsWith("_")).sort(compareStrings);
  }

  /** HyperSpy's len(): the number of non-private keys at this level. */
  get length(): number {
    return this.keys().length;
  }

  /** Iterate [key, value] over keys() (HyperSpy's `for key, value in md`). */
  *[Symbol.iterator](): Iterator<[string, MetadataValue | Metadata]> {
    for (const k of this.keys()) yield [k, (this.entries.get(k) as Entry).value];
  }

  /** A deep copy (HyperSpy's deepcopy(); its copy() is shallow). */
  copy(): Metadata {
    const m = new Metadata();
    m.doubleLines = this.doubleLines;
    for (const [slug, { key, value }] of this.entries) {
      m.entries.set(slug, { key, value: value instanceof Metadata ? value.copy() : normalizeValue(value, "copy") });
    }
    return m;
  }

  /** Alias of copy() (HyperSpy's name). */
  deepcopy(): Metadata {
    return this.copy();
  }

  /**
   * HyperSpy's get_item(item, full_path=False, wild=..., return_path=True): every leaf whose key is
   * `item`'s last part (or, with `wild`, contains it, case-insensitively) and whose full path contains
   * `item`. Private keys are skipped; nodes are never matched.
   */
  findItems(item: string, options: { wild?: boolean } = {}): { path: string; value: MetadataValue }[] {
    if (typeof item !== "string") throw new TypeError(`findItems(item): item must be a string, got ${describe(item)}.`);
    const last = item.split(".").pop() as string;
    const wild = options.wild === true;
    const out: { path: string; value: MetadataValue }[] = [];
    const walk = (node: Metadata, prefix: string): void => {
      for (const [slug, { key, value }] of node.entries) {
        if (slug.startsWith("_")) continue;
        if (value instanceof Metadata) walk(value, `${prefix}${key}.`);
        else if (key === last || (wild && key.toLowerCase().includes(last.toLowerCase()))) {
          out.push({ path: prefix + key, value });
        }
      }
    };
    walk(this, "");
    return out.filter((r) => r.path.includes(item));
  }

  private visibleEntries(): Entry[] {
    return this.keys().map((k) => this.entries.get(k) as Entry);
  }

  /** The `key <list>` node HyperSpy prints for a long list. */
  private static expandList(list: MetadataValue[]): Metadata {
    const m = new Metadata();
    m.doubleLines = true;
    list.forEach((v, i) => m.assign(`[${i}]`, v, "print"));
    return m;
  }

  private printItems(padding: string): string {
    const [sEnd, sMiddle, padMiddle] = this.doubleLines ? ["╚══ ", "╠══ ", "║   "] : ["└── ", "├── ", "│   "];
    const items = this.visibleEntries();
    let s = "";
    items.forEach(({ key: k, value: v }, j) => {
      const last = j === items.length - 1;
      const symbol = last ? sEnd : sMiddle;
      let key = k;
      let value = v;
      if (Array.isArray(value)) {
        const [long, str] = checkLongString(value, MAX_LEN);
        if (!long) {
          s += `${padding}${symbol}${key} = ${str}\n`;
          return;
        }
        key += " <list>";
        value = Metadata.expandList(value);
      }
      if (value instanceof Metadata) {
        s += `${padding}${symbol}${key}\n`;
        s += value.printItems(padding + (last ? "    " : padMiddle));
      } else {
        s += `${padding}${symbol}${key} = ${checkLongString(value, MAX_LEN)[1]}\n`;
      }
    });
    return s;
  }

  private htmlItems(level: number): string {
    level += 1;
    let s = "";
    for (const { key: k, value: v } of this.visibleEntries()) {
      let key = k;
      let value = v;
      if (Array.isArray(value)) {
        const [long, str] = checkLongString(value, MAX_LEN);
        if (!long) {
          s += htmlKeyValue(key, str);
          continue;
        }
        key += " <list>";
        value = Metadata.expandList(value);
      }
      if (value instanceof Metadata) {
        s += HTML_NODE_A + (level < 2 ? "open" : "closed") + HTML_NODE_B + htmlEscape(key) + HTML_NODE_C;
        s += value.htmlItems(level);
        s += "</details></ul>";
      } else {
        s += htmlKeyValue(key, checkLongString(value, MAX_LEN)[1]);
      }
    }
    return s;
  }

  /**
   * repr(md) exactly as HyperSpy 1.7.3 builds it (`print(md)` shows this plus one newline): the
   * ├── └── │ tree, keys sorted, private keys hidden; "" for an empty tree.
   */
  toString(): string {
    return this.printItems("");
  }

  /** HyperSpy's _repr_html_() (the notebook view): nested <details>, first level open. */
  toHtml(): string {
    return this.htmlItems(0);
  }

  /** JSON.stringify(md) gives asDictionary(). */
  toJSON(): MetadataDict {
    return this.asDictionary();
  }

  /** Node's console.log / REPL show the tree. */
  [INSPECT](): string {
    return this.toString();
  }

  // ---- TypeScript conveniences (aliases and typed getters) ----------------------------------------

  /** Alias of getItem. */
  get(path: MetadataPath): MetadataValue | Metadata | undefined;
  get(path: MetadataPath, dflt: MetadataValue): MetadataValue | Metadata;
  get(path: MetadataPath, dflt?: MetadataValue): MetadataValue | Metadata | undefined {
    return this.getItem(path, dflt);
  }

  /** Alias of setItem. */
  set(path: MetadataPath, value: MetadataValue | Metadata): void {
    this.setItem(path, value);
  }

  /** Alias of hasItem. */
  has(path: MetadataPath): boolean {
    return this.hasItem(path);
  }

  /** Alias of deleteItem. */
  delete(path: MetadataPath): void {
    this.deleteItem(path);
  }

  private typed<T>(path: MetadataPath, method: string, what: string, ok: (v: MetadataValue | Metadata) => boolean): T | undefined {
    const e = this.find(splitPath(path, method));
    if (!e) return undefined;
    if (!ok(e.value)) {
      throw new TypeError(`${method}("${pathText(path)}"): the item is ${e.value instanceof Metadata ? "a node" : pyRepr(e.value)}, not ${what}; use getItem() for any value.`);
    }
    return e.value as unknown as T;
  }

  /** The node at `path` (live), or undefined when missing; throws if it is a value. */
  getNode(path: MetadataPath): Metadata | undefined {
    return this.typed<Metadata>(path, "getNode", "a node", (v) => v instanceof Metadata);
  }

  /** The string at `path`, `dflt` when missing; throws if it holds something else. */
  getString(path: MetadataPath): string | undefined;
  getString(path: MetadataPath, dflt: string): string;
  getString(path: MetadataPath, dflt?: string): string | undefined {
    return this.typed<string>(path, "getString", "a string", (v) => typeof v === "string") ?? dflt;
  }

  /** The number at `path`, `dflt` when missing; throws if it holds something else. */
  getNumber(path: MetadataPath): number | undefined;
  getNumber(path: MetadataPath, dflt: number): number;
  getNumber(path: MetadataPath, dflt?: number): number | undefined {
    return this.typed<number>(path, "getNumber", "a number", (v) => typeof v === "number") ?? dflt;
  }

  /** The boolean at `path`, `dflt` when missing; throws if it holds something else. */
  getBoolean(path: MetadataPath): boolean | undefined;
  getBoolean(path: MetadataPath, dflt: boolean): boolean;
  getBoolean(path: MetadataPath, dflt?: boolean): boolean | undefined {
    return this.typed<boolean>(path, "getBoolean", "a boolean", (v) => typeof v === "boolean") ?? dflt;
  }
}

/**
 * The metadata a signal gets in HyperSpy 1.7.3 (`BaseSignal._create_metadata` then `_load_dictionary`):
 * nodes `_HyperSpy` (with `Folding`), `General`, `Signal`; then `metadata` merged in; then
 * `General.title = ""` if missing; then `Signal.signal_type = signalType` if `signalType` is non-empty
 * (a specialised class such as "EELS") or no signal_type was given. The input is copied.
 */
export function createSignalMetadata(metadata?: { [k: string]: MetadataValue } | Metadata, signalType = ""): Metadata {
  const md = new Metadata();
  md.setItem("_HyperSpy", {});
  md.setItem("General", {});
  md.setItem("Signal", {});
  md.setItem("_HyperSpy.Folding", {
    unfolded: false,
    signal_unfolded: false,
    original_shape: null,
    original_axes_manager: null,
  });
  if (metadata !== undefined) md.addDictionary(metadata instanceof Metadata ? metadata.asDictionary() : metadata);
  if (!md.hasItem("General.title")) md.setItem("General.title", "");
  if (signalType !== "" || !md.hasItem("Signal.signal_type")) md.setItem("Signal.signal_type", signalType);
  return md;
}

/**
 * The metadata of a fresh `Signal1D` / `Signal2D` / `BaseSignal` / lazy signal in HyperSpy 1.7.3:
 * `{_HyperSpy: {Folding: {unfolded: false, signal_unfolded: false, original_shape: null,
 * original_axes_manager: null}}, General: {title: ""}, Signal: {signal_type: ""}}`, printed as
 * "├── General\n│   └── title = \n└── Signal\n    └── signal_type = \n".
 */
export function defaultMetadata(): Metadata {
  return createSignalMetadata();
}
