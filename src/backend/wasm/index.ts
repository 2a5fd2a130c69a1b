// The wasm backend: the primitives where time goes in training (matMul, Dense forward and backward,
// convolution, pooling and batch normalization (./conv.ts), the SGD and Adam updates) run in the
// shipped WebAssembly SIMD kernels; every other primitive is left to the JS reference by the
// dispatcher in ../index.ts. Only float32 is accelerated; other dtypes take the JS kernel here.
// Weights and optimizer slots are allocated in wasm memory (allocatePersistent), so the kernels
// read them in place instead of copying them in on every call.

import type { AdamStep, DenseActivation, SgdStep, TensorData } from '../backend.js';
import type { PartialBackend } from '../index.js';
import { allocate, type DType, type TypedArray } from '../../tensor/dtype.js';
import { jsBackend } from '../js/index.js';
import { denseBackwardWith } from '../js/nn.js';
import { matMulDims } from '../js/matmul.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import { loadWasmKernels, type WasmKernels } from './kernels.js';
import { HeapFullError } from './heap.js';
import { threadedDenseForward, threadedMatMul, wouldThread } from './threads.js';
import { convPrimitives } from './conv.js';

/**
 * Runs a wasm kernel, or the JS one when wasm memory cannot grow any further (its 2 GiB maximum):
 * kernels allocate before they write, so a refused allocation leaves the outputs to the JS kernel.
 */
function orJs(fast: () => void, slow: () => void): void {
  try {
    fast();
  } catch (err) {
    if (!(err instanceof HeapFullError)) throw err;
    slow();
  }
}

