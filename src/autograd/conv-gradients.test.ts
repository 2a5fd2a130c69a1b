// Finite-difference checks (float64, central differences) of the convolution, pooling and batch
// normalization gradients, over every geometry the kernels special-case: strides 1 and 2, 'valid'
// and 'same' padding, dilation, no bias, fused relu, batch 1, 1x1 kernels, kernel = input size,
// odd sizes, overlapping pooling windows.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, setSeed, randomNormal, randomUniform, conv2d, maxPool2d, avgPool2d, batchNorm, batchNormTraining, grads, sum, mul } from '../index.js';
import { checkGrad } from '../test-utils/gradcheck.js';
import type { Conv2dOptions } from '../ops/conv.js';
import type { Pool2dOptions } from '../ops/pooling.js';

const f64 = (shape: number[]): Tensor => randomNormal(shape, 0, 1, 'float64');

/** Distinct values (at least 0.05 apart), shuffled: no ties for max pooling's argmax. */
function distinct(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return tensor(vals, shape, 'float64');
}

describe('conv2d gradients (x, kernel, bias)', () => {
  const cases: [string, number[], number[], Conv2dOptions][] = [
    ['stride 1, valid', [2, 5, 6, 3], [3, 3, 3, 4], {}],
    ['stride 2, valid, odd sizes', [2, 7, 6, 2], [3, 2, 2, 3], { strides: 2 }],
    ['strides [2, 3], valid', [1, 7, 8, 2], [2, 3, 2, 3], { strides: [2, 3] }],
    ['same padding, stride 1', [1, 5, 5, 2], [3, 3, 2, 2], { padding: 'same' }],
    ['same padding, stride 2, odd sizes', [2, 7, 5, 3], [3, 3, 3, 2], { padding: 'same', strides: 2 }],
    ['same padding, even kernel (pad after > before)', [1, 4, 5, 2], [2, 4, 2, 3], { padding: 'same' }],
    ['same padding, kernel larger than the input', [1, 2, 3, 2], [4, 5, 2, 2], { padding: 'same' }],
    ['dilation 2, valid', [1, 7, 7, 2], [3, 3, 2, 3], { dilationRate: 2 }],
    ['dilation 2, same', [2, 5, 6, 2], [3, 2, 2, 2], { dilationRate: 2, padding: 'same' }],
    ['dilation [2, 1] with stride 2', [1, 8, 7, 2], [2, 3, 2, 2], { dilationRate: [2, 1], strides: 2 }],
    ['batch 1, 1x1 kernel', [1, 3, 4, 5], [1, 1, 5, 3], {}],
    ['1x1 kernel, stride 2', [2, 5, 5, 3], [1, 1, 3, 4], { strides: 2 }],
    ['kernel = input size (1x1 output)', [2, 3, 4, 2], [3, 4, 2, 5], {}],
    ['one input channel (a first layer)', [3, 6, 6, 1], [3, 3, 1, 4], {}],
  ];
  cases.forEach(([name, xs, ws, opts], i) => {
    test(`${name}: x ${JSON.stringify(xs)}, kernel ${JSON.stringify(ws)}`, () => {
      setSeed(300 + i);
      checkGrad((x, w, b) => conv2d(x, w, { ...opts, bias: b }), [f64(xs), f64(ws), f64([ws[3]])]);
    });
  });
  test('no bias', () => {
    setSeed(320);
    checkGrad((x, w) => conv2d(x, w, { padding: 'same', strides: 2 }), [f64([2, 5, 4, 3]), f64([3, 3, 3, 2])]);
  });
  test('relu fused, valid and same', () => {
    setSeed(321);
    // Pre-activations well away from 0 for most positions; checkGrad's step (1e-6) cannot cross the kink.
    checkGrad((x, w, b) => conv2d(x, w, { bias: b, activation: 'relu' }), [f64([2, 5, 5, 2]), f64([3, 3, 2, 3]), f64([3])]);
    checkGrad((x, w, b) => conv2d(x, w, { bias: b, activation: 'relu', padding: 'same', strides: 2 }), [f64([1, 5, 6, 3]), f64([2, 3, 3, 4]), f64([4])]);
  });
  test('relu fused: the gradient is zero where the output is zero', () => {
    const x = tensor([1, -1, 2, -2], [1, 2, 2, 1], 'float64');
    const w = tensor([1], [1, 1, 1, 1], 'float64');
    const [gx] = grads((a) => sum(conv2d(a, w, { activation: 'relu' })))(x, w);
    assert.deepEqual(Array.from(gx.data()), [1, 0, 1, 0]);
  });
  test('float32 input with a float64 kernel is computed in float64', () => {
    setSeed(322);
    const y = conv2d(randomNormal([1, 3, 3, 1]), f64([2, 2, 1, 1]));
    assert.equal(y.dtype, 'float64');
  });
});

