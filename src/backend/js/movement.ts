// Reference data-movement kernels: transpose, slice, pad, concat, gather / scatterAdd, oneHot.

import type { TensorData } from '../backend.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';

export function transpose(x: TensorData, perm: readonly number[], out: TensorData): void {
  const a = x.values;
  const o = out.values;
  const rank = perm.length;
  if (o.length === 0) return;
  const inStrides = stridesOf(x.shape);
  const outShape = out.shape;
  // Stride in the input of a step along each output dimension.
  const step = perm.map((p) => inStrides[p]);
  if (rank === 2) {
    const [r, c] = outShape;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) o[i * c + j] = a[i * step[0] + j * step[1]];
    return;
  }
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < o.length; i++) {
    o[i] = a[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += step[d];
      if (idx[d] < outShape[d]) break;
      src -= step[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/** Copies a box: for every row (last dim) of `shape`, from src at srcOff to dst at dstOff. */
function copyBox(
  src: TensorData['values'], srcShape: readonly number[], srcBegin: readonly number[],
  dst: TensorData['values'], dstShape: readonly number[], dstBegin: readonly number[],
  shape: readonly number[],
): void {
  const rank = shape.length;
  if (sizeOf(shape) === 0) return;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const ss = stridesOf(srcShape);
  const ds = stridesOf(dstShape);
  let s0 = 0, d0 = 0;
  for (let d = 0; d < rank; d++) {
    s0 += srcBegin[d] * ss[d];
    d0 += dstBegin[d] * ds[d];
  }
  // Trailing dims the box spans whole in both arrays are one contiguous run (a batch of rows sliced
  // off axis 0 is a single run); a long run is copied natively.
  let k = rank - 1;
  while (k > 0 && shape[k] === srcShape[k] && shape[k] === dstShape[k]) k--;
  const inner = sizeOf(shape.slice(k));
  const rows = sizeOf(shape) / inner;
  const native = inner >= 16 && src.constructor === dst.constructor;
  const idx = new Array<number>(k).fill(0);
  let s = s0, dd = d0;
  for (let r = 0; r < rows; r++) {
    if (native) dst.set(src.subarray(s, s + inner), dd);
    else for (let i = 0; i < inner; i++) dst[dd + i] = src[s + i];
    for (let d = k - 1; d >= 0; d--) {
      idx[d]++;
      s += ss[d];
      dd += ds[d];
      if (idx[d] < shape[d]) break;
      s -= ss[d] * shape[d];
      dd -= ds[d] * shape[d];
      idx[d] = 0;
    }
  }
}

export function slice(x: TensorData, begin: readonly number[], out: TensorData): void {
  copyBox(x.values, x.shape, begin, out.values, out.shape, begin.map(() => 0), out.shape);
}

export function pad(x: TensorData, before: readonly number[], value: number, out: TensorData): void {
  out.values.fill(value);
  copyBox(x.values, x.shape, before.map(() => 0), out.values, out.shape, before, x.shape);
}

export function concat(xs: readonly TensorData[], axis: number, out: TensorData): void {
  let offset = 0;
  for (const x of xs) {
    const begin = out.shape.map((_, d) => (d === axis ? offset : 0));
    copyBox(x.values, x.shape, x.shape.map(() => 0), out.values, out.shape, begin, x.shape);
    offset += x.shape[axis];
  }
}

/** Views x as [outer, len, inner]; shared by gather and scatterAdd. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return [outer, shape[axis], inner];
}

export function gather(x: TensorData, indices: TensorData, axis: number, out: TensorData): void {
  const [outer, len, inner] = around(x.shape, axis);
  const a = x.values;
  const ix = indices.values;
  const o = out.values;
  const nIdx = ix.length;
  // Whole rows (a shuffled batch of images) copy natively: the element loop below is megamorphic
  // over typed-array kinds and costs ~4 ns an element, a native copy a fraction of that.
  const rowCopy = inner >= 16 && a.constructor === o.constructor;
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < nIdx; j++) {
      const src = (p * len + ix[j]) * inner;
      const dst = (p * nIdx + j) * inner;
      if (rowCopy) o.set(a.subarray(src, src + inner), dst);
      else for (let i = 0; i < inner; i++) o[dst + i] = a[src + i];
    }
  }
}

export function scatterAdd(updates: TensorData, indices: TensorData, axis: number, out: TensorData): void {
  const [outer, len, inner] = around(out.shape, axis);
  const u = updates.values;
  const ix = indices.values;
  const o = out.values;
  const nIdx = ix.length;
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < nIdx; j++) {
      const dst = (p * len + ix[j]) * inner;
      const src = (p * nIdx + j) * inner;
      for (let i = 0; i < inner; i++) o[dst + i] += u[src + i];
    }
  }
}

export function oneHot(indices: TensorData, depth: number, onValue: number, offValue: number, out: TensorData): void {
  const ix = indices.values;
  const o = out.values;
  o.fill(offValue);
  // Out-of-range indices give an all-off row, as tf.oneHot does.
  for (let i = 0; i < ix.length; i++) {
    const k = ix[i];
    if (k >= 0 && k < depth) o[i * depth + k] = onValue;
  }
}
