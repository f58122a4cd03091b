/**
 * The kernel's interpreter (kernel/interpreter.ts on tslab's converter): preloaded and typed `hs`
 * from a directory with no node_modules above it, shared state across cells, values, top-level
 * await, TypeScript and runtime errors with cell line numbers, interrupts (async and SIGINT),
 * completion / inspection in code points, is_complete.
 */
import { describe, it, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { ROOT } from "../helpers";
import { Interpreter, versions, codePointToUtf16, utf16ToCodePoint, type ExecuteOutcome } from "../../kernel/interpreter";
import { CellSourceMap, tokenize } from "../../kernel/traceback";
import { nodeTypesFile } from "../../kernel/tslab";

const DIST_INDEX = path.join(ROOT, "dist", "index");
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, "");

function ok(r: ExecuteOutcome): { hasValue: boolean; value?: unknown } {
  if (r.status !== "ok") assert.fail(`expected ok, got ${r.ename}: ${r.evalue}\n${stripAnsi(r.traceback.join("\n"))}`);
  return r;
}

function err(r: ExecuteOutcome): { ename: string; evalue: string; traceback: string[]; interrupted: boolean } {
  if (r.status !== "error") assert.fail(`expected an error, got ok (${String(r.value)})`);
  return r;
}

/** Lines `cell[N]:line:col` of a traceback, plain. */
function cellFrames(traceback: string[]): Array<{ cell: string; line: number; col: number }> {
  const out: Array<{ cell: string; line: number; col: number }> = [];
  for (const l of traceback.map(stripAnsi)) {
    const m = /^\s+at .*?(cell\[[^\]]+\]):(\d+):(\d+)\)?$/.exec(l);
    if (m) out.push({ cell: m[1], line: Number(m[2]), col: Number(m[3]) });
  }
  return out;
}

function hasNodeModulesAbove(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "node_modules"))) return true;
    if (path.dirname(d) === d) return false;
  }
}

