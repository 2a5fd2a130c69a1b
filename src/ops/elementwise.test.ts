// Elementwise ops: hand-worked values, broadcasting edge cases, NaN/Infinity, dtype promotion, errors.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor, scalar, zeros, ones, add, sub, mul, div, pow, maximum, minimum, mod, floorDiv, neg, abs, exp, log,
  sqrt, square, reciprocal, sign, round, floor, ceil, erf, clip, where, relu, sigmoid, tanh, softplus, leakyRelu,
  elu, silu, gelu, equal, notEqual, greater, greaterEqual, less, lessEqual, logicalAnd, logicalOr, logicalNot,
  isNaN, isFinite, ShapeError, ArgumentError,
} from '../index.js';
import { assertTensor, vals } from '../test-utils/assert-tensor.js';

const { NaN: nan } = Number;
const inf = Infinity;

describe('broadcasting', () => {
  test('[3,1] + [1,4] gives [3,4]', () => {
    const r = add(tensor([[0], [10], [20]]), tensor([[1, 2, 3, 4]]));
    assertTensor(r, [3, 4], [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24], 0);
  });
  test('[2,3] + [3] adds the vector to each row', () => {
    assertTensor(add(tensor([[1, 2, 3], [4, 5, 6]]), tensor([10, 20, 30])), [2, 3], [11, 22, 33, 14, 25, 36], 0);
  });
  test('[3] - [2,3] keeps operand order', () => {
    assertTensor(sub(tensor([10, 20, 30]), tensor([[1, 2, 3], [4, 5, 6]])), [2, 3], [9, 18, 27, 6, 15, 24], 0);
  });
  test('scalar with tensor, both ways, as a number and as a rank-0 tensor', () => {
    const t = tensor([[1, 2], [3, 4]]);
    assertTensor(t.add(1), [2, 2], [2, 3, 4, 5], 0);
    assertTensor(sub(1, t), [2, 2], [0, -1, -2, -3], 0);
    assertTensor(mul(scalar(2), t), [2, 2], [2, 4, 6, 8], 0);
    assertTensor(div(t, scalar(2)), [2, 2], [0.5, 1, 1.5, 2], 0);
  });
  test('rank 0 with rank 0 stays rank 0', () => {
    const r = add(scalar(2), scalar(3));
    assert.deepEqual(r.shape, []);
    assert.equal(r.item(), 5);
  });
  test('rank 0 with [1,1,1] gives [1,1,1]', () => {
    assertTensor(mul(scalar(3), ones([1, 1, 1])), [1, 1, 1], [3], 0);
  });
  test('size-0 dimensions broadcast to size 0', () => {
    assertTensor(add(zeros([0, 3]), tensor([1, 2, 3])), [0, 3], []);
    assertTensor(add(zeros([2, 0]), zeros([2, 1])), [2, 0], []);
    assertTensor(mul(tensor([5]), zeros([0])), [0], []);
    assertTensor(add(zeros([0]), scalar(1)), [0], []);
  });
  test('a middle broadcast dim: [2,1,3] * [4,1]', () => {
    const a = tensor([[[1, 2, 3]], [[4, 5, 6]]]);
    const b = tensor([[1], [2], [3], [4]]);
    const r = mul(a, b);
    assert.deepEqual(r.shape, [2, 4, 3]);
    assert.deepEqual(vals(r).slice(0, 6), [1, 2, 3, 2, 4, 6]);
    assert.deepEqual(vals(r).slice(21), [16, 20, 24]);
  });
  test('shapes that cannot broadcast throw a ShapeError naming op and shapes', () => {
    assert.throws(() => add(zeros([2, 3]), zeros([4])), (e: unknown) =>
      e instanceof ShapeError && /^add: shapes \[2, 3\] and \[4\] cannot be broadcast together/.test(e.message));
    assert.throws(() => mul(zeros([3, 2]), zeros([2, 3])), /mul: shapes \[3, 2\] and \[2, 3\]/);
    assert.throws(() => add(zeros([0]), zeros([2])), ShapeError);
    assert.throws(() => greater(zeros([2]), zeros([3])), /greater: shapes \[2\] and \[3\]/);
    assert.throws(() => where(tensor([true, false, true]), zeros([2]), 0), /where: shapes \[3\] and \[2\]/);
  });
});

