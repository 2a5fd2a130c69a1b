// Keras losses. Each returns one loss value per sample ([batch]); the model averages them
// (Keras' "sum_over_batch_size" reduction). Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras
// does; the fromLogits forms go through log-softmax / softplus so they never overflow.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { lookupName, snakeCase } from '../activations.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { checkOptions, describeValue, camelCase } from '../options.js';

export const EPSILON = 1e-7;

/**
 * (yTrue, yPred) -> per-sample losses of shape [batch]: a built-in loss (which also carries its
 * name and options) or any function of the user's, written with nerva ops (fit differentiates it
 * and averages it over the batch).
 * @example model.compile({ optimizer: 'adam', loss: (yTrue, yPred) => yPred.sub(yTrue).abs().mean(-1) })
 */
export type LossFn = ((yTrue: Tensor, yPred: Tensor) => Tensor) & {
  /** A built-in loss's Keras function name, e.g. `sparse_categorical_crossentropy`; absent on a custom loss function. */
  readonly lossName?: string;
  /** A built-in loss's options (e.g. `{ fromLogits: true }`); absent on a custom loss function. */
  readonly lossConfig?: LossConfig;
};

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
  const classes = yPred.shape[yPred.rank - 1];
  const labelsLookSparse = yTrue.rank === yPred.rank - 1 || (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1 && classes > 1);
  if (labelsLookSparse && yTrue.shape[0] === yPred.shape[0]) {
    throw new ShapeError(
      `categorical_crossentropy: labels shape ${fmtShape(yTrue.shape)} does not match predictions ${fmtShape(yPred.shape)}: ` +
        `these look like integer class labels; use sparse_categorical_crossentropy, or one-hot labels (oneHot(labels, ${classes}))`,
    );
  }
  const y = matchRank('categorical_crossentropy', yTrue, yPred);
  if (fromLogits) return ops.neg(ops.sum(ops.mul(y, ops.logSoftmax(yPred, -1)), -1));
  // Keras renormalises probabilities before clipping.
  const p = ops.clip(ops.div(yPred, ops.sum(yPred, -1, { keepDims: true })), EPSILON, 1 - EPSILON);
  return ops.neg(ops.sum(ops.mul(y, ops.log(p)), -1));
}

/** Checks binary labels: values in [0, 1], naming the first bad value and its index. */
export function checkBinaryLabels(who: string, labels: Tensor): void {
  const v = labels.values;
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0 && v[i] <= 1)) {
      throw new ArgumentError(`${who}: binary_crossentropy needs labels in [0, 1], got ${v[i]} at index ${i} (for more than two classes, use sparse_categorical_crossentropy with a softmax output)`);
    }
  }
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
    const oneHot = yTrue.shape.join() === yPred.shape.join();
    const hint = oneHot ? ': these look like one-hot labels; use categorical_crossentropy, or class indices (labels.argMax(-1))' : '';
    throw new ShapeError(`${name}: labels shape ${fmtShape(yTrue.shape)} does not match predictions ${fmtShape(yPred.shape)} (expected labels ${fmtShape(yPred.shape.slice(0, -1))})${hint}`);
  }
  const classes = yPred.shape[yPred.rank - 1];
  checkSparseLabels(name, labels, classes);
  // One fused primitive (forward and gradient) instead of oneHot, clip, log, mul and sum.
  const pred = yPred.rank === 2 ? yPred : ops.reshape(yPred, [-1, classes]);
  const per = ops.sparseCrossentropy(pred, ops.reshape(labels, [-1]), fromLogits);
  return yPred.rank === 2 ? per : ops.reshape(per, labels.shape);
}

/** Options a built-in loss takes; saved in the model's training config when not the defaults. */
export type LossConfig = { readonly [k: string]: number | boolean };

/**
 * One built-in loss: its Keras function name and class name (both appear in saved training
 * configs), short aliases, its options with their defaults, and the per-sample function.
 */
interface LossSpec {
  readonly name: string;
  readonly className: string;
  /** Keras 3's default instance name, written as `config.name`, when it is not `name` (Huber's is `huber_loss`). */
  readonly instanceName?: string;
  readonly aliases: readonly string[];
  readonly defaults: LossConfig;
  readonly fn: (yTrue: Tensor, yPred: Tensor, o: LossConfig) => Tensor;
  /**
   * Checks all labels before training or evaluation starts, so a bad one is reported by its index
   * in the user's data (not its place in a shuffled batch) before any step has run.
   */
  readonly checkLabels?: (who: string, labels: Tensor, classes: number | null) => void;
  /** Checks option values beyond their type (which makeLoss checks for every loss), throwing an ArgumentError naming `who`. */
  readonly checkConfig?: (who: string, o: LossConfig) => void;
}

const fromLogits = { fromLogits: false };

