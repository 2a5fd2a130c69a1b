// The typed API over the shipped WebAssembly SIMD kernels (built from ./assembly by
// scripts/build-wasm.mjs), for plain Float32Arrays and for resident ones (see ./heap.ts).
//
// An argument that already lives in wasm memory (a Variable's storage, an optimizer slot) is passed
// by address; any other is copied into a temporary block for the call, and a non-resident output is
// copied out. The temporary blocks are freed before the call returns, so nothing leaks across calls
// and memory only grows to the largest call seen plus the resident storage.
import { ShapeError } from '../../errors.js';
import { createHeap, type HeapOptions, type WasmHeap } from './heap.js';

/** Gradients that denseBackward should produce; null entries are skipped. */
export interface DenseGrads {
  dx: Float32Array | null;
  dw: Float32Array | null;
  db: Float32Array | null;
}

/** @internal Throws a ShapeError naming the op and the expected shape when an array has the wrong size. */
export function checkLength(who: string, name: string, arr: Float32Array, want: number, shape: string): void {
  if (arr.length !== want) {
    throw new ShapeError(`${who}: expected ${name} of ${want} elements (${shape}), got ${arr.length}`);
  }
}

/**
 * The optimizer kernels' float32 exponent mask 0x7f800000, passed as a float: it is +Infinity's bit
 * pattern. (As an argument rather than a constant in the kernel, V8 keeps it in a register.)
 */
const EXPONENT_BITS = Infinity;

/** m at or below which a product without transposes skips packing (matMulSmallM). */
const SMALL_M = 4;

/** @internal One call's view of memory: inputs by address or copied in, outputs copied out at the end. */
export class Call {
  private readonly temps: number[] = [];
  private readonly outs: { arr: Float32Array; off: number }[] = [];
  private readonly ranges: { start: number; end: number }[] = [];

  constructor(private readonly heap: WasmHeap) {}

  /** Address of an input: where it lives, or a copy. */
  in(arr: Float32Array): number {
    const at = this.heap.offsetOf(arr);
    if (at >= 0) {
      this.ranges.push({ start: at, end: at + arr.byteLength });
      return at;
    }
    const off = this.temp(arr.length);
    this.heap.f32().set(arr, off >> 2);
    return off;
  }

  /**
   * Address for an output: where it lives (unless that overlaps an input, as for `out` aliasing
   * `a`: the kernels read inputs while they write), or a temporary block copied out by finish().
   */
  out(arr: Float32Array): number {
    const at = this.heap.offsetOf(arr);
    if (at >= 0 && !this.ranges.some((r) => r.start < at + arr.byteLength && at < r.end)) return at;
    const off = this.temp(arr.length);
    this.outs.push({ arr, off });
    return off;
  }

  /** Marks the block at `off` (already holding arr's copy) to be copied back into arr by finish(). */
  outAt(arr: Float32Array, off: number): void {
    this.outs.push({ arr, off });
  }

  temp(n: number): number {
    const off = this.heap.malloc(n * 4);
    this.temps.push(off);
    return off;
  }

  /** Copies outputs out and frees the temporary blocks. */
  finish(ok: boolean): void {
    if (ok) {
      const f32 = this.heap.f32();
      for (const { arr, off } of this.outs) arr.set(f32.subarray(off >> 2, (off >> 2) + arr.length));
    }
    for (const off of this.temps) this.heap.release(off);
  }
}

/**
 * @internal Runs body with a fresh Call on `heap`: inputs by address or copied in, outputs copied
 * out only when body returns; temporary blocks are freed either way (a full heap throws
 * HeapFullError, which the adapter's `accelerated` turns into the JS kernel).
 */
export function withCall(heap: WasmHeap, body: (c: Call) => void): void {
  const c = new Call(heap);
  let ok = false;
  try {
    body(c);
    ok = true;
  } finally {
    c.finish(ok);
  }
}

/**
 * The fast float32 kernels on one heap. All arrays are row-major and must have exactly the stated sizes
 * (ShapeError otherwise); inputs are never modified unless stated, and `out` may alias an input.
 */
export class WasmKernels {
  /** True: the kernels use 128-bit WebAssembly SIMD (always, when loaded at all). */
  readonly simd = true;
  /** True when the relaxed-SIMD build (fused multiply-add) was loaded. */
  readonly relaxedSimd: boolean;

  constructor(
    /** The instance and memory the kernels run on (the thread pool shares them). */
    readonly heap: WasmHeap,
  ) {
    this.relaxedSimd = heap.relaxed;
  }

  /**
   * A zeroed Float32Array of n elements in wasm memory, which kernels read without copying; freed
   * when garbage-collected. null where memory cannot be shared (then use a plain array).
   */
  resident(n: number): Float32Array | null {
    return this.heap.resident(n);
  }

