// Reductions: axes (one, several, negative, none), keepDims, empty axes, NaN, dtypes and errors.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, ones, range, sum, mean, max, min, prod, argMax, argMin, ArgumentError, fill } from '../index.js';
import { assertTensor, vals } from '../test-utils/assert-tensor.js';

const nan = Number.NaN;
// [[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], [[12 .. 15], [16 .. 19], [20 .. 23]]]
const cube = range(24).reshape([2, 3, 4]).cast('float32');

describe('sum', () => {
  test('all axes, one axis, negative axis', () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    assertTensor(sum(m), [], [21], 0);
    assertTensor(sum(m, 0), [3], [5, 7, 9], 0);
    assertTensor(sum(m, 1), [2], [6, 15], 0);
    assertTensor(sum(m, -1), [2], [6, 15], 0);
    assertTensor(sum(m, -2), [3], [5, 7, 9], 0);
  });
  test('several axes, in any order and negative, on rank 3', () => {
    assertTensor(sum(cube, [0, 2]), [3], [60, 92, 124], 0);
    assertTensor(sum(cube, [2, 0]), [3], [60, 92, 124], 0);
    assertTensor(sum(cube, [-1, -3]), [3], [60, 92, 124], 0);
    assertTensor(sum(cube, [0, 1]), [4], [60, 66, 72, 78], 0);
    assertTensor(sum(cube, [1, 2]), [2], [66, 210], 0);
  });
  test('keepDims keeps reduced axes as 1', () => {
    assertTensor(sum(cube, [0, 2], { keepDims: true }), [1, 3, 1], [60, 92, 124], 0);
    assertTensor(cube.sum(undefined, { keepDims: true }), [1, 1, 1], [276], 0);
    assertTensor(cube.sum(-1, { keepDims: true }), [2, 3, 1], [6, 22, 38, 54, 70, 86], 0);
  });
  test('an empty axis list reduces nothing; a scalar sums to itself', () => {
    assertTensor(sum(tensor([[1, 2], [3, 4]]), []), [2, 2], [1, 2, 3, 4], 0);
    assertTensor(sum(tensor(7)), [], [7], 0);
  });
  test('size-0 and size-1 dims', () => {
    assertTensor(sum(zeros([0, 3]), 0), [3], [0, 0, 0], 0);
    assertTensor(sum(zeros([0, 3]), 1), [0], [], 0);
    assertTensor(sum(zeros([0])), [], [0], 0);
    assertTensor(sum(ones([1, 3, 1]), [0, 2]), [3], [1, 1, 1], 0);
  });
  test('NaN and Infinity propagate', () => {
    assertTensor(sum(tensor([[1, nan], [2, 3]]), 1), [2], [nan, 5]);
    assertTensor(sum(tensor([Infinity, -Infinity])), [], [nan]);
  });
  test('dtypes: bool and uint8 sum to int32 (no wrap), int32 stays int32', () => {
    const b = sum(tensor([true, true, false]));
    assert.equal(b.dtype, 'int32');
    assert.equal(b.item(), 2);
    const u = sum(tensor([200, 100], undefined, 'uint8'));
    assert.equal(u.dtype, 'int32');
    assert.equal(u.item(), 300);
    assert.equal(sum(tensor([1, 2], undefined, 'int32')).dtype, 'int32');
  });
  test('float32 sums accumulate in double precision', () => {
    const s = sum(fill([100000], 0.1)).item();
    assert.ok(Math.abs(s - 10000) < 1e-3, `sum = ${s}`);
    const s2 = sum(fill([1000, 100], 0.1), 0).data()[0];
    assert.ok(Math.abs(s2 - 100) < 1e-4, `column sum = ${s2}`);
  });
});

