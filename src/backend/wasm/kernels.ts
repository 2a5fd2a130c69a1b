// Loads the shipped WebAssembly SIMD kernels (nerva.wasm, built from ./assembly by
// scripts/build-wasm.mjs) and wraps them in a typed API over plain Float32Arrays.
//
// Every call copies its inputs into wasm linear memory, runs one kernel and copies the result out:
// simple and GC-safe (no wasm memory escapes to callers), and the O(n) copies are small next to the
// O(n^1.5) matmul work. Linear memory above heapBase() is one scratch arena laid out afresh per call;
// it only grows (to the largest call seen), so nothing leaks across calls.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ShapeError } from '../../errors.js';

/**
 * The fast float32 kernels. All arrays are row-major and must have exactly the stated sizes
 * (ShapeError otherwise); inputs are never modified unless stated, and `out` may alias an input.
 */
export interface WasmKernels {
  /** out[m,n] = op(a) x op(b); a is [m,k] (or [k,m] if transA), b is [k,n] (or [n,k] if transB). Row-major. */
  matMul(
    a: Float32Array,
    b: Float32Array,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    out?: Float32Array,
  ): Float32Array;
  /** Dense forward fused: out = act(x[m,k] x w[k,n] + bias[n]); act 'linear' | 'relu'. */
  denseForward(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    m: number,
    k: number,
    n: number,
    act: 'linear' | 'relu',
  ): Float32Array;
  /**
   * Fused Adam update in place over one weight and its slots m, v (all the same length):
   *   m += (g - m) * (1 - beta1)
   *   v += (g*g - v) * (1 - beta2)
   *   w -= m * lrT / (sqrt(v) + epsHat)
   * This is Keras 3's Adam.update_step (keras/src/optimizers/adam.py) with
   * lrT = lr * sqrt(1 - beta2^t) / (1 - beta1^t). Note that Keras 3 adds its `epsilon` unscaled
   * (it is the paper's "epsilon hat"), so for Keras 3 parity pass epsHat = epsilon;
   * passing epsilon * sqrt(1 - beta2^t) instead gives the paper's Algorithm 1 exactly.
   * Computed in float32, in the same operation order as Keras.
   */
  adamUpdate(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lrT: number,
    beta1: number,
    beta2: number,
    epsHat: number,
  ): void;
  /** True: the kernels use 128-bit WebAssembly SIMD (always, when loaded at all). */
  readonly simd: boolean;
  /** True when the relaxed-SIMD build (fused multiply-add) was loaded. */
  readonly relaxedSimd: boolean;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  matMulWorkspaceBytes(m: number, k: number, n: number): number;
  matMul(a: number, b: number, c: number, m: number, k: number, n: number, transA: number, transB: number, work: number): void;
  biasAct(c: number, bias: number, m: number, n: number, relu: number): void;
  adamUpdate(w: number, g: number, m: number, v: number, len: number, lrT: number, beta1: number, beta2: number, eps: number): void;
}

// (module (func (param v128) (result v128) local.get 0 local.get 0 f32x4.add))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0xe4, 0x01, 0x0b,
]);
// (module (func (param v128) (result v128) local.get 0 local.get 0 local.get 0 f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02,
  0x0b,
]);

function validates(bytes: BufferSource): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

const PAGE = 65536;
const ALIGN = 64;

function alignUp(x: number): number {
  return Math.ceil(x / ALIGN) * ALIGN;
}

/** @internal Throws a ShapeError naming the op and the expected shape when an array has the wrong size. */
export function checkLength(who: string, name: string, arr: Float32Array, want: number, shape: string): void {
  if (arr.length !== want) {
    throw new ShapeError(`${who}: expected ${name} of ${want} elements (${shape}), got ${arr.length}`);
  }
}

class Kernels implements WasmKernels {
  readonly simd = true;
  private f32: Float32Array;
  private readonly base: number;

  constructor(
    private readonly ex: KernelExports,
    readonly relaxedSimd: boolean,
  ) {
    this.base = alignUp(ex.heapBase());
    this.f32 = new Float32Array(ex.memory.buffer);
  }

  /** Grows linear memory to at least `end` bytes and returns a live float view of it. */
  private reserve(end: number): Float32Array {
    const mem = this.ex.memory;
    const have = mem.buffer.byteLength;
    if (end > have) mem.grow(Math.ceil((end - have) / PAGE));
    // Growing detaches the old ArrayBuffer, so the view is re-made whenever the buffer changed.
    if (this.f32.buffer !== mem.buffer) this.f32 = new Float32Array(mem.buffer);
    return this.f32;
  }

