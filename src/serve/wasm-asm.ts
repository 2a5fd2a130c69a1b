// A very small WebAssembly assembler: enough to write one function of structured code (blocks,
// loops, ifs, i32/i64/f64 arithmetic, loads and stores) as a readable tree in TypeScript and turn it
// into a module with one exported function and one exported memory. It exists so that the JSON
// number reader (json-wasm.ts) ships as source, without a build step or a binary in the repository.

/** A piece of code: raw bytes, a sequence, structured control, or a branch to a named label. */
export type Code = number[] | Code[] | Block | Branch;

interface Block {
  kind: 'block' | 'loop' | 'if';
  label: string;
  body: Code;
  /** The else branch of an `if`. */
  orElse?: Code;
}

interface Branch {
  kind: 'br' | 'br_if';
  label: string;
}

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

// ---- instructions ---------------------------------------------------------------------------

const op =
  (code: number) =>
  (...args: Code[]): Code =>
    [...args, [code]];

export const get = (local: number): Code => [0x20, ...uleb(local)];
export const set = (local: number, value: Code): Code => [value, [0x21, ...uleb(local)]];
export const i32 = (v: number): Code => [0x41, ...sleb(BigInt(v | 0))];
export const i64 = (v: bigint): Code => [0x42, ...sleb(BigInt.asIntN(64, v))];
export const f64 = (v: number): Code => {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v, true);
  return [0x44, ...new Uint8Array(b.buffer)];
};

// Loads and stores take an address; memarg is (log2 alignment, offset 0).
export const load8 = (addr: Code): Code => [addr, [0x2d, 0, 0]];
export const load32 = (addr: Code): Code => [addr, [0x28, 0, 0]];
export const load64 = (addr: Code): Code => [addr, [0x29, 0, 0]];
export const loadF64 = (addr: Code): Code => [addr, [0x2b, 3, 0]];
export const store32 = (addr: Code, value: Code): Code => [addr, value, [0x36, 2, 0]];
export const storeF64 = (addr: Code, value: Code): Code => [addr, value, [0x39, 3, 0]];

export const eqz = op(0x45);
export const eq = op(0x46);
export const ne = op(0x47);
export const ltU = op(0x49);
export const ltS = op(0x48);
export const add = op(0x6a);
export const sub = op(0x6b);
export const mul = op(0x6c);
export const and = op(0x71);
export const or = op(0x72);
export const eq64 = op(0x51);
export const add64 = op(0x7c);
export const sub64 = op(0x7d);
export const mul64 = op(0x7e);
export const and64 = op(0x83);
export const or64 = op(0x84);
export const shrU64 = op(0x88);
export const fEq = op(0x61);
export const fNe = op(0x62);
export const fLt = op(0x63);
export const fAdd = op(0xa0);
export const fSub = op(0xa1);
export const fMul = op(0xa2);
export const fDiv = op(0xa3);
export const fNeg = op(0x9a);
export const f64FromU32 = op(0xb8);
export const f64FromU64 = op(0xba);
/** Math.fround: to float32 (round to nearest even) and back. */
export const fround = (v: Code): Code => [v, [0xb6, 0xbb]];
/** a ? b : c, both evaluated. */
export const select = (a: Code, b: Code, cond: Code): Code => [a, b, cond, [0x1b]];
export const ret = (v: Code): Code => [v, [0x0f]];

export const block = (label: string, ...body: Code[]): Block => ({ kind: 'block', label, body });
export const loop = (label: string, ...body: Code[]): Block => ({ kind: 'loop', label, body });
/** `if (cond) then else orElse`, labelled so that its body can break out of it. */
export const when = (cond: Code, then: Code, orElse?: Code): Code => [cond, { kind: 'if', label: '', body: then, orElse }];
export const br = (label: string): Branch => ({ kind: 'br', label });
export const brIf = (label: string, cond: Code): Code => [cond, { kind: 'br_if', label }];

function emit(code: Code, labels: string[], out: number[]): void {
  if (Array.isArray(code)) {
    if (code.length > 0 && typeof code[0] === 'number') out.push(...(code as number[]));
    else for (const c of code as Code[]) emit(c, labels, out);
    return;
  }
  if (code.kind === 'br' || code.kind === 'br_if') {
    const b = code as Branch;
    const depth = labels.lastIndexOf(b.label);
    if (depth < 0) throw new Error(`wasm-asm: no enclosing label "${b.label}"`);
    out.push(b.kind === 'br' ? 0x0c : 0x0d, ...uleb(labels.length - 1 - depth));
    return;
  }
  code = code as Block;
  out.push(code.kind === 'block' ? 0x02 : code.kind === 'loop' ? 0x03 : 0x04, 0x40);
  labels.push(code.label);
  emit(code.body, labels, out);
  if (code.orElse) {
    out.push(0x05);
    emit(code.orElse, labels, out);
  }
  labels.pop();
  out.push(0x0b);
}

/** A function of a module: its name (exported), parameter and local types; it returns one i32. */
export interface Func {
  name: string;
  params: number[];
  locals: number[];
  body: Code;
}

/** Calls function `index` (its place in the list given to assemble) with the arguments. */
export const call = (index: number, ...args: Code[]): Code => [...args, [0x10, ...uleb(index)]];

/**
 * A module exporting `memory` (initialPages of 64 KiB, growable) and the functions, each
 * returning one i32 (left on the stack by its last instruction, or returned earlier).
 */
export function assemble(fns: Func[], initialPages: number): Uint8Array<ArrayBuffer> {
  const code = fns.map((fn) => {
    const body: number[] = [];
    emit(fn.body, [], body);
    const func = [...vec(fn.locals.map((t) => [1, t])), ...body, 0x0b];
    return [...uleb(func.length), ...func];
  });
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(fns.map((fn) => [0x60, ...vec(fn.params.map((t) => [t])), ...vec([[I32]])]))),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(initialPages)]])),
    ...section(7, vec([...fns.map((fn, i) => [...name(fn.name), 0x00, ...uleb(i)]), [...name('memory'), 0x02, 0]])),
    ...section(10, vec(code)),
  ];
  return new Uint8Array(bytes);
}
