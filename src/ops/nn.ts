// Numerically stable softmax family.

import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { floatResult, isFloat } from '../tensor/dtype.js';
import { normalizeAxis } from '../tensor/shape.js';
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/engine.js';
import { toTensor } from './convert.js';
import { empty } from './elementwise.js';
import { transpose, cast } from './shape-ops.js';
import { ArgumentError } from '../errors.js';

function lastAxisOp(kind: 'softmax' | 'logSoftmax', x: TensorLike, axis: number): Tensor {
  let t = toTensor(x, kind);
  if (t.rank === 0) throw new ArgumentError(`${kind}: needs rank >= 1, got a scalar`);
  if (!isFloat(t.dtype)) t = cast(t, floatResult(t.dtype));
  const ax = normalizeAxis(kind, axis, t.rank);
  // The kernels work on the last axis; other axes go through a transpose there and back.
  if (ax !== t.rank - 1) {
    const perm = t.shape.map((_, i) => i);
    perm[ax] = t.rank - 1;
    perm[t.rank - 1] = ax;
    return transpose(lastAxisOp(kind, transpose(t, perm), -1), perm);
  }
  const out = empty([...t.shape], t.dtype);
  getBackend()[kind](t, out);
  return record(out, kind, [t], {});
}

/** e^x / sum(e^x) along `axis` (default last), max-subtracted so large logits do not overflow. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return lastAxisOp('softmax', x, axis);
}

/** log(softmax(x)) computed as x - logsumexp(x): finite even where softmax underflows to 0. */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return lastAxisOp('logSoftmax', x, axis);
}
