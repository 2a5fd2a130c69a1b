// Tests of the Keras losses: hand-computed values, Keras' [1e-7, 1 - 1e-7] clipping, stability with
// large logits, name lookup, and float64 finite-difference gradient checks.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, setSeed, randomUniform, valueAndGrad, sum, softmax, sigmoid } from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  meanSquaredError, meanAbsoluteError, huber, binaryCrossentropy, categoricalCrossentropy,
  sparseCategoricalCrossentropy, getLoss, losses, EPSILON,
} from './index.js';
import { ArgumentError, ShapeError } from '../errors.js';

const t64 = (v: number[] | number[][], shape?: number[]): Tensor => tensor(v, shape, 'float64');

function close(got: ArrayLike<number>, want: number[], tol = 1e-6): void {
  assert.equal(got.length, want.length, `length: got ${Array.from(got)} want ${want}`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

/** Central differences of sum(f(yPred)) w.r.t. yPred against autograd, in float64. */
function checkGrad(who: string, f: (p: Tensor) => Tensor, p: Tensor, h = 1e-6, tol = 1e-6): void {
  const [, [g]] = valueAndGrad((x: Tensor) => sum(f(x)))(p);
  const arr = p.values as Float64Array;
  for (let i = 0; i < arr.length; i++) {
    const old = arr[i];
    arr[i] = old + h;
    const up = sum(f(p)).item();
    arr[i] = old - h;
    const down = sum(f(p)).item();
    arr[i] = old;
    const num = (up - down) / (2 * h);
    assert.ok(Math.abs(g.values[i] - num) <= tol * Math.max(1, Math.abs(num)), `${who} d/dp[${i}]: analytic ${g.values[i]} vs numeric ${num}`);
  }
}

function rand64(shape: number[], lo: number, hi: number): Tensor {
  return tensor(randomUniform(shape, lo, hi).data(), shape, 'float64');
}

describe('loss values', () => {
  test('mean squared / absolute error average over the last axis, one value per sample', () => {
    const y = t64([[1, 2], [3, 4]]);
    const p = t64([[1.5, 2], [2, 5]]);
    close(meanSquaredError(y, p).data(), [0.125, 1]);
    close(meanAbsoluteError(y, p).data(), [0.25, 1]);
    // Labels [batch] against predictions [batch, 1] (Workflow 1) are expanded, not broadcast.
    const l = meanSquaredError(t64([1, 2, 3]), t64([[2], [2], [2]], [3, 1]));
    assert.deepEqual(l.shape, [3]);
    close(l.data(), [1, 0, 1]);
  });

  test('huber: quadratic up to delta, linear beyond', () => {
    const y = t64([[0, 0]]);
    close(huber(y, t64([[0.5, -2]])).data(), [(0.125 + 1.5) / 2]);
    // delta 2: |e| = 3 -> 2*3 - 0.5*4 = 4; |e| = 1 -> 0.5.
    close(huber(y, t64([[3, 1]]), 2).data(), [(4 + 0.5) / 2]);
    close(losses.huber({ delta: 2 })(y, t64([[3, 1]])).data(), [2.25]);
  });

  test('binary crossentropy on probabilities and logits', () => {
    const y = t64([[1, 0], [0, 1]]);
    const p = t64([[0.9, 0.2], [0.3, 0.6]]);
    close(binaryCrossentropy(y, p).data(), [-(Math.log(0.9) + Math.log(0.8)) / 2, -(Math.log(0.7) + Math.log(0.6)) / 2], 1e-12);
    const logits = t64([[2, -1], [0.5, 3]]);
    const viaSigmoid = binaryCrossentropy(y, sigmoid(logits));
    close(binaryCrossentropy(y, logits, true).data(), Array.from(viaSigmoid.data()), 1e-12);
  });

  test('categorical crossentropy renormalises probabilities as Keras does', () => {
    const y = t64([[0, 1, 0]]);
    close(categoricalCrossentropy(y, t64([[0.2, 0.7, 0.1]])).data(), [-Math.log(0.7)], 1e-12);
    close(categoricalCrossentropy(y, t64([[1, 2, 1]])).data(), [-Math.log(0.5)], 1e-12);
    // Soft labels.
    close(categoricalCrossentropy(t64([[0.5, 0.5, 0]]), t64([[0.25, 0.5, 0.25]])).data(), [-(0.5 * Math.log(0.25) + 0.5 * Math.log(0.5))], 1e-12);
    const logits = t64([[1, 2, 3]]);
    close(categoricalCrossentropy(y, logits, true).data(), Array.from(categoricalCrossentropy(y, softmax(logits)).data()), 1e-12);
  });

  test('sparse categorical crossentropy takes integer labels of shape [batch] or [batch, 1]', () => {
    const p = t64([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]]);
    const want = [-Math.log(0.7), -Math.log(0.5)];
    close(sparseCategoricalCrossentropy(tensor([1, 0], [2], 'int32'), p).data(), want, 1e-12);
    close(sparseCategoricalCrossentropy(tensor([[1], [0]], [2, 1], 'float32'), p).data(), want, 1e-12);
    const logits = t64([[1, 2, 3], [0, 0, 0]]);
    close(sparseCategoricalCrossentropy(tensor([2, 1]), logits, true).data(), [-Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))), Math.log(3)], 1e-12);
  });

  test('probabilities are clipped to [1e-7, 1 - 1e-7] (Keras epsilon)', () => {
    assert.equal(EPSILON, 1e-7);
    const y = t64([[1, 0]]);
    // p = 0 for the true class: -log(1e-7); p = 1 for the false class: -log(1 - (1 - 1e-7)) = -log(1e-7).
    close(binaryCrossentropy(y, t64([[0, 1]])).data(), [-Math.log(1e-7)], 1e-9);
    // A perfect prediction still costs -log(1 - 1e-7) ~ 1e-7, as in Keras.
    close(binaryCrossentropy(y, t64([[1, 0]])).data(), [-Math.log(1 - 1e-7)], 1e-9);
    close(categoricalCrossentropy(t64([[0, 1]]), t64([[1, 0]])).data(), [-Math.log(1e-7)], 1e-9);
    close(sparseCategoricalCrossentropy(tensor([1]), t64([[1, 0]])).data(), [-Math.log(1e-7)], 1e-9);
    // float32, as in training: finite, about 16.118.
    const l32 = sparseCategoricalCrossentropy(tensor([1]), tensor([[1, 0]]));
    assert.equal(l32.dtype, 'float32');
    close(l32.data(), [16.118095], 1e-6);
  });

  test('large logits give finite losses (float32)', () => {
    const big = tensor([[1000, 0, -1000]]);
    const sce = sparseCategoricalCrossentropy(tensor([0, 1, 2].slice(0, 1)), big, true).item();
    assert.ok(Math.abs(sce) < 1e-6, `label of the largest logit: ${sce}`);
    close(sparseCategoricalCrossentropy(tensor([1]), big, true).data(), [1000], 1e-6);
    close(sparseCategoricalCrossentropy(tensor([2]), big, true).data(), [2000], 1e-6);
    close(categoricalCrossentropy(tensor([[0, 0, 1]]), big, true).data(), [2000], 1e-6);
    const b = binaryCrossentropy(tensor([[0, 1, 1, 0]]), tensor([[1000, -1000, 1000, -1000]]), true);
    close(b.data(), [(1000 + 1000 + 0 + 0) / 4], 1e-6);
    // Probabilities from a saturated softmax are clipped, never log(0).
    const probs = softmax(big);
    const l = sparseCategoricalCrossentropy(tensor([2]), probs).item();
    assert.ok(Number.isFinite(l) && Math.abs(l - 16.118095) < 1e-4, `clipped: ${l}`);
  });
});

