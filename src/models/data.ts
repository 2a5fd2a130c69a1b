// Turning fit/evaluate/predict arguments into checked tensors, and slicing batches out of them.

import { Tensor, type TensorLike } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { toTensor } from '../ops/convert.js';
import { allocate, isFloat } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import { scratch } from '../backend/arena.js';
import { ArgumentError, fmtShape } from '../errors.js';
import { describeValue } from '../options.js';

/** Any accepted input: a tensor, nested arrays, typed arrays. */
export type DataLike = TensorLike;

// Tensors are immutable, so one that passed the finite check never needs it again: fit() per epoch
// on 60k images would otherwise rescan 47M values each call. (Variable values change in place, but
// they are never training data.)
const checkedFinite = new WeakSet<Tensor>();

/** Converts and checks data: a batch dim, no NaN/Infinity (naming the first bad value's index). */
export function toData(who: string, what: string, x: DataLike): Tensor {
  if (x === undefined || x === null) throw new ArgumentError(`${who}: ${what} is missing`);
  const t = toTensor(x, who);
  if (t.rank === 0) throw new ArgumentError(`${who}: ${what} must have a batch dimension, got a scalar`);
  if (t.shape[0] === 0) throw new ArgumentError(`${who}: ${what} is empty (shape ${fmtShape(t.shape)})`);
  if (isFloat(t.dtype) && !checkedFinite.has(t)) {
    const v = t.values;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        const idx: number[] = [];
        let r = i;
        for (let d = t.rank - 1; d >= 0; d--) {
          idx.unshift(r % t.shape[d]);
          r = Math.floor(r / t.shape[d]);
        }
        const given = givenAt(x, idx, i);
        // A finite number that became Infinity was too large for float32 (TF.js stores data as float32 too).
        const overflow = Number.isFinite(given) && !Number.isFinite(v[i])
          ? ', which does not fit in float32 (largest about 3.4e38); scale the data down'
          : '';
        throw new ArgumentError(`${who}: ${what} contains ${overflow ? given : v[i]} at index [${idx.join(', ')}]${overflow}`);
      }
    }
    checkedFinite.add(t);
  }
  return t;
}

/** The user's own value at a multi-index (or flat index), before conversion to float32; NaN when unknown. */
function givenAt(x: DataLike, idx: number[], flat: number): number {
  if (x instanceof Tensor) return NaN;
  if (ArrayBuffer.isView(x)) return Number((x as unknown as ArrayLike<number>)[flat]);
  let cur: unknown = x;
  for (const i of idx) {
    if (!Array.isArray(cur)) return typeof cur === 'number' ? cur : NaN;
    cur = cur[i];
  }
  return typeof cur === 'number' ? cur : NaN;
}

export function checkBatchSize(who: string, batchSize: unknown): number {
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0) {
    throw new ArgumentError(`${who}: batchSize must be a positive integer, got ${describeValue(batchSize)}`);
  }
  return batchSize;
}

/**
 * Rows [start, start+size) along axis 0: a view sharing t's storage, not a copy. Tensors are
 * immutable, so the view is safe, and batching 10k images for predict() no longer copies 31 MB
 * into fresh memory. (Autograd does not need a slice node: batches of data take no gradient.)
 */
export function rows(t: Tensor, start: number, size: number): Tensor {
  const row = sizeOf(t.shape.slice(1));
  return new Tensor(t.values.subarray(start * row, (start + size) * row), [size, ...t.shape.slice(1)], t.dtype);
}

/**
 * Rows at `indices` along axis 0 (a shuffled batch). With `inStep`, the batch is scratch storage of
 * the training step (wasm memory, read by the kernels in place), given back when the step ends:
 * only for a batch nothing keeps beyond the step. The indices are trusted (a permutation).
 */
export function takeRows(t: Tensor, indices: Int32Array, inStep = false): Tensor {
  const row = sizeOf(t.shape.slice(1));
  const shape = [indices.length, ...t.shape.slice(1)];
  const out = inStep ? scratch(t.dtype, sizeOf(shape)) : allocate(t.dtype, sizeOf(shape));
  const src = t.values;
  // Whole rows at a time (a native copy each): the element-wise gather kernel took 7% of an MNIST
  // training step. Batches of data take no gradient, so no autograd node is needed.
  if (row >= 16) {
    for (let i = 0; i < indices.length; i++) out.set(src.subarray(indices[i] * row, (indices[i] + 1) * row), i * row);
  } else {
    for (let i = 0; i < indices.length; i++) for (let j = 0; j < row; j++) out[i * row + j] = src[indices[i] * row + j];
  }
  return new Tensor(out, shape, t.dtype);
}

/** Features are computed in float32: integer images (uint8 MNIST) are converted per batch. */
export function asFloat(t: Tensor): Tensor {
  return isFloat(t.dtype) ? t : ops.cast(t, 'float32');
}
