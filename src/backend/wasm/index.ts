// The wasm backend: the primitives where time goes in training and inference (matMul, Dense forward
// and backward, softmax, convolution, pooling and batch normalization (./conv.ts), the SGD and Adam
// updates) run in the shipped WebAssembly SIMD kernels; every other primitive is left to the JS
// reference by the dispatcher in ../index.ts. Each accelerated primitive is one entry through
// `accelerated` (float32 check, JS fallback, debug report). Weights and optimizer slots are
// allocated in wasm memory (allocatePersistent), so the kernels read them in place instead of
// copying them in on every call.

import type { Backend, TensorData } from '../backend.js';
import type { PartialBackend } from '../index.js';
import { allocate, type DType, type TypedArray } from '../../tensor/dtype.js';
import { denseBackwardWith } from '../js/nn.js';
import { matMulDims } from '../js/matmul.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import { loadWasmKernels, type WasmKernels } from './kernels.js';
import { accelerated } from './adapter.js';
import { threadedDenseForward, threadedMatMul, wouldThread } from './threads.js';
import { convPrimitives } from './conv.js';

function makeBackend(k: WasmKernels): PartialBackend {
  const matMul = accelerated('matMul', (a, b, tA, tB, out) => {
    const [m, kk, n] = matMulDims(a, b, tA, tB);
    const [av, bv, o] = [a.values, b.values, out.values] as Float32Array[];
    const batchShape = out.shape.slice(0, -2);
    const batches = sizeOf(batchShape);
    if (batches === 1 && a.shape.length === 2 && b.shape.length === 2) {
      // Large products split across worker threads; small ones (every batch-32 Dense) stay here.
      if (!threadedMatMul(av, bv, m, kk, n, tA, tB, o)) k.matMul(av, bv, m, kk, n, tA, tB, o);
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
      const at = av.subarray(offA * m * kk, (offA + 1) * m * kk);
      const bt = bv.subarray(offB * kk * n, (offB + 1) * kk * n);
      const ot = o.subarray(t * m * n, (t + 1) * m * n);
      if (!threadedMatMul(at, bt, m, kk, n, tA, tB, ot)) k.matMul(at, bt, m, kk, n, tA, tB, ot);
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < batchShape[d]) break;
        idx[d] = 0;
      }
    }
  });

  return {
    name: 'wasm',
    ...convPrimitives(k),
    matMul,
    denseForward: accelerated('denseForward', (x, w, bias, activation, out) => {
      if (x.shape.length !== 2) return false;
      const [m, kk] = x.shape;
      const n = w.shape[1];
      const [xv, wv, o] = [x.values, w.values, out.values] as Float32Array[];
      const bv = bias ? (bias.values as Float32Array) : null;
      if (!threadedDenseForward(xv, wv, bv, m, kk, n, activation, o)) k.denseForward(xv, wv, bv, m, kk, n, activation, o);
    }),
    denseBackward: accelerated('denseBackward', (x, w, y, dy, activation, dx, dw, db) => {
      const [m, kk] = x.shape;
      const n = w.shape[1];
      // Products big enough for the thread pool go through matMul (which splits them) instead.
      if (x.shape.length !== 2 || wouldThread(kk, m, n) || wouldThread(m, n, kk)) {
        denseBackwardWith(matMul, x, w, y, dy, activation, dx, dw, db);
        return;
      }
      const f32 = (t: TensorData | null): Float32Array | null => (t ? (t.values as Float32Array) : null);
      const [xv, wv, yv, dyv] = [x, w, y, dy].map((t) => t.values as Float32Array);
      k.denseBackward(xv, wv, yv, dyv, m, kk, n, activation, { dx: f32(dx), dw: f32(dw), db: f32(db) });
    }),
    softmax: accelerated('softmax', (x, out) => {
      if (x.shape.length === 0) return false;
      const cols = x.shape[x.shape.length - 1];
      k.softmax(x.values as Float32Array, cols === 0 ? 0 : x.values.length / cols, cols, out.values as Float32Array);
    }),
    allocatePersistent(dtype: DType, n: number): TypedArray {
      return (dtype === 'float32' ? k.resident(n) : null) ?? allocate(dtype, n);
    },
    allocateScratch(dtype: DType, n: number): TypedArray {
      return (dtype === 'float32' ? k.heap.scratch(n) : null) ?? allocate(dtype, n);
    },
    releaseScratch(arr: TypedArray): void {
      if (arr instanceof Float32Array) k.heap.releaseScratch(arr);
    },
    sgdUpdate: accelerated('sgdUpdate', (w, g, m, p) => {
      k.sgdUpdate(w as Float32Array, g as Float32Array, m as Float32Array | null, p.lr, p.momentum, p.nesterov);
    }),
    adamUpdate: accelerated('adamUpdate', (w, g, m, v, p) => {
      const lrT = (p.lr * Math.sqrt(1 - Math.pow(p.beta2, p.step))) / (1 - Math.pow(p.beta1, p.step));
      k.adamUpdate(w as Float32Array, g as Float32Array, m as Float32Array, v as Float32Array, lrT, p.beta1, p.beta2, p.epsilon);
    }),
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
