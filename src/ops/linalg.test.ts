// matMul: hand-worked products, the four transpose combinations, batches with broadcast batch
// dims, size-0 dims, dtypes, NaN, and the exact shape error messages.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, ones, range, matMul, transpose, setSeed, randomNormal, ShapeError, type Tensor } from '../index.js';
import { assertTensor, vals } from '../test-utils/assert-tensor.js';

const a = tensor([[1, 2, 3], [4, 5, 6]]); // [2, 3]
const b = tensor([[7, 8], [9, 10], [11, 12]]); // [3, 2]
const ab = [58, 64, 139, 154];

/** Plain triple loop over the last two dims of rank-2 inputs. */
function naive(x: Tensor, y: Tensor): number[] {
  const [m, k] = x.shape;
  const n = y.shape[1];
  const out: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += x.values[i * k + p] * y.values[p * n + j];
    out.push(s);
  }
  return out;
}

describe('matMul values', () => {
  test('[2,3] x [3,2]', () => {
    assertTensor(matMul(a, b), [2, 2], ab, 0);
    assertTensor(a.matMul(b), [2, 2], ab, 0);
  });
  test('all four transpose combinations give the same product', () => {
    const aT = transpose(a);
    const bT = transpose(b);
    assertTensor(matMul(aT, b, { transposeA: true }), [2, 2], ab, 0);
    assertTensor(matMul(a, bT, { transposeB: true }), [2, 2], ab, 0);
    assertTensor(matMul(aT, bT, { transposeA: true, transposeB: true }), [2, 2], ab, 0);
  });
  test('odd sizes exercise the 4-row blocks and the remainder rows', () => {
    setSeed(5);
    const x = randomNormal([7, 5], 0, 1, 'float64');
    const y = randomNormal([5, 3], 0, 1, 'float64');
    assertTensor(matMul(x, y), [7, 3], naive(x, y), 1e-12);
  });
  test('batched rank 3', () => {
    const x = range(12).reshape([2, 2, 3]).cast('float32');
    const y = ones([2, 3, 1]);
    assertTensor(matMul(x, y), [2, 2, 1], [3, 12, 21, 30], 0);
  });
  test('batch dims broadcast: [2,1,2,3] x [3,3,2] gives [2,3,2,2]', () => {
    const x = range(12).reshape([2, 1, 2, 3]).cast('float32');
    const y = tensor([[[1, 0], [0, 1], [0, 0]], [[0, 0], [0, 0], [1, 1]], [[1, 1], [1, 1], [1, 1]]]);
    const r = matMul(x, y);
    assert.deepEqual(r.shape, [2, 3, 2, 2]);
    // batch (0, 0): x[0] = [[0,1,2],[3,4,5]] times the "first two columns" matrix
    assert.deepEqual(vals(r).slice(0, 4), [0, 1, 3, 4]);
    // batch (1, 2): x[1] = [[6,7,8],[9,10,11]] times all-ones
    assert.deepEqual(vals(r).slice(20, 24), [21, 21, 30, 30]);
  });
  test('rank 2 against a batch, with transposeB', () => {
    const y = tensor([[[1, 1, 1], [0, 0, 1]], [[2, 0, 0], [0, 3, 0]]]); // [2, 2, 3]
    const r = matMul(a, y, { transposeB: true });
    assertTensor(r, [2, 2, 2], [6, 3, 15, 6, 2, 6, 8, 15], 0);
  });
  test('size-0 dims: empty result or all-zero result when k is 0', () => {
    assertTensor(matMul(zeros([0, 3]), b), [0, 2], [], 0);
    assertTensor(matMul(zeros([2, 0]), zeros([0, 4])), [2, 4], new Array(8).fill(0), 0);
    assert.deepEqual(matMul(zeros([0, 2, 3]), b).shape, [0, 2, 2]);
  });
  test('size-1 dims', () => {
    assertTensor(matMul(tensor([[2]]), tensor([[3]])), [1, 1], [6], 0);
    assertTensor(matMul(tensor([[1, 2]]), tensor([[3], [4]])), [1, 1], [11], 0);
  });
  test('NaN and Infinity propagate to the affected rows and columns only', () => {
    const r = matMul(tensor([[Number.NaN, 0], [1, 1]]), tensor([[1, 0], [0, Infinity]]));
    assertTensor(r, [2, 2], [Number.NaN, Number.NaN, 1, Infinity]);
  });
  test('dtypes: int32 stays int32, mixed promotes, float64 is exact', () => {
    const i = tensor([[1, 2]], undefined, 'int32');
    const r = matMul(i, tensor([[3], [4]], undefined, 'int32'));
    assert.equal(r.dtype, 'int32');
    assert.equal(r.item(), 11);
    assert.equal(matMul(i, tensor([[0.5], [1]])).dtype, 'float32');
    assert.equal(matMul(tensor([[0.1]], undefined, 'float64'), tensor([[3]], undefined, 'float64')).item(), 0.1 * 3);
  });
});

describe('matMul errors', () => {
  test('inner dimensions differ: exact message', () => {
    assert.throws(() => matMul(zeros([32, 784]), zeros([128, 10])), (e: unknown) =>
      e instanceof ShapeError && e.message === 'matMul: inner dimensions differ: [32, 784] x [128, 10]');
  });
  test('the message says which operand was transposed', () => {
    assert.throws(() => matMul(zeros([2, 3]), zeros([2, 3]), { transposeB: false }), /matMul: inner dimensions differ: \[2, 3\] x \[2, 3\]$/);
    assert.throws(() => matMul(zeros([2, 3]), zeros([4, 2]), { transposeB: true }), / matMul: inner dimensions differ: \[2, 3\] x \[4, 2\] \(transposeB\)$/);
    assert.throws(() => matMul(zeros([2, 3]), zeros([3, 2]), { transposeA: true }), /\(transposeA\)$/);
  });
  test('rank below 2 is refused', () => {
    assert.throws(() => matMul(tensor([1, 2]), tensor([1, 2])), (e: unknown) =>
      e instanceof ShapeError && e.message === 'matMul: both inputs must have rank >= 2, got [2] x [2]');
    assert.throws(() => matMul(zeros([2, 2]), 3), ShapeError);
  });
  test('batch dims that do not broadcast', () => {
    assert.throws(() => matMul(zeros([2, 2, 3]), zeros([3, 3, 2])), (e: unknown) =>
      e instanceof ShapeError && /^matMul: shapes \[2\] and \[3\] cannot be broadcast together/.test(e.message));
  });
});