describe('arithmetic values', () => {
  test('add sub mul div', () => {
    const a = tensor([1, -2, 3.5]);
    const b = tensor([2, 4, -0.5]);
    assertTensor(add(a, b), [3], [3, 2, 3], 0);
    assertTensor(sub(a, b), [3], [-1, -6, 4], 0);
    assertTensor(mul(a, b), [3], [2, -8, -1.75], 0);
    assertTensor(div(a, b), [3], [0.5, -0.5, -7], 0);
  });
  test('division by zero gives ±Infinity and 0/0 gives NaN', () => {
    assertTensor(div(tensor([1, -1, 0]), 0), [3], [inf, -inf, nan]);
  });
  test('pow', () => {
    assertTensor(pow(tensor([2, 9, 0, -2]), tensor([3, 0.5, 0, 2])), [4], [8, 3, 1, 4], 0);
    assertTensor(pow(tensor([-8]), 1 / 3), [1], [nan]);
    assertTensor(tensor([1, 2, 3]).pow(2), [3], [1, 4, 9], 0);
  });
  test('mod and floorDiv follow Python (sign of the divisor, floor)', () => {
    assertTensor(mod(tensor([7, -7, 7, -7]), tensor([3, 3, -3, -3])), [4], [1, 2, -2, -1], 0);
    assertTensor(floorDiv(tensor([7, -7, 7.5]), tensor([2, 2, 2])), [3], [3, -4, 3], 0);
  });
  test('unary maths', () => {
    assertTensor(neg(tensor([1, -2, 0])), [3], [-1, 2, -0], 0);
    assertTensor(abs(tensor([-1.5, 2, -0])), [3], [1.5, 2, 0], 0);
    assertTensor(exp(tensor([0, 1, -inf, inf])), [4], [1, Math.E, 0, inf]);
    assertTensor(log(tensor([1, Math.E, 0, -1])), [4], [0, 1, -inf, nan]);
    assertTensor(sqrt(tensor([4, 2.25, 0, -1])), [4], [2, 1.5, 0, nan]);
    assertTensor(square(tensor([-3, 0.5])), [2], [9, 0.25], 0);
    assertTensor(reciprocal(tensor([4, -0.5, 0])), [3], [0.25, -2, inf], 0);
    assertTensor(sign(tensor([-2, 0, 3, nan, -inf])), [5], [-1, 0, 1, nan, -1]);
    assertTensor(floor(tensor([1.5, -1.5])), [2], [1, -2], 0);
    assertTensor(ceil(tensor([1.5, -1.5])), [2], [2, -1], 0);
  });
  test('round is half to even, as NumPy', () => {
    assertTensor(round(tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6])), [8], [0, 2, 2, -0, -2, -2, 2, -3], 0);
  });
  test('NaN and Infinity propagate through add and mul', () => {
    assertTensor(add(tensor([nan, inf, inf, 1]), tensor([1, 1, -inf, -inf])), [4], [nan, inf, nan, -inf]);
    assertTensor(mul(tensor([nan, inf, 0]), tensor([2, -2, inf])), [3], [nan, -inf, nan]);
  });
  test('maximum and minimum: values, broadcasting, and NaN wins', () => {
    assertTensor(maximum(tensor([1, 5, -1]), tensor([3, 2, -1])), [3], [3, 5, -1], 0);
    assertTensor(minimum(tensor([[1], [5]]), tensor([3, 2])), [2, 2], [1, 1, 3, 2], 0);
    assertTensor(maximum(tensor([nan, 1, inf]), tensor([0, nan, 2])), [3], [nan, nan, inf]);
    assertTensor(minimum(tensor([nan, 1, -inf]), tensor([0, nan, 2])), [3], [nan, nan, -inf]);
  });
  test('clip: values, bounds equal, NaN kept, bad bounds refused', () => {
    assertTensor(clip(tensor([-2, 0.5, 3, nan, inf]), -1, 1), [5], [-1, 0.5, 1, nan, 1]);
    assertTensor(clip(tensor([-2, 5]), 2, 2), [2], [2, 2], 0);
    assert.throws(() => clip(tensor([1]), 2, 1), (e: unknown) => e instanceof ArgumentError && /clip: min \(2\) must be <= max \(1\)/.test(e.message));
  });
});