function makeBackend(k: WasmKernels): PartialBackend {
  function matMul(a: TensorData, b: TensorData, tA: boolean, tB: boolean, out: TensorData): void {
    if (!(a.values instanceof Float32Array && b.values instanceof Float32Array && out.values instanceof Float32Array)) {
      jsBackend.matMul(a, b, tA, tB, out);
      return;
    }
    const [m, kk, n] = matMulDims(a, b, tA, tB);
    const [ra, rb] = [a.shape.length, b.shape.length];
    const o = out.values;
    const batchShape = out.shape.slice(0, -2);
    const batches = sizeOf(batchShape);
    if (batches === 1 && ra === 2 && rb === 2) {
      // Large products split across worker threads; small ones (every batch-32 Dense) stay here.
      const [av, bv] = [a.values, b.values];
      if (!threadedMatMul(av, bv, m, kk, n, tA, tB, o)) orJs(() => k.matMul(av, bv, m, kk, n, tA, tB, o), () => jsBackend.matMul(a, b, tA, tB, out));
      return;
    }
    const sa = broadcastStrides(a.shape.slice(0, -2), batchShape);
    const sb = broadcastStrides(b.shape.slice(0, -2), batchShape);
    const idx = new Array<number>(batchShape.length).fill(0);
    for (let t = 0; t < batches; t++) {
      let offA = 0, offB = 0;
      for (let d = 0; d < idx.length; d++) {
        offA += idx[d] * sa[d];
        offB += idx[d] * sb[d];
      }
      const av = a.values.subarray(offA * m * kk, (offA + 1) * m * kk);
      const bv = b.values.subarray(offB * kk * n, (offB + 1) * kk * n);
      const ov = o.subarray(t * m * n, (t + 1) * m * n);
      if (!threadedMatMul(av, bv, m, kk, n, tA, tB, ov)) {
        orJs(() => k.matMul(av, bv, m, kk, n, tA, tB, ov), () => {
          const sub = (v: Float32Array, shape: number[]): TensorData => ({ values: v, shape, dtype: 'float32' });
          jsBackend.matMul(sub(av, tA ? [kk, m] : [m, kk]), sub(bv, tB ? [n, kk] : [kk, n]), tA, tB, sub(ov, [m, n]));
        });
      }
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < batchShape[d]) break;
        idx[d] = 0;
      }
    }
  }

  return {
    name: 'wasm',
    ...convPrimitives(k),
    matMul,
    denseForward(x: TensorData, w: TensorData, bias: TensorData | null, activation: DenseActivation, out: TensorData): void {
      const f32 = x.values instanceof Float32Array && w.values instanceof Float32Array && out.values instanceof Float32Array;
      if (!f32 || x.shape.length !== 2 || (bias && !(bias.values instanceof Float32Array))) {
        jsBackend.denseForward(x, w, bias, activation, out);
        return;
      }
      const [m, kk] = x.shape;
      const n = w.shape[1];
      const xv = x.values as Float32Array;
      const wv = w.values as Float32Array;
      const bv = bias ? (bias.values as Float32Array) : null;
      const o = out.values as Float32Array;
      if (!threadedDenseForward(xv, wv, bv, m, kk, n, activation, o)) {
        orJs(() => k.denseForward(xv, wv, bv, m, kk, n, activation, o), () => jsBackend.denseForward(x, w, bias, activation, out));
      }
    },
    // Parameter types come from Backend['denseBackward'] (the object is typed as a PartialBackend).
    denseBackward(x, w, y, dy, activation, dx, dw, db): void {
      const f32 = [x, w, y, dy, dx, dw, db].every((t) => t === null || t.values instanceof Float32Array);
      const [m, kk] = x.shape;
      const n = w.shape[1];
      // Products big enough for the thread pool go through matMul (which splits them) instead.
      if (!f32 || x.shape.length !== 2 || wouldThread(kk, m, n) || wouldThread(m, n, kk)) {
        denseBackwardWith(matMul, x, w, y, dy, activation, dx, dw, db);
        return;
      }
      const grads = { dx: dx ? (dx.values as Float32Array) : null, dw: dw ? (dw.values as Float32Array) : null, db: db ? (db.values as Float32Array) : null };
      const [xv, wv, yv, dyv] = [x, w, y, dy].map((t) => t.values as Float32Array);
      orJs(
        () => k.denseBackward(xv, wv, yv, dyv, m, kk, n, activation, grads),
        () => jsBackend.denseBackward(x, w, y, dy, activation, dx, dw, db),
      );
    },
    allocatePersistent(dtype: DType, n: number): TypedArray {
      return (dtype === 'float32' ? k.resident(n) : null) ?? allocate(dtype, n);
    },
    allocateScratch(dtype: DType, n: number): TypedArray {
      return (dtype === 'float32' ? k.heap.resident(n, true) : null) ?? allocate(dtype, n);
    },
    releaseScratch(arr: TypedArray): void {
      if (arr instanceof Float32Array) k.heap.releaseTransient(arr);
    },
    sgdUpdate(w: TypedArray, g: TypedArray, m: TypedArray | null, p: SgdStep): void {
      if (!(w instanceof Float32Array && g instanceof Float32Array && (m === null || m instanceof Float32Array))) {
        jsBackend.sgdUpdate(w, g, m, p);
        return;
      }
      orJs(() => k.sgdUpdate(w, g, m, p.lr, p.momentum, p.nesterov), () => jsBackend.sgdUpdate(w, g, m, p));
    },
    adamUpdate(w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, p: AdamStep): void {
      if (!(w instanceof Float32Array && g instanceof Float32Array && m instanceof Float32Array && v instanceof Float32Array)) {
        jsBackend.adamUpdate(w, g, m, v, p);
        return;
      }
      const lrT = (p.lr * Math.sqrt(1 - Math.pow(p.beta2, p.step))) / (1 - Math.pow(p.beta1, p.step));
      orJs(() => k.adamUpdate(w, g, m, v, lrT, p.beta1, p.beta2, p.epsilon), () => jsBackend.adamUpdate(w, g, m, v, p));
    },
  };
}

let cached: PartialBackend | null | undefined;

/** The wasm backend, or null where WebAssembly SIMD is unavailable. */
export function wasmBackend(): PartialBackend | null {
  if (cached === undefined) {
    const k = loadWasmKernels();
    cached = k ? makeBackend(k) : null;
  }
  return cached;
}
