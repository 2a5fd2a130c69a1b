// Reductions over one, several or all axes (negative axes allowed, keepDims as in NumPy).

import type { Tensor, TensorLike } from '../tensor/tensor.js';
import type { ReduceOp } from '../backend/backend.js';
import { floatResult, isFloat } from '../tensor/dtype.js';
import { normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/engine.js';
import { toTensor } from './convert.js';
import { empty, div } from './elementwise.js';
import { reshape } from './shape-ops.js';
import { ArgumentError, fmtShape } from '../errors.js';

/** Options of the reductions (sum, mean, max, min, prod). */
export interface ReduceOptions {
  /** Keep reduced axes as size 1 (default false). */
  keepDims?: boolean;
}

function reduceOp(op: ReduceOp, x: TensorLike, axis: number | readonly number[] | undefined, opts: ReduceOptions | undefined): Tensor {
  const t = toTensor(x, op);
  const axes = normalizeAxes(op, axis, t.rank);
  if ((op === 'max' || op === 'min') && axes.some((a) => t.shape[a] === 0)) {
    throw new ArgumentError(`${op}: cannot reduce an empty axis (shape ${fmtShape(t.shape)}, axes [${axes.join(', ')}])`);
  }
  const outShape = t.shape.filter((_, i) => !axes.includes(i));
  const dtype = t.dtype === 'bool' || (t.dtype === 'uint8' && (op === 'sum' || op === 'prod')) ? 'int32' : t.dtype;
  const out = empty(outShape, dtype);
  getBackend().reduce(op, t, axes, out);
  const r = record(out, 'reduce', [t], { op, axes });
  return opts?.keepDims ? reshape(r, t.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : r;
}

/**
 * Sum over `axis` (one axis or a list; all axes when omitted); the summed axes go away unless
 * `keepDims`. bool and uint8 sum to int32.
 * @example sum(tensor([[1, 2], [3, 4]]), 0) // [4, 6]
 * @example sum(tensor([[1, 2], [3, 4]]), 1, { keepDims: true }) // [[3], [7]]
 */
export function sum(x: TensorLike, axis?: number | number[], opts?: ReduceOptions): Tensor {
  return reduceOp('sum', x, axis, opts);
}
/** Product over `axis` (all axes when omitted). @example prod(tensor([[1, 2], [3, 4]]), 1) // [2, 12] */
export function prod(x: TensorLike, axis?: number | number[], opts?: ReduceOptions): Tensor {
  return reduceOp('prod', x, axis, opts);
}
/**
 * Largest value over `axis` (all axes when omitted); ArgumentError when an axis is empty. For
 * the maximum of two tensors elementwise, see `maximum`.
 * @example max(tensor([[1, 5], [3, 4]]), -1) // [5, 4]
 */
export function max(x: TensorLike, axis?: number | number[], opts?: ReduceOptions): Tensor {
  return reduceOp('max', x, axis, opts);
}
/** Smallest value over `axis` (all axes when omitted); ArgumentError when an axis is empty. @example min(tensor([[1, 2], [3, 4]])) // 1 */
export function min(x: TensorLike, axis?: number | number[], opts?: ReduceOptions): Tensor {
  return reduceOp('min', x, axis, opts);
}

/**
 * Mean over `axis` (all when omitted); float result. Mean over an empty axis is NaN, as NumPy.
 * @example mean(tensor([[1, 2], [3, 4]]), 0) // [2, 3]
 */
export function mean(x: TensorLike, axis?: number | number[], opts?: ReduceOptions): Tensor {
  const t = toTensor(x, 'mean');
  const axes = normalizeAxes('mean', axis, t.rank);
  let count = 1;
  for (const a of axes) count *= t.shape[a];
  const s = sum(isFloat(t.dtype) ? t : t.cast(floatResult(t.dtype)), axes, opts);
  return div(s, count);
}

function argOp(op: 'argmax' | 'argmin', x: TensorLike, axis: number): Tensor {
  const t = toTensor(x, op);
  const name = op === 'argmax' ? 'argMax' : 'argMin';
  if (t.rank === 0) throw new ArgumentError(`${name}: needs a tensor of rank >= 1, got a scalar`);
  const ax = normalizeAxis(name, axis, t.rank);
  if (t.shape[ax] === 0) throw new ArgumentError(`${name}: axis ${axis} is empty (shape ${fmtShape(t.shape)})`);
  const out = empty(t.shape.filter((_, i) => i !== ax), 'int32');
  getBackend().argReduce(op, t, ax, out);
  return out;
}

/**
 * Index of the largest value along `axis` (default last), int32; that axis goes away (first index
 * on ties).
 * @example argMax(tensor([[0.1, 0.9], [0.8, 0.2]])) // [1, 0]
 */
export function argMax(x: TensorLike, axis = -1): Tensor {
  return argOp('argmax', x, axis);
}
/** Index of the smallest value along `axis` (default last), int32; that axis goes away. @example argMin(tensor([3, 1, 2])) // 1 */
export function argMin(x: TensorLike, axis = -1): Tensor {
  return argOp('argmin', x, axis);
}
