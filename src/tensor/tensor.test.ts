// Creating tensors and reading them back: tensor() from every input form, the creation helpers,
// data/toArray/item, NumPy-like printing, and the errors bad input gets.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, tensor, scalar, zeros, ones, fill, zerosLike, onesLike, range, eye, randomNormal, ShapeError, DtypeError,
  ArgumentError, NervaError,
} from '../index.js';
import { assertTensor, vals } from '../test-utils/assert-tensor.js';

describe('tensor()', () => {
  test('nested arrays infer shape and give float32', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.ok(t instanceof Tensor);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.equal(t.rank, 2);
    assert.equal(t.size, 6);
    assert.deepEqual(vals(t), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(tensor([[[1], [2]]]).shape, [1, 2, 1]);
  });
  test('flat values plus a shape', () => {
    assertTensor(tensor([1, 2, 3, 4, 5, 6], [3, 2]), [3, 2], [1, 2, 3, 4, 5, 6], 0);
    assertTensor(tensor([7], []), [], [7], 0);
    assertTensor(tensor([], [0, 5]), [0, 5], [], 0);
  });
  test('typed arrays keep their dtype (Float64Array becomes float32 unless asked) and are copied', () => {
    const src = new Int32Array([1, 2, 3, 4]);
    const t = tensor(src, [2, 2]);
    assert.equal(t.dtype, 'int32');
    src[0] = 99;
    assert.equal(t.values[0], 1);
    assert.equal(tensor(new Uint8Array([1, 255])).dtype, 'uint8');
    assert.equal(tensor(new Float32Array(3)).dtype, 'float32');
    assert.equal(tensor(new Float64Array([0.1])).dtype, 'float32');
    const d = tensor(new Float64Array([0.1]), undefined, 'float64');
    assert.equal(d.dtype, 'float64');
    assert.equal(d.values[0], 0.1);
  });
  test('numbers, booleans and explicit dtypes', () => {
    const s = tensor(3.5);
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 3.5);
    assert.equal(tensor(true).dtype, 'bool');
    assert.equal(tensor([true, false]).dtype, 'bool');
    assert.equal(tensor([true, 2]).dtype, 'float32');
    assert.equal(tensor([1, 2], undefined, 'int32').dtype, 'int32');
    assert.equal(tensor([0, 255], undefined, 'uint8').dtype, 'uint8');
    assert.equal(tensor([[]]).dtype, 'float32');
    assert.deepEqual(tensor([[]]).shape, [1, 0]);
    assert.deepEqual(tensor([]).shape, [0]);
  });
  test('float32 storage rounds; float64 keeps doubles', () => {
    assert.equal(tensor([0.1]).values[0], Math.fround(0.1));
    assert.equal(tensor([0.1], [1], 'float64').values[0], 0.1);
  });
  test('a tensor passed to tensor() can be re-typed and re-shaped', () => {
    const t = tensor([1.9, -1.9]);
    assertTensor(tensor(t, [2, 1]), [2, 1], [1.9, -1.9]);
    assert.deepEqual(vals(tensor(t, undefined, 'int32')), [1, -1]);
  });
});