describe('mean, prod, max, min', () => {
  test('mean over axes with keepDims; integer input gives float32', () => {
    assertTensor(mean(cube), [], [11.5], 0);
    assertTensor(mean(cube, [0, 2], { keepDims: true }), [1, 3, 1], [7.5, 11.5, 15.5], 0);
    const m = mean(tensor([1, 2], undefined, 'int32'));
    assert.equal(m.dtype, 'float32');
    assert.equal(m.item(), 1.5);
    assert.equal(mean(tensor([1, 2], [2], 'float64')).dtype, 'float64');
  });
  test('mean over an empty axis is NaN, as NumPy', () => {
    assertTensor(mean(zeros([0])), [], [nan]);
    assertTensor(mean(zeros([2, 0]), 1), [2], [nan, nan]);
  });
  test('prod', () => {
    assertTensor(prod(tensor([[1, 2, 3], [4, 5, 6]]), 1), [2], [6, 120], 0);
    assertTensor(prod(zeros([0])), [], [1], 0);
  });
  test('max and min over axes, negative axes, keepDims', () => {
    assertTensor(max(cube, [0, 2]), [3], [15, 19, 23], 0);
    assertTensor(min(cube, -1, { keepDims: true }), [2, 3, 1], [0, 4, 8, 12, 16, 20], 0);
    assertTensor(max(tensor([[3, -1], [2, 7]])), [], [7], 0);
    assertTensor(min(tensor([[3, -1], [2, 7]]), 0), [2], [2, -1], 0);
  });
  test('max/min: NaN propagates, Infinity is a value', () => {
    assertTensor(max(tensor([[1, nan, 3], [1, 2, Infinity]]), 1), [2], [nan, Infinity]);
    assertTensor(min(tensor([[nan, 0], [-Infinity, 0]]), 1), [2], [nan, -Infinity]);
  });
  test('max over an empty axis is refused; over a non-empty axis of an empty tensor is fine', () => {
    assert.throws(() => max(zeros([0, 3]), 0), (e: unknown) => e instanceof ArgumentError && /max: cannot reduce an empty axis \(shape \[0, 3\]/.test(e.message));
    assert.throws(() => min(zeros([0])), /min: cannot reduce an empty axis/);
    assertTensor(max(zeros([0, 3]), 1), [0], []);
  });
  test('max keeps integer dtypes', () => {
    assert.equal(max(tensor([1, 200], undefined, 'uint8')).dtype, 'uint8');
    assert.equal(max(tensor([1, 200], undefined, 'uint8')).item(), 200);
  });
});

describe('argMax and argMin', () => {
  const m = tensor([[1, 9, 3], [7, 2, 7]]);
  test('default last axis, axis 0, negative axis; int32 result', () => {
    const r = argMax(m);
    assert.equal(r.dtype, 'int32');
    assertTensor(r, [2], [1, 0], 0);
    assertTensor(argMax(m, 0), [3], [1, 0, 1], 0);
    assertTensor(argMin(m, -1), [2], [0, 1], 0);
    assertTensor(argMin(m, -2), [3], [0, 1, 0], 0);
    assertTensor(m.argMax(), [2], [1, 0], 0);
  });
  test('ties give the first index', () => {
    assertTensor(argMax(tensor([7, 2, 7])), [], [0], 0);
    assertTensor(argMin(tensor([3, 1, 1])), [], [1], 0);
  });
  test('NaN counts as the extreme (first NaN wins), as NumPy', () => {
    assertTensor(argMax(tensor([1, nan, 3, nan])), [], [1], 0);
    assertTensor(argMin(tensor([1, 0, nan])), [], [2], 0);
    assertTensor(argMax(tensor([nan, 5])), [], [0], 0);
    assertTensor(argMax(tensor([-Infinity, -Infinity, -1])), [], [2], 0);
  });
  test('middle axis of rank 3', () => {
    assertTensor(argMax(cube, 1), [2, 4], [2, 2, 2, 2, 2, 2, 2, 2], 0);
    assertTensor(argMin(cube, 0), [3, 4], new Array(12).fill(0), 0);
  });
  test('errors: scalar, empty axis, bad axis', () => {
    assert.throws(() => argMax(tensor(3)), (e: unknown) => e instanceof ArgumentError && /argMax: needs a tensor of rank >= 1/.test(e.message));
    assert.throws(() => argMin(zeros([2, 0])), /argMin: axis -1 is empty \(shape \[2, 0\]\)/);
    assert.throws(() => argMax(m, 2), /argMax: axis 2 is out of range for a tensor of rank 2/);
    assertTensor(argMax(zeros([0, 3]), 1), [0], []);
  });
});

describe('axis errors', () => {
  const m = zeros([2, 3]);
  test('out-of-range axis names the op, the axis and the rank', () => {
    assert.throws(() => sum(m, 2), (e: unknown) => e instanceof ArgumentError && e.message === 'sum: axis 2 is out of range for a tensor of rank 2');
    assert.throws(() => mean(m, -3), /mean: axis -3 is out of range for a tensor of rank 2/);
    assert.throws(() => max(m, [0, 5]), /max: axis 5 is out of range/);
  });
  test('repeated and non-integer axes', () => {
    assert.throws(() => sum(m, [1, -1]), /sum: repeated axis in \[1,-1\]/);
    assert.throws(() => sum(m, 0.5), /sum: axis must be an integer, got 0.5/);
  });
  test('a reduced tensor is a copy', () => {
    const t = tensor([1, 2]);
    assert.deepEqual(vals(sum(t, [])), [1, 2]);
  });
});
