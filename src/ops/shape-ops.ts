// Ops that move or re-view data: reshape, transpose, slicing, gathering, joining, casting.

import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { assertDType, isFloat, promoteTypes, type DType } from '../tensor/dtype.js';
import { assertShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from '../tensor/shape.js';
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/engine.js';
import { toTensor } from './convert.js';
import { empty } from './elementwise.js';
import { describeValue } from '../options.js';
import { ArgumentError, DtypeError, ShapeError, fmtShape } from '../errors.js';

/** @internal A new tensor object over the same storage (for autograd leaves). */
export function identityLeaf(t: Tensor): Tensor {
  return new Tensor(t.values, [...t.shape], t.dtype);
}

/**
 * Same values, new shape with the same number of elements; one entry may be -1 (inferred). Shares
 * storage (tensors are immutable). ShapeError when the sizes differ.
 * @example reshape(range(6), [2, -1]).shape // [2, 3]
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, 'reshape');
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError(`reshape: only one dimension may be -1, got ${fmtShape(shape)}`);
  let target = [...shape];
  if (unknown === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || t.size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(t.shape)} (${t.size} values) into ${fmtShape(shape)}`);
    }
    target = shape.map((d) => (d === -1 ? t.size / known : d));
  }
  assertShape('reshape', target);
  if (sizeOf(target) !== t.size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(t.shape)} (${t.size} values) into ${fmtShape(shape)} (${sizeOf(target)} values)`);
  }
  if (shapesEqual(target, t.shape)) return t;
  return record(new Tensor(t.values, target, t.dtype), 'reshape', [t], {});
}

/** All values as one dimension: [2, 3] -> [6]. @example flatten(zeros([2, 3])).shape // [6] */
export function flatten(x: TensorLike): Tensor {
  return reshape(x, [-1]);
}

/**
 * Permutes dims: output dim i is input dim perm[i]; default reverses them.
 * @example transpose(zeros([2, 3])).shape // [3, 2]
 * @example transpose(zeros([8, 28, 28, 3]), [0, 3, 1, 2]).shape // NHWC -> NCHW: [8, 3, 28, 28]
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const t = toTensor(x, 'transpose');
  const p = perm ? [...perm] : t.shape.map((_, i) => t.rank - 1 - i);
  const sorted = [...p].sort((a, b) => a - b);
  if (p.length !== t.rank || sorted.some((v, i) => v !== i)) {
    throw new ArgumentError(`transpose: perm [${p.join(', ')}] is not a permutation of 0..${t.rank - 1} for shape ${fmtShape(t.shape)}`);
  }
  if (p.every((v, i) => v === i)) return t;
  const out = empty(p.map((d) => t.shape[d]), t.dtype);
  getBackend().transpose(t, p, out);
  return record(out, 'transpose', [t], { perm: p });
}

/**
 * Inserts a dim of size 1 at `axis` (default 0; negative counts from the end of the result).
 * @example expandDims(zeros([28, 28])).shape // [1, 28, 28], a batch of one image
 */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  const t = toTensor(x, 'expandDims');
  const ax = normalizeAxis('expandDims', axis, t.rank + 1);
  const shape = [...t.shape];
  shape.splice(ax, 0, 1);
  return reshape(t, shape);
}

/**
 * Removes size-1 dims (all of them, or the given ones, which must be 1: ShapeError otherwise).
 * @example squeeze(zeros([1, 3, 1])).shape // [3]
 */