  /**
   * c = op(a) x op(b) at addresses; picks the unpacked kernel for small untransposed products, and
   * for other untransposed ones the kernel that skips the columns of a that are zero in every row.
   */
  private product(c: Call, a: number, b: number, out: number, m: number, k: number, n: number, tA: boolean, tB: boolean): void {
    const ex = this.heap.ex;
    if (m <= SMALL_M && !tA && !tB) {
      ex.matMulSmallM(a, b, out, m, k, n);
      return;
    }
    const work = c.temp(Math.ceil(ex.matMulWorkspaceBytes(m, k, n) / 4));
    if (!tA && !tB) ex.matMulSparseA(a, b, out, m, k, n, work);
    else ex.matMul(a, b, out, m, k, n, tA, tB, work);
  }

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
  ): Float32Array {
    const result = out ?? new Float32Array(m * n);
    checkLength('matMul', 'a', a, m * k, transA ? `[${k}, ${m}]` : `[${m}, ${k}]`);
    checkLength('matMul', 'b', b, k * n, transB ? `[${n}, ${k}]` : `[${k}, ${n}]`);
    checkLength('matMul', 'out', result, m * n, `[${m}, ${n}]`);
    if (m === 0 || n === 0) return result;
    withCall(this.heap, (c) => {
      const pa = c.in(a);
      const pb = c.in(b);
      this.product(c, pa, pb, c.out(result), m, k, n, transA, transB);
    });
    return result;
  }

  /** Dense forward fused: out = act(x[m,k] x w[k,n] + bias[n]); act 'linear' | 'relu'. */
  denseForward(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    m: number,
    k: number,
    n: number,
    act: 'linear' | 'relu',
    out?: Float32Array,
  ): Float32Array {
    const result = out ?? new Float32Array(m * n);
    checkLength('denseForward', 'x', x, m * k, `[${m}, ${k}]`);
    checkLength('denseForward', 'w', w, k * n, `[${k}, ${n}]`);
    if (bias) checkLength('denseForward', 'bias', bias, n, `[${n}]`);
    checkLength('denseForward', 'out', result, m * n, `[${m}, ${n}]`);
    if (m === 0 || n === 0) return result;
    withCall(this.heap, (c) => {
      const px = c.in(x);
      const pw = c.in(w);
      const pb = bias ? c.in(bias) : 0;
      const po = c.out(result);
      this.product(c, px, pw, po, m, k, n, false, false);
      this.heap.ex.biasAct(po, pb, m, n, act === 'relu');
    });
    return result;
  }

  /**
   * Dense backward fused, given the forward's x [m,k], w [k,n], output y [m,n] and upstream dy [m,n]:
   * dz = relu ? dy * (y > 0) : dy;  dx = dz w^T [m,k];  dw = x^T dz [k,n];  db = column sums of dz [n].
   */
  denseBackward(
    x: Float32Array,
    w: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    m: number,
    k: number,
    n: number,
    act: 'linear' | 'relu',
    grads: DenseGrads,
  ): void {
    checkLength('denseBackward', 'x', x, m * k, `[${m}, ${k}]`);
    checkLength('denseBackward', 'w', w, k * n, `[${k}, ${n}]`);
    checkLength('denseBackward', 'y', y, m * n, `[${m}, ${n}]`);
    checkLength('denseBackward', 'dy', dy, m * n, `[${m}, ${n}]`);
    if (grads.dx) checkLength('denseBackward', 'dx', grads.dx, m * k, `[${m}, ${k}]`);
    if (grads.dw) checkLength('denseBackward', 'dw', grads.dw, k * n, `[${k}, ${n}]`);
    if (grads.db) checkLength('denseBackward', 'db', grads.db, n, `[${n}]`);
    withCall(this.heap, (c) => {
      const ex = this.heap.ex;
      let dz = c.in(dy);
      if (act === 'relu' && m * n > 0) {
        const py = c.in(y);
        const masked = c.temp(m * n);
        ex.reluMask(dz, py, masked, m * n);
        dz = masked;
      }
      // Zero-size products still define their outputs (zeros), as the JS reference does.
      if (grads.dw) {
        const px = c.in(x);
        const pdw = c.out(grads.dw);
        if (m === 0) this.heap.f32().fill(0, pdw >> 2, (pdw >> 2) + k * n);
        else if (k * n > 0) this.product(c, px, dz, pdw, k, m, n, true, false);
      }
      if (grads.dx) {
        const pw = c.in(w);
        const pdx = c.out(grads.dx);
        if (n === 0) this.heap.f32().fill(0, pdx >> 2, (pdx >> 2) + m * k);
        else if (m * k > 0) this.product(c, dz, pw, pdx, m, n, k, false, true);
      }
      if (grads.db) ex.columnSums(dz, c.out(grads.db), m, n);
    });
  }

  /**
   * Softmax over each row of x [rows, cols]: e = exp(x - rowMax), out = e / sum(e), with a float32
   * exp (outputs within ~3e-7 of the JS reference, which computes in float64); a NaN or +Infinity
   * in a row makes the row NaN, as there.
   */
  softmax(x: Float32Array, rows: number, cols: number, out?: Float32Array): Float32Array {
    const result = out ?? new Float32Array(rows * cols);
    checkLength('softmax', 'x', x, rows * cols, `[${rows}, ${cols}]`);
    checkLength('softmax', 'out', result, rows * cols, `[${rows}, ${cols}]`);
    if (rows * cols === 0) return result;
    withCall(this.heap, (c) => {
      const px = c.in(x);
      this.heap.ex.softmaxRows(px, c.out(result), rows, cols);
    });
    return result;
  }

  /**
   * Fused Adam update in place over one weight and its slots m, v (all the same length):
   *   m += (g - m) * (1 - beta1)
   *   v += (g*g - v) * (1 - beta2)
   *   w -= m * lrT / (sqrt(v) + epsHat)
   * This is Keras 3's Adam.update_step (keras/src/optimizers/adam.py) with
   * lrT = lr * sqrt(1 - beta2^t) / (1 - beta1^t). Note that Keras 3 adds its `epsilon` unscaled
   * (it is the paper's "epsilon hat"), so for Keras 3 parity pass epsHat = epsilon;
   * passing epsilon * sqrt(1 - beta2^t) instead gives the paper's Algorithm 1 exactly.
   * Computed in float32, in the same operation order as Keras; m and v below the normal float32
   * range (subnormals) are read as zero, as TensorFlow's CPU kernels do (see the kernel).
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
  ): void {
    const len = w.length;
    if (g.length !== len || m.length !== len || v.length !== len) {
      throw new ShapeError(
        `adamUpdate: expected w, g, m, v of one length, got ${len}, ${g.length}, ${m.length}, ${v.length}`,
      );
    }
    if (len === 0) return;
    withCall(this.heap, (c) => {
      // In place: each of w, m, v is read and written by the kernel.
      const pg = c.in(g);
      this.heap.ex.adamUpdate(this.inOut(c, w), pg, this.inOut(c, m), this.inOut(c, v), len, lrT, beta1, beta2, epsHat, EXPONENT_BITS);
    });
  }

  /**
   * Keras 3 SGD step in place over w (and its momentum buffer m, null for plain SGD):
   *   w -= g*lr;  or  m = m*momentum - g*lr;  w += nesterov ? m*momentum - g*lr : m
   * (a subnormal m read as zero, as in adamUpdate).
   */
  sgdUpdate(w: Float32Array, g: Float32Array, m: Float32Array | null, lr: number, momentum: number, nesterov: boolean): void {
    const len = w.length;
    if (g.length !== len || (m && m.length !== len)) {
      throw new ShapeError(`sgdUpdate: expected w, g${m ? ', m' : ''} of one length, got ${len}, ${g.length}${m ? `, ${m.length}` : ''}`);
    }
    if (len === 0) return;
    withCall(this.heap, (c) => {
      const pg = c.in(g);
      const pw = this.inOut(c, w);
      this.heap.ex.sgdUpdate(pw, pg, m ? this.inOut(c, m) : 0, len, lr, momentum, nesterov, EXPONENT_BITS);
    });
  }

  /** Address of an array the kernel updates in place: where it lives, or a copy copied back. */
  private inOut(c: Call, arr: Float32Array): number {
    const at = this.heap.offsetOf(arr);
    if (at >= 0) return at;
    const off = c.in(arr);
    c.outAt(arr, off);
    return off;
  }
}

/** @internal Kernels on a given heap (tests use small or plain heaps). */
export function kernelsOn(heap: WasmHeap): WasmKernels {
  return new WasmKernels(heap);
}

const cached = new Map<string, WasmKernels | null>();

/** Options for tests and benchmarks; the library itself calls loadWasmKernels() with none. */
export type LoadOptions = HeapOptions;

/**
 * The kernels on the best build this engine runs (relaxed SIMD where it validates; shared memory,
 * hence resident storage and threads, where available); null without WebAssembly SIMD. Cached per
 * options, so every caller with the same options shares one instance and one memory.
 */
export function loadWasmKernels(options: LoadOptions = {}): WasmKernels | null {
  const key = `${options.baselineOnly ? 'b' : 'r'}${options.unshared ? 'u' : 's'}`;
  if (!cached.has(key)) {
    const heap = createHeap(options);
    cached.set(key, heap ? new WasmKernels(heap) : null);
  }
  return cached.get(key)!;
}
