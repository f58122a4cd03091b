#!/usr/bin/env node
// What `npm test` needs besides npm packages, set up as `npm start` sets up Jupyter: Debian's Jupyter
// pieces and HyperSpy for /usr/bin/python3 (the kernel, notebook and file tests drive our kernel with
// jupyter_client / jupyter_kernel_test / nbconvert and read our files back with HyperSpy), the Jupyter
// server (the JupyterLab tests), Chromium (the browser tests) and a font (the PNG plots).
//
//   node test/deps.js            check; as root with apt-get: install what is missing; else print the command
//   node test/deps.js --check    check only; exit 1 naming the command when something is missing
//
// `npm test` runs it first; `.ci/run` runs `npm test`. Plain JavaScript: it runs before the build.
"use strict";
const fs = require("fs");
const { spawnSync } = require("child_process");

const PYTHON = "/usr/bin/python3";
const CHROMIUM = process.env.HSTS_CHROMIUM || "/usr/bin/chromium";
const FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/** Debian packages, each with the check that says it is there. */
const NEEDS = [
  { pkg: ["jupyter-client", "python3-jupyter-kernel-test"], what: "jupyter_client and jupyter_kernel_test for /usr/bin/python3", ok: () => py("import jupyter_client, jupyter_kernel_test") },
  { pkg: ["python3-ipykernel"], what: "ipykernel for /usr/bin/python3 (the kernel tests compare our replies with ipykernel's)", ok: () => py("import ipykernel") },
  { pkg: ["jupyter-nbconvert", "python3-nbclient", "jupyter-notebook"], what: "nbconvert and nbclient for /usr/bin/python3", ok: () => py("import nbclient, nbconvert") },
  { pkg: ["python3-hyperspy", "python3-zarr", "python3-distributed"], what: "HyperSpy, zarr and dask.distributed for /usr/bin/python3", ok: () => py("import zarr, hyperspy, distributed") },
  { pkg: ["python3-jupyter-server", "python3-jupyterlab-server"], what: "the Jupyter server and jupyterlab_server", ok: () => py("import jupyter_server, jupyterlab_server") },
  { pkg: ["chromium"], what: `Chromium (${CHROMIUM})`, ok: () => fs.existsSync(CHROMIUM) },
  { pkg: ["fonts-dejavu-core"], what: "the DejaVu Sans font", ok: () => fs.existsSync(FONT) },
];

function py(code) {
  return spawnSync(PYTHON, ["-c", code], { stdio: "ignore" }).status === 0;
}

/** The packages still missing (Debian names). */
function missing() {
  return NEEDS.filter((n) => !n.ok());
}

function command(pkgs) {
  return `apt-get install -y --no-install-recommends ${pkgs.join(" ")}`;
}

function ensure({ checkOnly = false, log = console.log } = {}) {
  let miss = missing();
  if (!miss.length) return true;
  const pkgs = [...new Set(miss.flatMap((n) => n.pkg))];
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!checkOnly && isRoot && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0) {
    log(`npm test needs ${miss.map((n) => n.what).join(", ")}: installing Debian's ${pkgs.join(" ")} ...`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs], { stdio: ["ignore", "ignore", "inherit"], env });
    miss = missing();
    if (!miss.length) return true;
  }
  const still = [...new Set(miss.flatMap((n) => n.pkg))];
  console.error(
    `npm test needs ${miss.map((n) => n.what).join(", ")}.\n` +
      `Install them once, then run npm test again:\n\n    sudo ${command(still)}\n\n` +
      (isRoot ? "" : "(as root, npm test installs them itself.)\n"),
  );
  return false;
}

module.exports = { ensure, missing, NEEDS, command };

if (require.main === module) {
  process.exit(ensure({ checkOnly: process.argv.includes("--check") }) ? 0 : 1);
}
