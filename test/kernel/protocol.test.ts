/**
 * The kernel against Jupyter's own client: test/kernel/kernel_tests.py (jupyter_kernel_test's
 * KernelTests plus our protocol, lifecycle and empty-key checks) run by Debian's Python; each
 * Python test becomes a subtest here.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { ROOT } from "../helpers";
import { bareDir, jupyterEnv, jupyterMissing, PYTHON } from "./jupyter";

test("jupyter_kernel_test and protocol checks against the kernel", { timeout: 15 * 60_000 }, async (t) => {
  const missing = jupyterMissing();
  assert.equal(missing, null, missing ?? "");
  const cwd = path.join(ROOT, "test", "kernel");
  const env = jupyterEnv({ KT_CWD: bareDir("kt") });
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const p = spawn(PYTHON, ["-m", "unittest", "-v", "kernel_tests"], { cwd, env });
    let text = "";
    p.stdout.on("data", (d: Buffer) => (text += d.toString()));
    p.stderr.on("data", (d: Buffer) => (text += d.toString()));
    p.on("close", (code) => resolve({ code, text }));
  });
  // "test_x (kernel_tests.Class.test_x) ... ok" (unittest -v); subTest failures are reported in the body.
  const results = new Map<string, string>();
  for (const m of out.text.matchAll(/^(test_\w+) \(kernel_tests\.(\w+)(?:\.\w+)?\)(?:[^\n]*)? \.\.\. (ok|FAIL|ERROR|skipped[^\n]*)$/gm)) {
    results.set(`${m[2]}.${m[1]}`, m[3]);
  }
  assert.ok(results.size >= 30, `expected the Python suite's results, got:\n${out.text.slice(-4000)}`);
  for (const [name, status] of results) {
    // jupyter_kernel_test skips test_pager when a kernel has no pager (TypeScript has none).
    if (status.startsWith("skipped")) {
      await t.test(name, { skip: status }, () => undefined);
      continue;
    }
    await t.test(name, () => {
      assert.ok(status === "ok", `${name}: ${status}\n${failureOf(out.text, name.split(".")[1])}`);
    });
  }
  await t.test("unittest exit status", () => assert.equal(out.code, 0, out.text.slice(-6000)));
});

/** The traceback block of one failed test in unittest's output. */
function failureOf(text: string, testName: string): string {
  const i = text.search(new RegExp(`^(FAIL|ERROR): ${testName} `, "m"));
  if (i < 0) return "";
  const rest = text.slice(i);
  const end = rest.slice(1).search(/^(=====|-----)/m);
  return rest.slice(0, end < 0 ? 4000 : end + 1);
}
