// Shape and data-movement ops: reshape, flatten, transpose, expandDims, squeeze, slice, pad, gather,
// concat, stack, oneHot, cast, broadcastTo — values, size-0 cases, negative axes and errors.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor, scalar, zeros, ones, range, reshape, flatten, transpose, expandDims, squeeze, slice, pad, gather, concat,
  stack, oneHot, cast, broadcastTo, ShapeError, ArgumentError, DtypeError,
} from '../index.js';
import { assertTensor, vals } from '../test-utils/assert-tensor.js';

const m23 = tensor([[1, 2, 3], [4, 5, 6]]);

describe('reshape and flatten', () => {
  test('reshape keeps row-major order; one -1 is inferred', () => {
    assertTensor(reshape(m23, [3, 2]), [3, 2], [1, 2, 3, 4, 5, 6], 0);
    assert.deepEqual(reshape(m23, [-1]).shape, [6]);
    assert.deepEqual(reshape(m23, [3, -1]).shape, [3, 2]);
    assert.deepEqual(m23.reshape([-1, 1, 2]).shape, [3, 1, 2]);
    assert.deepEqual(reshape(scalar(5), [1, 1]).shape, [1, 1]);
    assert.deepEqual(reshape(ones([1, 1]), []).shape, []);
  });
  test('size 0', () => {
    assert.deepEqual(reshape(zeros([0, 3]), [3, 0]).shape, [3, 0]);
    assert.deepEqual(reshape(zeros([0, 3]), [-1, 3]).shape, [0, 3]);
  });
  test('errors name the shapes', () => {
    assert.throws(() => reshape(m23, [4, -1]), (e: unknown) => e instanceof ShapeError && /reshape: cannot reshape \[2, 3\] \(6 values\) into \[4, -1\]/.test(e.message));
    assert.throws(() => reshape(m23, [-1, -1]), /reshape: only one dimension may be -1, got \[-1, -1\]/);
    assert.throws(() => reshape(m23, [5]), /reshape: cannot reshape \[2, 3\] \(6 values\) into \[5\] \(5 values\)/);
    assert.throws(() => reshape(m23, [2, -3]), ShapeError);
    assert.throws(() => reshape(m23, [1.5, 4]), ShapeError);
  });
  test('flatten gives rank 1', () => {
    assertTensor(flatten(tensor([[[1], [2]], [[3], [4]]])), [4], [1, 2, 3, 4], 0);
    assert.deepEqual(flatten(scalar(2)).shape, [1]);
  });
});

describe('transpose, expandDims, squeeze', () => {
  test('default transpose reverses dims', () => {
    assertTensor(transpose(m23), [3, 2], [1, 4, 2, 5, 3, 6], 0);
    const t = transpose(range(24).reshape([2, 3, 4]));
    assert.deepEqual(t.shape, [4, 3, 2]);
    assert.deepEqual(vals(t).slice(0, 6), [0, 12, 4, 16, 8, 20]);
  });
  test('a given perm on rank 3', () => {
    const t = transpose(range(24).reshape([2, 3, 4]), [1, 0, 2]);
    assert.deepEqual(t.shape, [3, 2, 4]);
    assert.deepEqual(vals(t).slice(0, 8), [0, 1, 2, 3, 12, 13, 14, 15]);
  });
  test('size-0 and rank-0', () => {
    assert.deepEqual(transpose(zeros([0, 3])).shape, [3, 0]);
    assert.deepEqual(transpose(scalar(1)).shape, []);
  });
  test('a bad perm is refused', () => {
    assert.throws(() => transpose(m23, [0, 0]), (e: unknown) => e instanceof ArgumentError && /transpose: perm \[0, 0\] is not a permutation of 0..1 for shape \[2, 3\]/.test(e.message));
    assert.throws(() => transpose(m23, [0]), ArgumentError);
  });
  test('expandDims at 0, at the end, negative', () => {
    assert.deepEqual(expandDims(m23).shape, [1, 2, 3]);
    assert.deepEqual(expandDims(m23, 2).shape, [2, 3, 1]);
    assert.deepEqual(expandDims(m23, -1).shape, [2, 3, 1]);
    assert.deepEqual(expandDims(m23, -2).shape, [2, 1, 3]);
    assert.deepEqual(expandDims(scalar(1)).shape, [1]);
    assert.throws(() => expandDims(m23, 3), /expandDims: axis 3 is out of range for a tensor of rank 3/);
  });
  test('squeeze all size-1 dims, or given ones', () => {
    assert.deepEqual(squeeze(zeros([1, 2, 1, 3, 1])).shape, [2, 3]);
    assert.deepEqual(squeeze(zeros([1, 2, 1]), -1).shape, [1, 2]);
    assert.deepEqual(squeeze(zeros([1, 2, 1]), [0, 2]).shape, [2]);
    assert.deepEqual(squeeze(zeros([1, 1])).shape, []);
    assert.throws(() => squeeze(zeros([1, 2]), 1), (e: unknown) => e instanceof ShapeError && /squeeze: dimension 1 of \[1, 2\] is 2, not 1/.test(e.message));
  });
});