describe('loss gradients (float64 central differences)', () => {
  test('mse and mae (away from the kink)', () => {
    setSeed(11);
    const y = rand64([3, 4], -1, 1);
    checkGrad('mse', (p) => meanSquaredError(y, p), rand64([3, 4], -1, 1));
    // Predictions offset by at least 0.2 from the labels keep |error| away from 0.
    const p = tensor(Array.from(y.values).map((v, i) => v + (i % 2 ? 0.3 : -0.4) + 0.1 * Math.sin(i)), [3, 4], 'float64');
    checkGrad('mae', (q) => meanAbsoluteError(y, q), p);
  });

  test('huber in both regions', () => {
    const y = t64([[0, 0, 0, 0]]);
    checkGrad('huber', (p) => huber(y, p), t64([[0.3, -0.6, 1.7, -2.5]]));
    checkGrad('huber delta 2', (p) => huber(y, p, 2), t64([[0.3, -1.6, 2.7, -4.5]]));
  });

  test('binary crossentropy, probabilities and logits', () => {
    setSeed(12);
    const y = t64([[1, 0, 1], [0, 0, 1]]);
    checkGrad('bce', (p) => binaryCrossentropy(y, p), rand64([2, 3], 0.1, 0.9));
    checkGrad('bce logits', (p) => binaryCrossentropy(y, p, true), rand64([2, 3], -3, 3));
    // Soft labels too.
    const ys = t64([[0.2, 0.7, 1], [0, 0.5, 0.9]]);
    checkGrad('bce soft', (p) => binaryCrossentropy(ys, p, true), rand64([2, 3], -3, 3));
  });

  test('categorical crossentropy, probabilities (with renormalisation) and logits', () => {
    setSeed(13);
    const y = t64([[0, 1, 0, 0], [0.25, 0.25, 0.5, 0]]);
    checkGrad('cce', (p) => categoricalCrossentropy(y, p), rand64([2, 4], 0.2, 1));
    checkGrad('cce logits', (p) => categoricalCrossentropy(y, p, true), rand64([2, 4], -3, 3));
  });

  test('sparse categorical crossentropy, probabilities and logits', () => {
    setSeed(14);
    const labels = tensor([3, 0, 2], [3], 'int32');
    checkGrad('scce', (p) => sparseCategoricalCrossentropy(labels, p), rand64([3, 4], 0.2, 1));
    checkGrad('scce logits', (p) => sparseCategoricalCrossentropy(labels, p, true), rand64([3, 4], -3, 3));
  });
});

