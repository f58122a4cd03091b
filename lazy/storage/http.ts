/**
 * Reading zarr stores over HTTP(S): GET requests with retries (network errors, 408, 429 and 5xx,
 * with exponential backoff), and clear errors for 401/403 (access denied) and 404 (not found). A
 * chunk task fetches only its own chunk (a 404 there is a chunk never written: the fill value, as
 * in zarr). Node's global fetch (undici), so http and https alike; no dependency.
 */

/** Whether `p` names an http(s) URL rather than a local path. */
export function isUrl(p: string): boolean {
  return /^https?:\/\//i.test(p);
}

/** `base` joined with `/`-separated parts (URLs keep their scheme; no path.join). */
export function urlJoin(base: string, ...parts: string[]): string {
  let out = base.replace(/\/+$/, "");
  for (const p of parts) for (const seg of p.split("/")) if (seg) out += "/" + encodeURIComponent(seg).replace(/%2F/gi, "/");
  return out;
}

export interface HttpOptions {
  /** Attempts per request (default 4: one try and 3 retries). */
  attempts?: number;
  /** First backoff in ms, doubled per retry (default 100). */
  backoffMs?: number;
  /** Per-attempt timeout in ms (default 30 000). */
  timeoutMs?: number;
}

/** Process-wide defaults (tests shorten them); HYPERSPY_TS_HTTP_ATTEMPTS overrides the attempts. */
export const httpDefaults: Required<HttpOptions> = {
  attempts: Number(process.env.HYPERSPY_TS_HTTP_ATTEMPTS ?? 4) || 4,
  backoffMs: 100,
  timeoutMs: 30_000,
};

/** Counters of this thread's requests (for tests and benchmarks). */
export const httpStats = { requests: 0, retries: 0, bytes: 0 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * GET `url` into bytes. Returns null for 404 when `missingOk` (a zarr chunk never written);
 * throws a clear error for 401/403, for 404 otherwise, and after the last failed attempt.
 */
export async function httpGet(url: string, what: string, missingOk = false, opts: HttpOptions = {}): Promise<Uint8Array | null> {
  const { attempts, backoffMs, timeoutMs } = { ...httpDefaults, ...opts };
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      httpStats.retries++;
      await sleep(backoffMs * 2 ** (attempt - 2));
    }
    httpStats.requests++;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    } catch (e) {
      const c = (e as { cause?: { code?: string; message?: string } }).cause;
      last = `${(e as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (c?.code ?? c?.message ?? (e as Error).message)}`;
      continue;
    }
    if (res.ok) {
      try {
        const b = new Uint8Array(await res.arrayBuffer());
        httpStats.bytes += b.length;
        return b;
      } catch (e) {
        last = `the connection broke while reading the body (${(e as Error).message})`;
        continue;
      }
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 404) {
      if (missingOk) return null;
      throw new Error(`${what}: ${url}: not found (HTTP 404); check the URL (a .zspy URL names the store's folder)`);
    }
    if (res.status === 401 || res.status === 403) {
      throw new Error(`${what}: ${url}: access denied (HTTP ${res.status}); the server needs credentials or does not allow reading this path`);
    }
    last = `HTTP ${res.status} ${res.statusText}`;
    if (!retryable(res.status)) throw new Error(`${what}: ${url}: ${last}`);
  }
  throw new Error(`${what}: ${url}: failed after ${attempts} attempts (last: ${last})`);
}
