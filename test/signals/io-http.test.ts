/**
 * Lazy loading of a .zspy over HTTP from a local server on 127.0.0.1 (random port): metadata from
 * the store's consolidated .zmetadata, one GET per chunk a compute needs, retries of 503s and reset
 * connections, and clear errors for 404, 403, a store without .zmetadata and a server that keeps
 * failing. The server's request loop is bounded by the tests and closed at the end.
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { AddressInfo } from "node:net";
import * as hs from "../../index";
import { LazyArray } from "../../lazy/core/array";
import { httpDefaults } from "../../lazy/storage/http";

let dir = "";
let server: http.Server;
let base = "";
const hits = new Map<string, number>();
/** Paths under /flaky/ fail their first request (503, or a reset connection for chunk files of odd index). */
const failedOnce = new Set<string>();

before(async () => {
  httpDefaults.backoffMs = 5;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-io-http-"));
  const x = hs.lazy.random.random([8, 8, 256], { seed: 5, chunks: [4, 4, 256], dtype: "float32" });
  const s = new hs.signals.LazySignal1D(x);
  s.metadata.setItem("General.title", "remote");
  s.metadata.setItem("Acquisition.values", [1.5, 2.5, 3.5]);
  s.metadata.setItem("Acquisition.names", ["a", "b"]);
  s.axesManager.axes[2].units = "eV";
  await s.save(path.join(dir, "data.zspy"));
  fs.cpSync(path.join(dir, "data.zspy"), path.join(dir, "nometa.zspy"), { recursive: true });
  fs.rmSync(path.join(dir, "nometa.zspy", ".zmetadata"));
  server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? "/").split("?")[0]);
    hits.set(url, (hits.get(url) ?? 0) + 1);
    if (url.startsWith("/forbidden/")) {
      res.writeHead(403).end("no");
      return;
    }
    if (url.startsWith("/broken/")) {
      res.writeHead(500).end("down");
      return;
    }
    let rel = url;
    if (url.startsWith("/flaky/")) {
      rel = url.slice("/flaky".length);
      if (!failedOnce.has(url)) {
        failedOnce.add(url);
        if (/\/data\/\d+\/\d+\/\d+$/.test(url) && Number(url.split("/").at(-2)) % 2 === 1) {
          req.socket.destroy(); // connection reset
          return;
        }
        res.writeHead(503).end("busy");
        return;
      }
    }
    const f = path.join(dir, rel);
    if (!f.startsWith(dir) || !fs.existsSync(f) || fs.statSync(f).isDirectory()) {
      res.writeHead(404).end("not found");
      return;
    }
    const body = fs.readFileSync(f);
    res.writeHead(200, { "content-length": body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await hs.lazy.closePool();
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const chunkHits = (prefix: string) => [...hits.entries()].filter(([k]) => k.startsWith(prefix) && /\/data\/\d+\/\d+\/\d+$/.test(k)).reduce((n, [, v]) => n + v, 0);

test("hs.load(url, {lazy: true}) reads metadata from .zmetadata and only the chunks a compute needs", async () => {
  const local = await hs.load(path.join(dir, "data.zspy"));
  hits.clear();
  const s = await hs.load(`${base}/data.zspy`, { lazy: true });
  assert.equal(s.title, "remote");
  assert.deepEqual(s.metadata.getItem("Acquisition.values"), [1.5, 2.5, 3.5]);
  assert.deepEqual(s.metadata.getItem("Acquisition.names"), ["a", "b"]);
  assert.equal(s.axesManager.axes[2].units, "eV");
  assert.equal(chunkHits("/data.zspy"), 0, "nothing read before a compute");
  const x = s.data as LazyArray;
  const px = await x.get("5:6", "2:3").compute();
  assert.equal(chunkHits("/data.zspy"), 1, "one pixel: one chunk fetched");
  assert.equal(px.get(0, 0, 17), local.data.get(5, 2, 17));
  const all = await x.sum({ axis: [0, 1] }).compute();
  const ref = await ((await hs.load(path.join(dir, "data.zspy"), { lazy: true })).data as LazyArray).sum({ axis: [0, 1] }).compute();
  for (let i = 0; i < 256; i += 37) assert.equal(all.get(i), ref.get(i));
  assert.equal(chunkHits("/data.zspy"), 1 + 4, "the sum fetched the 4 chunks once each");
  // eager load over HTTP too
  const e = await hs.load(`${base}/data.zspy`);
  assert.equal(e.data.get(7, 7, 255), local.data.get(7, 7, 255));
});

test("HTTP: 503s and reset connections are retried", async () => {
  failedOnce.clear();
  hits.clear();
  const s = await hs.load(`${base}/flaky/data.zspy`, { lazy: true });
  const all = await (s.data as LazyArray).sum({ axis: [0, 1] }).compute();
  const ref = await ((await hs.load(path.join(dir, "data.zspy"), { lazy: true })).data as LazyArray).sum({ axis: [0, 1] }).compute();
  assert.equal(all.get(100), ref.get(100));
  assert.equal(chunkHits("/flaky/data.zspy"), 8, "each of the 4 chunks: one failure, one success");
});

test("HTTP: 404, 403, no .zmetadata and a failing server give clear errors", async () => {
  await assert.rejects(hs.load(`${base}/missing.zspy`, { lazy: true }), /missing\.zspy.*not found \(HTTP 404/);
  await assert.rejects(hs.load(`${base}/forbidden/data.zspy`, { lazy: true }), /access denied \(HTTP 403\)/);
  await assert.rejects(hs.load(`${base}/nometa.zspy`, { lazy: true }), /no consolidated metadata \(\.zmetadata\).*zarr\.consolidate_metadata/);
  await assert.rejects(hs.load(`${base}/broken/data.zspy`, { lazy: true }), /failed after \d+ attempts \(last: HTTP 500/);
  await assert.rejects(hs.load(`${base}/data.hspy`), /only \.zspy stores are read/);
});
