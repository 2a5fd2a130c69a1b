// Batch normalization, Keras 3 formulas: y = (x - mean) / sqrt(variance + epsilon) * gamma + beta
// per channel, with either given statistics (inference: the moving mean and variance) or the
// batch's own (training: mean and biased variance over every axis but the channel axis, with the
// gradient flowing through them).
//
// Moving statistics (the layer's business, not these ops'): Keras 3 updates them as
// moving = moving * momentum + batch * (1 - momentum) with the same *biased* batch variance used
// to normalize (batch_normalization.py `call`, ops.moments = tf.nn.moments); TF.js 4.22 does the
// same (tfjs-layers normalization.ts: tfc.moments, then doMovingAverage with that variance).

import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { floatResult, isFloat, type DType } from '../tensor/dtype.js';
import { normalizeAxis, swapWithLast } from '../tensor/shape.js';
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/engine.js';
import { toTensor } from './convert.js';
import { empty } from './elementwise.js';
import { stepOutput } from '../backend/arena.js';
import { transpose } from './shape-ops.js';
import { asFloat } from './conv.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';

/** Options of batchNorm and batchNormTraining. */
export interface BatchNormOptions {
  /** Scale per channel (default none, i.e. 1). */
  gamma?: TensorLike | null;
  /** Offset per channel (default none, i.e. 0). */
  beta?: TensorLike | null;
  /** Added to the variance before the square root (Keras default 1e-3). */
  epsilon?: number;
  /** The channel axis (default -1, the last). */
  axis?: number;
}

/** Result of batchNormTraining: the normalized batch and the statistics it was normalized with. */
export interface BatchNormTrainingResult {
  /** The normalized batch, x's shape. */
  output: Tensor;
  /** Per-channel batch mean [channels] (no gradient flows back through this tensor). */
  mean: Tensor;
  /** Per-channel biased batch variance [channels] (no gradient flows back through it). */
  variance: Tensor;
}

interface Prepared {
  x: Tensor;
  perm: number[] | null;
  channels: number;
  dtype: DType;
  gamma: Tensor | null;
  beta: Tensor | null;
  epsilon: number;
}

function prepare(op: string, x: TensorLike, opts: BatchNormOptions): Prepared {
  let t = toTensor(x, op);
  if (t.rank === 0) throw new ShapeError(`${op}: needs rank >= 1 (a channel axis), got a scalar`);
  const axis = normalizeAxis(op, opts.axis ?? -1, t.rank);
  const epsilon = opts.epsilon ?? 1e-3;
  if (!(Number.isFinite(epsilon) && epsilon >= 0)) throw new ArgumentError(`${op}: epsilon must be a number >= 0, got ${epsilon}`);
  const channels = t.shape[axis];
  const dtype = floatResult(t.dtype);
  const vec = (name: string, v: TensorLike | null | undefined): Tensor | null => {
    if (v === undefined || v === null) return null;
    const u = toTensor(v, op);
    if (u.rank !== 1 || u.shape[0] !== channels) {
      throw new ShapeError(`${op}: expected ${name} of shape [${channels}] (the channel axis ${axis} of input ${fmtShape(t.shape)}), got ${fmtShape(u.shape)}`);
    }
    if (!isFloat(u.dtype)) throw new ArgumentError(`${op}: ${name} must be a float tensor, got ${u.dtype}`);
    return asFloat(u, dtype);
  };
  const gamma = vec('gamma', opts.gamma);
  const beta = vec('beta', opts.beta);
  t = asFloat(t, dtype);
  // The kernels normalize the last axis; another channel axis is moved there and back.
  let perm: number[] | null = null;
  if (axis !== t.rank - 1) {
    perm = swapWithLast(t.rank, axis);
    t = transpose(t, perm);
  }
  return { x: t, perm, channels, dtype, gamma, beta, epsilon };
}

function finish(p: Prepared, y: Tensor): Tensor {
  return p.perm ? transpose(y, p.perm) : y;
}

/**
 * Normalizes x with given per-channel statistics (a BatchNormalization layer at inference):
 * (x - mean) / sqrt(variance + epsilon) * gamma + beta. x [..., channels] (channels on `axis`,
 * default last), mean, variance, gamma and beta [channels]; the output has x's shape.
 * @example batchNorm(x, movingMean, movingVariance, { gamma, beta, epsilon: 1e-3 })
 */
export function batchNorm(x: TensorLike, mean: TensorLike, variance: TensorLike, opts: BatchNormOptions = {}): Tensor {
  const op = 'batchNorm';
  const p = prepare(op, x, opts);
  const [m, v] = [mean, variance].map((s, i) => {
    const u = toTensor(s, op);
    if (u.rank !== 1 || u.shape[0] !== p.channels) {
      throw new ShapeError(`${op}: expected ${i ? 'variance' : 'mean'} of shape [${p.channels}], got ${fmtShape(u.shape)}`);
    }
    return asFloat(u, p.dtype);
  });
  const out = stepOutput([...p.x.shape], p.dtype);
  getBackend().batchNormForward(p.x, m, v, p.gamma, p.beta, p.epsilon, out);
  const inputs = [p.x, m, v, ...(p.gamma ? [p.gamma] : []), ...(p.beta ? [p.beta] : [])];
  return finish(p, record(out, 'batchNorm', inputs, { epsilon: p.epsilon, hasGamma: p.gamma !== null, hasBeta: p.beta !== null }));
}

/**
 * Normalizes x with its own batch statistics (a BatchNormalization layer in training): mean and
 * biased variance over every axis but the channel axis. Returns them too ([channels] each), for
 * the moving averages; `output` has x's shape.
 * @example const { output, mean, variance } = batchNormTraining(x, { gamma, beta })
 */
export function batchNormTraining(x: TensorLike, opts: BatchNormOptions = {}): BatchNormTrainingResult {
  const p = prepare('batchNormTraining', x, opts);
  const mean = empty([p.channels], p.dtype);
  const variance = empty([p.channels], p.dtype);
  const b = getBackend();
  b.batchNormStats(p.x, mean, variance);
  const out = stepOutput([...p.x.shape], p.dtype);
  b.batchNormForward(p.x, mean, variance, p.gamma, p.beta, p.epsilon, out);
  const inputs = [p.x, ...(p.gamma ? [p.gamma] : []), ...(p.beta ? [p.beta] : [])];
  const params = { epsilon: p.epsilon, hasGamma: p.gamma !== null, hasBeta: p.beta !== null, mean, variance };
  return { output: finish(p, record(out, 'batchNormTraining', inputs, params)), mean, variance };
}

/**
 * @internal Gradients of a batch normalization with channel-last x, given the statistics used:
 * [dx, dgamma, dbeta], each null unless asked for by `need`.
 */
export function batchNormBackward(
  x: Tensor,
  mean: Tensor,
  variance: Tensor,
  gamma: Tensor | null,
  dy: Tensor,
  epsilon: number,
  batchStats: boolean,
  need: readonly [boolean, boolean, boolean],
): [Tensor | null, Tensor | null, Tensor | null] {
  const dtype = x.dtype;
  const c = mean.shape[0];
  const dx = need[0] ? stepOutput([...x.shape], dtype) : null;
  const dgamma = need[1] ? empty([c], dtype) : null;
  const dbeta = need[2] ? empty([c], dtype) : null;
  if (dx || dgamma || dbeta) getBackend().batchNormBackward(x, mean, variance, gamma, asFloat(dy, dtype), epsilon, batchStats, dx, dgamma, dbeta);
  return [dx, dgamma, dbeta];
}
