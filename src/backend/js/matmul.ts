// Reference matrix product. Loop orders are chosen so the innermost loop always walks contiguous
// memory (i-p-j for the plain and transposed-A cases, row dot products for transposed B).

import type { TensorData } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';

/** C[m,n] = op(A) op(B) for one matrix pair at the given offsets; C must be zero on entry. */
export function gemm(
  A: TypedArray, aOff: number, B: TypedArray, bOff: number, C: TypedArray, cOff: number,
  m: number, k: number, n: number, tA: boolean, tB: boolean,
): void {
  if (!tB) {
    for (let i = 0; i < m; i++) {
      const cRow = cOff + i * n;
      for (let p = 0; p < k; p++) {
        const av = tA ? A[aOff + p * m + i] : A[aOff + i * k + p];
        const bRow = bOff + p * n;
        for (let j = 0; j < n; j++) C[cRow + j] += av * B[bRow + j];
      }
    }
    return;
  }
  if (!tA) {
    for (let i = 0; i < m; i++) {
      const aRow = aOff + i * k;
      for (let j = 0; j < n; j++) {
        const bRow = bOff + j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += A[aRow + p] * B[bRow + p];
        C[cOff + i * n + j] = s;
      }
    }
    return;
  }
  // Both transposed: rare; go through an explicit transpose of B.
  const Bt = new Float64Array(k * n);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) Bt[p * n + j] = B[bOff + j * k + p];
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = A[aOff + p * m + i];
      for (let j = 0; j < n; j++) C[cOff + i * n + j] += av * Bt[p * n + j];
    }
  }
}

export function matMul(a: TensorData, b: TensorData, tA: boolean, tB: boolean, out: TensorData): void {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  const o = out.values;
  o.fill(0);
  const batchShape = out.shape.slice(0, -2);
  const batches = sizeOf(batchShape);
  if (batches === 0 || m === 0 || n === 0) return;
  const sa = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const sb = broadcastStrides(b.shape.slice(0, -2), batchShape);
  const idx = new Array<number>(batchShape.length).fill(0);
  for (let t = 0; t < batches; t++) {
    let offA = 0, offB = 0;
    for (let d = 0; d < idx.length; d++) {
      offA += idx[d] * sa[d];
      offB += idx[d] * sb[d];
    }
    gemm(a.values, offA * m * k, b.values, offB * k * n, o, t * m * n, m, k, n, tA, tB);
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < batchShape[d]) break;
      idx[d] = 0;
    }
  }
}