describe('slice and pad', () => {
  test('slice a box; -1 means to the end', () => {
    assertTensor(slice(m23, [0, 1], [2, 2]), [2, 2], [2, 3, 5, 6], 0);
    assertTensor(slice(m23, [1, 0]), [1, 3], [4, 5, 6], 0);
    assertTensor(slice(m23, [0, 2], [-1, 1]), [2, 1], [3, 6], 0);
    assertTensor(m23.slice([1, 1], [1, -1]), [1, 2], [5, 6], 0);
  });
  test('slice of size 0 and of rank 3', () => {
    assertTensor(slice(m23, [1, 3], [1, 0]), [1, 0], [], 0);
    const c = range(24).reshape([2, 3, 4]);
    assertTensor(slice(c, [1, 1, 2], [1, 2, 2]), [1, 2, 2], [18, 19, 22, 23], 0);
  });
  test('out-of-bounds and negative begins are refused', () => {
    assert.throws(() => slice(m23, [0, 2], [1, 2]), (e: unknown) => e instanceof ShapeError && /slice: begin \[0, 2\] size \[1, 2\] is out of bounds for shape \[2, 3\]/.test(e.message));
    assert.throws(() => slice(m23, [-1, 0]), ShapeError);
    assert.throws(() => slice(m23, [0, 0, 0]), (e: unknown) => e instanceof ArgumentError && /slice: begin \[0, 0, 0\] and size \[\] have more entries than \[2, 3\] has dims/.test(e.message));
    assert.throws(() => slice(m23, '0' as never), (e: unknown) => e instanceof ArgumentError && /begin must be a number or a list of numbers, got "0" \(a string\)/.test(e.message));
  });
  test("short begin and size take the rest of each axis, as TF.js (NumPy's x[:n])", () => {
    const c = range(24).reshape([4, 3, 2]);
    assertTensor(slice(c, [0], [2]), [2, 3, 2], Array.from({ length: 12 }, (_, i) => i), 0);
    assertTensor(slice(c, 3), [1, 3, 2], Array.from({ length: 6 }, (_, i) => 18 + i), 0);
    assertTensor(slice(c, [1, 1], [1]), [1, 2, 2], [8, 9, 10, 11], 0);
  });
  test('pad with zeros and with a value', () => {
    assertTensor(pad(tensor([[1, 2]]), [[1, 0], [0, 2]]), [2, 4], [0, 0, 0, 0, 1, 2, 0, 0], 0);
    assertTensor(pad(tensor([1]), [[2, 1]], -1), [4], [-1, -1, 1, -1], 0);
    assertTensor(pad(zeros([0]), [[1, 1]], 3), [2], [3, 3], 0);
    assert.throws(() => pad(m23, [[1, 1]]), /pad: paddings must be one non-negative \[before, after\] integer pair per dim of \[2, 3\]/);
    assert.throws(() => pad(m23, [[1, 1], [-1, 0]]), ArgumentError);
  });
});

describe('gather', () => {
  const rows = tensor([[1, 2], [3, 4], [5, 6]]);
  test('rows along axis 0, repeated indices, from an array or an int32 tensor', () => {
    assertTensor(gather(rows, [2, 0, 2]), [3, 2], [5, 6, 1, 2, 5, 6], 0);
    assertTensor(rows.gather(tensor([1], undefined, 'int32')), [1, 2], [3, 4], 0);
  });
  test('along axis 1 and a negative axis', () => {
    assertTensor(gather(rows, [1], 1), [3, 1], [2, 4, 6], 0);
    assertTensor(gather(rows, [1, 0], -1), [3, 2], [2, 1, 4, 3, 6, 5], 0);
  });
  test('2-D indices put their shape in place of the axis', () => {
    assertTensor(gather(tensor([10, 20, 30]), [[0, 1], [2, 2]]), [2, 2], [10, 20, 30, 30], 0);
    assert.deepEqual(gather(zeros([2, 5, 3]), [[0, 1], [2, 2]], 1).shape, [2, 2, 2, 3]);
  });
  test('empty indices give a size-0 result', () => {
    assert.deepEqual(gather(rows, tensor([], [0], 'int32')).shape, [0, 2]);
  });
  test('index out of range names the index, position and range', () => {
    assert.throws(() => gather(rows, [0, 3]), (e: unknown) => e instanceof ArgumentError && e.message === 'gather: index 3 at position 1 is out of range [0, 3)');
    assert.throws(() => gather(rows, [-1]), /gather: index -1 at position 0 is out of range \[0, 3\)/);
    assert.throws(() => gather(rows, [0], 2), /gather: axis 2 is out of range/);
  });
  test('fractional indices are refused, not truncated', () => {
    assert.throws(() => gather(rows, [1.5]), (e: unknown) => e instanceof DtypeError && /gather: indices must be integers, got 1.5 at position 0/.test(e.message));
    assert.throws(() => gather(rows, tensor([true])), /gather: indices must be integers, got dtype bool/);
  });
});

