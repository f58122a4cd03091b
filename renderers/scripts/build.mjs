#!/usr/bin/env node
// Builds the prebuilt JupyterLab extension in renderers/labextension/ with npm packages only:
//   1. tsc (the repository's TypeScript) compiles src/ (and ../lazy/display/mime.ts) to lib/;
//   2. @jupyter/builder (rspack) bundles lib/ against @jupyterlab/core-meta's core package file
//      (no Python JupyterLab needed).
// Skipped when nothing that goes into it changed since the last build (a content hash of the
// sources, package.json, style and the lock file, kept in labextension/.build-hash). --force
// rebuilds anyway.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(path.dirname(fileURLToPath(import.meta.url))); // renderers/
const ROOT = path.dirname(HERE);
const OUT = path.join(HERE, "labextension");
const STAMP = path.join(OUT, ".build-hash");
const force = process.argv.includes("--force");

function files(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function resolveIn(pkg, file) {
  for (const base of [path.join(HERE, "node_modules"), path.join(ROOT, "node_modules")]) {
    const p = path.join(base, pkg, file);
    if (fs.existsSync(p)) return p;
  }
  console.error(`build:renderers: ${pkg} is not installed (${file} not found): run \`npm ci\` at the repository root`);
  process.exit(1);
}

const inputs = [
  ...files(path.join(HERE, "src")),
  ...files(path.join(HERE, "style")),
  path.join(HERE, "package.json"),
  path.join(HERE, "tsconfig.json"),
  path.join(HERE, "scripts", "build.mjs"),
  path.join(ROOT, "lazy", "display", "mime.ts"),
  path.join(ROOT, "package-lock.json"),
].filter((f) => fs.existsSync(f)).sort();
const hash = createHash("sha256");
for (const f of inputs) hash.update(path.relative(HERE, f)).update("\0").update(fs.readFileSync(f)).update("\0");
const digest = hash.digest("hex");

const built = fs.existsSync(path.join(OUT, "package.json")) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8").trim() === digest;
if (built && !force) {
  console.log(`build:renderers: renderers/labextension is up to date (${digest.slice(0, 12)})`);
  process.exit(0);
}

function run(what, args) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: HERE, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`build:renderers: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  console.log(`build:renderers: ${what} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

fs.rmSync(path.join(HERE, "lib"), { recursive: true, force: true });
run("tsc", [resolveIn("typescript", "bin/tsc"), "-p", "tsconfig.json"]);
run("@jupyter/builder", [
  resolveIn("@jupyter/builder", "lib/build-labextension.js"),
  "--core-package-file",
  resolveIn("@jupyterlab/core-meta", "core.package.json"),
  ".",
]);
fs.writeFileSync(STAMP, digest + "\n");
console.log(`build:renderers: built ${path.relative(ROOT, OUT)} (${digest.slice(0, 12)})`);
