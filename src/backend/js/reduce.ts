// Reference reductions, arg-reductions and softmax kernels.

import type { ReduceOp, TensorData } from '../backend.js';
import { stridesOf } from '../../tensor/shape.js';

const INIT: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

function combine(op: ReduceOp): (acc: number, v: number) => number {
  switch (op) {
    case 'sum':
      return (acc, v) => acc + v;
    case 'prod':
      return (acc, v) => acc * v;
    // NaN propagates through max/min (Math.max/min do that), as in NumPy.
    case 'max':
      return Math.max;
    case 'min':
      return Math.min;
  }
}

/**
 * Reduction over sorted `axes`. The input is viewed as [outer, reduced..., inner] blocks when the
 * reduced axes are contiguous (the common case: last axis, or axis 0 for bias gradients); any other
 * pattern takes the general strided walk.
 */
export function reduce(op: ReduceOp, x: TensorData, axes: readonly number[], out: TensorData): void {
  const shape = x.shape;
  const a = x.values;
  const o = out.values;
  const f = combine(op);
  const init = INIT[op];
  o.fill(init);
  if (a.length === 0) return;
  const contiguous = axes.every((ax, i) => i === 0 || ax === axes[i - 1] + 1);
  if (contiguous && axes.length > 0) {
    const first = axes[0];
    const last = axes[axes.length - 1];
    let outer = 1, red = 1, inner = 1;
    for (let d = 0; d < shape.length; d++) {
      if (d < first) outer *= shape[d];
      else if (d <= last) red *= shape[d];
      else inner *= shape[d];
    }
    // Sums accumulate in a float64 local, which keeps float32 means of 60,000 values accurate.
    for (let p = 0; p < outer; p++) {
      const base = p * red * inner;
      if (inner === 1) {
        let acc = init;
        for (let r = 0; r < red; r++) acc = f(acc, a[base + r]);
        o[p] = acc;
      } else {
        const ob = p * inner;
        const acc = new Float64Array(inner).fill(init);
        for (let r = 0; r < red; r++) {
          const rb = base + r * inner;
          for (let i = 0; i < inner; i++) acc[i] = f(acc[i], a[rb + i]);
        }
        for (let i = 0; i < inner; i++) o[ob + i] = acc[i];
      }
    }
    return;
  }
  // General case: map every input element to its output slot.
  const rank = shape.length;
  const reduced = new Set(axes);
  const outStridesFull = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (!reduced.has(d)) {
      outStridesFull[d] = acc;
      acc *= shape[d];
    }
  }
  const accum = new Float64Array(o.length).fill(init);
  const idx = new Array<number>(rank).fill(0);
  let outPos = 0;
  for (let i = 0; i < a.length; i++) {
    accum[outPos] = f(accum[outPos], a[i]);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      outPos += outStridesFull[d];
      if (idx[d] < shape[d]) break;
      outPos -= outStridesFull[d] * shape[d];
      idx[d] = 0;
    }
  }
  for (let i = 0; i < o.length; i++) o[i] = accum[i];
}

export function argReduce(op: 'argmax' | 'argmin', x: TensorData, axis: number, out: TensorData): void {
  const shape = x.shape;
  const a = x.values;
  const o = out.values;
  let outer = 1, inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const len = shape[axis];
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < inner; i++) {
      const base = p * len * inner + i;
      let best = a[base];
      let bi = 0;
      // NaN is taken as the extreme value, as NumPy's argmax does.
      for (let r = 1; r < len && best === best; r++) {
        const v = a[base + r * inner];
        if (v !== v || better(v, best)) {
          best = v;
          bi = r;
        }
      }
      o[p * inner + i] = bi;
    }
  }
}

/** Largest of a[base..base+len), NaN if any is NaN (so NaN rows stay NaN through softmax). */
export function rowMax(a: ArrayLike<number>, base: number, len: number): number {
  let m = -Infinity;
  for (let i = 0; i < len; i++) {
    const v = a[base + i];
    if (v > m || v !== v) m = v;
  }
  return m;
}

export function softmax(x: TensorData, out: TensorData): void {
  const a = x.values;
  const o = out.values;
  const last = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1];
  if (last === 0) return;
  for (let base = 0; base < a.length; base += last) {
    const m = rowMax(a, base, last);
    let s = 0;
    for (let i = 0; i < last; i++) {
      const e = Math.exp(a[base + i] - m);
      o[base + i] = e;
      s += e;
    }
    for (let i = 0; i < last; i++) o[base + i] /= s;
  }
}

export function logSoftmax(x: TensorData, out: TensorData): void {
  const a = x.values;
  const o = out.values;
  const last = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1];
  if (last === 0) return;
  for (let base = 0; base < a.length; base += last) {
    const m = rowMax(a, base, last);
    let s = 0;
    for (let i = 0; i < last; i++) s += Math.exp(a[base + i] - m);
    const lse = m + Math.log(s);
    for (let i = 0; i < last; i++) o[base + i] = a[base + i] - lse;
  }
}

export { stridesOf };
