// Keras metrics as running, sample-weighted means over an epoch. 'accuracy' is resolved the way
// Keras 3 does it, from the shapes of labels and predictions (binary / sparse / categorical).

import { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { lookupName, snakeCase } from '../activations.js';
import { meanAbsoluteError, meanSquaredError } from '../losses/index.js';

/**
 * Per-sample metric values ([batch]) from labels and predictions; fit and evaluate average them
 * over the epoch. A function of your own is logged under its name in snake_case.
 * @example
 * const within1 = (yTrue: Tensor, yPred: Tensor) => yPred.sub(yTrue).abs().lessEqual(1).cast('float32').mean(-1);
 * model.compile({ optimizer: 'adam', loss: 'mse', metrics: [within1] }); // logs within1, val_within1
 */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor {
  let y = yTrue;
  if (y.rank === yPred.rank - 1) y = ops.expandDims(y, -1);
  const pred = ops.cast(ops.greater(yPred, threshold), 'float32');
  return ops.mean(ops.cast(ops.equal(pred, ops.cast(y, 'float32')), 'float32'), -1);
}

export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return ops.cast(ops.equal(ops.argMax(yTrue, -1), ops.argMax(yPred, -1)), 'float32');
}

export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  let y = yTrue;
  if (y.rank === yPred.rank && y.shape[y.rank - 1] === 1) y = ops.squeeze(y, -1);
  if (yPred.rank !== 2 || y.rank !== 1) return ops.cast(ops.equal(ops.cast(y, 'int32'), ops.argMax(yPred, -1)), 'float32');
  // The common case, every training step: one pass instead of argMax, cast, equal and cast.
  const [rows, c] = yPred.shape;
  const p = yPred.values;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (p[r * c + j] > p[r * c + best]) best = j;
    out[r] = best === y.values[r] ? 1 : 0;
  }
  return new Tensor(out, [rows], 'float32');
}

/** Keras 3's rule for the string 'accuracy': binary if one output, sparse if labels have lower rank. */
export function resolveAccuracy(yTrue: Tensor, yPred: Tensor): MetricFn {
  const pLast = yPred.rank ? yPred.shape[yPred.rank - 1] : 1;
  const tLast = yTrue.rank ? yTrue.shape[yTrue.rank - 1] : 1;
  if (pLast === 1) return binaryAccuracy;
  if (yTrue.rank < yPred.rank || (tLast === 1 && pLast > 1)) return sparseCategoricalAccuracy;
  return categoricalAccuracy;
}

const BY_NAME: Record<string, MetricFn | 'accuracy'> = {
  accuracy: 'accuracy',
  acc: 'accuracy',
  binary_accuracy: binaryAccuracy,
  categorical_accuracy: categoricalAccuracy,
  sparse_categorical_accuracy: sparseCategoricalAccuracy,
  mse: meanSquaredError,
  mean_squared_error: meanSquaredError,
  mae: meanAbsoluteError,
  mean_absolute_error: meanAbsoluteError,
};

/** A running mean of a per-sample metric, weighted by the number of samples in each batch. */
export class Metric {
  readonly name: string;
  #fn: MetricFn | 'accuracy';
  #resolved: MetricFn | null = null;
  #total = 0;
  #count = 0;

  constructor(name: string, fn: MetricFn | 'accuracy') {
    this.name = name;
    this.#fn = fn;
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    if (!this.#resolved) this.#resolved = this.#fn === 'accuracy' ? resolveAccuracy(yTrue, yPred) : this.#fn;
    const v = this.#resolved(yTrue, yPred).values;
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i];
    this.#total += s;
    this.#count += v.length;
  }

  /** Adds an already-averaged value for `n` samples (the loss tracker). */
  updateMean(value: number, n: number): void {
    this.#total += value * n;
    this.#count += n;
  }

  result(): number {
    return this.#count === 0 ? 0 : this.#total / this.#count;
  }

  reset(): void {
    this.#total = 0;
    this.#count = 0;
  }
}

/** A metric from a Keras name or a function (named by `fn.name`). */
export function getMetric(x: string | MetricFn): Metric {
  if (typeof x === 'function') return new Metric(snakeCase(x.name || 'metric'), x);
  const fn = lookupName('metric', BY_NAME, x);
  // Keras 3 logs a metric under the name it was given: 'acc' stays 'acc' (compile_utils.get_metric).
  return new Metric(snakeCase(x), fn);
}

/**
 * Keras' metric functions, each (yTrue, yPred) -> per-sample values [batch]. compile takes their
 * names ('accuracy', 'mae', ...) or the functions.
 * @example metrics.sparseCategoricalAccuracy(tensor([1, 0]), tensor([[0.1, 0.9], [0.2, 0.8]])) // [1, 0]
 * @namespace
 */
export const metrics = {
  /** 1 where (yPred > threshold, default 0.5) equals the 0/1 label, averaged over the last axis: predictions [batch, 1]. @example metrics.binaryAccuracy(tensor([1, 0]), tensor([[0.7], [0.6]])) // [1, 0] */
  binaryAccuracy,
  /** 1 where argMax of a one-hot label [batch, classes] equals argMax of the prediction. @example metrics.categoricalAccuracy(tensor([[0, 1]]), tensor([[0.1, 0.9]])) // [1] */
  categoricalAccuracy,
  /** 1 where an integer label [batch] equals argMax of the prediction [batch, classes]. @example metrics.sparseCategoricalAccuracy(tensor([1, 0]), tensor([[0.1, 0.9], [0.2, 0.8]])) // [1, 0] */
  sparseCategoricalAccuracy,
  /** Mean of (yPred - yTrue)² over the last axis ('mse'). @example metrics.meanSquaredError(tensor([[1], [2]]), tensor([[1.5], [2]])) // [0.25, 0] */
  meanSquaredError,
  /** Mean of |yPred - yTrue| over the last axis ('mae'). @example model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] }) */
  meanAbsoluteError,
};
