/**
 * Test helpers for the kernel: a kernelspec for this build in a temporary Jupyter path (written by
 * install.js --prefix, as a user would), and Debian's Python with jupyter_client to drive it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "../helpers";

export const PYTHON = "/usr/bin/python3";

/** Why the Jupyter tests cannot run here, or null. */
export function jupyterMissing(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import jupyter_client, jupyter_kernel_test, nbclient, nbconvert, ipykernel"], { encoding: "utf8" });
  if (r.status === 0) return null;
  return (
    "the kernel tests need Debian's Jupyter for /usr/bin/python3: " +
    "apt-get install -y jupyter-client jupyter-nbconvert python3-nbclient python3-jupyter-kernel-test python3-ipykernel " +
    `(.ci/run does this). ${(r.stderr || String(r.error ?? "")).trim().split("\n").pop()}`
  );
}

let prefix: string | null = null;

/** A Jupyter data dir holding the kernelspec "hyperspy-ts" of this build (made once per process). */
export function jupyterPath(): string {
  if (!prefix) {
    prefix = fs.mkdtempSync(path.join(os.tmpdir(), "hsts-jupyter-"));
    const r = spawnSync(process.execPath, [path.join(ROOT, "install.js"), "--prefix", prefix, "--quiet"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`install.js --prefix failed: ${r.stderr}`);
  }
  return path.join(prefix, "share", "jupyter");
}

/** A fresh directory with no node_modules above it, as a notebook folder. */
export function bareDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hsts-${tag}-`));
}

/** Environment for Jupyter tools: our kernelspec first, no user kernels in the way. */
export function jupyterEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, JUPYTER_PATH: jupyterPath(), JUPYTER_PLATFORM_DIRS: "1", PYDEVD_DISABLE_FILE_VALIDATION: "1", ...extra };
}