export function squeeze(x: TensorLike, axis?: number | number[]): Tensor {
  const t = toTensor(x, 'squeeze');
  const axes = axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, t.rank);
  for (const a of axes) {
    if (t.shape[a] !== 1) throw new ShapeError(`squeeze: dimension ${a} of ${fmtShape(t.shape)} is ${t.shape[a]}, not 1`);
  }
  return reshape(t, t.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * A box of x starting at `begin` with `size` (-1 = to the end), like tf.slice: shorter lists (or
 * one number) leave the remaining axes whole.
 * @example slice(tensor([1, 2, 3, 4]), [1], [2]) // [2, 3]
 * @example slice(xTrain, [0], [5000]) // the first 5000 images, [5000, 28, 28]
 */
export function slice(x: TensorLike, beginIn: number | readonly number[], sizeIn?: number | readonly number[]): Tensor {
  const t = toTensor(x, 'slice');
  // As TF.js: a number is the first axis, and missing trailing entries take the whole axis, so
  // `slice(xTrain, [0], [5000])` is NumPy's `x_train[:5000]`.
  const asList = (v: number | readonly number[], what: string): number[] => {
    if (typeof v === 'number') return [v];
    if (!Array.isArray(v)) throw new ArgumentError(`slice: ${what} must be a number or a list of numbers, got ${describeValue(v)}`);
    return [...v];
  };
  const begin = asList(beginIn, 'begin');
  const size = sizeIn === undefined ? undefined : asList(sizeIn, 'size');
  if (begin.length > t.rank || (size && size.length > t.rank)) {
    throw new ArgumentError(`slice: begin [${begin.join(', ')}] and size [${size?.join(', ') ?? ''}] have more entries than ${fmtShape(t.shape)} has dims`);
  }
  while (begin.length < t.rank) begin.push(0);
  const sz = t.shape.map((d, i) => {
    const s = size?.[i] ?? -1;
    return s === -1 ? d - begin[i] : s;
  });
  for (let i = 0; i < t.rank; i++) {
    if (!Number.isInteger(begin[i]) || !Number.isInteger(sz[i]) || begin[i] < 0 || sz[i] < 0 || begin[i] + sz[i] > t.shape[i]) {
      throw new ShapeError(`slice: begin [${begin.join(', ')}] size [${sz.join(', ')}] is out of bounds for shape ${fmtShape(t.shape)}`);
    }
  }
  if (shapesEqual(sz, t.shape)) return t;
  const out = empty(sz, t.dtype);
  getBackend().slice(t, begin, out);
  return record(out, 'slice', [t], { begin: [...begin] });
}

/**
 * Pads each dim with [before, after] entries of `value` (default 0): one pair per dim.
 * @example pad(tensor([[1]]), [[1, 0], [0, 1]]) // [[0, 0], [1, 0]]
 */
export function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  const t = toTensor(x, 'pad');
  if (paddings.length !== t.rank || paddings.some(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)) {
    throw new ArgumentError(`pad: paddings must be one non-negative [before, after] integer pair per dim of ${fmtShape(t.shape)}`);
  }
  const before = paddings.map((p) => p[0]);
  const out = empty(t.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]), t.dtype);
  getBackend().pad(t, before, value, out);
  return record(out, 'pad', [t], { before, value });
}

function checkIndices(op: string, indices: Tensor, limit: number): void {
  if (indices.dtype !== 'int32' && indices.dtype !== 'uint8') {
    if (!isFloat(indices.dtype)) throw new DtypeError(`${op}: indices must be integers, got dtype ${indices.dtype}`);
    const bad = indices.values.findIndex((v) => !Number.isInteger(v));
    if (bad >= 0) throw new DtypeError(`${op}: indices must be integers, got ${indices.values[bad]} at position ${bad}`);
  }
  for (let i = 0; i < indices.size; i++) {
    const v = indices.values[i];
    if (v < 0 || v >= limit) throw new ArgumentError(`${op}: index ${v} at position ${i} is out of range [0, ${limit})`);
  }
}

/**
 * Takes slices of x at integer `indices` along `axis` (default 0): x [..., n, ...] with indices of
 * shape s gives [..., ...s, ...]. ArgumentError for an index outside [0, n).
 * @example gather(tensor([[1, 2], [3, 4], [5, 6]]), [2, 0]) // [[5, 6], [1, 2]]
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0): Tensor {
  const t = toTensor(x, 'gather');
  // Indices are checked before any cast, so that 1.5 is refused rather than truncated to 1.
  const raw = toTensor(indices, 'gather');
  const ax = normalizeAxis('gather', axis, t.rank);
  checkIndices('gather', raw, t.shape[ax]);
  const idx = isFloat(raw.dtype) ? raw.cast('int32') : raw;
  const shape = [...t.shape.slice(0, ax), ...idx.shape, ...t.shape.slice(ax + 1)];
  const out = empty(shape, t.dtype);
  getBackend().gather(t, idx, ax, out);
  return record(out, 'gather', [t, idx], { axis: ax });
}

/** @internal The gradient of gather: zeros of `shape` with `updates` added at `indices`. */
export function scatterAdd(updates: Tensor, indices: Tensor, axis: number, shape: number[]): Tensor {
  const out = empty(shape, updates.dtype);
  getBackend().scatterAdd(updates, indices, axis, out);
  return out;
}

