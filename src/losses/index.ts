// Keras losses. Each returns one loss value per sample ([batch]); the model averages them
// (Keras' "sum_over_batch_size" reduction). Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras
// does; the fromLogits forms go through log-softmax / softplus so they never overflow.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { lookupName } from '../activations.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';

export const EPSILON = 1e-7;

/** (yTrue, yPred) -> per-sample losses of shape [batch]. */
export type LossFn = ((yTrue: Tensor, yPred: Tensor) => Tensor) & { readonly lossName: string };

function named(lossName: string, f: (yTrue: Tensor, yPred: Tensor) => Tensor): LossFn {
  return Object.assign(f, { lossName });
}

/** Keras' squeeze_or_expand: y [batch] against predictions [batch, 1] becomes [batch, 1]. */
function matchRank(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  let y = yTrue;
  if (y.rank === yPred.rank - 1 && yPred.shape[yPred.rank - 1] === 1) y = ops.expandDims(y, -1);
  else if (y.rank === yPred.rank + 1 && y.shape[y.rank - 1] === 1) y = ops.squeeze(y, -1);
  if (y.shape.join() !== yPred.shape.join()) {
    throw new ShapeError(`${name}: labels shape ${fmtShape(yTrue.shape)} does not match predictions ${fmtShape(yPred.shape)}`);
  }
  return y.dtype === yPred.dtype ? y : ops.cast(y, yPred.dtype);
}

function meanLast(x: Tensor): Tensor {
  return x.rank === 0 ? x : ops.mean(x, -1);
}

export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = matchRank('mean_squared_error', yTrue, yPred);
  return meanLast(ops.square(ops.sub(yPred, y)));
}

export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = matchRank('mean_absolute_error', yTrue, yPred);
  return meanLast(ops.abs(ops.sub(yPred, y)));
}

/** Huber: quadratic for |error| <= delta, linear beyond. */
export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  const y = matchRank('huber', yTrue, yPred);
  const err = ops.abs(ops.sub(yPred, y));
  const quad = ops.minimum(err, delta);
  const lin = ops.sub(err, quad);
  return meanLast(ops.add(ops.mul(ops.square(quad), 0.5), ops.mul(lin, delta)));
}

export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const y = matchRank('binary_crossentropy', yTrue, yPred);
  if (fromLogits) {
    // max(x, 0) - x*y + log(1 + exp(-|x|)): the stable form of sigmoid cross-entropy.
    const x = yPred;
    return meanLast(ops.add(ops.sub(ops.relu(x), ops.mul(x, y)), ops.log1p(ops.exp(ops.neg(ops.abs(x))))));
  }
  const p = ops.clip(yPred, EPSILON, 1 - EPSILON);
  const l = ops.add(ops.mul(y, ops.log(p)), ops.mul(ops.sub(1, y), ops.log(ops.sub(1, p))));
  return meanLast(ops.neg(l));
}

export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const y = matchRank('categorical_crossentropy', yTrue, yPred);
  if (fromLogits) return ops.neg(ops.sum(ops.mul(y, ops.logSoftmax(yPred, -1)), -1));
  // Keras renormalises probabilities before clipping.
  const p = ops.clip(ops.div(yPred, ops.sum(yPred, -1, { keepDims: true })), EPSILON, 1 - EPSILON);
  return ops.neg(ops.sum(ops.mul(y, ops.log(p)), -1));
}

/** Checks sparse labels: integers in [0, numClasses), naming the first bad value and its index. */
export function checkSparseLabels(who: string, labels: Tensor, numClasses: number): void {
  const v = labels.values;
  for (let i = 0; i < v.length; i++) {
    const l = v[i];
    if (!Number.isInteger(l)) throw new ArgumentError(`${who}: labels must be integers, got ${l} at index ${i}`);
    if (l < 0 || l >= numClasses) throw new ArgumentError(`${who}: label ${l} at index ${i} is out of range [0, ${numClasses}) for ${numClasses} classes`);
  }
}

export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const name = 'sparse_categorical_crossentropy';
  let labels = yTrue;
  if (labels.rank === yPred.rank && labels.shape[labels.rank - 1] === 1) labels = ops.squeeze(labels, -1);
  if (labels.rank !== yPred.rank - 1 || labels.shape.join() !== yPred.shape.slice(0, -1).join()) {
    throw new ShapeError(`${name}: labels shape ${fmtShape(yTrue.shape)} does not match predictions ${fmtShape(yPred.shape)} (expected labels ${fmtShape(yPred.shape.slice(0, -1))})`);
  }
  const classes = yPred.shape[yPred.rank - 1];
  checkSparseLabels(name, labels, classes);
  // One fused primitive (forward and gradient) instead of oneHot, clip, log, mul and sum.
  const pred = yPred.rank === 2 ? yPred : ops.reshape(yPred, [-1, classes]);
  const per = ops.sparseCrossentropy(pred, ops.reshape(labels, [-1]), fromLogits);
  return yPred.rank === 2 ? per : ops.reshape(per, labels.shape);
}

const LOSSES: Record<string, LossFn> = {
  mean_squared_error: named('mean_squared_error', meanSquaredError),
  mse: named('mean_squared_error', meanSquaredError),
  mean_absolute_error: named('mean_absolute_error', meanAbsoluteError),
  mae: named('mean_absolute_error', meanAbsoluteError),
  huber: named('huber', (a, b) => huber(a, b)),
  huber_loss: named('huber', (a, b) => huber(a, b)),
  binary_crossentropy: named('binary_crossentropy', (a, b) => binaryCrossentropy(a, b)),
  categorical_crossentropy: named('categorical_crossentropy', (a, b) => categoricalCrossentropy(a, b)),
  sparse_categorical_crossentropy: named('sparse_categorical_crossentropy', (a, b) => sparseCategoricalCrossentropy(a, b)),
};

export interface CrossentropyOptions {
  fromLogits?: boolean;
}

/** Loss objects with options, for `compile({ loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) })`. */
export const losses = {
  meanSquaredError: (): LossFn => LOSSES.mean_squared_error,
  meanAbsoluteError: (): LossFn => LOSSES.mean_absolute_error,
  huber: ({ delta = 1 } = {}): LossFn => named('huber', (a, b) => huber(a, b, delta)),
  binaryCrossentropy: ({ fromLogits = false }: CrossentropyOptions = {}): LossFn =>
    named('binary_crossentropy', (a, b) => binaryCrossentropy(a, b, fromLogits)),
  categoricalCrossentropy: ({ fromLogits = false }: CrossentropyOptions = {}): LossFn =>
    named('categorical_crossentropy', (a, b) => categoricalCrossentropy(a, b, fromLogits)),
  sparseCategoricalCrossentropy: ({ fromLogits = false }: CrossentropyOptions = {}): LossFn =>
    named('sparse_categorical_crossentropy', (a, b) => sparseCategoricalCrossentropy(a, b, fromLogits)),
};

/** A loss from a Keras name (snake/camel case, aliases mse/mae) or a loss function. */
export function getLoss(x: string | LossFn): LossFn {
  if (typeof x === 'function') return x;
  return lookupName('loss', LOSSES, x);
}