describe('activations', () => {
  test('relu, including NaN and ±Infinity', () => {
    assertTensor(relu(tensor([-1, 0, 2, nan, -inf, inf])), [6], [0, 0, 2, nan, 0, inf]);
  });
  test('sigmoid is finite at ±1000 and exact at 0', () => {
    assertTensor(sigmoid(tensor([0, 1, 1000, -1000, nan])), [5], [0.5, 0.7310585786300049, 1, 0, nan]);
  });
  test('tanh', () => {
    assertTensor(tanh(tensor([0, 1, -inf, 50])), [4], [0, Math.tanh(1), -1, 1]);
  });
  test('softplus is stable for large and very negative inputs', () => {
    const r = softplus(tensor([0, 1000, -1000, -30], [4], 'float64'));
    assertTensor(r, [4], [Math.LN2, 1000, 0, 9.357622968839737e-14], 1e-12);
    assert.ok(vals(r).every(Number.isFinite));
  });
  test('leakyRelu (default alpha 0.2 and given alpha)', () => {
    assertTensor(leakyRelu(tensor([-1, 2, 0])), [3], [-0.2, 2, 0]);
    assertTensor(leakyRelu(tensor([-10, 3]), 0.01), [2], [-0.1, 3]);
  });
  test('elu', () => {
    assertTensor(elu(tensor([-1, 0, 2], [3], 'float64')), [3], [-0.6321205588285577, 0, 2], 1e-12);
    assertTensor(elu(tensor([-1000, 1], [2], 'float64'), 2), [2], [-2, 1], 1e-12);
  });
  test('silu = x * sigmoid(x)', () => {
    assertTensor(silu(tensor([1, 0, -1000], [3], 'float64')), [3], [0.7310585786300049, 0, -0], 1e-12);
  });
  test('gelu, exact and tanh-approximate', () => {
    const x = tensor([-2, -0.5, 0, 1, 3], [5], 'float64');
    assertTensor(gelu(x), [5], [-0.04550026389635842, -0.15426876936299344, 0, 0.8413447460685429, 2.99595030590511], 1e-12);
    assertTensor(gelu(x, true), [5], [-0.04540230591222494, -0.15428599017485606, 0, 0.8411919906082768, 2.996362607918227], 1e-12);
  });
  test('erf against known values to 1e-12 in float64', () => {
    const xs = [0, 0.1, -0.3, 0.5, 1, -1.5, 1.99, 2, 2.01, -2.5, 3, 3.5, -4, 5, 5.99, 6.5];
    // Python math.erf (correctly rounded libm) for the same inputs.
    const want = [0, 0.1124629160182849, -0.3286267594591274, 0.5204998778130465, 0.8427007929497149, -0.9661051464753108,
      0.995111413199617, 0.9953222650189527, 0.9955248493552482, -0.999593047982555, 0.9999779095030014, 0.9999992569016276,
      -0.9999999845827421, 0.9999999999984626, 1, 1];
    const got = vals(erf(tensor(xs, [xs.length], 'float64')));
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-12, `erf(${xs[i]}) = ${g}, expected ${want[i]}`));
    assertTensor(erf(tensor([inf, -inf, nan])), [3], [1, -1, nan]);
  });
});

describe('comparisons, logic and where', () => {
  const a = tensor([1, 2, 3]);
  const b = tensor([3, 2, 1]);
  test('each comparison gives bool values', () => {
    const cases: [typeof equal, number[]][] = [
      [equal, [0, 1, 0]], [notEqual, [1, 0, 1]], [greater, [0, 0, 1]],
      [greaterEqual, [0, 1, 1]], [less, [1, 0, 0]], [lessEqual, [1, 1, 0]],
    ];
    for (const [f, want] of cases) {
      const r = f(a, b);
      assert.equal(r.dtype, 'bool');
      assert.deepEqual(vals(r), want, f.name);
    }
  });
  test('comparisons broadcast and accept numbers', () => {
    const r = greater(tensor([[1], [3]]), tensor([0, 2, 4]));
    assert.deepEqual(r.toArray(), [[true, false, false], [true, true, false]]);
    assert.deepEqual(tensor([1, 2]).lessEqual(1).toArray(), [true, false]);
  });
  test('NaN compares false except notEqual', () => {
    const n = tensor([nan]);
    assert.deepEqual(vals(equal(n, n)), [0]);
    assert.deepEqual(vals(notEqual(n, n)), [1]);
    assert.deepEqual(vals(greater(n, 0)), [0]);
    assert.deepEqual(vals(lessEqual(n, 0)), [0]);
  });
  test('logical ops, isNaN, isFinite', () => {
    const t = tensor([true, true, false, false]);
    const u = tensor([true, false, true, false]);
    assert.deepEqual(vals(logicalAnd(t, u)), [1, 0, 0, 0]);
    assert.deepEqual(vals(logicalOr(t, u)), [1, 1, 1, 0]);
    assert.deepEqual(vals(logicalNot(t)), [0, 0, 1, 1]);
    assert.equal(isNaN(tensor([nan, 1])).dtype, 'bool');
    assert.deepEqual(vals(isNaN(tensor([nan, 1, inf]))), [1, 0, 0]);
    assert.deepEqual(vals(isFinite(tensor([nan, 1, inf, -inf]))), [0, 1, 0, 0]);
  });
  test('where picks per element and broadcasts all three', () => {
    assertTensor(where(tensor([true, false, true]), tensor([1, 2, 3]), tensor([10, 20, 30])), [3], [1, 20, 3], 0);
    const r = where(tensor([[true], [false]]), tensor([1, 2, 3]), 0);
    assertTensor(r, [2, 3], [1, 2, 3, 0, 0, 0], 0);
    assert.equal(where(tensor([true]), tensor([1], undefined, 'int32'), 0).dtype, 'int32');
    assertTensor(where(tensor([false, true]), nan, tensor([1, 2])), [2], [1, nan]);
  });
});

