/**
 * Raster output for the static plots: an SVG (signals/plot.ts) rendered to PNG by resvg, and a small
 * PNG encoder for the colour-mapped pixels of heatmaps (embedded in the SVG as an <image>).
 *
 * Why @resvg/resvg-js: it rasterises SVG (anti-aliased paths, real text) to PNG in one native call
 * of ~10-20 ms for a plot; its prebuilt binaries come inside npm packages (one optional dependency
 * per platform, no install script, nothing downloaded); it loads with CommonJS `require` on Node 20
 * and its types compile under strict TypeScript 5.0 and 5.9. It is loaded only when a PNG is made,
 * so `require("hyperspy-ts")` and the worker threads never load it. Text needs a font: a known sans
 * font file is loaded when one is found (DejaVu Sans on Debian/Ubuntu, Liberation Sans, Arial,
 * Helvetica), else the system fonts.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";

type ResvgModule = typeof import("@resvg/resvg-js");
type ResvgOptions = import("@resvg/resvg-js").ResvgRenderOptions;

let resvg: ResvgModule | null | undefined;
let resvgError = "";

/** The resvg module, or null (with `rasterUnavailable()` saying why) when it cannot load here. */
function loadResvg(): ResvgModule | null {
  if (resvg !== undefined) return resvg;
  try {
    resvg = require("@resvg/resvg-js") as ResvgModule;
  } catch (e) {
    resvg = null;
    resvgError = e instanceof Error ? e.message.split("\n")[0] : String(e);
  }
  return resvg;
}

/** Why PNG plots cannot be made on this machine ("" when they can). */
export function rasterUnavailable(): string {
  return loadResvg() ? "" : `@resvg/resvg-js did not load (${resvgError}); install the package for this platform to get PNG plots`;
}

/** Font files tried in order: [path, family]. */
const FONT_CANDIDATES: [string, string][] = [
  ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVu Sans"],
  ["/usr/share/fonts/dejavu/DejaVuSans.ttf", "DejaVu Sans"],
  ["/usr/share/fonts/TTF/DejaVuSans.ttf", "DejaVu Sans"],
  ["/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "DejaVu Sans"],
  ["/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "Liberation Sans"],
  ["/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", "Liberation Sans"],
  ["/Library/Fonts/Arial.ttf", "Arial"],
  ["/System/Library/Fonts/Supplemental/Arial.ttf", "Arial"],
  ["/System/Library/Fonts/Helvetica.ttc", "Helvetica"],
  ["C:\\Windows\\Fonts\\arial.ttf", "Arial"],
];

let fontOptions: ResvgOptions["font"] | undefined;

function fonts(): ResvgOptions["font"] {
  if (fontOptions) return fontOptions;
  const found = FONT_CANDIDATES.find(([p]) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });
  fontOptions = found
    ? { loadSystemFonts: false, fontFiles: [found[0]], defaultFontFamily: found[1], sansSerifFamily: found[1] }
    : { loadSystemFonts: true };
  return fontOptions;
}

/** The font family list plots use in SVG text. */
export const FONT_FAMILY = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/**
 * Render an SVG document to PNG at `zoom` times its size (2 for hi-dpi screens). Returns null when
 * resvg is not available (see rasterUnavailable()).
 */
export function svgToPng(svg: string, zoom = 2): { png: Buffer; width: number; height: number } | null {
  const m = loadResvg();
  if (!m) return null;
  const r = new m.Resvg(svg, { font: fonts(), fitTo: { mode: "zoom", value: zoom }, background: "white", logLevel: "off" });
  const img = r.render();
  return { png: img.asPng(), width: img.width, height: img.height };
}

// ------------------------------------------------------------------------------------------------
// A minimal PNG encoder (8-bit RGB, no interlace) for heatmap pixels

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** PNG bytes of an RGB image (`rgb`: width * height * 3 bytes, rows top to bottom). */
export function encodeRGB(rgb: Uint8Array, width: number, height: number): Buffer {
  if (rgb.length !== width * height * 3) throw new RangeError(`encodeRGB: ${rgb.length} bytes for a ${width} x ${height} RGB image`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}