describe('loss lookup and errors', () => {
  test('Keras names in snake_case, camelCase and the aliases', () => {
    for (const n of ['mse', 'meanSquaredError', 'mean_squared_error', 'MeanSquaredError']) assert.equal(getLoss(n).lossName, 'mean_squared_error', n);
    for (const n of ['mae', 'meanAbsoluteError', 'mean_absolute_error']) assert.equal(getLoss(n).lossName, 'mean_absolute_error', n);
    for (const n of ['sparseCategoricalCrossentropy', 'sparse_categorical_crossentropy']) assert.equal(getLoss(n).lossName, 'sparse_categorical_crossentropy');
    assert.equal(getLoss('binaryCrossentropy').lossName, 'binary_crossentropy');
    assert.equal(getLoss('huber').lossName, 'huber');
    const custom = losses.sparseCategoricalCrossentropy({ fromLogits: true });
    assert.equal(getLoss(custom), custom);
  });

  test('huber refuses a delta that is not a positive finite number, word for word', () => {
    const exact = (msg: string) => (e: unknown) => e instanceof ArgumentError && e.message === msg;
    assert.throws(() => losses.huber({ delta: 0 }), exact('losses.huber: delta must be a positive number, got 0'));
    assert.throws(() => losses.huber({ delta: -1 }), exact('losses.huber: delta must be a positive number, got -1'));
    assert.throws(() => losses.huber({ delta: NaN }), exact('losses.huber: delta must be a positive number, got NaN'));
    assert.throws(() => losses.huber({ delta: Infinity }), exact('losses.huber: delta must be a positive number, got Infinity'));
    assert.throws(() => losses.huber({ delta: '2' as never }), exact('losses.huber: delta must be a number, got "2" (a string)'));
    assert.equal(losses.huber({ delta: 0.5 }).lossConfig?.delta, 0.5);
  });

  test('unknown names list the valid ones', () => {
    assert.throws(() => getLoss('mean_square_error'), (e: unknown) => e instanceof ArgumentError && /unknown loss 'mean_square_error'; valid names: .*mean_squared_error.*sparse_categorical_crossentropy/.test(e.message));
  });

  test('sparse labels out of range or not integers name the value and index', () => {
    const p = t64([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]);
    assert.throws(() => sparseCategoricalCrossentropy(tensor([0, 1, 2]), p), (e: unknown) => e instanceof ArgumentError && /label 2 at index 2 is out of range \[0, 2\)/.test(e.message));
    assert.throws(() => sparseCategoricalCrossentropy(tensor([0, -1, 1]), p), /label -1 at index 1 is out of range/);
    assert.throws(() => sparseCategoricalCrossentropy(tensor([0.5, 1, 1]), p), /labels must be integers, got 0.5 at index 0/);
  });

  test('shape mismatches name the loss and both shapes', () => {
    assert.throws(() => meanSquaredError(t64([[1, 2, 3]]), t64([[1, 2]])), (e: unknown) => e instanceof ShapeError && /mean_squared_error: labels shape \[1, 3\] does not match predictions \[1, 2\]/.test(e.message));
    assert.throws(() => sparseCategoricalCrossentropy(tensor([0, 1, 0]), t64([[0.5, 0.5], [0.5, 0.5]])), /sparse_categorical_crossentropy: labels shape \[3\] does not match predictions \[2, 2\]/);
  });
});