/** The built-in losses: lookup by name, the `losses.*` objects and saving all derive from this list. */
const LOSS_SPECS: readonly LossSpec[] = [
  { name: 'mean_squared_error', className: 'MeanSquaredError', aliases: ['mse'], defaults: {}, fn: (a, b) => meanSquaredError(a, b) },
  { name: 'mean_absolute_error', className: 'MeanAbsoluteError', aliases: ['mae'], defaults: {}, fn: (a, b) => meanAbsoluteError(a, b) },
  {
    name: 'huber', className: 'Huber', instanceName: 'huber_loss', aliases: ['huber_loss'], defaults: { delta: 1 },
    fn: (a, b, o) => huber(a, b, o.delta as number),
    checkConfig: (who, o) => {
      if (!((o.delta as number) > 0 && Number.isFinite(o.delta))) throw new ArgumentError(`${who}: delta must be a positive number, got ${describeValue(o.delta)}`);
    },
  },
  {
    name: 'binary_crossentropy', className: 'BinaryCrossentropy', aliases: [], defaults: fromLogits,
    fn: (a, b, o) => binaryCrossentropy(a, b, o.fromLogits as boolean), checkLabels: (who, y) => checkBinaryLabels(who, y),
  },
  { name: 'categorical_crossentropy', className: 'CategoricalCrossentropy', aliases: [], defaults: fromLogits, fn: (a, b, o) => categoricalCrossentropy(a, b, o.fromLogits as boolean) },
  {
    name: 'sparse_categorical_crossentropy', className: 'SparseCategoricalCrossentropy', aliases: [], defaults: fromLogits,
    fn: (a, b, o) => sparseCategoricalCrossentropy(a, b, o.fromLogits as boolean),
    checkLabels: (who, y, classes) => {
      if (classes !== null) checkSparseLabels(who, y, classes);
    },
  },
];

/** Every name a loss is known by (snake_case), to its spec. The class name snake-cases to the function name. */
const BY_NAME: Record<string, LossSpec> = Object.create(null);
for (const spec of LOSS_SPECS) {
  for (const n of [spec.name, snakeCase(spec.className), ...spec.aliases]) {
    if (BY_NAME[n] && BY_NAME[n] !== spec) throw new Error(`loss registry: '${n}' names two losses`);
    BY_NAME[n] = spec;
  }
}

/** A loss function for a spec with options checked against the spec's defaults (unknown keys refused). */
function makeLoss(spec: LossSpec, options: unknown): LossFn {
  const who = `losses.${camelCase(spec.name)}`;
  const config: Record<string, number | boolean> = { ...spec.defaults };
  for (const [k, v] of Object.entries(checkOptions<Record<string, unknown>>(who, options, Object.keys(spec.defaults)))) {
    if (v === undefined) continue;
    if (typeof v !== typeof spec.defaults[k]) {
      throw new ArgumentError(`${who}: ${k} must be a ${typeof spec.defaults[k]}, got ${describeValue(v)}`);
    }
    config[k] = v as number | boolean;
  }
  spec.checkConfig?.(who, config);
  const frozen = Object.freeze(config);
  return Object.assign((yTrue: Tensor, yPred: Tensor) => spec.fn(yTrue, yPred, frozen), { lossName: spec.name, lossConfig: frozen });
}

/** Options of the cross-entropy losses. */
export interface CrossentropyOptions {
  /**
   * True when the model outputs raw scores (no softmax / sigmoid on the last layer): the loss then
   * applies it itself, in a numerically stable form. Default false (probabilities).
   */
  fromLogits?: boolean;
}

const spec = (name: string): LossSpec => BY_NAME[name];

/**
 * Keras' losses as objects with options, for `compile({ loss })` (a name such as
 * `'sparse_categorical_crossentropy'` gives the same loss with default options). Each returns one
 * loss per sample ([batch]); unknown options are refused.
 * @example model.compile({ optimizer: 'adam', loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) })
 * @namespace
 */
