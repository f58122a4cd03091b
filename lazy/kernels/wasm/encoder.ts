import { ValueError } from "../../core/errors";
/**
 * A small WebAssembly binary encoder: just what the kernel compiler (simd.ts) emits. One module
 * imports one memory ("env" "memory", shared or not) and exports functions; function bodies are
 * written with `Code`, an instruction buffer with typed helpers for the opcodes we use.
 *
 * Written by hand rather than taken from npm: what the compiler needs is ~150 lines (LEB128,
 * five sections, the SIMD prefix), and the npm encoders are either a whole toolchain (wabt,
 * binaryen: megabytes) or unmaintained; no toolchain runs at install time.
 * Spec: https://webassembly.github.io/spec/core/binary/ (+ the fixed-width SIMD proposal, merged).
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number, out: number[] = []): number[] {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`internal: uleb of ${n}`);
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** Signed LEB128 (for i32 / i64 constants; exact for |n| < 2^53). */
export function sleb(n: number | bigint, out: number[] = []): number[] {
  let v = BigInt(n);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

function name(s: string, out: number[]): void {
  const b = Buffer.from(s, "utf8");
  uleb(b.length, out);
  for (const x of b) out.push(x);
}

/** An instruction stream (a function body without its locals header). */
export class Code {
  readonly b: number[] = [];
  op(...bytes: number[]): this {
    for (const x of bytes) this.b.push(x);
    return this;
  }
  /** A SIMD instruction (0xFD prefix, LEB opcode). */
  simd(opcode: number): this {
    this.b.push(0xfd);
    uleb(opcode, this.b);
    return this;
  }
  /** A SIMD memory instruction with its memarg (alignment as log2, byte offset). */
  simdMem(opcode: number, align: number, offset = 0): this {
    this.simd(opcode);
    uleb(align, this.b);
    uleb(offset, this.b);
    return this;
  }
  /** A SIMD lane memory instruction (load/store lane): memarg then the lane index. */
  simdLane(opcode: number, align: number, offset: number, lane: number): this {
    this.simdMem(opcode, align, offset);
    this.b.push(lane);
    return this;
  }
  /** A scalar memory instruction with memarg. */
  mem(opcode: number, align: number, offset = 0): this {
    this.b.push(opcode);
    uleb(align, this.b);
    uleb(offset, this.b);
    return this;
  }
  get(i: number): this {
    this.b.push(0x20);
    uleb(i, this.b);
    return this;
  }
  set(i: number): this {
    this.b.push(0x21);
    uleb(i, this.b);
    return this;
  }
  tee(i: number): this {
    this.b.push(0x22);
    uleb(i, this.b);
    return this;
  }
  i32(n: number): this {
    this.b.push(0x41);
    sleb(n | 0, this.b);
    return this;
  }
  i64(n: bigint): this {
    this.b.push(0x42);
    sleb(BigInt.asIntN(64, n), this.b);
    return this;
  }
  f32(v: number): this {
    this.b.push(0x43);
    const buf = Buffer.alloc(4);
    buf.writeFloatLE(v);
    for (const x of buf) this.b.push(x);
    return this;
  }
  f64(v: number): this {
    this.b.push(0x44);
    const buf = Buffer.alloc(8);
    buf.writeDoubleLE(v);
    for (const x of buf) this.b.push(x);
    return this;
  }
  /** v128.const from 16 bytes. */
  v128(bytes: ArrayLike<number>): this {
    this.simd(12);
    for (let i = 0; i < 16; i++) this.b.push(bytes[i] & 255);
    return this;
  }
  /** i8x16.shuffle with 16 lane indices (0-15: first operand, 16-31: second). */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16) throw new ValueError("internal: shuffle needs 16 lanes");
    this.simd(13);
    for (const l of lanes) this.b.push(l);
    return this;
  }
  /** block / loop / if with an empty block type. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.b.push(0x0c);
    uleb(depth, this.b);
    return this;
  }
  brIf(depth: number): this {
    this.b.push(0x0d);
    uleb(depth, this.b);
    return this;
  }
}

export interface FuncDef {
  name: string;
  params: readonly ValType[];
  results: readonly ValType[];
  /** Local types after the parameters. */
  locals: readonly ValType[];
  code: Code;
}

export interface ModuleDef {
  /** Imported memory "env" "memory": pages (64 KiB) minimum and maximum, shared or not. */
  memory: { min: number; max: number; shared: boolean };
  funcs: readonly FuncDef[];
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  for (const x of body) out.push(x);
}

/** The binary module. */
export function encodeModule(m: ModuleDef): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // types: one per function (duplicates are allowed)
  const types: number[] = [];
  uleb(m.funcs.length, types);
  for (const f of m.funcs) {
    types.push(0x60);
    uleb(f.params.length, types);
    types.push(...f.params);
    uleb(f.results.length, types);
    types.push(...f.results);
  }
  section(1, types, out);
  const imports: number[] = [1];
  name("env", imports);
  name("memory", imports);
  imports.push(0x02, m.memory.shared ? 0x03 : 0x01);
  uleb(m.memory.min, imports);
  uleb(m.memory.max, imports);
  section(2, imports, out);
  const fns: number[] = [];
  uleb(m.funcs.length, fns);
  m.funcs.forEach((_, i) => uleb(i, fns));
  section(3, fns, out);
  const exps: number[] = [];
  uleb(m.funcs.length, exps);
  m.funcs.forEach((f, i) => {
    name(f.name, exps);
    exps.push(0x00);
    uleb(i, exps);
  });
  section(7, exps, out);
  const code: number[] = [];
  uleb(m.funcs.length, code);
  for (const f of m.funcs) {
    const body: number[] = [];
    // locals, run-length grouped
    const groups: [number, number][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, body);
    for (const [n, t] of groups) {
      uleb(n, body);
      body.push(t);
    }
    for (const x of f.code.b) body.push(x);
    body.push(0x0b);
    uleb(body.length, code);
    for (const x of body) code.push(x);
  }
  section(10, code, out);
  return Uint8Array.from(out);
}
