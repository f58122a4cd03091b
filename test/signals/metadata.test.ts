/**
 * signals/metadata.ts against HyperSpy 1.7.3's DictionaryTreeBrowser (fixtures: make_metadata.py).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { loadFixture } from "../helpers";
import {
  Metadata,
  MetadataDict,
  MetadataValue,
  createSignalMetadata,
  defaultMetadata,
  pyFloatRepr,
  pyRepr,
  slugify,
} from "../../signals/metadata";

interface TreeRecord {
  repr: string;
  /** Left out for the random trees. */
  html?: string;
  asDictionary: MetadataDict;
  keys: string[];
  len: number;
}
interface SignalRecord {
  repr: string;
  asDictionary: MetadataDict;
  signalRepr: string;
  input?: MetadataDict;
  signalType?: string;
}
interface GetCase {
  path: string;
  has: boolean;
  node?: MetadataDict;
  nodeRepr?: string;
  value?: MetadataValue;
  valueNoDefault?: MetadataValue;
  missing?: boolean;
}
interface Fixture {
  hyperspy: string;
  trees: { [name: string]: TreeRecord & { input: MetadataDict } };
  signals: { [name: string]: SignalRecord } & { deepcopyIndependent: { original: string; copy: string } };
  getTree: MetadataDict;
  getCases: GetCase[];
  searchTree: MetadataDict;
  searchCases: { item: string; wild: boolean; found: [string, MetadataValue][]; has: boolean }[];
  setCases: { [name: string]: TreeRecord & { ops?: [string, MetadataValue][]; start?: MetadataDict; nodeValue?: MetadataDict } };
  setThroughLeafError: string;
  addCases: { [name: string]: TreeRecord & { start: MetadataDict; add: MetadataDict; processed?: MetadataDict; processedError?: string } };
}

const fx = loadFixture<Fixture>("metadata");

function checkTree(md: Metadata, rec: TreeRecord, name: string): void {
  assert.equal(md.toString(), rec.repr, `${name}: repr`);
  if (rec.html !== undefined) assert.equal(md.toHtml(), rec.html, `${name}: _repr_html_`);
  assert.deepEqual(md.asDictionary(), rec.asDictionary, `${name}: as_dictionary`);
  assert.deepEqual(md.keys(), rec.keys, `${name}: keys`);
  assert.equal(md.length, rec.len, `${name}: len`);
}

test("fixture comes from HyperSpy 1.7.3", () => {
  assert.equal(fx.hyperspy, "1.7.3");
});

for (const [name, rec] of Object.entries(fx.trees)) {
  test(`tree "${name}": repr, html, as_dictionary, keys, len match HyperSpy`, () => {
    checkTree(new Metadata(rec.input), rec, name);
  });
}

test("print(s.metadata) of the reference section 1.3", () => {
  const md = defaultMetadata();
  md.setItem("Signal.quantity", "Intensity (counts)");
  md.setItem("General.title", "demo");
  const expected = "├── General\n│   └── title = demo\n└── Signal\n    ├── quantity = Intensity (counts)\n    └── signal_type = \n";
  assert.equal(md.toString(), expected);
  assert.equal(md.toString(), fx.signals.reference13.repr);
  assert.deepEqual(md.asDictionary(), fx.signals.reference13.asDictionary);
});

for (const cls of ["Signal1D", "Signal2D", "BaseSignal", "LazySignal1D"]) {
  test(`defaultMetadata() is a fresh ${cls}'s metadata (print and as_dictionary)`, () => {
    const md = defaultMetadata();
    assert.equal(md.toString(), fx.signals[cls].repr);
    assert.deepEqual(md.asDictionary(), fx.signals[cls].asDictionary);
    assert.deepEqual(Object.keys(md.asDictionary()), Object.keys(fx.signals[cls].asDictionary), "key order");
    assert.equal(md.getItem("_HyperSpy.Folding.unfolded"), false);
    assert.deepEqual(md.keys(), ["General", "Signal"]);
  });
}

test("title and signal_type set through set_item", () => {
  const md = defaultMetadata();
  md.setItem("General.title", "demo");
  md.setItem("Signal.signal_type", "my_type");
  assert.equal(md.toString(), fx.signals.setItemTitleType.repr);
  assert.deepEqual(md.asDictionary(), fx.signals.setItemTitleType.asDictionary);
});

for (const name of ["userMetadata", "userMetadataTitleType"]) {
  test(`createSignalMetadata(metadata) = Signal1D(data, metadata=...) (${name})`, () => {
    const rec = fx.signals[name];
    const md = createSignalMetadata(rec.input, rec.signalType);
    assert.equal(md.toString(), rec.repr);
    assert.deepEqual(md.asDictionary(), rec.asDictionary);
    assert.deepEqual(JSON.stringify(md.asDictionary()), JSON.stringify(rec.asDictionary), "key order");
  });
}

