#!/usr/bin/env node
// The main job: register the kernel (and the renderer extension) with Jupyter and run every example
// notebook headless through it, writing executed notebooks and an HTML export of each.
//
//   node notebooks/run.js [--out DIR] [--prefix DIR] [notebook.ipynb ...]
//   node notebooks/run.js --open      register, then open JupyterLab (or the classic notebook) on notebooks/
//
// Output: DIR (default build/notebooks/) holds <name>.ipynb (executed) and <name>.html.
// --prefix DIR registers the kernelspec under DIR/share/jupyter instead of for this user.
// A notebook whose cell throws stops the run with the notebook, the cell and the error named.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..");

const JUPYTER_PACKAGES = ["jupyter-nbconvert", "jupyter-client", "python3-nbclient", "jupyter-notebook"];

/** Jupyter's command line tools, installed from Debian when missing and we are root. */
function ensureJupyter(log = console.log) {
  const ok = () => spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8" }).status === 0;
  if (ok()) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && spawnSync("apt-get", ["--version"]).status === 0) {
    log(`Jupyter is missing: installing Debian's ${JUPYTER_PACKAGES.join(" ")} ...`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    const r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...JUPYTER_PACKAGES], { stdio: "inherit", env });
    if (r.status === 0 && ok()) return;
  }
  throw new Error(
    "Jupyter is not installed (no working `jupyter nbconvert`). On Debian/Ubuntu: " +
      `sudo apt-get install -y ${JUPYTER_PACKAGES.join(" ")} (or pip install jupyterlab nbconvert), then run this again.`,
  );
}

/** Text of a notebook cell source (a string or a list of lines). */
const text = (s) => (Array.isArray(s) ? s.join("") : String(s ?? ""));

/**
 * Executes one notebook with `jupyter nbconvert --execute` into outDir (and an HTML export).
 * Returns { ok, outFile, html, cells, error } where error names the cell and the exception.
 */
function executeNotebook(file, outDir, env = process.env, opts = {}) {
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.basename(file, ".ipynb");
  const r = spawnSync(
    "jupyter",
    ["nbconvert", "--to", "notebook", "--execute", `--ExecutePreprocessor.timeout=${opts.timeout ?? 600}`, "--output-dir", outDir, "--output", base, file],
    { cwd: path.dirname(file), env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const outFile = path.join(outDir, `${base}.ipynb`);
  if (r.status !== 0) {
    // nbclient's CellExecutionError: the cell's source, then "<ename>: <evalue>".
    const err = r.stderr || String(r.error || "");
    const m = /An error occurred while executing the following cell:\s*-+\s*([\s\S]*?)\s*-+\s*([\s\S]*)$/.exec(err);
    const src = file;
    let cellIndex = -1;
    if (m) {
      const nb = JSON.parse(fs.readFileSync(src, "utf8"));
      cellIndex = nb.cells.findIndex((c) => c.cell_type === "code" && text(c.source).trim() === m[1].trim());
    }
    const tail = (m ? m[2] : err).split("\n").map((l) => l.trimEnd()).filter(Boolean);
    const errorLine = tail.find((l) => /^\w*(Error|Interrupt|Aborted)\b.*:/.test(l.replace(/\x1b\[[0-9;]*m/g, ""))) || tail[tail.length - 1] || "";
    return {
      ok: false,
      outFile,
      error: {
        cellIndex,
        source: m ? m[1].trim() : "",
        message: errorLine.replace(/\x1b\[[0-9;]*m/g, ""),
        stderr: err,
      },
    };
  }
  let html = null;
  if (opts.html !== false) {
    const h = spawnSync("jupyter", ["nbconvert", "--to", "html", "--output-dir", outDir, outFile], { env, encoding: "utf8" });
    if (h.status === 0) html = path.join(outDir, `${base}.html`);
  }
  const cells = JSON.parse(fs.readFileSync(outFile, "utf8")).cells;
  return { ok: true, outFile, html, cells };
}

function describeFailure(file, e) {
  const where = e.cellIndex >= 0 ? `cell ${e.cellIndex}` : "a cell";
  return `${path.basename(file)}: ${where} failed: ${e.message}\n--- the cell ---\n${e.source}\n---`;
}

function main() {
  const args = process.argv.slice(2);
  let out = path.join(ROOT, "build", "notebooks");
  let prefix = null;
  const files = [];
  let open = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--open") open = true;
    else if (args[i] === "--out") out = path.resolve(args[++i]);
    else if (args[i] === "--prefix") prefix = path.resolve(args[++i]);
    else files.push(path.resolve(args[i]));
  }
  if (!files.length) {
    for (const f of fs.readdirSync(__dirname).sort()) if (/^\d.*\.ipynb$/.test(f)) files.push(path.join(__dirname, f));
  }
  ensureJupyter();
  const env = { ...process.env };
  const install = spawnSync(process.execPath, [path.join(ROOT, "install.js"), ...(prefix ? ["--prefix", prefix] : [])], { stdio: "inherit" });
  if (install.status !== 0) throw new Error("install.js failed: the kernel is not registered");
  if (prefix) env.JUPYTER_PATH = path.join(prefix, "share", "jupyter") + (env.JUPYTER_PATH ? path.delimiter + env.JUPYTER_PATH : "");
  if (open) {
    // JupyterLab shows the rich renderers; Debian has only the classic notebook, which shows the fallbacks.
    const lab = spawnSync("jupyter", ["lab", "--version"], { encoding: "utf8" }).status === 0;
    const app = lab ? "lab" : "notebook";
    console.log(`opening jupyter ${app} on ${__dirname} (pick the "TypeScript (HyperSpy)" kernel)`);
    const r = spawnSync("jupyter", [app, ...(process.getuid && process.getuid() === 0 ? ["--allow-root"] : [])], { cwd: __dirname, env, stdio: "inherit" });
    process.exit(r.status ?? 0);
  }
  const t0 = Date.now();
  for (const f of files) {
    const t = Date.now();
    const r = executeNotebook(f, out, env);
    if (!r.ok) {
      console.error(describeFailure(f, r.error));
      process.exit(1);
    }
    console.log(`ran ${path.basename(f)} in ${((Date.now() - t) / 1000).toFixed(1)} s -> ${path.relative(process.cwd(), r.outFile)}${r.html ? `, ${path.relative(process.cwd(), r.html)}` : ""}`);
  }
  console.log(`${files.length} notebooks in ${((Date.now() - t0) / 1000).toFixed(1)} s; open ${path.relative(process.cwd(), out)}/*.html in a browser, or run \`npm run jupyter\` to work in them.`);
}

module.exports = { executeNotebook, ensureJupyter, describeFailure };

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`notebooks/run.js: ${e.message}`);
    process.exit(1);
  }
}