describe('tensor() errors', () => {
  const is = (cls: typeof NervaError, re: RegExp) => (e: unknown) => e instanceof cls && re.test((e as Error).message);
  test('ragged nested arrays', () => {
    assert.throws(() => tensor([[1, 2], [3]]), is(ShapeError, /^tensor: ragged nested array: element at \[1\] has length 1, expected 2 \(shape \[2, 2\]\)/));
    assert.throws(() => tensor([1, [2]]), is(ShapeError, /tensor: ragged nested array: element at \[1\] is an array/));
    assert.throws(() => tensor([[1], 2]), is(ShapeError, /tensor: ragged nested array: element at \[1\] is number, expected an array of length 1/));
  });
  test('non-numeric values', () => {
    assert.throws(() => tensor([1, 'a' as never]), is(DtypeError, /^tensor: element at \[1\] is "a", expected a number or boolean/));
    assert.throws(() => tensor([[1, null as never]]), is(DtypeError, /element at \[0, 1\] is null/));
    assert.throws(() => tensor([undefined as never]), is(DtypeError, /element at \[0\] is undefined/));
    assert.throws(() => tensor('abc' as never), is(DtypeError, /tensor: cannot make a tensor from "abc"/));
    assert.throws(() => tensor({} as never), DtypeError);
  });
  test('a shape that does not match the value count', () => {
    assert.throws(() => tensor([1, 2, 3], [2, 2]), is(ShapeError, /^tensor: shape \[2, 2\] needs 4 values, got 3$/));
    assert.throws(() => tensor(new Float32Array(5), [2, 3]), is(ShapeError, /shape \[2, 3\] needs 6 values, got 5/));
  });
  test('non-integer and negative dimensions', () => {
    assert.throws(() => tensor([1, 2], [2.5]), is(ShapeError, /tensor: shape entries must be non-negative integers, got \[2.5\]/));
    assert.throws(() => zeros([-1, 2]), is(ShapeError, /zeros|fill: shape entries must be non-negative integers, got \[-1, 2\]/));
    assert.throws(() => ones([Number.NaN]), ShapeError);
    assert.throws(() => eye(-2), ShapeError);
  });
  test('values that do not fit the dtype', () => {
    assert.throws(() => tensor([1.5], undefined, 'int32'), is(DtypeError, /tensor: element 0 is 1.5, which is not a int32 value/));
    assert.throws(() => tensor([256], undefined, 'uint8'), is(DtypeError, /element 0 is 256, which is not a uint8 value \(integers 0..255\)/));
    assert.throws(() => tensor([-1], undefined, 'uint8'), DtypeError);
    assert.throws(() => tensor([2], undefined, 'bool'), DtypeError);
    assert.throws(() => tensor([1], undefined, 'float16' as never), is(DtypeError, /tensor: unknown dtype "float16"/));
  });
});

describe('creation helpers', () => {
  test('scalar, zeros, ones, fill', () => {
    assertTensor(scalar(2), [], [2], 0);
    assert.equal(scalar(1, 'int32').dtype, 'int32');
    assert.equal(scalar(true).dtype, 'bool');
    assertTensor(zeros([2, 2]), [2, 2], [0, 0, 0, 0], 0);
    assertTensor(ones([3], 'int32'), [3], [1, 1, 1], 0);
    assert.equal(ones([3], 'int32').dtype, 'int32');
    assertTensor(fill([2], 7), [2], [7, 7], 0);
    assertTensor(zeros([0, 4]), [0, 4], [], 0);
    assertTensor(zeros([]), [], [0], 0);
  });
  test('zerosLike and onesLike keep shape and dtype', () => {
    const t = tensor([[1, 2]], undefined, 'int32');
    const z = zerosLike(t);
    assert.equal(z.dtype, 'int32');
    assertTensor(z, [1, 2], [0, 0], 0);
    assertTensor(onesLike(tensor([5], [1], 'float64')), [1], [1], 0);
    assert.equal(onesLike(tensor([5], [1], 'float64')).dtype, 'float64');
  });
  test('range like np.arange', () => {
    assertTensor(range(5), [5], [0, 1, 2, 3, 4], 0);
    assert.equal(range(5).dtype, 'int32');
    assertTensor(range(2, 5), [3], [2, 3, 4], 0);
    assertTensor(range(5, 0, -2), [3], [5, 3, 1], 0);
    assertTensor(range(0, 1, 0.25), [4], [0, 0.25, 0.5, 0.75], 0);
    assert.equal(range(0, 1, 0.25).dtype, 'float32');
    assertTensor(range(3, 1), [0], [], 0);
    const r = range(0, 2.5);
    assert.equal(r.dtype, 'float32');
    assertTensor(r, [3], [0, 1, 2], 0);
    assert.equal(range(3, undefined, 1, 'float64').dtype, 'float64');
    assert.throws(() => range(Number.NaN), is(ArgumentError, /range: start and stop must be finite numbers/));
    assert.throws(() => range(0, Infinity), ArgumentError);
    assert.throws(() => range(0, 5, 0), is(ArgumentError, /range: step must be a non-zero finite number, got 0/));
    function is(cls: typeof NervaError, re: RegExp) { return (e: unknown) => e instanceof cls && re.test((e as Error).message); }
  });
  test('eye', () => {
    assertTensor(eye(2), [2, 2], [1, 0, 0, 1], 0);
    assertTensor(eye(2, 3), [2, 3], [1, 0, 0, 0, 1, 0], 0);
    assertTensor(eye(0), [0, 0], [], 0);
  });
});