describe('concat and stack', () => {
  test('concat along axis 0, 1 and -1', () => {
    assertTensor(concat([m23, tensor([[7, 8, 9]])]), [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9], 0);
    assertTensor(concat([m23, tensor([[0], [0]])], 1), [2, 4], [1, 2, 3, 0, 4, 5, 6, 0], 0);
    assertTensor(concat([tensor([[1]]), tensor([[2, 3]])], -1), [1, 3], [1, 2, 3], 0);
  });
  test('size-0 pieces and a single piece', () => {
    assertTensor(concat([zeros([0, 3]), m23, zeros([0, 3])]), [2, 3], [1, 2, 3, 4, 5, 6], 0);
    assertTensor(concat([tensor([1, 2])]), [2], [1, 2], 0);
  });
  test('dtypes are promoted', () => {
    const r = concat([tensor([1], undefined, 'int32'), tensor([0.5])]);
    assert.equal(r.dtype, 'float32');
    assert.deepEqual(vals(r), [1, 0.5]);
  });
  test('errors: shapes differing outside the axis, scalars, nothing', () => {
    assert.throws(() => concat([m23, zeros([2, 2])]), (e: unknown) => e instanceof ShapeError && /concat: shapes \[2, 3\], \[2, 2\] differ outside axis 0/.test(e.message));
    assert.throws(() => concat([m23, zeros([3])]), ShapeError);
    assert.throws(() => concat([scalar(1), scalar(2)]), (e: unknown) => e instanceof ShapeError && /concat: cannot join scalars/.test(e.message));
    assert.throws(() => concat([]), /concat: needs at least one tensor/);
    assert.throws(() => concat([m23], 2), /concat: axis 2 is out of range/);
  });
  test('stack on a new axis 0, 1, -1; scalars stack to a vector', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    assertTensor(stack([a, b]), [2, 2], [1, 2, 3, 4], 0);
    assertTensor(stack([a, b], 1), [2, 2], [1, 3, 2, 4], 0);
    assertTensor(stack([a, b], -1), [2, 2], [1, 3, 2, 4], 0);
    assertTensor(stack([scalar(1), scalar(2)]), [2], [1, 2], 0);
    assert.throws(() => stack([a, tensor([1])]), (e: unknown) => e instanceof ShapeError && /stack: all shapes must be equal, got \[2\], \[1\]/.test(e.message));
  });
});

describe('oneHot, cast, broadcastTo', () => {
  test('oneHot rows; out-of-range indices give an all-off row', () => {
    assertTensor(oneHot(tensor([0, 2], undefined, 'int32'), 3), [2, 3], [1, 0, 0, 0, 0, 1], 0);
    assertTensor(tensor([1, 5, -1]).oneHot(2), [3, 2], [0, 1, 0, 0, 0, 0], 0);
    assertTensor(oneHot(tensor([[1]]), 2, { onValue: 5, offValue: -1 }), [1, 1, 2], [-1, 5], 0);
    assert.equal(oneHot([0], 2).dtype, 'float32');
    assert.throws(() => oneHot([0], -1), /oneHot: depth must be a non-negative integer, got -1/);
    assert.throws(() => oneHot([0.5], 2), DtypeError);
  });
  test('cast floats to ints truncates toward zero; to bool tests non-zero', () => {
    const r = cast(tensor([1.7, -1.7, 0.2, -0.2]), 'int32');
    assert.equal(r.dtype, 'int32');
    assert.deepEqual(vals(r), [1, -1, 0, 0]);
    assert.deepEqual(vals(cast(tensor([0, 0.1, -3, Number.NaN]), 'bool')), [0, 1, 1, 1]);
    assert.deepEqual(vals(cast(tensor([true, false]), 'float32')), [1, 0]);
    assert.deepEqual(vals(cast(tensor([Number.NaN]), 'int32')), [0]);
    assert.equal(cast(tensor([1]), 'float64').dtype, 'float64');
  });
  test('cast to the same dtype returns the tensor; unknown dtypes are refused', () => {
    const t = tensor([1]);
    assert.equal(cast(t, 'float32'), t);
    assert.throws(() => cast(t, 'float16' as never), (e: unknown) => e instanceof DtypeError && /cast: unknown dtype "float16"/.test(e.message));
  });
  test('broadcastTo', () => {
    assertTensor(broadcastTo(tensor([[1], [2]]), [2, 3]), [2, 3], [1, 1, 1, 2, 2, 2], 0);
    assertTensor(broadcastTo(scalar(4), [2]), [2], [4, 4], 0);
    assertTensor(tensor([1, 2]).broadcastTo([2, 1, 2]), [2, 1, 2], [1, 2, 1, 2], 0);
    assert.deepEqual(broadcastTo(tensor([1]), [0]).shape, [0]);
    assert.throws(() => broadcastTo(tensor([1, 2]), [3]), (e: unknown) => e instanceof ShapeError && /broadcastTo: cannot broadcast \[2\] to \[3\]/.test(e.message));
    assert.throws(() => broadcastTo(zeros([2, 2]), [2]), ShapeError);
  });
});
