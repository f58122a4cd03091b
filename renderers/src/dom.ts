/**
 * DOM helpers. The renderers are `safe: true` (JupyterLab uses them for untrusted outputs too), so
 * nothing from a payload ever goes through innerHTML: elements are created here and every string
 * from the data is set with textContent or setAttribute on a fixed, known attribute.
 */

type Attrs = { [name: string]: string | number | undefined };

/** An HTML element with a class, attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null,
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(typeof c === "string" ? document.createTextNode(c) : c);
  return e;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (numbers are written with at most 2 decimals). */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs | null, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, typeof v === "number" ? String(Math.round(v * 100) / 100) : v);
  for (const c of children) e.append(typeof c === "string" ? document.createTextNode(c) : c);
  return e;
}

/** A table with a header row and body rows (cells are strings or nodes). */
export function table(cls: string, head: string[], rows: (string | Node)[][]): HTMLTableElement {
  return h(
    "table",
    { class: cls },
    h("thead", null, h("tr", null, ...head.map((t) => h("th", null, t)))),
    h("tbody", null, ...rows.map((r) => h("tr", null, ...r.map((c) => h("td", null, c))))),
  );
}

/** Bytes as HyperSpy/dask show them: 1.50 MiB. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "unknown";
  const units = ["B", "kiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(2)} ${units[i]}`;
}

/** A shape as Python prints it: (64, 64, 1024), with "?" for an unknown size. */
export function formatShape(shape: readonly (number | null)[]): string {
  const parts = shape.map((n) => (n === null ? "?" : String(n)));
  return `(${parts.join(", ")}${parts.length === 1 ? "," : ""})`;
}

/** A count with thousands separators, or "-" for null. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return "-";
  return n.toLocaleString("en-US");
}

/** A number for labels: up to 4 significant digits, no trailing zeros. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(3).replace(/\.?0+e/, "e");
  return String(Number(x.toPrecision(4)));
}

/** A plain-object check for payload validation. */
export function isObject(x: unknown): x is { [k: string]: unknown } {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
