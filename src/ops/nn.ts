// Numerically stable softmax family.

import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { floatResult, isFloat } from '../tensor/dtype.js';
import { normalizeAxis, swapWithLast } from '../tensor/shape.js';
import { getBackend } from '../backend/index.js';
import { scratchTensor, stepOutput } from '../backend/arena.js';
import { record } from '../autograd/engine.js';
import { toTensor } from './convert.js';
import { empty, greater, mul } from './elementwise.js';
import { sum } from './reduction.js';
import { matMul } from './linalg.js';
import { transpose, cast } from './shape-ops.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import type { DenseActivation } from '../backend/backend.js';

function lastAxisOp(kind: 'softmax' | 'logSoftmax', x: TensorLike, axis: number): Tensor {
  let t = toTensor(x, kind);
  if (t.rank === 0) throw new ArgumentError(`${kind}: needs rank >= 1, got a scalar`);
  if (!isFloat(t.dtype)) t = cast(t, floatResult(t.dtype));
  const ax = normalizeAxis(kind, axis, t.rank);
  // The kernels work on the last axis; other axes go through a transpose there and back.
  if (ax !== t.rank - 1) {
    const perm = swapWithLast(t.rank, ax);
    return transpose(lastAxisOp(kind, transpose(t, perm), -1), perm);
  }
  const out = empty([...t.shape], t.dtype);
  getBackend()[kind](t, out);
  return record(out, kind, [t], {});
}

/**
 * e^x / sum(e^x) along `axis` (default last), max-subtracted so large logits do not overflow:
 * same shape, each row sums to 1. Integer input gives float32.
 * @example softmax(tensor([1, 2, 3])) // [0.0900, 0.2447, 0.6652]
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return lastAxisOp('softmax', x, axis);
}

/**
 * log(softmax(x)) along `axis` (default last), computed as x - logsumexp(x): finite even where
 * softmax underflows to 0.
 * @example logSoftmax(tensor([0, 0])) // [-0.6931, -0.6931]
 */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return lastAxisOp('logSoftmax', x, axis);
}

/**
 * @internal Fused Dense: act(x[m,k] · w[k,n] + b[n]) as one primitive, so a training step runs one
 * kernel forward and a few backward instead of matMul + add + activation, each with its own pass.
 */
export function dense(x: Tensor, w: Tensor, b: Tensor | null, activation: DenseActivation): Tensor {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0] || (b && (b.rank !== 1 || b.shape[0] !== w.shape[1]))) {
    throw new ShapeError(`dense: shapes do not fit: x ${fmtShape(x.shape)}, kernel ${fmtShape(w.shape)}${b ? `, bias ${fmtShape(b.shape)}` : ''}`);
  }
  const dtype = x.dtype === w.dtype && (!b || b.dtype === w.dtype) && isFloat(w.dtype) ? w.dtype : 'float32';
  // In a step of built-in layers the output stays in wasm memory, where the next layer's kernel and
  // the backward pass read it in place.
  const out = stepOutput([x.shape[0], w.shape[1]], dtype);
  getBackend().denseForward(x, w, b, activation, out);
  return record(out, 'dense', b ? [x, w, b] : [x, w], { activation });
}

/**
 * @internal The gradients of dense() given its output y and upstream dy, as one backend call:
 * [dx, dw, db], each null unless asked for by `need`. Mixed dtypes take the composite ops instead.
 */
export function denseBackward(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  y: Tensor,
  dy: Tensor,
  activation: DenseActivation,
  need: readonly [boolean, boolean, boolean],
): [Tensor | null, Tensor | null, Tensor | null] {
  const dtype = dy.dtype;
  if (x.dtype !== dtype || w.dtype !== dtype || y.dtype !== dtype || (b && b.dtype !== dtype)) {
    // relu'(z) is 1 where the output is positive: the mask comes from y, no need to keep z.
    const dz = activation === 'relu' ? mul(dy, cast(greater(y, 0), dtype)) : dy;
    return [
      need[0] ? matMul(dz, w, { transposeB: true }) : null,
      need[1] ? matMul(x, dz, { transposeA: true }) : null,
      need[2] ? sum(dz, 0) : null,
    ];
  }
  // All three are read within the step (dx by the previous layer's backward, dw and db by the
  // optimizer right after): scratch storage lets the wasm backend keep them in its memory (no copy
  // out and back in), and the training step gives it back when the step ends.
  const dx = need[0] ? scratchTensor([...x.shape], dtype) : null;
  const dw = need[1] ? scratchTensor([...w.shape], dtype) : null;
  const db = need[2] ? scratchTensor([w.shape[1]], dtype) : null;
  getBackend().denseBackward(x, w, y, dy, activation, dx, dw, db);
  return [dx, dw, db];
}

/**
 * @internal Per-sample sparse categorical cross-entropy of pred [batch, classes] (labels checked by
 * the caller). Probabilities straight from softmax (a softmax output layer, every classifier's
 * case) are recorded against softmax's logits, so that backward runs one fused kernel instead of
 * this loss's rule and softmax's (five small ops per step), with the same numbers. Should pred
 * also feed other terms of a loss, their gradient still reaches the logits through softmax.
 */
export function sparseCrossentropy(pred: Tensor, labels: Tensor, fromLogits: boolean): Tensor {
  const out = empty([pred.shape[0]], pred.dtype);
  getBackend().sparseCrossentropy(pred, labels, fromLogits, out);
  const node = pred.node;
  if (!fromLogits && node?.prim === 'softmax' && pred.rank === 2 && node.inputs[0].dtype === pred.dtype) {
    return record(out, 'softmaxSparseCrossentropy', [node.inputs[0], labels], { probs: pred });
  }
  return record(out, 'sparseCrossentropy', [pred, labels], { fromLogits });
}

/** @internal The gradient of sparseCrossentropy with respect to pred. */
export function sparseCrossentropyGrad(pred: Tensor, labels: Tensor, fromLogits: boolean, dy: Tensor): Tensor {
  const out = empty([...pred.shape], pred.dtype);
  getBackend().sparseCrossentropyGrad(pred, labels, fromLogits, dy, out);
  return out;
}

/** @internal The gradient of sparseCrossentropy(softmax(z), labels) with respect to z, from probs = softmax(z). */
export function softmaxSparseCrossentropyGrad(probs: Tensor, labels: Tensor, dy: Tensor): Tensor {
  const out = empty([...probs.shape], probs.dtype);
  getBackend().softmaxSparseCrossentropyGrad(probs, labels, dy, out);
  return out;
}