describe('dtype promotion (NumPy-like, numbers are weakly typed)', () => {
  const i32 = tensor([1, 2], undefined, 'int32');
  test('int32 / 255 is float32', () => {
    const r = tensor([1, 2], undefined, 'int32').div(255);
    assert.equal(r.dtype, 'float32');
    assertTensor(r, [2], [1 / 255, 2 / 255]);
  });
  test('int32 / int32 is float32', () => {
    assert.equal(i32.div(i32).dtype, 'float32');
  });
  test('int32 + 1 stays int32; int32 + 0.5 becomes float32', () => {
    const r = i32.add(1);
    assert.equal(r.dtype, 'int32');
    assert.deepEqual(vals(r), [2, 3]);
    assert.equal(i32.add(0.5).dtype, 'float32');
    assert.deepEqual(vals(i32.mul(0.5)), [0.5, 1]);
  });
  test('an integer too large for int32 does not wrap', () => {
    const r = i32.add(2 ** 40);
    assert.equal(r.dtype, 'float32');
    assert.deepEqual(vals(r), [2 ** 40, 2 ** 40]);
  });
  test('int32 with float32 tensors gives float32; float32 with float64 gives float64', () => {
    assert.equal(add(i32, tensor([0.5, 0.5])).dtype, 'float32');
    assert.equal(add(tensor([1]), tensor([1], [1], 'float64')).dtype, 'float64');
    assert.equal(tensor([1], [1], 'float64').mul(0.5).dtype, 'float64');
    assert.equal(tensor([1]).mul(0.1).dtype, 'float32');
  });
  test('uint8: pixel scaling, wrap-around within uint8, int32 with numbers', () => {
    const px = tensor([0, 128, 255], undefined, 'uint8');
    const scaled = px.div(255);
    assert.equal(scaled.dtype, 'float32');
    assertTensor(scaled, [3], [0, 128 / 255, 1]);
    // uint8 with uint8 stays uint8 and wraps, as NumPy.
    const w = add(tensor([200], undefined, 'uint8'), tensor([100], undefined, 'uint8'));
    assert.equal(w.dtype, 'uint8');
    assert.deepEqual(vals(w), [44]);
    // A JS integer with uint8 computes in int32, so pixel arithmetic does not wrap.
    assert.equal(px.add(1).dtype, 'int32');
    assert.deepEqual(vals(px.add(1)), [1, 129, 256]);
    assert.deepEqual(vals(neg(px)), [0, -128, -255]);
    assert.equal(add(px, i32.slice([0], [1])).dtype, 'int32');
  });
  test('bool arithmetic gives int32; comparisons of any dtype give bool', () => {
    const t = tensor([true, false]);
    assert.equal(add(t, t).dtype, 'int32');
    assert.deepEqual(vals(add(t, t)), [2, 0]);
    assert.equal(greater(i32, 1).dtype, 'bool');
    assert.equal(equal(tensor([1], [1], 'float64'), 1).dtype, 'bool');
  });
  test('fractional unary ops on integers give float32; abs and square keep int32', () => {
    assert.equal(exp(i32).dtype, 'float32');
    assert.equal(sqrt(i32).dtype, 'float32');
    assert.equal(sigmoid(i32).dtype, 'float32');
    assert.equal(abs(i32).dtype, 'int32');
    assert.equal(square(i32).dtype, 'int32');
    assert.equal(relu(i32).dtype, 'int32');
  });
});
