#!/usr/bin/env node
// Registers (or removes) the "TypeScript (HyperSpy)" Jupyter kernel, like `tslab install`.
//
//   node install.js                  for this user (Jupyter's user data dir)
//   node install.js --sys-prefix     into the Python environment that runs Jupyter
//   node install.js --prefix DIR     into DIR/share/jupyter (works without Jupyter installed)
//   node install.js --uninstall [--user | --sys-prefix | --prefix DIR]
//   options: --name NAME (default hyperspy-ts), --display-name "TEXT", --quiet
//
// The kernelspec runs this package's kernel by absolute path with the node that ran install.js,
// so it works from any notebook directory and whatever `node` is on the PATH later.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = __dirname;
const ENTRY = path.join(ROOT, "dist", "kernel", "main.js");

function fail(msg) {
  console.error(`install.js: ${msg}`);
  process.exit(1);
}

function parse(argv) {
  const o = { mode: "user", prefix: null, name: "hyperspy-ts", displayName: "TypeScript (HyperSpy)", uninstall: false, quiet: false };
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

function main() {
  const o = parse(process.argv.slice(2));
  if (!o.uninstall && !fs.existsSync(ENTRY)) fail(`the kernel is not built (${ENTRY} is missing): run \`npm run build\` first`);
  const say = (m) => o.quiet || console.log(m);

  if (o.mode === "prefix") {
    const dir = path.join(o.prefix, "share", "jupyter", "kernels", o.name);
    if (o.uninstall) {
      if (!fs.existsSync(dir)) return say(`no kernelspec ${o.name} in ${o.prefix}; nothing to remove`);
      fs.rmSync(dir, { recursive: true, force: true });
      return say(`removed the kernelspec ${o.name} from ${dir}`);
    }
    writeSpec(dir, o);
    return say(`installed the kernelspec ${o.name} ("${o.displayName}") in ${dir}`);
  }

  if (o.uninstall) {
    const r = jupyter(["kernelspec", "remove", "-f", o.name]);
    if (r === null) fail(JUPYTER_MISSING);
    if (r.status !== 0) fail(`jupyter kernelspec remove failed: ${(r.stderr || r.stdout).trim()}`);
    return say(`removed the kernelspec ${o.name}`);
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
}

main();
