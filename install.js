#!/usr/bin/env node
// Registers (or removes) the "TypeScript (HyperSpy)" Jupyter kernel, like `tslab install`, and
// the JupyterLab renderer extension (renderers/labextension, built by `npm run build:renderers`).
//   node install.js                  for this user (Jupyter's user data dir)
//   node install.js --sys-prefix     into the Python environment that runs Jupyter
//   node install.js --prefix DIR     into DIR/share/jupyter (works without Jupyter installed)
//   node install.js --uninstall [--user | --sys-prefix | --prefix DIR]
//   options: --name NAME (default hyperspy-ts), --display-name "TEXT", --quiet,
//            --no-labextension (the kernel only)
// The kernelspec runs this package's kernel by absolute path with the node that ran install.js,
// so it works from any notebook directory and whatever `node` is on the PATH later.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = __dirname;
const ENTRY = path.join(ROOT, "dist", "kernel", "main.js");
// The prebuilt JupyterLab extension (renderers/README.md) and its name in labextensions/.
const LABEXT = path.join(ROOT, "renderers", "labextension");
const LABEXT_NAME = "hyperspy-ts-renderers";

function fail(msg) {
  console.error(`install.js: ${msg}`);
  process.exit(1);
}

function parse(argv) {
  const o = { mode: "user", prefix: null, name: "hyperspy-ts", displayName: "TypeScript (HyperSpy)", uninstall: false, quiet: false, labextension: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (v === undefined || v === "") fail(`${a.split("=")[0]} needs a value`);
      return v;
    };
    if (a === "--user") o.mode = "user";
    else if (a === "--sys-prefix") o.mode = "sys-prefix";
    else if (a === "--prefix" || a.startsWith("--prefix=")) {
      o.mode = "prefix";
      o.prefix = path.resolve(value());
    } else if (a === "--name" || a.startsWith("--name=")) o.name = value();
    else if (a === "--display-name" || a.startsWith("--display-name=")) o.displayName = value();
    else if (a === "--uninstall" || a === "uninstall") o.uninstall = true;
    else if (a === "install") o.uninstall = false;
    else if (a === "--quiet" || a === "-q") o.quiet = true;
    else if (a === "--no-labextension") o.labextension = false;
    else if (a === "--help" || a === "-h") {
      console.log(fs.readFileSync(__filename, "utf8").split("\n").slice(1, 11).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
      process.exit(0);
    } else fail(`unknown option ${a}; see node install.js --help`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(o.name)) fail(`kernel name ${JSON.stringify(o.name)} may only use letters, digits, '.', '_' and '-'`);
  return o;
}

function jupyter(args) {
  const r = spawnSync("jupyter", args, { encoding: "utf8" });
  if (r.error && r.error.code === "ENOENT") return null;
  return r;
}

const JUPYTER_MISSING =
  "Jupyter was not found (no `jupyter` command on the PATH). Install it first, e.g. on Debian/Ubuntu\n" +
  "  sudo apt-get install jupyter-notebook jupyter-nbconvert jupyter-client\n" +
  "or in a Python environment `pip install jupyterlab`, then run this again. To write the kernelspec\n" +
  "without Jupyter, pass --prefix DIR (Jupyter finds it with JUPYTER_PATH=DIR/share/jupyter).";

function kernelspec(o) {
  return {
    argv: [process.execPath, ENTRY, "--connection-file", "{connection_file}"],
    display_name: o.displayName,
    language: "typescript",
    // Interrupts come as interrupt_request on the control channel, which the kernel serves on its
    // I/O thread even while a cell runs synchronous code (and it works on Windows, where Jupyter's
    // "signal" mode cannot reach a Node process). SIGINT is handled too.
    interrupt_mode: "message",
    metadata: { debugger: false },
  };
}

function writeSpec(dir, o) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelspec(o), null, 2) + "\n");
}

// ------------------------------------------------------------------------------------------------
// The JupyterLab renderer extension: a copy of renderers/labextension in
// <Jupyter data dir>/labextensions/hyperspy-ts-renderers, where JupyterLab 4 and Notebook 7 load
// prebuilt extensions from (of the Jupyter server's environment, not the kernel's).

