/** install.js: the kernelspec it writes, uninstall, and the message when Jupyter is missing. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "../helpers";
import { bareDir } from "./jupyter";

const INSTALL = path.join(ROOT, "install.js");

test("install.js --prefix writes a kernelspec that runs this build by absolute path; --uninstall removes it", () => {
  const prefix = bareDir("prefix");
  const r = spawnSync(process.execPath, [INSTALL, "--prefix", prefix], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const dir = path.join(prefix, "share", "jupyter", "kernels", "hyperspy-ts");
  const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8")) as { argv: string[]; display_name: string; language: string; interrupt_mode: string };
  assert.deepEqual(spec.argv, [process.execPath, path.join(ROOT, "dist", "kernel", "main.js"), "--connection-file", "{connection_file}"]);
  assert.equal(spec.display_name, "TypeScript (HyperSpy)");
  assert.equal(spec.language, "typescript");
  assert.equal(spec.interrupt_mode, "message");
  const u = spawnSync(process.execPath, [INSTALL, "--uninstall", "--prefix", prefix], { encoding: "utf8" });
  assert.equal(u.status, 0, u.stderr);
  assert.equal(fs.existsSync(path.join(dir, "kernel.json")), false);
});

test("install.js without Jupyter says so and how to install it", () => {
  const r = spawnSync(process.execPath, [INSTALL, "--user"], { encoding: "utf8", env: { ...process.env, PATH: bareDir("nopath") } });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Jupyter was not found/);
  assert.match(r.stderr, /apt-get install|pip install/);
});

test("install.js rejects unknown options with a pointer to --help", () => {
  const r = spawnSync(process.execPath, [INSTALL, "--bogus"], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown option --bogus.*--help/);
});