test("createSignalMetadata: a specialised class's signal_type wins over the given one", () => {
  const md = createSignalMetadata({ Signal: { signal_type: "other" } }, "EELS");
  assert.equal(md.getItem("Signal.signal_type"), "EELS");
  assert.equal(createSignalMetadata({ Signal: { signal_type: "other" } }).getItem("Signal.signal_type"), "other");
});

test("copy() is deep (like s.deepcopy())", () => {
  const md = createSignalMetadata({ General: { title: "given" } });
  const c = md.copy();
  c.setItem("General.title", "changed");
  (c.getItem("_HyperSpy.Folding") as Metadata).setItem("unfolded", true);
  assert.equal(md.toString(), fx.signals.deepcopyIndependent.original);
  assert.equal(c.toString(), fx.signals.deepcopyIndependent.copy);
  assert.equal(md.getItem("_HyperSpy.Folding.unfolded"), false);
  const withList = new Metadata({ l: [1, [2]] });
  const c2 = withList.deepcopy();
  ((c2.getItem("l") as MetadataValue[])[1] as number[]).push(3);
  assert.deepEqual(withList.asDictionary(), { l: [1, [2]] });
});

test("get_item / has_item match HyperSpy", () => {
  const md = new Metadata(fx.getTree);
  for (const c of fx.getCases) {
    assert.equal(md.hasItem(c.path), c.has, `has_item(${JSON.stringify(c.path)})`);
    if (c.node !== undefined) {
      const node = md.getItem(c.path, "DEFAULT");
      assert.ok(node instanceof Metadata, `get_item(${c.path}) is a node`);
      assert.deepEqual(node.asDictionary(), c.node);
      assert.equal(node.toString(), c.nodeRepr);
    } else if (c.missing) {
      assert.equal(md.getItem(c.path, "DEFAULT"), "DEFAULT", `get_item(${JSON.stringify(c.path)}, default)`);
      assert.equal(md.getItem(c.path), undefined, `get_item(${JSON.stringify(c.path)}) without default`);
    } else {
      assert.deepEqual(md.getItem(c.path, "DEFAULT"), c.value, `get_item(${c.path})`);
      assert.deepEqual(md.getItem(c.path), c.valueNoDefault);
    }
  }
});

test("getItem returns live nodes; paths may be arrays of keys", () => {
  const md = defaultMetadata();
  (md.getItem("General") as Metadata).setItem("title", "live");
  assert.equal(md.getItem("General.title"), "live");
  md.setItem(["A", "dotted.key"], 1);
  assert.equal(md.getItem(["A", "dotted.key"]), 1);
  assert.equal(md.hasItem("A.dotted.key"), false);
});

test("findItems = get_item(full_path=False, return_path=True)", () => {
  const md = new Metadata(fx.searchTree);
  for (const c of fx.searchCases) {
    const got = md.findItems(c.item, { wild: c.wild }).map((r) => [r.path, r.value]);
    assert.deepEqual(got, c.found, `search ${c.item} wild=${c.wild}`);
    assert.equal(got.length > 0, c.has);
  }
});

for (const [name, rec] of Object.entries(fx.setCases)) {
  if (rec.ops === undefined) continue;
  test(`set_item sequence "${name}" matches HyperSpy`, () => {
    const md = new Metadata();
    for (const [path, value] of rec.ops as [string, MetadataValue][]) md.setItem(path, value);
    checkTree(md, rec, name);
  });
}

test("setItem with a Metadata value stores it (no merge); it prints its children", () => {
  const rec = fx.setCases.nodeValueReplaces;
  const md = new Metadata(rec.start);
  const node = new Metadata(rec.nodeValue);
  md.setItem("A", node);
  assert.deepEqual(md.asDictionary(), rec.asDictionary);
  assert.equal(md.getItem("A"), node, "stored by reference, like HyperSpy");
  // Deliberate difference: HyperSpy 1.7.3 prints "└── A\n" (the stored tree is still lazy).
  assert.equal(rec.repr, "└── A\n");
  assert.equal(md.toString(), "└── A\n    └── y = 2\n");
});

test("setItem through a leaf throws a clear error naming the path", () => {
  assert.match(fx.setThroughLeafError, /AttributeError/);
  const md = new Metadata({ a: 1 });
  assert.throws(() => md.setItem("a.b.c", 2), /setItem\("a\.b\.c"\): "a" holds a value \(1\), not a node.*deleteItem\("a"\)/);
  assert.deepEqual(md.asDictionary(), { a: 1 });
});

