// softmax and logSoftmax: values, numerical stability with large logits, other axes, Inf/NaN rows.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, scalar, zeros, softmax, logSoftmax, sum, exp, log, ArgumentError } from '../index.js';
import { assertTensor, vals } from '../test-utils/assert-tensor.js';

const inf = Infinity;
const nan = Number.NaN;

describe('softmax', () => {
  test('hand-worked row, rows sum to 1', () => {
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0] + e[1] + e[2];
    const r = softmax(tensor([[1, 2, 3], [0, 0, 0]]));
    assertTensor(r, [2, 3], [e[0] / s, e[1] / s, e[2] / s, 1 / 3, 1 / 3, 1 / 3]);
    assertTensor(sum(r, -1), [2], [1, 1]);
  });
  test('large logits stay finite: softmax([1000, 0]) is [1, 0]', () => {
    assertTensor(softmax(tensor([1000, 0])), [2], [1, 0], 0);
    assertTensor(softmax(tensor([-1000, -1001])), [2], [1 / (1 + Math.exp(-1)), Math.exp(-1) / (1 + Math.exp(-1))]);
    assert.ok(vals(softmax(tensor([1e30, -1e30, 0]))).every(Number.isFinite));
  });
  test('axis 0 and a negative middle axis', () => {
    const x = tensor([[1, 5], [1, 5]]);
    assertTensor(softmax(x, 0), [2, 2], [0.5, 0.5, 0.5, 0.5]);
    const c = tensor([[[0, 0], [Math.log(3), 0]]]); // [1, 2, 2]
    assertTensor(softmax(c, -2), [1, 2, 2], [0.25, 0.5, 0.75, 0.5]);
    assertTensor(softmax(c, 1), [1, 2, 2], [0.25, 0.5, 0.75, 0.5]);
  });
  test('-Infinity entries get probability 0 (masking); NaN and +Infinity stay in their own row', () => {
    assertTensor(softmax(tensor([-inf, 0, 0])), [3], [0, 0.5, 0.5]);
    const r = softmax(tensor([[inf, 0], [nan, 1], [0, 0]]));
    assertTensor(r, [3, 2], [nan, nan, nan, nan, 0.5, 0.5]);
  });
  test('size-1 and size-0 axes; integers give float32', () => {
    assertTensor(softmax(tensor([[3], [-2]])), [2, 1], [1, 1], 0);
    assertTensor(softmax(zeros([0, 4])), [0, 4], []);
    assertTensor(softmax(zeros([2, 0])), [2, 0], []);
    const i = softmax(tensor([0, 0], undefined, 'int32'));
    assert.equal(i.dtype, 'float32');
    assertTensor(i, [2], [0.5, 0.5]);
    assert.equal(softmax(tensor([0, 1], [2], 'float64')).dtype, 'float64');
  });
  test('errors: scalar, bad axis', () => {
    assert.throws(() => softmax(scalar(1)), (e: unknown) => e instanceof ArgumentError && /softmax: needs rank >= 1, got a scalar/.test(e.message));
    assert.throws(() => softmax(zeros([2, 2]), 2), /softmax: axis 2 is out of range for a tensor of rank 2/);
    assert.throws(() => logSoftmax(zeros([2]), -2), /logSoftmax: axis -2 is out of range/);
  });
});

describe('logSoftmax', () => {
  test('equals log(softmax(x)) on ordinary values', () => {
    const x = tensor([[1, 2, 3], [-1, 0, 4]], undefined, 'float64');
    assertTensor(logSoftmax(x), [2, 3], vals(log(softmax(x))), 1e-12);
    assertTensor(sum(exp(logSoftmax(x)), 1), [2], [1, 1], 1e-12);
  });
  test('large logits stay finite where log(softmax) would be -Infinity', () => {
    const r = logSoftmax(tensor([1000, 0, -1000]));
    assertTensor(r, [3], [0, -1000, -2000], 0);
    assert.equal(vals(log(softmax(tensor([1000, 0, -1000]))))[2], -inf);
    assertTensor(logSoftmax(tensor([1e4, 1e4])), [2], [-Math.LN2, -Math.LN2]);
  });
  test('on axis 0', () => {
    assertTensor(logSoftmax(tensor([[0, 7], [0, 7]]), 0), [2, 2], [-Math.LN2, -Math.LN2, -Math.LN2, -Math.LN2]);
  });
  test('-Infinity stays -Infinity; NaN stays in its row', () => {
    assertTensor(logSoftmax(tensor([-inf, 0])), [2], [-inf, 0]);
    assertTensor(logSoftmax(tensor([[nan, 0], [0, 0]])), [2, 2], [nan, nan, -Math.LN2, -Math.LN2]);
  });
});