export const losses = {
  /**
   * Mean of (yPred - yTrue)² over the last axis ('mse'). y [batch] against predictions [batch, 1] is accepted.
   * @example losses.meanSquaredError()(tensor([[1], [2]]), tensor([[1.5], [2]])) // [0.25, 0]
   */
  meanSquaredError: (o?: Record<string, never>): LossFn => makeLoss(spec('mean_squared_error'), o),
  /** Mean of |yPred - yTrue| over the last axis ('mae'). @example losses.meanAbsoluteError() */
  meanAbsoluteError: (o?: Record<string, never>): LossFn => makeLoss(spec('mean_absolute_error'), o),
  /**
   * Huber: 0.5·e² where |e| <= delta, delta·(|e| - 0.5·delta) beyond (default delta 1), averaged
   * over the last axis; less sensitive to outliers than mse.
   * @example losses.huber({ delta: 2 })
   */
  huber: (o?: { delta?: number }): LossFn => makeLoss(spec('huber'), o),
  /**
   * Binary cross-entropy for labels in [0, 1] against probabilities (sigmoid outputs) or, with
   * fromLogits, raw scores: predictions [batch, 1] (or [batch, n] independent labels).
   * @example losses.binaryCrossentropy({ fromLogits: true })
   */
  binaryCrossentropy: (o?: CrossentropyOptions): LossFn => makeLoss(spec('binary_crossentropy'), o),
  /**
   * Cross-entropy for one-hot labels [batch, classes] against probabilities [batch, classes] (or
   * logits with fromLogits). Integer labels are refused with a hint to the sparse form.
   * @example losses.categoricalCrossentropy()(utils.toCategorical(labels, 10), model.predict(x))
   */
  categoricalCrossentropy: (o?: CrossentropyOptions): LossFn => makeLoss(spec('categorical_crossentropy'), o),
  /**
   * Cross-entropy for integer class labels [batch] against probabilities [batch, classes] (or
   * logits with fromLogits): MNIST's loss. A label outside [0, classes) is an ArgumentError.
   * @example losses.sparseCategoricalCrossentropy()(tensor([1]), tensor([[0.1, 0.9]])) // [0.1054]
   */
  sparseCategoricalCrossentropy: (o?: CrossentropyOptions): LossFn => makeLoss(spec('sparse_categorical_crossentropy'), o),
};

/** @internal The registered losses' function names (tests check each has a `losses.*` object). */
export function lossNames(): string[] {
  return LOSS_SPECS.map((s) => s.name);
}

/** A loss from a Keras name (snake/camel case, class name, aliases mse/mae) or a loss function. */
export function getLoss(x: string | LossFn): LossFn {
  if (typeof x === 'function') return x;
  if (typeof x !== 'string') throw new ArgumentError(`unknown loss ${describeValue(x)}: expected a name ('mse', 'sparse_categorical_crossentropy', ...), a losses.* object or a function (yTrue, yPred) => Tensor`);
  return makeLoss(lookupName('loss', BY_NAME, x), {});
}

/** True for a loss made by nerva (a name or `losses.*`), which a saved model can name; false for a function of the user's. */
export function isBuiltInLoss(loss: LossFn): boolean {
  return typeof loss.lossName === 'string' && BY_NAME[loss.lossName] !== undefined && loss.lossConfig !== undefined;
}

/** @internal Checks all labels for a built-in loss that constrains them (sparse: class indices; binary: [0, 1]). */
export function checkLabels(loss: LossFn, who: string, labels: Tensor, classes: number | null): void {
  if (!isBuiltInLoss(loss)) return;
  BY_NAME[loss.lossName!].checkLabels?.(who, labels, classes);
}

/**
 * @internal A built-in loss in Keras' object form, as Keras 3 writes it in a compile config and
 * tf.keras 2 in a training config: `{ class_name: 'SparseCategoricalCrossentropy', config: { name,
 * reduction, from_logits } }`. The options are written in full (not only those that differ).
 */
export function lossToConfig(loss: LossFn): { class_name: string; config: Record<string, string | number | boolean> } {
  const s = BY_NAME[loss.lossName!];
  const config: Record<string, string | number | boolean> = { name: s.instanceName ?? s.name, reduction: 'sum_over_batch_size' };
  for (const [k, v] of Object.entries(loss.lossConfig ?? s.defaults)) config[snakeCase(k)] = v;
  return { class_name: s.className, config };
}

/** @internal True when a built-in loss has all its options at their defaults (its name alone says everything). */
export function hasDefaultOptions(loss: LossFn): boolean {
  const s = BY_NAME[loss.lossName!];
  return Object.entries(s.defaults).every(([k, v]) => (loss.lossConfig ?? s.defaults)[k] === v);
}

/** Reductions that average over the batch as nerva does ('auto' is tf.keras 2's name for it). */
const SAME_REDUCTION = ['auto', 'sum_over_batch_size', 'mean', 'mean_with_sample_weight'];

/**
 * @internal A loss from a saved training config: a name, or Keras' object form
 * `{ class_name: 'SparseCategoricalCrossentropy', config: { from_logits: true, ... } }`.
 * Options nerva does not have are returned in `ignored` so the caller can decide.
 */
export function lossFromConfig(className: string, config: Record<string, unknown>): { loss: LossFn; ignored: string[] } {
  const s = lookupName('loss', BY_NAME, className);
  const options: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const key = camelCase(k);
    if (key in s.defaults) options[key] = v;
    // Keras' bookkeeping, and settings at the values that change nothing about the value per sample.
    else if (k === 'reduction' ? !SAME_REDUCTION.includes(v as string) : !['name', 'dtype'].includes(k) && v !== null && !(k === 'axis' && v === -1) && !(k === 'label_smoothing' && v === 0)) ignored.push(k);
  }
  return { loss: makeLoss(s, options), ignored };
}
