/**
 * The extension's JupyterLab plugin (package.json `jupyterlab.extension`): it lets the renderers
 * reach the kernel of the notebook (or console) that holds their output, for live plots
 * (live.ts). A MIME renderer is not given the kernel; this finds the main-area widget whose node
 * holds the output and returns its session's kernel, when asked (so a kernel restart or change is
 * followed). It imports nothing from JupyterLab: the app object is all it uses.
 */
import { KernelLike, setKernelLocator } from "./live";

interface ShellLike {
  widgets?(area?: string): Iterable<unknown>;
}
interface SessionWidget {
  node?: HTMLElement;
  sessionContext?: { session?: { kernel?: KernelLike | null } | null };
}

/** The kernel of the main-area widget (notebook, console) that holds `node`, or null. */
export function kernelLocator(shell: ShellLike): (node: HTMLElement) => KernelLike | null {
  return (node) => {
    if (typeof shell.widgets !== "function") return null;
    for (const w of shell.widgets("main")) {
      const x = w as SessionWidget;
      if (x && x.node && x.sessionContext && x.node.contains(node)) return x.sessionContext.session?.kernel ?? null;
    }
    return null;
  };
}

const plugin = {
  id: "hyperspy-ts-renderers:kernel",
  description: "Lets hyperspy-ts outputs ask their kernel for the signal at the selected pixel (live plots).",
  autoStart: true,
  activate: (app: { shell: ShellLike }): void => {
    setKernelLocator(kernelLocator(app.shell));
  },
};

export default plugin;
