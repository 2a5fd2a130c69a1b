// Tensors made from nothing: constants, ranges, identity, and seeded random draws.

import { Tensor } from '../tensor/tensor.js';
import { allocate, assertDType, type DType } from '../tensor/dtype.js';
import { assertShape, sizeOf } from '../tensor/shape.js';
import { nextFloat, nextNormal } from '../tensor/random.js';
import { ArgumentError, fmtShape } from '../errors.js';
import { describeValue } from '../options.js';

/** A rank-0 tensor (shape []); float32 for a number, bool for a boolean, unless `dtype` says. @example scalar(3).item() // 3 */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  const dt = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  assertDType('scalar', dt);
  const s = allocate(dt, 1);
  s[0] = typeof value === 'boolean' ? Number(value) : value;
  return new Tensor(s, [], dt);
}

/** A tensor of `shape` filled with `value`, made for `op` (named in errors). */
function filled(op: string, shape: readonly number[], value: number, dtype: DType): Tensor {
  if (!Array.isArray(shape)) throw new ArgumentError(`${op}: shape must be a list of non-negative integers, got ${describeValue(shape)}`);
  assertShape(op, shape);
  assertDType(op, dtype);
  const s = allocate(dtype, sizeOf(shape), `${op} ${fmtShape(shape)}`);
  if (value !== 0) s.fill(value);
  return new Tensor(s, [...shape], dtype);
}

/** A tensor of `shape` filled with `value` (float32 unless `dtype` says). @example fill([2, 2], 7) // [[7, 7], [7, 7]] */
export function fill(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  return filled('fill', shape, value, dtype);
}

/** A tensor of `shape` filled with 0 (float32 unless `dtype` says). @example zeros([2, 3]) // [[0, 0, 0], [0, 0, 0]] */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}
/** A tensor of `shape` filled with 1 (float32 unless `dtype` says). @example ones([3]) // [1, 1, 1] */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}
/** Zeros of t's shape and dtype. @example zerosLike(tensor([1, 2])) // [0, 0] */
export function zerosLike(t: Tensor): Tensor {
  return fill(t.shape, 0, t.dtype);
}
/** Ones of t's shape and dtype. @example onesLike(tensor([[1, 2]])) // [[1, 1]] */
export function onesLike(t: Tensor): Tensor {
  return fill(t.shape, 1, t.dtype);
}

/**
 * Evenly spaced values in [start, stop), like `np.arange`: shape [ceil((stop - start) / step)].
 * Integer arguments give int32, a fractional one float32, unless a dtype is given.
 * @example range(5) // [0, 1, 2, 3, 4], int32
 * @example range(0, 1, 0.25) // [0, 0.25, 0.5, 0.75], float32
 */
export function range(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new ArgumentError(`range: step must be a non-zero finite number, got ${describeValue(step)}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new ArgumentError(`range: start and stop must be finite numbers, got ${describeValue(start)} and ${describeValue(stop)}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  // As np.arange: any fractional argument makes the result float (range(0, 2.5) is [0., 1., 2.]).
  const dt = dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? 'int32' : 'float32');
  const s = allocate(dt, n);
  for (let i = 0; i < n; i++) s[i] = start + i * step;
  return new Tensor(s, [n], dt);
}

/** The n x m identity matrix (m defaults to n). @example eye(2) // [[1, 0], [0, 1]] */
export function eye(n: number, m = n, dtype: DType = 'float32'): Tensor {
  assertShape('eye', [n, m]);
  const t = zeros([n, m], dtype);
  for (let i = 0; i < Math.min(n, m); i++) t.values[i * m + i] = 1;
  return t;
}

function checkFloat(op: string, dtype: DType): void {
  if (dtype !== 'float32' && dtype !== 'float64') throw new ArgumentError(`${op}: dtype must be float32 or float64, got ${String(dtype)}`);
}

/**
 * Normal draws with `mean` (default 0) and `stddev` (default 1) from the seeded generator (see
 * `setSeed`); float32 or float64.
 * @example randomNormal([2, 2], 0, 0.05) // 2 x 2 draws, standard deviation 0.05
 */
export function randomNormal(shape: readonly number[], mean = 0, stddev = 1, dtype: DType = 'float32'): Tensor {
  checkFloat('randomNormal', dtype);
  const t = filled('randomNormal', shape, 0, dtype);
  for (let i = 0; i < t.size; i++) t.values[i] = mean + stddev * nextNormal();
  return t;
}

/**
 * Uniform draws in [minval, maxval) (default [0, 1)) from the seeded generator; float32 or float64.
 * @example randomUniform([3], -1, 1)
 */
export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, dtype: DType = 'float32'): Tensor {
  checkFloat('randomUniform', dtype);
  const t = filled('randomUniform', shape, 0, dtype);
  for (let i = 0; i < t.size; i++) {
    // In float32, a draw just below maxval can round up to it; redraw so the interval stays
    // half-open. The retries are bounded: an interval too narrow for float32 would loop forever.
    t.values[i] = minval + (maxval - minval) * nextFloat();
    for (let tries = 0; t.values[i] >= maxval && tries < 16; tries++) t.values[i] = minval + (maxval - minval) * nextFloat();
    if (t.values[i] >= maxval) t.values[i] = minval;
  }
  return t;
}

/**
 * Normal draws redrawn until within two standard deviations of the mean, as Keras/TF (so the
 * result's standard deviation is about 0.88 * stddev).
 * @example truncatedNormal([784, 128], 0, 0.05)
 */
export function truncatedNormal(shape: readonly number[], mean = 0, stddev = 1, dtype: DType = 'float32'): Tensor {
  checkFloat('truncatedNormal', dtype);
  const t = filled('truncatedNormal', shape, 0, dtype);
  for (let i = 0; i < t.size; i++) {
    let z: number;
    do z = nextNormal();
    while (Math.abs(z) > 2);
    t.values[i] = mean + stddev * z;
  }
  return t;
}
