// The reference JavaScript backend: every primitive, in plain readable loops. It is the definition
// every faster backend is tested against.

import type { AdamStep, Backend, SgdStep } from '../backend.js';
import { allocate, type DType, type TypedArray } from '../../tensor/dtype.js';
import { binary, broadcastTo, cast, unary, where } from './elementwise.js';
import { matMul } from './matmul.js';
import { concat, gather, oneHot, pad, scatterAdd, slice, transpose } from './movement.js';
import { argReduce, logSoftmax, reduce, softmax } from './reduce.js';
import { denseBackward, denseForward, softmaxSparseCrossentropyGrad, sparseCrossentropy, sparseCrossentropyGrad } from './nn.js';
import { conv2d, conv2dBackward } from './conv.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { batchNormBackward, batchNormForward, batchNormStats } from './batchnorm.js';

/**
 * The smallest normal number of the state's dtype. Optimizer state below it in magnitude (a
 * subnormal) is read as zero, as TensorFlow's CPU kernels read every operand (denormals-are-zero):
 * a moment of an input that stays zero decays into that range and would stay there (m - 0.1*m
 * rounds back to m), and CPUs take a slow path for such operands on every later step. A weight
 * never notices: such a moment moves it by less than 1e-34 (float32).
 */
const minNormal = (a: TypedArray): number => (a instanceof Float32Array ? 2 ** -126 : 2 ** -1022);
const belowAsZero = (x: number, tiny: number): number => (Math.abs(x) < tiny ? 0 : x);

/** Keras 3 Adam: lr_t = lr*sqrt(1-b2^t)/(1-b1^t); m += (g-m)(1-b1); v += (g²-v)(1-b2); w -= lr_t*m/(sqrt(v)+eps). */
function adamUpdate(w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, p: AdamStep): void {
  const lrT = (p.lr * Math.sqrt(1 - Math.pow(p.beta2, p.step))) / (1 - Math.pow(p.beta1, p.step));
  const b1 = p.beta1, b2 = p.beta2, eps = p.epsilon;
  const tiny = minNormal(m);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const m0 = belowAsZero(m[i], tiny);
    const v0 = belowAsZero(v[i], tiny);
    const mi = m0 + (gi - m0) * (1 - b1);
    const vi = v0 + (gi * gi - v0) * (1 - b2);
    m[i] = mi;
    v[i] = vi;
    w[i] -= (lrT * mi) / (Math.sqrt(vi) + eps);
  }
}

/** Keras 3 SGD: w -= lr*g; with momentum m = m*momentum - g*lr, then w += m (nesterov: w += m*momentum - g*lr); a subnormal m reads as 0. */
function sgdUpdate(w: TypedArray, g: TypedArray, m: TypedArray | null, p: SgdStep): void {
  const { lr, momentum: mu } = p;
  if (!m) {
    for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
    return;
  }
  const tiny = minNormal(m);
  for (let i = 0; i < w.length; i++) {
    const mi = belowAsZero(m[i], tiny) * mu - g[i] * lr;
    m[i] = mi;
    w[i] += p.nesterov ? m[i] * mu - g[i] * lr : m[i];
  }
}

export const jsBackend: Backend = {
  name: 'js',
  unary,
  binary,
  where,
  cast,
  reduce,
  argReduce,
  matMul,
  transpose,
  broadcastTo,
  slice,
  pad,
  concat,
  gather,
  scatterAdd,
  oneHot,
  softmax,
  logSoftmax,
  denseForward,
  denseBackward,
  conv2d,
  conv2dBackward,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  batchNormStats,
  batchNormForward,
  batchNormBackward,
  sparseCrossentropy,
  sparseCrossentropyGrad,
  softmaxSparseCrossentropyGrad,
  adamUpdate,
  sgdUpdate,
  allocatePersistent: (dtype: DType, n: number) => allocate(dtype, n),
  allocateScratch: (dtype: DType, n: number) => allocate(dtype, n),
  // Plain arrays are garbage-collected; there is nothing to give back early.
  releaseScratch: () => {},
};
