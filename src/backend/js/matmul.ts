// Reference matrix product. Operands are first copied into float64 scratch in plain [m,k] x [k,n]
// layout (a transposed operand is transposed during that copy, for free). That keeps the inner
// loop monomorphic (one array type, so V8 optimises it), accumulates in double precision, and
// leaves one kernel to make fast: 4 rows of A at a time, so each load of B feeds 4 multiply-adds.

import type { TensorData } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';

/** Copies the [rows, cols] matrix at `off` (stored transposed if `t`) into dst as row-major [rows, cols]. */
function load(src: TypedArray, off: number, rows: number, cols: number, t: boolean, dst: Float64Array): void {
  if (!t) {
    for (let i = 0; i < rows * cols; i++) dst[i] = src[off + i];
    return;
  }
  // Stored as [cols, rows].
  for (let c = 0; c < cols; c++) {
    const s = off + c * rows;
    for (let r = 0; r < rows; r++) dst[r * cols + c] = src[s + r];
  }
}

/** C[m,n] = A[m,k] B[k,n]; C is overwritten. */
export function gemm64(A: Float64Array, B: Float64Array, C: Float64Array, m: number, k: number, n: number): void {
  C.fill(0, 0, m * n);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    for (let p = 0; p < k; p++) {
      const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
      const bp = p * n;
      for (let j = 0; j < n; j++) {
        const b = B[bp + j];
        C[c0 + j] += x0 * b;
        C[c1 + j] += x1 * b;
        C[c2 + j] += x2 * b;
        C[c3 + j] += x3 * b;
      }
    }
  }
  for (; i < m; i++) {
    const c0 = i * n;
    for (let p = 0; p < k; p++) {
      const x = A[i * k + p];
      const bp = p * n;
      for (let j = 0; j < n; j++) C[c0 + j] += x * B[bp + j];
    }
  }
}

/** [m, k, n] of op(a) x op(b) over the last two dims (shapes checked by the op). */
export function matMulDims(a: TensorData, b: TensorData, tA: boolean, tB: boolean): [number, number, number] {
  const ra = a.shape.length;
  const rb = b.shape.length;
  return [tA ? a.shape[ra - 1] : a.shape[ra - 2], tA ? a.shape[ra - 2] : a.shape[ra - 1], tB ? b.shape[rb - 2] : b.shape[rb - 1]];
}

export function matMul(a: TensorData, b: TensorData, tA: boolean, tB: boolean, out: TensorData): void {
  const [m, k, n] = matMulDims(a, b, tA, tB);
  const o = out.values;
  o.fill(0);
  const batchShape = out.shape.slice(0, -2);
  const batches = sizeOf(batchShape);
  if (batches === 0 || m === 0 || n === 0) return;
  const sa = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const sb = broadcastStrides(b.shape.slice(0, -2), batchShape);
  const A = new Float64Array(m * k);
  const B = new Float64Array(k * n);
  const C = new Float64Array(m * n);
  const idx = new Array<number>(batchShape.length).fill(0);
  let lastA = -1, lastB = -1;
  for (let t = 0; t < batches; t++) {
    let offA = 0, offB = 0;
    for (let d = 0; d < idx.length; d++) {
      offA += idx[d] * sa[d];
      offB += idx[d] * sb[d];
    }
    // A broadcast operand is loaded once, not once per batch entry.
    if (offA !== lastA) load(a.values, offA * m * k, m, k, tA, A);
    if (offB !== lastB) load(b.values, offB * k * n, k, n, tB, B);
    lastA = offA;
    lastB = offB;
    gemm64(A, B, C, m, k, n);
    const base = t * m * n;
    for (let i = 0; i < m * n; i++) o[base + i] = C[i];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < batchShape[d]) break;
      idx[d] = 0;
    }
  }
}