describe('reading values back', () => {
  test('data() returns a copy', () => {
    const t = tensor([1, 2]);
    const d = t.data();
    assert.ok(d instanceof Float32Array);
    d[0] = 100;
    assert.equal(t.data()[0], 1);
  });
  test('toArray gives nested arrays, booleans for bool, a number for rank 0', () => {
    assert.deepEqual(tensor([[1, 2], [3, 4]]).toArray(), [[1, 2], [3, 4]]);
    assert.deepEqual(tensor([true, false]).toArray(), [true, false]);
    assert.equal(scalar(4).toArray(), 4);
    assert.deepEqual(zeros([2, 0]).toArray(), [[], []]);
    assert.deepEqual(zeros([0, 2]).toArray(), []);
  });
  test('item() on one element; an error naming the shape otherwise', () => {
    assert.equal(tensor([[5]]).item(), 5);
    assert.throws(() => tensor([1, 2]).item(), (e: unknown) => e instanceof ArgumentError && /item: tensor has 2 elements \(shape \[2\]\), expected exactly 1/.test(e.message));
    assert.throws(() => zeros([0]).item(), ArgumentError);
  });
});

describe('toString (NumPy-like)', () => {
  test('floats, integers, bools, scalars', () => {
    assert.equal(tensor([[1, 2], [3, 4]]).toString(), 'Tensor([[1., 2.],\n        [3., 4.]], dtype=float32)');
    assert.equal(tensor([1.5, -2]).toString(), 'Tensor([ 1.5000, -2.0000], dtype=float32)');
    assert.equal(tensor([1, 20], undefined, 'int32').toString(), 'Tensor([ 1, 20], dtype=int32)');
    assert.equal(tensor([true, false]).toString(), 'Tensor([ true, false], dtype=bool)');
    assert.equal(scalar(3).toString(), 'Tensor(3., dtype=float32)');
    assert.equal(tensor([Number.NaN, Infinity, -Infinity]).toString(), 'Tensor([ nan,  inf, -inf], dtype=float32)');
    assert.equal(zeros([0]).toString(), 'Tensor([], dtype=float32)');
  });
  test('rank 3 separates blocks with a blank line', () => {
    assert.equal(zeros([2, 1, 2], 'int32').toString(), 'Tensor([[[0, 0]],\n\n        [[0, 0]]], dtype=int32)');
  });
  test('up to 1000 elements everything is printed; past that it is summarised with ...', () => {
    const full = range(1000).toString();
    assert.ok(!full.includes('...'));
    assert.ok(full.includes(' 500,'));
    assert.equal(range(1001).toString(), 'Tensor([   0,    1,    2, ...,  998,  999, 1000], dtype=int32)');
    const big = zeros([100, 100]).toString();
    const lines = big.split('\n');
    assert.equal(lines.length, 7); // 3 rows, "...", 3 rows
    assert.equal(lines[3].trim(), '...,');
    assert.ok(lines[0].includes('0., 0., 0., ..., 0., 0., 0.'));
    assert.ok(big.length < 500);
  });
  test('summarised columns stay aligned when a wide value is in a shown row', () => {
    const t = tensor(Array.from({ length: 40 * 40 }, (_, i) => (i === 40 ? -1000 : 0)), [40, 40]);
    const lines = t.toString().split('\n');
    assert.equal(lines[0].length - 'Tensor('.length, lines[1].length - 'Tensor('.length);
    assert.ok(lines[0].includes('[[    0.,'));
  });
  test('util.inspect uses the same text', async () => {
    const { inspect } = await import('node:util');
    assert.equal(inspect(tensor([1])), 'Tensor([1.], dtype=float32)');
    assert.equal(String(randomNormal([2]).shape), '2');
  });
});