/**
 * Joins tensors along an existing `axis` (default 0); the other dims must match (ShapeError
 * otherwise) and dtypes promote.
 * @example concat([zeros([2, 3]), ones([1, 3])]).shape // [3, 3]
 */
export function concat(xs: readonly TensorLike[], axis = 0): Tensor {
  if (xs.length === 0) throw new ArgumentError('concat: needs at least one tensor');
  const ts = xs.map((x) => toTensor(x, 'concat'));
  const first = ts[0];
  if (first.rank === 0) throw new ShapeError(`concat: cannot join scalars (rank 0) along an axis; use stack`);
  const ax = normalizeAxis('concat', axis, first.rank);
  let dtype: DType = first.dtype;
  let total = 0;
  for (const t of ts) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new ShapeError(`concat: shapes ${ts.map((u) => fmtShape(u.shape)).join(', ')} differ outside axis ${axis}`);
    }
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[ax];
  }
  const cast = ts.map((t) => (t.dtype === dtype ? t : castTo(t, dtype)));
  const shape = [...first.shape];
  shape[ax] = total;
  const out = empty(shape, dtype);
  getBackend().concat(cast, ax, out);
  return record(out, 'concat', cast, { axis: ax });
}

/**
 * Joins tensors of equal shape along a new `axis` (default 0): n tensors of shape s give [n, ...s].
 * @example stack([zeros([3]), ones([3])]).shape // [2, 3]
 */
export function stack(xs: readonly TensorLike[], axis = 0): Tensor {
  if (xs.length === 0) throw new ArgumentError('stack: needs at least one tensor');
  const ts = xs.map((x) => toTensor(x, 'stack'));
  for (const t of ts) {
    if (!shapesEqual(t.shape, ts[0].shape)) throw new ShapeError(`stack: all shapes must be equal, got ${ts.map((u) => fmtShape(u.shape)).join(', ')}`);
  }
  const ax = normalizeAxis('stack', axis, ts[0].rank + 1);
  return concat(ts.map((t) => expandDims(t, ax)), ax);
}

/**
 * One-hot rows of `depth` for integer indices: shape s gives [...s, depth], float32 unless
 * `opts.dtype`; `onValue` (1) and `offValue` (0) set the two values. An index outside [0, depth)
 * gives a row of offValue.
 * @example oneHot(tensor([0, 2], undefined, 'int32'), 3) // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(indices: TensorLike, depth: number, opts: { onValue?: number; offValue?: number; dtype?: DType } = {}): Tensor {
  const idx = toTensor(indices, 'oneHot');
  if (!Number.isInteger(depth) || depth < 0) throw new ArgumentError(`oneHot: depth must be a non-negative integer, got ${describeValue(depth)}`);
  if (!idx.values.every((v) => Number.isInteger(v))) throw new DtypeError(`oneHot: indices must be integers`);
  const out = empty([...idx.shape, depth], opts.dtype ?? 'float32');
  getBackend().oneHot(idx, depth, opts.onValue ?? 1, opts.offValue ?? 0, out);
  return out;
}

function castTo(t: Tensor, dtype: DType): Tensor {
  const out = empty([...t.shape], dtype);
  getBackend().cast(t, out);
  return record(out, 'cast', [t], { dtype });
}

/**
 * Converts to another dtype (floats to ints truncate toward zero; to bool, non-zero is true).
 * @example cast(tensor([1.7, -1.7]), 'int32') // [1, -1]
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  const t = toTensor(x, 'cast');
  assertDType('cast', dtype);
  return t.dtype === dtype ? t : castTo(t, dtype);
}

/**
 * Repeats x to `shape` by NumPy broadcasting (ShapeError if x cannot broadcast to it).
 * @example broadcastTo(tensor([1, 2]), [2, 2]) // [[1, 2], [1, 2]]
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, 'broadcastTo');
  assertShape('broadcastTo', shape);
  if (shapesEqual(t.shape, shape)) return t;
  const lead = shape.length - t.rank;
  if (lead < 0 || t.shape.some((d, i) => d !== 1 && d !== shape[lead + i])) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${fmtShape(t.shape)} to ${fmtShape(shape)}`);
  }
  const out = empty([...shape], t.dtype);
  getBackend().broadcastTo(t, out);
  return record(out, 'broadcastTo', [t], {});
}
