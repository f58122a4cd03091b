/**
 * The Jupyter wire format (messaging spec 5.3/5.4): framing, HMAC signing and checking, headers.
 *
 * Frames: `[identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...]`.
 * The signature is the HMAC hex digest over the four JSON frames exactly as received (never
 * re-serialised). An empty key switches signing off: we send "" and accept any signature. A bad or
 * missing signature makes `parseMessage` return an error the caller logs to the kernel's own stderr
 * (never into a cell); checks run in constant time (crypto.timingSafeEqual). Replays (a signature
 * seen before) are rejected, as jupyter_client does.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const DELIMITER = "<IDS|MSG>";
export const PROTOCOL_VERSION = "5.3";

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [extra: string]: unknown;
}

export interface Message {
  identities: Buffer[];
  header: Header;
  /** `{}` when there is none. */
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

export interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  kernel_name?: string;
}

export function endpoint(c: ConnectionInfo, port: number): string {
  return c.transport === "ipc" ? `ipc://${c.ip}-${port}` : `${c.transport}://${c.ip}:${port}`;
}

/** The HMAC algorithm of a `signature_scheme` such as "hmac-sha256". */
function hmacAlgorithm(scheme: string): string {
  const m = /^hmac-([a-z0-9-]+)$/i.exec(scheme || "hmac-sha256");
  if (!m) throw new Error(`unsupported signature_scheme ${JSON.stringify(scheme)}: expected "hmac-<algorithm>" (e.g. hmac-sha256)`);
  return m[1].replace("-", "").toLowerCase();
}

export class Signer {
  readonly enabled: boolean;
  private readonly algorithm: string;
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];

  constructor(private readonly key: string, scheme: string) {
    this.enabled = key.length > 0;
    this.algorithm = hmacAlgorithm(scheme);
    // Fail early on an algorithm Node does not know.
    if (this.enabled) createHmac(this.algorithm, key);
  }

  sign(frames: readonly Buffer[]): string {
    if (!this.enabled) return "";
    const h = createHmac(this.algorithm, this.key);
    for (const f of frames) h.update(f);
    return h.digest("hex");
  }

  /** Checks a received signature (constant time); remembers it to reject replays. */
  verify(signature: Buffer, frames: readonly Buffer[]): string | null {
    if (!this.enabled) return null;
    const expected = Buffer.from(this.sign(frames), "ascii");
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return "invalid signature";
    const s = signature.toString("ascii");
    if (this.seen.has(s)) return "duplicate signature (replayed message)";
    this.seen.add(s);
    this.seenOrder.push(s);
    if (this.seenOrder.length > 65536) this.seen.delete(this.seenOrder.shift() as string);
    return null;
  }
}

function parseJSONFrame(f: Buffer, what: string): Record<string, unknown> {
  const v: unknown = JSON.parse(f.toString("utf8"));
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Splits, checks and parses received frames; an error string when the message must be dropped. */
export function parseMessage(frames: readonly Buffer[], signer: Signer): Message | string {
  const i = frames.findIndex((f) => f.length === DELIMITER.length && f.toString("latin1") === DELIMITER);
  if (i < 0) return "no <IDS|MSG> delimiter";
  if (frames.length < i + 6) return "too few frames";
  const sig = frames[i + 1];
  const json = frames.slice(i + 2, i + 6);
  const bad = signer.verify(sig, json);
  if (bad) return bad;
  try {
    const header = parseJSONFrame(json[0], "header") as Header;
    if (typeof header.msg_type !== "string") return "header without msg_type";
    return {
      identities: frames.slice(0, i).map((f) => Buffer.from(f)),
      header,
      parent_header: parseJSONFrame(json[1], "parent_header") as Partial<Header>,
      metadata: parseJSONFrame(json[2], "metadata"),
      content: parseJSONFrame(json[3], "content"),
      buffers: frames.slice(i + 6).map((f) => Buffer.from(f)),
    };
  } catch (e) {
    return `malformed JSON: ${(e as Error).message}`;
  }
}

export interface Outgoing {
  msgType: string;
  content: Record<string, unknown>;
  parent?: Partial<Header> | null;
  metadata?: Record<string, unknown>;
  identities?: Buffer[];
  buffers?: Buffer[];
}

/** The kernel's side of headers: its own session id (new per process), so clients see restarts. */
export class HeaderFactory {
  constructor(readonly session: string = randomUUID(), readonly username = "kernel") {}
  make(msgType: string): Header {
    return {
      msg_id: randomUUID(),
      session: this.session,
      username: this.username,
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    };
  }
}

/** Serialises and signs a message into frames ready for a socket. */
export function encodeMessage(m: Outgoing, headers: HeaderFactory, signer: Signer): Buffer[] {
  const json = [
    Buffer.from(JSON.stringify(headers.make(m.msgType)), "utf8"),
    Buffer.from(JSON.stringify(m.parent ?? {}), "utf8"),
    Buffer.from(JSON.stringify(m.metadata ?? {}), "utf8"),
    Buffer.from(JSON.stringify(m.content), "utf8"),
  ];
  return [...(m.identities ?? []), Buffer.from(DELIMITER), Buffer.from(signer.sign(json), "ascii"), ...json, ...(m.buffers ?? [])];
}

/**
 * Sends on a zeromq v6 socket one message at a time (a socket allows only one pending send); a
 * failed send is reported to `onError` and does not stop later ones.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly sock: { send(frames: Buffer[]): Promise<void> }, private readonly onError: (e: unknown) => void) {}
  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(() => this.sock.send(frames)).catch(this.onError);
    return this.tail;
  }
  idle(): Promise<void> {
    return this.tail;
  }
}