describe('pooling gradients', () => {
  const cases: [string, number[], Pool2dOptions][] = [
    ['2x2 stride 2, valid, odd sizes', [2, 5, 5, 3], {}],
    ['3x3 stride 1 (overlapping windows)', [1, 5, 6, 2], { poolSize: 3, strides: 1 }],
    ['3x3 stride 2 (overlapping windows)', [2, 7, 7, 2], { poolSize: 3, strides: 2 }],
    ['2x2 stride 2, same, odd sizes', [1, 5, 7, 2], { padding: 'same' }],
    ['3x2 stride [1, 2], same', [2, 4, 5, 3], { poolSize: [3, 2], strides: [1, 2], padding: 'same' }],
    ['pool = input size', [2, 3, 4, 2], { poolSize: [3, 4] }],
    ['1x1 pool, stride 2', [1, 5, 5, 2], { poolSize: 1, strides: 2 }],
  ];
  cases.forEach(([name, xs, opts], i) => {
    test(`maxPool2d ${name}`, () => {
      checkGrad((x) => maxPool2d(x, opts), [distinct(xs, 400 + i)]);
    });
    test(`avgPool2d ${name}`, () => {
      setSeed(420 + i);
      checkGrad((x) => avgPool2d(x, opts), [f64(xs)]);
    });
  });
  test('maxPool2d on a tie gives the whole gradient to the first maximum, as TF does', () => {
    const x = tensor([3, 3, 1, 3], [1, 2, 2, 1], 'float64');
    const [g] = grads((a) => sum(maxPool2d(a)))(x);
    assert.deepEqual(Array.from(g.data()), [1, 0, 0, 0]);
  });
  test('avgPool2d with same padding divides by the real positions only', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1], 'float64');
    // 2x2 windows, stride 2, 'same': output 2x2; the right and bottom windows are partly padding.
    assert.deepEqual(Array.from(avgPool2d(x, { padding: 'same' }).data()), [3, 4.5, 7.5, 9]);
  });
});

describe('batch normalization gradients', () => {
  test('batchNorm with given statistics: x, mean, variance, gamma, beta', () => {
    setSeed(500);
    checkGrad(
      (x, m, v, g, b) => batchNorm(x, m, v, { gamma: g, beta: b, epsilon: 1e-3 }),
      [f64([2, 3, 3, 4]), f64([4]), randomUniform([4], 0.5, 2, 'float64'), f64([4]), f64([4])],
    );
  });
  test('batchNorm without gamma and beta, channel axis 1', () => {
    setSeed(501);
    checkGrad((x, m, v) => batchNorm(x, m, v, { axis: 1 }), [f64([3, 2, 4]), f64([2]), randomUniform([2], 0.5, 2, 'float64')]);
  });
  test('batchNormTraining: x, gamma, beta through the batch statistics', () => {
    setSeed(502);
    checkGrad((x, g, b) => batchNormTraining(x, { gamma: g, beta: b }).output, [f64([3, 2, 3, 4]), f64([4]), f64([4])]);
  });
  test('batchNormTraining on a Dense output [batch, features], no beta', () => {
    setSeed(503);
    checkGrad((x, g) => batchNormTraining(x, { gamma: g, epsilon: 1e-5 }).output, [f64([5, 3]), f64([3])]);
  });
  test('batchNormTraining with channel axis 1 and no gamma', () => {
    setSeed(504);
    checkGrad((x, b) => batchNormTraining(x, { beta: b, axis: 1 }).output, [f64([2, 3, 2, 2]), f64([3])]);
  });
  test('batchNormTraining returns the mean and the biased variance', () => {
    const x = tensor([1, 10, 2, 20, 3, 60], [3, 2], 'float64');
    const r = batchNormTraining(x, { epsilon: 0 });
    assert.deepEqual(Array.from(r.mean.data()), [2, 30]);
    assert.deepEqual(Array.from(r.variance.data()), [2 / 3, 1400 / 3]);
    // Normalized columns have mean 0 and (biased) variance 1.
    const o = Array.from(mul(r.output, 1).data());
    assert.ok(Math.abs(o[0] + o[2] + o[4]) < 1e-12);
    assert.ok(Math.abs((o[0] ** 2 + o[2] ** 2 + o[4] ** 2) / 3 - 1) < 1e-12);
  });
});