describe("Interpreter", () => {
  let dir: string;
  let it0: Interpreter;
  let count = 0;
  const run = (code: string): Promise<ExecuteOutcome> => it0.execute(code, { executionCount: ++count });

  before(() => {
    assert.ok(fs.existsSync(DIST_INDEX + ".js") && fs.existsSync(DIST_INDEX + ".d.ts"), "dist/index.js and .d.ts must be built");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hyperspy-ts-interp-"));
    fs.writeFileSync(path.join(dir, "util.ts"), "export function twice(x: number): number {\n  return 2 * x;\n}\n");
    fs.writeFileSync(path.join(dir, "helper.js"), "module.exports = { answer: 42 };\n");
    it0 = new Interpreter({ cwd: dir, preload: [{ global: "hs", modulePath: DIST_INDEX }] });
  });
  after(() => {
    it0.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs in a directory with no node_modules anywhere above it", () => {
    assert.equal(hasNodeModulesAbove(dir), false, `${dir} has a node_modules above it; the test needs a tmpdir without one`);
  });

  describe("preload and types", () => {
    it("gives a working, typed hs", async () => {
      const r = ok(await run("const s = new hs.signals.Signal1D(hs.lazy.zeros([2, 3]).computeSync());\ns.axesManager.signalShape"));
      assert.deepEqual(r.value, [3]);
      // hs is a namespace too: its classes are types
      const r2 = ok(await run("const t: hs.signals.Signal1D = s;\nt.axesManager.navigationShape"));
      assert.deepEqual(r2.value, [2]);
      const e = err(await run("hs.lazy.zeros('x')"));
      assert.equal(e.ename, "TSError");
      assert.match(e.evalue, /Argument of type 'string' is not assignable to parameter of type 'readonly number\[\]'/);
    });

    it("resolves Node's own types (console, setTimeout, process, require, Buffer)", async () => {
      const r = ok(
        await run("typeof console.log + ' ' + typeof setTimeout + ' ' + (process.pid > 0) + ' ' + typeof require + ' ' + Buffer.from('abc').length"),
      );
      assert.equal(r.value, "function function true function 3");
      // OUR @types/node, through its typesVersions entry for TypeScript <= 5.6
      assert.equal(nodeTypesFile(), path.join(ROOT, "node_modules", "@types", "node", "ts5.6", "index.d.ts"));
    });

    it("requires from the notebook directory, and hyperspy-ts from anywhere", async () => {
      assert.equal(ok(await run('require("./helper.js").answer')).value, 42);
      assert.equal(ok(await run('require("hyperspy-ts") === hs')).value, true);
      // type-checked import of the package and of a local .ts module
      assert.equal(ok(await run('import { signals } from "hyperspy-ts";\nsignals.Signal1D === hs.signals.Signal1D')).value, true);
      assert.equal(ok(await run('import { twice } from "./util";\ntwice(21)')).value, 42);
      assert.equal(err(await run('import { twice } from "./util";\ntwice("a")')).ename, "TSError");
    });

    it("completes and inspects preloaded names", () => {
      const c = it0.complete("hs.sig", 6);
      assert.deepEqual(c.matches, ["signals"]);
      assert.equal(c.cursorStart, 3);
      assert.equal(c.cursorEnd, 6);
      const types = c.metadata._jupyter_types_experimental as Array<{ start: number; end: number; text: string; type: string }>;
      assert.deepEqual(types, [{ start: 3, end: 6, text: "signals", type: "module" }]);
      const i = it0.inspect("hs.signals.Signal1D", 15, 0);
      assert.equal(i.found, true);
      assert.match(i.data["text/plain"], /class Signal1D/);
      assert.match(i.data["text/markdown"], /^```typescript\n\(alias\) class Signal1D/);
      const h = it0.inspect("hs", 2, 0);
      assert.equal(h.found, true);
      assert.equal(h.data["text/plain"], `import hs = import(${JSON.stringify(DIST_INDEX)})`);
      const z = it0.inspect("hs.lazy.zeros", 12, 0);
      assert.match(z.data["text/plain"], /^\(alias\) function zeros\(shape: readonly number\[\], opts\?: CreationOptions\): LazyArray/);
      assert.doesNotMatch(z.data["text/plain"] + z.data["text/markdown"], /__hyperspy_preload/);
    });

    it("reports a broken preload from the constructor", () => {
      assert.throws(
        () => new Interpreter({ cwd: dir, preload: [{ global: "nope", modulePath: path.join(ROOT, "dist", "does-not-exist") }] }),
        /Interpreter preload: .*Cannot find module/s,
      );
      assert.throws(() => new Interpreter({ cwd: dir, preload: [{ global: "not a name", modulePath: DIST_INDEX }] }), /not a valid global name/);
      assert.throws(() => new Interpreter({ cwd: path.join(dir, "missing"), preload: [] }), /does not exist/);
    });

    it("knows its TypeScript version", () => {
      assert.equal(versions.typescript, "5.0.4");
    });
  });

  describe("cells", () => {
    it("share let/const/functions/classes, and allow redeclaring", async () => {
      ok(await run("let a = 1;\nconst b: number = 2;\nfunction add(x: number, y: number) { return x + y; }\nclass P { constructor(public v: number) {} }"));
      assert.equal(ok(await run("add(a, b) + new P(10).v")).value, 13);
      ok(await run("a = 5"));
      assert.equal(ok(await run("a")).value, 5);
      ok(await run('const b = "now a string";'));
      assert.equal(ok(await run("b.toUpperCase()")).value, "NOW A STRING");
    });

    it("resolves earlier cells' names inside shorthand properties ({ a })", async () => {
      ok(await run("const shortA = 4; const shortB = 'x';"));
      assert.deepEqual(ok(await run("const o = { shortA, shortB, c: 1 };\no")).value, { shortA: 4, shortB: "x", c: 1 });
      assert.deepEqual(ok(await run("const { shortA: renamed = 0 } = { shortA };\nrenamed")).value, 4);
    });

    it("returns the last expression's value raw; none for statements, undefined and null", async () => {
      const r = ok(await run("({ x: [1, 2], y: 'z' })"));
      assert.equal(r.hasValue, true);
      assert.deepEqual(r.value, { x: [1, 2], y: "z" });
      const f = ok(await run("const fn = () => 1;\nfn"));
      assert.equal(typeof f.value, "function");
      assert.deepEqual(ok(await run("const q = 3;")), { status: "ok", hasValue: false });
      assert.deepEqual(ok(await run("undefined")), { status: "ok", hasValue: false });
      assert.deepEqual(ok(await run("null")), { status: "ok", hasValue: false });
      assert.deepEqual(ok(await run("// only a comment")), { status: "ok", hasValue: false });
    });

    it("supports top-level await and awaits a thenable last value", async () => {
      assert.equal(ok(await run("await new Promise((r) => setTimeout(r, 5));\n41 + 1")).value, 42);
      assert.equal(ok(await run("const w = await Promise.resolve(7);\nw * 2")).value, 14);
      assert.equal(ok(await run("Promise.resolve('later')")).value, "later");
      // s.compute() without await shows the computed signal
      const r = ok(await run('const ls = new hs.signals.LazySignal1D(hs.lazy.ones([4]));\nls.compute({ scheduler: "sync" })'));
      assert.ok(r.value instanceof (hs().signals.BaseSignal as new (...a: never[]) => object));
      assert.equal((r.value as { isLazy: boolean }).isLazy, false);
    });

    it("keeps the names declared before a runtime error", async () => {
      err(await run('const before = 5;\nthrow new Error("x");\nconst after = 1;'));
      assert.equal(ok(await run("before + 1")).value, 6);
    });
  });

  describe("errors", () => {
    it("TSError: one line per diagnostic with cell line:col, source line and caret", async () => {
      const e = err(await run('const ok1 = 1;\nconst n: number = "a";\nn.foo;'));
      assert.equal(e.ename, "TSError");
      assert.equal(e.evalue, "Type 'string' is not assignable to type 'number'.");
      assert.equal(e.interrupted, false);
      const tb = e.traceback.map(stripAnsi);
      const c = count;
      assert.equal(tb[0], `cell[${c}]:2:7 - error TS2322: Type 'string' is not assignable to type 'number'.`);
      assert.equal(tb[1], '    2 | const n: number = "a";');
      assert.equal(tb[2], "      |       ^");
      assert.equal(tb[3], `cell[${c}]:3:3 - error TS2339: Property 'foo' does not exist on type 'number'.`);
      assert.equal(tb[5], "      |   ^^^");
      assert.doesNotMatch(e.evalue, /\x1b/);
      // a message chain: the head in evalue, the rest as indented continuation lines
      const chain = err(await run("const g: (x: string) => void = (x: number) => {};"));
      assert.equal(chain.evalue, "Type '(x: number) => void' is not assignable to type '(x: string) => void'.");
      assert.deepEqual(chain.traceback.map(stripAnsi).slice(1, 3), [
        "    Types of parameters 'x' and 'x' are incompatible.",
        "    Type 'string' is not assignable to type 'number'.",
      ]);
    });

    it("maps runtime stack frames to cell lines (functions, types, comments, blank lines)", async () => {
      const body = [
        "interface Pt { x: number; y?: string }", // 1
        "type Q = Pt & { z: boolean };", // 2
        "enum Color { Red, Green = 'g', Blue = 4 }", // 3
        "/* a block", // 4
        "   comment */", // 5
        "class A<T extends object> {", // 6
        "  static count: number = 0;", // 7
        "  constructor(private readonly v: T, public n: number = 3) {", // 8
        "    A.count++;", // 9
        "  }", // 10
        "  m(k: keyof T): string {", // 11
        "    const s = `${String(k)}-${this.n}`;", // 12
        "    THROW1", // 13
        "    return s;", // 14
        "  }", // 15
        "}", // 16
        "", // 17
        "function gen(n: number): number[] {", // 18
        "  const out: number[] = [];", // 19
        "", // 20
        "  for (let i = 0; i < n; i++) {", // 21
        "    out.push(i!); // comment", // 22
        "    THROW2", // 23
        "  }", // 24
        "  return out;", // 25
        "}", // 26
        "let q: Q = { x: 1, z: true };", // 27
        "const a = new A({ p: 1 } as { p: number });", // 28
        "const r = [1, 2, 3]", // 29
        "  .map((v: number) => v * 2)", // 30
        "  .filter((v) => {", // 31
        "    THROW3", // 32
        "    return v > 2;", // 33
        "  });", // 34
        "a.m('p');", // 35
        "gen(2);", // 36
        "THROW4", // 37
        "Color.Red", // 38
      ];
      const expected: Record<number, Array<[number, number]>> = {
        1: [
          [13, 22],
          [35, 3],
        ],
        2: [
          [23, 22],
          [36, 1],
        ],
        3: [
          [32, 22],
          [31, 4],
        ],
        4: [[37, 18]],
      };
      for (let k = 1; k <= 4; k++) {
        const code = body.map((l) => l.replace(/THROW(\d)/, (_, d: string) => (Number(d) === k ? `if (1 > 0) throw new Error("here${d}");` : ""))).join("\n");
        const e = err(await run(code));
        assert.equal(e.ename, "Error");
        assert.equal(e.evalue, `here${k}`);
        const frames = cellFrames(e.traceback);
        assert.deepEqual(
          frames.map((f) => [f.line, f.col]),
          expected[k],
          stripAnsi(e.traceback.join("\n")),
        );
        assert.ok(frames.every((f) => f.cell === `cell[${count}]`));
        const tb = e.traceback.map(stripAnsi);
        assert.equal(tb[0], `Error: here${k}`);
        assert.ok(!tb.some((l) => /node:internal|node:vm|dist\/kernel\//.test(l)), tb.join("\n"));
        // the offending line is shown with a caret under the column
        const at = tb.indexOf(`--> ${expected[k][0][0]} | ${code.split("\n")[expected[k][0][0] - 1]}`);
        assert.ok(at > 0, tb.join("\n"));
        assert.equal(tb[at + 1].indexOf("^") - tb[at].indexOf("| ") - 2, expected[k][0][1] - 1);
      }
      assert.equal(ok(await run("Color.Red")).value, 0);
    });

    it("maps frames of functions defined in earlier cells to those cells", async () => {
      ok(await run("// helper\nfunction boom(o: any): number {\n\n  return o.x.y;\n}"));
      const defined = count;
      const e = err(await run("const v = 1;\nboom({});"));
      assert.equal(e.ename, "TypeError");
      assert.equal(e.evalue, "Cannot read properties of undefined (reading 'y')");
      const tb = e.traceback.map(stripAnsi);
      assert.equal(tb[1], `    at boom (cell[${defined}]:4:14)`);
      assert.equal(tb[2], `    at cell[${count}]:2:1`);
    });

    it("shows Error.cause chains, custom error classes and non-Error throws", async () => {
      const e = err(await run('try {\n  JSON.parse("{");\n} catch (c) {\n  throw new RangeError("outer", { cause: c });\n}'));
      assert.equal(e.ename, "RangeError");
      assert.equal(e.evalue, "outer");
      const tb = e.traceback.map(stripAnsi);
      assert.deepEqual(cellFrames(e.traceback)[0], { cell: `cell[${count}]`, line: 4, col: 9 });
      const caused = tb.findIndex((l) => l.startsWith("Caused by: SyntaxError: "));
      assert.ok(caused > 0, tb.join("\n"));

      const c = err(await run('class MyError extends Error {}\nthrow new MyError("mine")'));
      assert.equal(c.ename, "MyError");
      assert.equal(c.evalue, "mine");

      const s = err(await run('throw "just a string"'));
      assert.deepEqual([s.ename, s.evalue, s.interrupted], ["Uncaught", "just a string", false]);
      assert.equal(stripAnsi(s.traceback[0]), "Uncaught: just a string");
      const o = err(await run("throw { a: 1 }"));
      assert.deepEqual([o.ename, o.evalue], ["Uncaught", "{ a: 1 }"]);
      const rej = err(await run('await Promise.reject(new TypeError("async bad"))'));
      assert.deepEqual([rej.ename, rej.evalue], ["TypeError", "async bad"]);
      const thenable = err(await run('Promise.reject(new Error("rejected value"))'));
      assert.deepEqual([thenable.ename, thenable.evalue], ["Error", "rejected value"]);
      // the interpreter still works
      assert.equal(ok(await run("1 + 1")).value, 2);
    });
  });

  describe("interrupt", () => {
    async function untilAwaiting(): Promise<void> {
      while (!it0.awaiting) await new Promise((r) => setImmediate(r));
    }

    it("ends a pending top-level await with KeyboardInterrupt; the next cell runs", async () => {
      const p = run("await new Promise(() => {})");
      await untilAwaiting();
      it0.interrupt();
      const e = err(await p);
      assert.deepEqual([e.ename, e.evalue, e.interrupted], ["KeyboardInterrupt", "Interrupted by the user", true]);
      assert.equal(ok(await run("'after'")).value, "after");
    });

    it("ends the await of a never-settling last value", async () => {
      const p = run("new Promise(() => {})");
      await untilAwaiting();
      it0.interrupt();
      assert.equal(err(await p).ename, "KeyboardInterrupt");
      assert.equal(it0.awaiting, false);
      it0.interrupt(); // nothing pending: no effect
      assert.equal(ok(await run("3")).value, 3);
    });

    it("stops a synchronous loop on SIGINT (child process)", async () => {
      const script = `
        process.on("SIGINT", () => {});
        const { Interpreter } = require(${JSON.stringify(path.join(ROOT, "dist", "kernel", "interpreter.js"))});
        const it = new Interpreter({ cwd: ${JSON.stringify(dir)} });
        (async () => {
          // fs.writeSync, not console.log: SIGINT may land anywhere after the write, and an
          // interrupted stream write can leave process.stdout's state broken.
          const a = await it.execute('require("fs").writeSync(1, "started\\\\n");\\nwhile (true) {}', { executionCount: 1 });
          const b = await it.execute("40 + 2", { executionCount: 2 });
          it.close();
          require("fs").writeSync(1, "RESULT " + JSON.stringify([a, b]) + "\\n");
          process.exit(0);
        })();
      `;
      const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let errText = "";
      let sent = false;
      // A guard against a hang (not a timing assertion): the test fails instead of blocking.
      const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.stderr.on("data", (d: Buffer) => (errText += d.toString()));
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (!sent && out.includes("started")) {
          sent = true;
          child.kill("SIGINT");
        }
      });
      // "close" (not "exit"): after the child's stdout has been read to its end.
      const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
      clearTimeout(guard);
      assert.equal(code, 0, `child failed: ${errText}\n${out}`);
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      assert.ok(line, out);
      const [a, b] = JSON.parse(line.slice(7)) as [ExecuteOutcome, ExecuteOutcome];
      assert.equal(a.status, "error");
      if (a.status === "error") assert.deepEqual([a.ename, a.evalue, a.interrupted], ["KeyboardInterrupt", "Interrupted by the user", true]);
      assert.deepEqual(b, { status: "ok", hasValue: true, value: 42 });
    });
  });

  describe("complete, inspect, isComplete", () => {
    it("uses code points for cursor positions (emoji before the cursor)", async () => {
      const code = 'const e = "😀"; hs.sig';
      // 😀 is one code point, two UTF-16 units
      assert.equal([...code].length, code.length - 1);
      const c = it0.complete(code, [...code].length);
      assert.deepEqual(c.matches, ["signals"]);
      assert.equal(c.cursorStart, [...code].length - 3);
      assert.equal(c.cursorEnd, [...code].length);
      const i = it0.inspect('"😀😀"; Math.max', [...'"😀😀"; Math.m'].length, 0);
      assert.equal(i.found, true);
      assert.match(i.data["text/plain"], /max\(\.\.\.values: number\[\]\): number/);
      assert.equal(codePointToUtf16("a😀b", 2), 3);
      assert.equal(utf16ToCodePoint("a😀b", 3), 2);
    });

    it("completes names of earlier cells with their kinds", async () => {
      ok(await run("const myVariable = 1;\nfunction myFunction() {}\nclass MyClass {}"));
      const c = it0.complete("my", 2);
      assert.deepEqual(c.matches.slice(0, 2).sort(), ["myFunction", "myVariable"]);
      const types = new Map(
        (c.metadata._jupyter_types_experimental as Array<{ text: string; type: string }>).map((t) => [t.text, t.type]),
      );
      assert.equal(types.get("myFunction"), "function");
      assert.equal(types.get("myVariable"), "instance");
      assert.equal(types.get("MyClass"), "class");
      const m = it0.complete("[1, 2].fil", 10);
      assert.equal(m.matches[0], "fill");
      assert.ok(m.matches.includes("filter"));
    });

    it("inspect: found false on nothing", () => {
      assert.deepEqual(it0.inspect("   ", 1, 0), { found: false, data: {}, metadata: {} });
    });

    it("isComplete: complete, incomplete with indent, invalid", () => {
      assert.deepEqual(it0.isComplete("const x = 1"), { status: "complete" });
      assert.deepEqual(it0.isComplete("const f = <T>(x: T) => x;"), { status: "complete" });
      assert.deepEqual(it0.isComplete("const a = <number>b;"), { status: "complete" });
      assert.deepEqual(it0.isComplete("function f() {"), { status: "incomplete", indent: "  " });
      assert.deepEqual(it0.isComplete("const a = [1,"), { status: "incomplete", indent: "  " });
      assert.deepEqual(it0.isComplete("class A {\n  m() {"), { status: "incomplete", indent: "    " });
      assert.equal(it0.isComplete("const s = `abc").status, "incomplete");
      assert.equal(it0.isComplete("/* open comment").status, "incomplete");
      assert.equal(it0.isComplete("'a' + ").status, "incomplete");
      assert.equal(it0.isComplete("1 +* 2").status, "invalid");
      assert.equal(it0.isComplete("let = ;").status, "invalid");
      assert.equal(it0.isComplete('const s = "abc').status, "invalid");
      assert.equal(it0.isComplete("let x = 1;\n}\nfoo(").status, "invalid");
      // two trailing blank lines submit anyway (tslab's convention)
      assert.equal(it0.isComplete("function f() {\n\n\n").status, "complete");
    });
  });
});

describe("CellSourceMap", () => {
  it("tokenizes strings, templates and comments", () => {
    assert.deepEqual(
      tokenize("a /* c */ + `x${b}y` // d\n'q'").map((t) => [t.text, t.line, t.col]),
      [
        ["a", 0, 0],
        ["+", 0, 10],
        ["x${", 0, 13],
        ["b", 0, 16],
        ["y`", 0, 18],
        ["'q'", 1, 0],
      ],
    );
  });

  it("maps output lines back through erased types and added exports", () => {
    const cell = "const n: number = 1;\n\n// note\nfunction f(\n  a: string,\n): string {\n  return a.toUpperCase();\n}";
    const js = 'Object.defineProperty(exports, "__esModule", { value: true });\nexports.f = exports.n = void 0;\nconst n = 1;\nexports.n = n;\nfunction f(a) {\n    return a.toUpperCase();\n}\nexports.f = f;\n';
    const m = new CellSourceMap(cell, js, 0);
    assert.deepEqual(m.map(3, 7), { line: 1, col: 7 }); // const n = 1 -> "n"
    assert.deepEqual(m.map(6, 14), { line: 7, col: 12 }); // a.toUpperCase -> "toUpperCase"
    assert.deepEqual(m.map(5, 10), { line: 4, col: 10 }); // function f(a) -> "f"
    assert.equal(m.map(20, 1), null);
  });
});

/** The preloaded global, typed loosely for the instanceof check. */
function hs(): { signals: { BaseSignal: unknown } } {
  return (globalThis as unknown as { hs: { signals: { BaseSignal: unknown } } }).hs;
}
