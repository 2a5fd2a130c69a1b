// 2-D max and average pooling over NHWC activations, with Keras / TF semantics: strides default to
// the pool size, 'same' padding pads as TF does, padded positions never count (an average divides
// by the number of real positions in its window).

import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import type { Window2d } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/engine.js';
import { toTensor } from './convert.js';
import { stepOutput } from '../backend/arena.js';
import { asFloat, checkNhwc, size2d, window2d, type Padding, type Size2d } from './conv.js';
import { ArgumentError } from '../errors.js';

/** Options of maxPool2d and avgPool2d. */
export interface Pool2dOptions {
  /** Window size over height and width (default 2). */
  poolSize?: Size2d;
  /** Step of the window (default: the pool size). */
  strides?: Size2d;
  /** 'valid' (default) or 'same'. */
  padding?: Padding;
}

function poolSetup(op: 'maxPool2d' | 'avgPool2d', x: TensorLike, opts: Pool2dOptions): [Tensor, Window2d] {
  let t = toTensor(x, op);
  checkNhwc(op, t);
  if (!isFloat(t.dtype)) t = asFloat(t, 'float32');
  const poolSize = size2d(op, 'poolSize', opts.poolSize ?? 2);
  const strides = size2d(op, 'strides', opts.strides ?? poolSize);
  const padding = opts.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') {
    throw new ArgumentError(`${op}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`);
  }
  return [t, window2d(op, t.shape, poolSize, strides, [1, 1], padding, 'pool window')];
}

/**
 * The maximum of each poolSize window, per channel: x [batch, height, width, channels] ->
 * [batch, outHeight, outWidth, channels].
 * @example maxPool2d(zeros([8, 26, 26, 32])).shape // [8, 13, 13, 32]
 */
export function maxPool2d(x: TensorLike, opts: Pool2dOptions = {}): Tensor {
  const [t, info] = poolSetup('maxPool2d', x, opts);
  const out = stepOutput([info.batch, info.outHeight, info.outWidth, info.channels], t.dtype);
  getBackend().maxPool2d(t, info, out);
  return record(out, 'maxPool2d', [t], { info });
}

/**
 * The mean of each poolSize window, per channel (padded positions excluded from the count).
 * @example avgPool2d(ones([1, 3, 3, 1]), { poolSize: 2, strides: 1, padding: 'same' }) // all ones
 */
export function avgPool2d(x: TensorLike, opts: Pool2dOptions = {}): Tensor {
  const [t, info] = poolSetup('avgPool2d', x, opts);
  const out = stepOutput([info.batch, info.outHeight, info.outWidth, info.channels], t.dtype);
  getBackend().avgPool2d(t, info, out);
  return record(out, 'avgPool2d', [t], { info });
}

/** @internal maxPool2d's input gradient. */
export function maxPool2dBackward(x: Tensor, dy: Tensor, info: Window2d): Tensor {
  const dx = stepOutput([...x.shape], x.dtype);
  getBackend().maxPool2dBackward(x, asFloat(dy, x.dtype), info, dx);
  return dx;
}

/** @internal avgPool2d's input gradient. */
export function avgPool2dBackward(x: Tensor, dy: Tensor, info: Window2d): Tensor {
  const dx = stepOutput([...x.shape], x.dtype);
  getBackend().avgPool2dBackward(asFloat(dy, x.dtype), info, dx);
  return dx;
}
