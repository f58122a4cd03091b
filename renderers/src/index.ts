/**
 * hyperspy-ts-renderers: a JupyterLab MIME renderer extension (prebuilt) for the two payloads the
 * hyperspy-ts kernel puts in display bundles (lazy/display/mime.ts, docs/display.md):
 *
 * - application/vnd.hyperspy-ts.lazy.v1+json: the summary of an uncomputed lazy signal.
 * - application/vnd.hyperspy-ts.signal.v1+json: a computed signal as plots (plotly, loaded lazily).
 *
 * Both factories are `safe: true` (no HTML from the data is ever injected), so they render in
 * untrusted notebooks too, and rank 20: ahead of every standard factory (text/html is 50,
 * image/png 90), so the bundle's fallbacks are used only where this extension is not installed.
 * This module is what JupyterLab loads at startup: it is small and does not import plotly.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { LAZY_MIME, SIGNAL_MIME } from "../../lazy/display/mime";
import { h } from "./dom";
import { checkLazy, lazyView } from "./lazy";
import { checkSignal, pngSource, SignalView } from "./signal";

export { setKernelLocator } from "./live";
export type { KernelLike, CommLike } from "./live";

/** The rank given to JupyterLab's registry (lower wins; the standard factories start at 50). */
export const RANK = 20;

/** An error inside the output area, with the bundle's text/plain under it. */
function errorView(mime: string, e: unknown, plain: unknown): HTMLElement {
  const msg = e instanceof Error ? e.message : String(e);
  return h(
    "div",
    { class: "hsts-error-view" },
    h("div", { class: "hsts-error" }, `hyperspy-ts-renderers cannot show this ${mime} output: ${msg}`),
    typeof plain === "string" ? h("pre", { class: "hsts-plain" }, plain) : null,
  );
}

/** Renders application/vnd.hyperspy-ts.lazy.v1+json. */
export class LazyRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass("hsts-renderer");
    this.addClass("hsts-lazy-renderer");
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    try {
      this.node.replaceChildren(lazyView(checkLazy(model.data[this.mimeType])));
    } catch (e) {
      this.node.replaceChildren(errorView(this.mimeType, e, model.data["text/plain"]));
    }
    return Promise.resolve();
  }
}

/** Renders application/vnd.hyperspy-ts.signal.v1+json. */
export class SignalRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private view: SignalView | null = null;
  private observer: ResizeObserver | null = null;
  private lastWidth = 0;

  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass("hsts-renderer");
    this.addClass("hsts-signal-renderer");
    // The output area renders before attaching (zero width): plots are fitted again whenever the
    // node gets or changes its width (attach, notebook resized, side panel opened).
    if (typeof ResizeObserver !== "undefined") {
      this.observer = new ResizeObserver((entries) => {
        const w = entries[entries.length - 1]?.contentRect.width ?? 0;
        if (w > 0 && Math.abs(w - this.lastWidth) >= 1) {
          this.lastWidth = w;
          this.view?.resize();
        }
      });
      this.observer.observe(this.node);
    }
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.view?.dispose();
    this.view = null;
    const md = model.metadata && typeof model.metadata === "object" ? (model.metadata as { [k: string]: unknown })["image/png"] : undefined;
    let view: SignalView;
    try {
      view = new SignalView(checkSignal(model.data[this.mimeType]), pngSource(model.data["image/png"], md));
    } catch (e) {
      this.node.replaceChildren(errorView(this.mimeType, e, model.data["text/plain"]));
      return;
    }
    this.view = view;
    this.node.replaceChildren(view.node);
    await view.draw();
    if (this.isAttached) view.resize();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.view?.resize();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.view?.resize();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.view?.resize();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.observer?.disconnect();
    this.observer = null;
    this.view?.dispose();
    this.view = null;
    super.dispose();
  }
}

export const lazyRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [LAZY_MIME],
  defaultRank: RANK,
  createRenderer: (options) => new LazyRenderer(options),
};

export const signalRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [SIGNAL_MIME],
  defaultRank: RANK,
  createRenderer: (options) => new SignalRenderer(options),
};

const extensions: IRenderMime.IExtension[] = [
  { id: "hyperspy-ts-renderers:lazy", description: "hyperspy-ts lazy signal summaries", rendererFactory: lazyRendererFactory, rank: RANK, dataType: "json" },
  { id: "hyperspy-ts-renderers:signal", description: "hyperspy-ts computed signal plots", rendererFactory: signalRendererFactory, rank: RANK, dataType: "json" },
];

export default extensions;
