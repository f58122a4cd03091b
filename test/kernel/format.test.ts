/**
 * What the kernel shows for values: numpy's repr for ndarrays (expected strings from numpy 1.24,
 * test/fixtures/make_format.py), bundles from Symbol.for("Jupyter.display"), JSON as objects.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { FixtureArray, fromFixture, loadFixture } from "../helpers";
import { tagDType, toNDArray } from "../../lazy/core/block";
import { formatNDArray, toBundle, textOf } from "../../kernel/format";
import { progressText } from "../../kernel/progress";
import { History } from "../../kernel/history";

const cases = loadFixture<{ [name: string]: { array: FixtureArray; repr: string } }>("format");

for (const [name, c] of Object.entries(cases)) {
  test(`ndarray text equals numpy's repr: ${name}`, () => {
    const b = fromFixture(c.array);
    assert.equal(formatNDArray(c.array.dtype === "bool" ? tagDType(toNDArray(b), "bool") : toNDArray(b)), c.repr);
  });
}

test("a Jupyter.display method gives the bundle; text/plain is added", async () => {
  const obj = { [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<b>x</b>" }), toString: () => "X" };
  const b = await toBundle(obj);
  assert.equal(b.data["text/html"], "<b>x</b>");
  assert.equal(typeof b.data["text/plain"], "string");
  const asyncObj = { [Symbol.for("Jupyter.display")]: async () => ({ "text/plain": "async!" }) };
  assert.deepEqual((await toBundle(asyncObj)).data, { "text/plain": "async!" });
  const failing = { [Symbol.for("Jupyter.display")]: () => { throw new Error("nope"); } };
  assert.match(String((await toBundle(failing)).data["text/plain"]), /Jupyter.display method failed: nope/);
});

test("plain JSON values carry application/json as an object; others only text", async () => {
  assert.deepEqual((await toBundle({ a: [1, 2], b: null })).data["application/json"], { a: [1, 2], b: null });
  assert.equal((await toBundle(new Map([[1, 2]]))).data["application/json"], undefined);
  assert.equal((await toBundle({ f: () => 1 })).data["application/json"], undefined);
  assert.equal((await toBundle("ab")).data["text/plain"], "'ab'");
  assert.equal((await toBundle(3)).data["text/plain"], "3");
  class WithRepr { toString() { return "<Repr>"; } }
  assert.equal(textOf(new WithRepr()), "<Repr>");
  const huge = "x".repeat(3_000_000);
  assert.ok(String((await toBundle({ s: huge })).data["text/plain"]).length < 1_100_000);
  await assert.rejects(async () => toBundle(5, { raw: true }), /MIME bundle/);
});

test("progress text reads like dask's ProgressBar", () => {
  assert.equal(progressText(5, 10, 1234, "running"), `[${"#".repeat(20)}${" ".repeat(20)}] |  50% 5/10 tasks | 1.2s`);
  assert.equal(progressText(10, 10, 61000, "done"), `[${"#".repeat(40)}] | 100% Completed | 1min 1s`);
});

test("history: tail, range, search with glob, unique and n", () => {
  const h = new History();
  ["1 + 2", "a", "1 + 2", "b"].forEach((c, i) => h.add(i + 1, c));
  h.setOutput(1, "3");
  assert.deepEqual(h.query({ hist_access_type: "tail", n: 2 }), [[1, 3, "1 + 2"], [1, 4, "b"]]);
  assert.deepEqual(h.query({ hist_access_type: "tail", n: 1, output: true }), [[1, 4, ["b", null]]]);
  assert.deepEqual(h.query({ hist_access_type: "range", session: 1, start: 2, stop: 3 }), [[1, 2, "a"]]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "1 +*" }), [[1, 1, "1 + 2"], [1, 3, "1 + 2"]]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "1 +*", unique: true }), [[1, 3, "1 + 2"]]);
  assert.deepEqual(h.query({ hist_access_type: "search", pattern: "?" , n: 1 }), [[1, 4, "b"]]);
});
