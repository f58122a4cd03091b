/** install.js's labextension section: where the built extension goes, uninstall, and a missing build. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "../helpers";

const INSTALL = path.join(ROOT, "install.js");
const NAME = "hyperspy-ts-renderers";

function tmp(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hsts-install-${tag}-`));
}

test("install.js --prefix copies the built labextension to DIR/share/jupyter/labextensions/<name>; --uninstall removes it", () => {
  assert.ok(fs.existsSync(path.join(ROOT, "renderers", "labextension", "package.json")), "the labextension is built (npm run build:renderers)");
  const prefix = tmp("prefix");
  const r = spawnSync(process.execPath, [INSTALL, "--prefix", prefix], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const dest = path.join(prefix, "share", "jupyter", "labextensions", NAME);
  assert.match(r.stdout, new RegExp(`installed the JupyterLab extension ${NAME} in ${dest.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  const pkg = JSON.parse(fs.readFileSync(path.join(dest, "package.json"), "utf8")) as { name: string; jupyterlab: { _build: { load: string; mimeExtension: string } } };
  assert.equal(pkg.name, NAME);
  assert.equal(pkg.jupyterlab._build.mimeExtension, "./mimeExtension");
  assert.ok(fs.existsSync(path.join(dest, pkg.jupyterlab._build.load)), "the remoteEntry JupyterLab loads is there");
  const how = JSON.parse(fs.readFileSync(path.join(dest, "install.json"), "utf8")) as { packageManager: string; uninstallInstructions: string };
  assert.equal(how.packageManager, "npm");
  assert.match(how.uninstallInstructions, /--uninstall --prefix/);
  assert.equal(fs.existsSync(path.join(dest, ".build-hash")), false);
  // the kernelspec is still written as before
  assert.ok(fs.existsSync(path.join(prefix, "share", "jupyter", "kernels", "hyperspy-ts", "kernel.json")));

  const u = spawnSync(process.execPath, [INSTALL, "--uninstall", "--prefix", prefix], { encoding: "utf8" });
  assert.equal(u.status, 0, u.stderr);
  assert.match(u.stdout, /removed the JupyterLab extension/);
  assert.equal(fs.existsSync(dest), false);
  assert.equal(fs.existsSync(path.join(prefix, "share", "jupyter", "kernels", "hyperspy-ts")), false);
  fs.rmSync(prefix, { recursive: true, force: true });
});

test("install.js --no-labextension registers the kernel only", () => {
  const prefix = tmp("nolab");
  const r = spawnSync(process.execPath, [INSTALL, "--prefix", prefix, "--no-labextension"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(prefix, "share", "jupyter", "kernels", "hyperspy-ts", "kernel.json")));
  assert.equal(fs.existsSync(path.join(prefix, "share", "jupyter", "labextensions")), false);
  fs.rmSync(prefix, { recursive: true, force: true });
});

test("install.js without a built labextension says so and still registers the kernel", () => {
  // a copy of the package without renderers/labextension
  const pkgDir = tmp("pkg");
  fs.copyFileSync(INSTALL, path.join(pkgDir, "install.js"));
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(pkgDir, "package.json"));
  fs.mkdirSync(path.join(pkgDir, "dist", "kernel"), { recursive: true });
  fs.writeFileSync(path.join(pkgDir, "dist", "kernel", "main.js"), "");
  const prefix = tmp("unbuilt");
  const r = spawnSync(process.execPath, [path.join(pkgDir, "install.js"), "--prefix", prefix], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /installed the kernelspec hyperspy-ts/);
  assert.match(r.stderr, /JupyterLab renderer extension is not built .*package\.json is missing/);
  assert.match(r.stderr, /npm run build:renderers/);
  assert.ok(fs.existsSync(path.join(prefix, "share", "jupyter", "kernels", "hyperspy-ts", "kernel.json")));
  fs.rmSync(pkgDir, { recursive: true, force: true });
  fs.rmSync(prefix, { recursive: true, force: true });
});