for (const [name, rec] of Object.entries(fx.addCases)) {
  test(`add_dictionary "${name}" matches HyperSpy`, () => {
    const md = new Metadata(rec.start);
    md.addDictionary(rec.add);
    checkTree(md, rec, name);
    assert.equal(JSON.stringify(md.asDictionary()), JSON.stringify(rec.asDictionary), "key order");
    if (rec.processed !== undefined) assert.deepEqual(md.asDictionary(), rec.processed);
  });
}

test("deleteItem removes values and nodes; missing paths throw naming the path", () => {
  const md = defaultMetadata();
  md.deleteItem("General.title");
  assert.equal(md.hasItem("General.title"), false);
  assert.equal(md.toString(), "├── General\n└── Signal\n    └── signal_type = \n");
  md.deleteItem("Signal");
  assert.deepEqual(md.keys(), ["General"]);
  assert.throws(() => md.deleteItem("General.nope"), /deleteItem\("General\.nope"\): there is no item at "General\.nope"/);
  assert.throws(() => md.deleteItem("x.y"), /no item at "x\.y"/);
});

test("bad values and paths get clear errors", () => {
  const md = new Metadata();
  assert.throws(() => md.setItem("a", undefined as unknown as MetadataValue), /setItem\("a"\): undefined is not a metadata value; use null/);
  assert.throws(() => md.setItem("a", new Date() as unknown as MetadataValue), /a Date is not a metadata value/);
  assert.throws(() => md.setItem("a", { b: [() => 1] } as unknown as MetadataValue), /a function is not a metadata value/);
  assert.throws(() => md.getItem(3 as unknown as string), /getItem: the path must be a string/);
  assert.throws(() => new Metadata([1] as unknown as MetadataDict), /plain object/);
  md.setItem("t", new Float32Array([1.5, 2]) as unknown as MetadataValue);
  assert.deepEqual(md.getItem("t"), [1.5, 2]);
});

test("typed getters and aliases", () => {
  const md = createSignalMetadata({ General: { title: "x" }, N: { v: 2.5, b: true } });
  assert.equal(md.getString("General.title"), "x");
  assert.equal(md.getString("General.missing", "d"), "d");
  assert.equal(md.getNumber("N.v"), 2.5);
  assert.equal(md.getBoolean("N.b"), true);
  assert.ok(md.getNode("N") instanceof Metadata);
  assert.equal(md.getNode("Nope"), undefined);
  assert.throws(() => md.getNumber("General.title"), /getNumber\("General\.title"\): the item is 'x', not a number/);
  assert.throws(() => md.getNode("N.v"), /the item is 2\.5, not a node/);
  md.set("General.title", "y");
  assert.equal(md.get("General.title"), "y");
  assert.equal(md.has("General.title"), true);
  md.delete("General.title");
  assert.equal(md.has("General.title"), false);
  assert.deepEqual([...md].map(([k]) => k), ["General", "N", "Signal"]);
  assert.deepEqual(JSON.parse(JSON.stringify(md)), md.asDictionary());
});

test("Python repr of numbers and strings", () => {
  const cases: [number, string][] = [
    [0.1, "0.1"], [1e-5, "1e-05"], [1e-4, "0.0001"], [1e16, "1e+16"], [1e15 + 0.5, "1000000000000000.5"],
    [1.5e300, "1.5e+300"], [-2.5e-7, "-2.5e-07"], [123.456, "123.456"], [NaN, "nan"], [Infinity, "inf"],
    [-Infinity, "-inf"], [-0, "-0.0"], [0, "0.0"], [5e-324, "5e-324"], [1.7976931348623157e308, "1.7976931348623157e+308"],
  ];
  for (const [x, s] of cases) assert.equal(pyFloatRepr(x), s, `repr(${x})`);
  assert.equal(pyRepr(3), "3");
  assert.equal(pyRepr(-0), "-0.0");
  assert.equal(pyRepr(["a'b", 'a"b', "\x00\x7f\u00a0é", { k: null }]), `["a'b", 'a"b', '\\x00\\x7f\\xa0é', {'k': None}]`);
});

test("slugify matches HyperSpy's", () => {
  assert.equal(slugify("c d"), "c_d");
  assert.equal(slugify("c-f"), "cf");
  assert.equal(slugify("10"), "Number_10");
  assert.equal(slugify("[0]"), "Number_0");
  assert.equal(slugify("ünïcode"), "unicode");
  assert.equal(slugify("_HyperSpy"), "_HyperSpy");
  assert.equal(slugify(""), "Number_");
});

test("documented difference: integer-valued floats print as ints", () => {
  // HyperSpy: DictionaryTreeBrowser({"beam_energy": 200.0}) prints "└── beam_energy = 200.0\n".
  assert.equal(new Metadata({ beam_energy: 200.0 }).toString(), "└── beam_energy = 200\n");
});
