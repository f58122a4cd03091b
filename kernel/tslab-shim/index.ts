/**
 * `import * as tslab from "tslab"` inside the hyperspy-ts kernel: tslab 1.0.22's public API
 * (`display.html(...)`, `.png(bytes)`, `newDisplay()`, `versions`, tslab's dist/public.d.ts) on
 * our display channel (kernel/api.ts), so notebooks written for tslab run unchanged. Each call
 * sends one display_data with a single MIME type, as tslab does (binary data base64-encoded); a
 * `newDisplay()` object shows its first output and replaces it in place after that
 * (update_display_data on one display id).
 */
import { display as show } from "../api";
import { versions as ourVersions } from "../interpreter";

/** The version strings of tslab and its dependencies (the tslab whose converter the kernel uses). */
export const versions: { tslab: string; typescript: string; node: string } = {
  tslab: ourVersions.tslab,
  typescript: ourVersions.typescript,
  node: process.version,
};

export interface Display {
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void;
  text(s: string): void;
  raw(contentType: string, b: string | Uint8Array): void;
}

function toData(b: string | Uint8Array, what: string): string {
  if (typeof b === "string") return b;
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
  throw new TypeError(`tslab.display.${what}: expected a string or a Uint8Array, got ${b === null ? "null" : typeof b}`);
}

function makeDisplay(id: string | undefined): Display {
  let shown = false;
  const raw = (contentType: string, b: string | Uint8Array): void => {
    if (typeof contentType !== "string" || !contentType.includes("/")) {
      throw new TypeError(`tslab.display.raw: the first argument must be a MIME type such as "text/html", got ${JSON.stringify(contentType)}`);
    }
    const bundle = { [contentType]: toData(b, "raw") };
    if (id === undefined) show(bundle, { raw: true });
    else {
      show(bundle, { raw: true, displayId: id, update: shown });
      shown = true;
    }
  };
  const text = (type: string, what: string) => (s: string) => {
    if (typeof s !== "string") throw new TypeError(`tslab.display.${what}: expected a string, got ${s === null ? "null" : typeof s}`);
    raw(type, s);
  };
  const bin = (type: string, what: string) => (b: Uint8Array) => {
    if (!(b instanceof Uint8Array)) throw new TypeError(`tslab.display.${what}: expected a Uint8Array (e.g. fs.readFileSync(file)), got ${b === null ? "null" : typeof b}`);
    raw(type, b);
  };
  return {
    javascript: text("application/javascript", "javascript"),
    html: text("text/html", "html"),
    markdown: text("text/markdown", "markdown"),
    latex: text("text/latex", "latex"),
    svg: text("image/svg+xml", "svg"),
    png: bin("image/png", "png"),
    jpeg: bin("image/jpeg", "jpeg"),
    gif: bin("image/gif", "gif"),
    pdf: bin("application/pdf", "pdf"),
    text: text("text/plain", "text"),
    raw,
  };
}

let counter = 0;

/** A `Display` whose outputs replace each other in place (one display id). */
export function newDisplay(): Display {
  return makeDisplay(`tslab-${process.pid}-${++counter}-${Date.now().toString(36)}`);
}

/** Rich output in the current cell: `display.html("<b>hi</b>")`, `display.png(bytes)`, ... */
export const display: Display = makeDisplay(undefined);