  matMul(
    a: Float32Array,
    b: Float32Array,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    out?: Float32Array,
  ): Float32Array {
    const result = out ?? new Float32Array(m * n);
    checkLength('matMul', 'a', a, m * k, transA ? `[${k}, ${m}]` : `[${m}, ${k}]`);
    checkLength('matMul', 'b', b, k * n, transB ? `[${n}, ${k}]` : `[${k}, ${n}]`);
    checkLength('matMul', 'out', result, m * n, `[${m}, ${n}]`);
    if (m === 0 || n === 0) return result;
    const { cOff } = this.run(a, b, m, k, n, transA, transB);
    result.set(this.f32.subarray(cOff >> 2, (cOff >> 2) + m * n));
    return result;
  }

  denseForward(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    m: number,
    k: number,
    n: number,
    act: 'linear' | 'relu',
  ): Float32Array {
    const result = new Float32Array(m * n);
    checkLength('denseForward', 'x', x, m * k, `[${m}, ${k}]`);
    checkLength('denseForward', 'w', w, k * n, `[${k}, ${n}]`);
    if (bias) checkLength('denseForward', 'bias', bias, n, `[${n}]`);
    if (m === 0 || n === 0) return result;
    const { cOff, extraOff } = this.run(x, w, m, k, n, false, false, bias);
    this.ex.biasAct(cOff, bias ? extraOff : 0, m, n, act === 'relu' ? 1 : 0);
    result.set(this.f32.subarray(cOff >> 2, (cOff >> 2) + m * n));
    return result;
  }

  /** Lays out a, b, c, workspace and `extra` (the bias) in the arena, copies in, runs matMul. */
  private run(
    a: Float32Array,
    b: Float32Array,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    extra: Float32Array | null = null,
  ): { cOff: number; extraOff: number } {
    const aOff = this.base;
    const bOff = alignUp(aOff + m * k * 4);
    const cOff = alignUp(bOff + k * n * 4);
    const wOff = alignUp(cOff + m * n * 4);
    const xOff = alignUp(wOff + this.ex.matMulWorkspaceBytes(m, k, n));
    const end = xOff + (extra ? extra.length * 4 : 0);
    const f32 = this.reserve(end);
    f32.set(a, aOff >> 2);
    f32.set(b, bOff >> 2);
    if (extra) f32.set(extra, xOff >> 2);
    this.ex.matMul(aOff, bOff, cOff, m, k, n, transA ? 1 : 0, transB ? 1 : 0, wOff);
    return { cOff, extraOff: xOff };
  }

  adamUpdate(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lrT: number,
    beta1: number,
    beta2: number,
    epsHat: number,
  ): void {
    const len = w.length;
    if (g.length !== len || m.length !== len || v.length !== len) {
      throw new ShapeError(
        `adamUpdate: expected w, g, m, v of one length, got ${len}, ${g.length}, ${m.length}, ${v.length}`,
      );
    }
    if (len === 0) return;
    const bytes = alignUp(len * 4);
    const wOff = this.base;
    const gOff = wOff + bytes;
    const mOff = gOff + bytes;
    const vOff = mOff + bytes;
    const f32 = this.reserve(vOff + bytes);
    f32.set(w, wOff >> 2);
    f32.set(g, gOff >> 2);
    f32.set(m, mOff >> 2);
    f32.set(v, vOff >> 2);
    this.ex.adamUpdate(wOff, gOff, mOff, vOff, len, lrT, beta1, beta2, epsHat);
    w.set(f32.subarray(wOff >> 2, (wOff >> 2) + len));
    m.set(f32.subarray(mOff >> 2, (mOff >> 2) + len));
    v.set(f32.subarray(vOff >> 2, (vOff >> 2) + len));
  }
}

let cached: WasmKernels | null | undefined;

/** Options for tests and benchmarks; the library itself calls loadWasmKernels() with none. */
export interface LoadOptions {
  /** Load the baseline SIMD build even where relaxed SIMD is available. */
  baselineOnly?: boolean;
}

function instantiate(file: string, relaxed: boolean): WasmKernels {
  const bytes = readFileSync(fileURLToPath(new URL(file, import.meta.url)));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  return new Kernels(instance.exports as unknown as KernelExports, relaxed);
}

/** Synchronously instantiates the shipped nerva.wasm (readFileSync + new WebAssembly.Module); null if WebAssembly/SIMD is unavailable. Cached. */
export function loadWasmKernels(options: LoadOptions = {}): WasmKernels | null {
  if (options.baselineOnly) return loadUncached(false);
  if (cached === undefined) cached = loadUncached(true);
  return cached;
}

function loadUncached(allowRelaxed: boolean): WasmKernels | null {
  if (typeof WebAssembly !== 'object' || !validates(SIMD_PROBE)) return null;
  const relaxedFile = new URL('./nerva-relaxed.wasm', import.meta.url);
  if (allowRelaxed && validates(RELAXED_PROBE) && existsSync(fileURLToPath(relaxedFile))) {
    return instantiate('./nerva-relaxed.wasm', true);
  }
  return instantiate('./nerva.wasm', false);
}