/** Jupyter's data dir for a mode: DIR/share/jupyter, the user's, or sys.prefix/share/jupyter. */
function jupyterDataDir(o) {
  if (o.mode === "prefix") return path.join(o.prefix, "share", "jupyter");
  if (o.mode === "user") {
    const r = jupyter(["--data-dir"]);
    if (r !== null && r.status === 0 && r.stdout.trim()) return r.stdout.trim();
    return null;
  }
  // --sys-prefix: the prefix of the Python that runs `jupyter` (its shebang), as `jupyter
  // kernelspec install --sys-prefix` uses
  const exe = (process.env.PATH || "").split(path.delimiter).map((d) => path.join(d, process.platform === "win32" ? "jupyter.exe" : "jupyter")).find((f) => fs.existsSync(f));
  let python = null;
  if (exe && process.platform !== "win32") {
    const first = fs.readFileSync(exe, "utf8").split("\n", 1)[0];
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (m) python = path.basename(m[1]) === "env" && m[2] ? [m[2]] : [m[1]];
  }
  for (const cmd of [python, ["python3"], ["python"]].filter(Boolean)) {
    const r = spawnSync(cmd[0], ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
    if (!r.error && r.status === 0 && r.stdout.trim()) return path.join(r.stdout.trim(), "share", "jupyter");
  }
  return null;
}

function labextensionSection(o, say) {
  if (!o.labextension) return;
  const data = jupyterDataDir(o);
  if (data === null) {
    console.error(`install.js: could not find Jupyter's ${o.mode === "user" ? "user" : "sys-prefix"} data directory for the JupyterLab renderer extension; pass --prefix DIR instead`);
    process.exitCode = 1;
    return;
  }
  const dest = path.join(data, "labextensions", LABEXT_NAME);
  if (o.uninstall) {
    if (!fs.existsSync(dest)) return say(`no JupyterLab extension ${LABEXT_NAME} in ${path.dirname(dest)}; nothing to remove`);
    fs.rmSync(dest, { recursive: true, force: true });
    return say(`removed the JupyterLab extension ${LABEXT_NAME} from ${dest}`);
  }
  if (!fs.existsSync(path.join(LABEXT, "package.json"))) {
    console.error(
      `install.js: the JupyterLab renderer extension is not built (${path.join(LABEXT, "package.json")} is missing), so it was not installed.\n` +
        "  Run `npm run build:renderers` (or `npm run build`), then this again. The kernel works without it:\n" +
        "  computed signals then show as a PNG plot and lazy signals as an HTML table.",
    );
    return;
  }
  fs.rmSync(dest, { recursive: true, force: true }); // no stale remoteEntry.*.js from an older build
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.cpSync(LABEXT, dest, { recursive: true, filter: (src) => path.basename(src) !== ".build-hash" });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const how = {
    packageManager: "npm",
    packageName: pkg.name,
    uninstallInstructions: `node ${path.join(ROOT, "install.js")} --uninstall${o.mode === "prefix" ? ` --prefix ${o.prefix}` : o.mode === "sys-prefix" ? " --sys-prefix" : ""}`,
  };
  fs.writeFileSync(path.join(dest, "install.json"), JSON.stringify(how, null, 2) + "\n");
  say(`installed the JupyterLab extension ${LABEXT_NAME} in ${dest} (JupyterLab 4 / Notebook 7 load it at their next start)`);
}

function main() {
  const o = parse(process.argv.slice(2));
  if (!o.uninstall && !fs.existsSync(ENTRY)) fail(`the kernel is not built (${ENTRY} is missing): run \`npm run build\` first`);
  const say = (m) => o.quiet || console.log(m);

  if (o.mode === "prefix") {
    const dir = path.join(o.prefix, "share", "jupyter", "kernels", o.name);
    if (o.uninstall) {
      if (!fs.existsSync(dir)) say(`no kernelspec ${o.name} in ${o.prefix}; nothing to remove`);
      else {
        fs.rmSync(dir, { recursive: true, force: true });
        say(`removed the kernelspec ${o.name} from ${dir}`);
      }
      return labextensionSection(o, say);
    }
    writeSpec(dir, o);
    say(`installed the kernelspec ${o.name} ("${o.displayName}") in ${dir}`);
    return labextensionSection(o, say);
  }

  if (o.uninstall) {
    const r = jupyter(["kernelspec", "remove", "-f", o.name]);
    if (r === null) fail(JUPYTER_MISSING);
    if (r.status !== 0) fail(`jupyter kernelspec remove failed: ${(r.stderr || r.stdout).trim()}`);
    say(`removed the kernelspec ${o.name}`);
    return labextensionSection(o, say);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hyperspy-ts-spec-"));
  try {
    const spec = path.join(tmp, o.name);
    writeSpec(spec, o);
    const r = jupyter(["kernelspec", "install", o.mode === "sys-prefix" ? "--sys-prefix" : "--user", "--name", o.name, spec]);
    if (r === null) fail(JUPYTER_MISSING);
    if (r.status !== 0) fail(`jupyter kernelspec install failed: ${(r.stderr || r.stdout).trim()}`);
    say(`installed the kernelspec ${o.name} ("${o.displayName}"): ${(r.stderr || r.stdout).trim()}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  labextensionSection(o, say);
}

main();
