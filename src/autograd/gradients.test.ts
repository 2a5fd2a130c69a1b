// Finite-difference checks (float64, central differences) of every differentiable op's gradient,
// plus what valueAndGrad / grads return for integer, unused and repeated inputs.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, tensor, scalar, setSeed, randomNormal, randomUniform, zeros,
  add, sub, mul, div, pow, maximum, minimum, mod, neg, abs, exp, log, sqrt, square, reciprocal, sign,
  log1p, expm1, sin, cos, floor, erf, clip, where, relu, sigmoid, tanh, softplus, leakyRelu, elu, silu, gelu,
  softmax, logSoftmax, matMul, sum, mean, max, min, prod, reshape, flatten, transpose, expandDims, squeeze,
  slice, pad, gather, concat, stack, cast, broadcastTo, grad, grads, valueAndGrad, noGrad,
} from '../index.js';
import { dense, sparseCrossentropy } from '../ops/nn.js';
import { checkGrad } from '../test-utils/gradcheck.js';

const f64 = (shape: number[]): Tensor => randomNormal(shape, 0, 1, 'float64');
/** Values in ±[lo, hi], random sign: away from the kink at 0 of relu, abs, sign ... */
function awayFromZero(shape: number[], lo = 0.2, hi = 1.5): Tensor {
  const u = randomUniform(shape, lo, hi, 'float64');
  const s = randomUniform(shape, 0, 1, 'float64');
  return where(s.greater(0.5), u, u.neg());
}
const positive = (shape: number[], lo = 0.3, hi = 2): Tensor => randomUniform(shape, lo, hi, 'float64');
/** Distinct values (spaced at least 0.1 apart), shuffled: no ties for max/min. */
function distinct(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.137);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(randomUniform([], 0, i + 1, 'float64').item());
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return tensor(vals, shape, 'float64');
}

describe('checkGrad itself', () => {
  test('catches a wrong gradient and names input, element and both values', () => {
    setSeed(1);
    // floor has a zero gradient but a non-zero finite difference across a step: a true mismatch.
    const x = tensor([0.9999999], [1], 'float64');
    assert.throws(() => checkGrad((t) => floor(t), [x], { eps: 1e-6 }), /input 0 \(shape \[1\]\) element 0: analytic 0 vs numeric/);
  });
  test('reports how many elements it compared', () => {
    setSeed(2);
    const r = checkGrad((a, b) => a.mul(b), [f64([2, 3]), f64([3])]);
    assert.equal(r.checked, 9);
    assert.ok(r.maxAbsError < 1e-6);
  });
});

describe('unary gradients', () => {
  const cases: [string, (x: Tensor) => Tensor, () => Tensor][] = [
    ['neg', neg, () => f64([2, 3])],
    ['abs', abs, () => awayFromZero([2, 3])],
    ['exp', exp, () => f64([2, 3])],
    ['log', log, () => positive([2, 3])],
    ['sqrt', sqrt, () => positive([2, 3])],
    ['square', square, () => f64([2, 3])],
    ['reciprocal', reciprocal, () => awayFromZero([2, 3])],
    ['relu', relu, () => awayFromZero([2, 3])],
    ['sigmoid', sigmoid, () => f64([2, 3]).mul(3)],
    ['tanh', tanh, () => f64([2, 3])],
    ['softplus', softplus, () => f64([2, 3]).mul(3)],
    ['erf', erf, () => f64([2, 3])],
    ['log1p', log1p, () => positive([2, 3], -0.5, 2)],
    ['expm1', expm1, () => f64([2, 3])],
    ['sin', sin, () => f64([2, 3])],
    ['cos', cos, () => f64([2, 3])],
    ['sign (zero gradient)', sign, () => awayFromZero([4])],
    ['leakyRelu', (x) => leakyRelu(x, 0.2), () => awayFromZero([3, 3])],
    ['elu', (x) => elu(x, 1.3), () => awayFromZero([3, 3])],
    ['silu', silu, () => f64([3, 3]).mul(2)],
    ['gelu (erf)', (x) => gelu(x), () => f64([3, 3]).mul(2)],
    ['gelu (tanh approximation)', (x) => gelu(x, true), () => f64([3, 3]).mul(2)],
    ['clip (away from the bounds)', (x) => clip(x, -0.5, 0.7), () => tensor([-1.2, -0.45, -0.1, 0.1, 0.3, 0.65, 0.75, 2], [8], 'float64')],
    ['composite: tanh(x)^2 * exp(-x)', (x) => tanh(x).square().mul(exp(neg(x))), () => f64([5])],
  ];
  cases.forEach(([name, f, make], i) => {
    test(name, () => {
      setSeed(100 + i);
      checkGrad(f, [make()]);
    });
  });
  test('sign and floor give exactly zero gradients', () => {
    const g = grad((x) => sign(x).add(floor(x)).sum())(tensor([0.5, -1.5, 2.2], [3], 'float64'));
    assert.deepEqual([...g.data()], [0, 0, 0]);
  });
  test('relu gradient is 0 for negative inputs and 1 for positive ones', () => {
    const g = grad((x) => relu(x).sum())(tensor([-2, 3, -0.5, 0.5]));
    assert.deepEqual([...g.data()], [0, 1, 0, 1]);
  });
  test('abs gradient at 0 is 0 (subgradient chosen like TF)', () => {
    assert.deepEqual([...grad((x) => abs(x).sum())(tensor([0, -2, 3])).data()], [0, -1, 1]);
  });
});

describe('binary gradients with broadcasting', () => {
  test('add [2,3] + [3]', () => { setSeed(3); checkGrad(add, [f64([2, 3]), f64([3])]); });
  test('sub [3,1] - [1,4]', () => { setSeed(4); checkGrad(sub, [f64([3, 1]), f64([1, 4])]); });
  test('mul [3,1] * [1,4]', () => { setSeed(5); checkGrad(mul, [f64([3, 1]), f64([1, 4])]); });
  test('div [2,3] / [2,1]', () => { setSeed(6); checkGrad(div, [f64([2, 3]), awayFromZero([2, 1])]); });
  test('pow with positive base, both inputs', () => { setSeed(7); checkGrad(pow, [positive([2, 3]), f64([3])]); });
  test('pow by a constant exponent', () => { setSeed(8); checkGrad((x) => pow(x, 3), [f64([4])]); });
  test('maximum / minimum without ties', () => {
    setSeed(9);
    const a = distinct([3, 4]);
    const b = a.add(awayFromZero([3, 4], 0.05, 0.5));
    checkGrad(maximum, [a, b]);
    checkGrad(minimum, [a, b]);
    checkGrad((x) => maximum(x, 0.1), [awayFromZero([6])]);
  });
  test('maximum broadcast [3,1] against [1,4]', () => {
    setSeed(10);
    checkGrad(maximum, [tensor([[0.05], [0.55], [1.05]], undefined, 'float64'), tensor([[0.3, 0.8, -0.2, 1.3]], undefined, 'float64')]);
  });
  test('mod away from its jumps', () => {
    setSeed(11);
    checkGrad(mod, [tensor([0.3, 2.5, -1.2, 4.1], [4], 'float64'), tensor([2, 2, 0.7, -1.5], [4], 'float64')]);
  });
  test('scalar tensor with a matrix (rank 0 broadcast)', () => {
    setSeed(12);
    checkGrad((s, m) => s.mul(m).add(s), [tensor(1.7, [], 'float64'), f64([2, 3])]);
  });
  test('JS numbers as operands', () => {
    setSeed(13);
    checkGrad((x) => add(2, mul(x, 3)).div(4).sub(1), [f64([3])]);
  });
  test('size-0 and size-1 dims', () => {
    setSeed(14);
    checkGrad(mul, [f64([1, 1]), f64([2, 1, 3])]);
    const r = checkGrad(add, [f64([0, 3]), f64([3])]);
    assert.deepEqual([...r.grads[1].data()], [0, 0, 0]);
  });
});

describe('where and cast', () => {
  test('where with a broadcast condition', () => {
    setSeed(15);
    const cond = tensor([true, false, true]);
    checkGrad((a, b) => where(cond, a, b), [f64([2, 3]), f64([2, 1])]);
  });
  test('cast float64 -> float32 -> float64 passes the gradient through', () => {
    setSeed(16);
    checkGrad((x) => cast(cast(x, 'float32'), 'float64').mul(2), [f64([4])], { eps: 1e-2 });
  });
  test('cast to int32 stops the gradient', () => {
    const g = grad((x) => cast(cast(x, 'int32'), 'float32').add(x).sum())(tensor([1.5, 2.5]));
    assert.deepEqual([...g.data()], [1, 1]);
  });
});

describe('reduction gradients', () => {
  test('sum over axes [0, 2] and all', () => {
    setSeed(17);
    checkGrad((x) => sum(x, [0, 2]), [f64([2, 3, 4])]);
    checkGrad((x) => sum(x), [f64([2, 3])]);
  });
  test('mean over a negative axis with keepDims', () => {
    setSeed(18);
    checkGrad((x) => mean(x, -1, { keepDims: true }).mul(x), [f64([3, 4])]);
  });
  test('max and min over an axis without ties', () => {
    setSeed(19);
    checkGrad((x) => max(x, 1), [distinct([3, 5])]);
    checkGrad((x) => min(x, [0, 2]), [distinct([2, 3, 2])]);
  });
  test('max shares the gradient among ties', () => {
    const g = grad((x) => max(x))(tensor([1, 3, 3, 2]));
    assert.deepEqual([...g.data()], [0, 0.5, 0.5, 0]);
  });
  test('prod over axes, including entries that are zero', () => {
    setSeed(20);
    checkGrad((x) => prod(x, 1), [awayFromZero([3, 4], 0.5, 1.5)]);
    checkGrad((x) => prod(x, [0, 2]), [awayFromZero([2, 3, 2], 0.5, 1.5)]);
    const one = grad((x) => prod(x))(tensor([0, 2, 3]));
    assert.deepEqual([...one.data()], [6, 0, 0]);
    const two = grad((x) => prod(x))(tensor([0, 2, 0]));
    assert.deepEqual([...two.data()], [0, 0, 0]);
    checkGrad((x) => prod(x, 1), [tensor([[0, 1.5, 2], [1, 0, 0], [0.5, 1, 3]], undefined, 'float64')]);
  });
});

describe('matMul gradients', () => {
  const combos: [boolean, boolean, number[], number[]][] = [
    [false, false, [3, 4], [4, 5]],
    [true, false, [4, 3], [4, 5]],
    [false, true, [3, 4], [5, 4]],
    [true, true, [4, 3], [5, 4]],
  ];
  for (const [tA, tB, sa, sb] of combos) {
    test(`transposeA=${tA} transposeB=${tB}`, () => {
      setSeed(21);
      checkGrad((a, b) => matMul(a, b, { transposeA: tA, transposeB: tB }), [f64(sa), f64(sb)]);
    });
  }
  test('batched rank 3', () => { setSeed(22); checkGrad((a, b) => matMul(a, b), [f64([2, 3, 4]), f64([2, 4, 2])]); });
  test('batched with broadcast batch dims [2,1,3,4] x [3,4,2]', () => {
    setSeed(23);
    checkGrad((a, b) => matMul(a, b), [f64([2, 1, 3, 4]), f64([3, 4, 2])]);
  });
  test('rank 2 against a batch, transposed', () => {
    setSeed(24);
    checkGrad((a, b) => matMul(a, b, { transposeA: true, transposeB: true }), [f64([4, 3]), f64([2, 5, 4])]);
  });
  test('only the input that wants a gradient gets one; constants get none', () => {
    setSeed(25);
    const w = f64([4, 2]);
    const [, [gx, gw]] = valueAndGrad((x: Tensor, ww: Tensor) => matMul(x, ww).sum())(f64([3, 4]), w);
    assert.deepEqual(gx.shape, [3, 4]);
    assert.deepEqual(gw.shape, [4, 2]);
  });
});

describe('softmax family gradients', () => {
  test('softmax on the last axis and on axis 0', () => {
    setSeed(26);
    checkGrad((x) => softmax(x), [f64([3, 4])]);
    checkGrad((x) => softmax(x, 0), [f64([3, 4])]);
  });
  test('logSoftmax on the last axis and on a middle axis', () => {
    setSeed(27);
    checkGrad((x) => logSoftmax(x), [f64([2, 5])]);
    checkGrad((x) => logSoftmax(x, 1), [f64([2, 3, 2])]);
  });
  test('cross-entropy built from logSoftmax', () => {
    setSeed(28);
    const labels = tensor([[0, 1, 0], [1, 0, 0]], undefined, 'float64');
    checkGrad((x) => logSoftmax(x).mul(labels).sum().neg(), [f64([2, 3]).mul(5)]);
  });
});

describe('shape-op gradients', () => {
  test('reshape, flatten, expandDims, squeeze', () => {
    setSeed(29);
    checkGrad((x) => reshape(x, [3, -1]).mul(tensor([1, 2], [2], 'float64')), [f64([2, 3])]);
    checkGrad((x) => flatten(x).square(), [f64([2, 2])]);
    checkGrad((x) => squeeze(expandDims(x, -1), 2).exp(), [f64([2, 2])]);
  });
  test('transpose rank 3', () => { setSeed(30); checkGrad((x) => transpose(x, [2, 0, 1]).exp(), [f64([2, 3, 4])]); });
  test('slice and pad', () => {
    setSeed(31);
    checkGrad((x) => slice(x, [1, 0], [2, -1]).square(), [f64([4, 3])]);
    checkGrad((x) => pad(x, [[1, 0], [2, 1]], 0.5).square(), [f64([2, 2])]);
  });
  test('concat along axis 1 and stack', () => {
    setSeed(32);
    checkGrad((a, b, c) => concat([a, b, c], 1).square(), [f64([2, 1]), f64([2, 3]), f64([2, 2])]);
    checkGrad((a, b) => stack([a, b], 1).exp(), [f64([2, 3]), f64([2, 3])]);
  });
  test('gather with repeated indices accumulates', () => {
    setSeed(33);
    checkGrad((x) => gather(x, [2, 0, 2], 1).square(), [f64([2, 3])]);
    const g = grad((x) => gather(x, [1, 1, 0]).sum())(tensor([10, 20, 30]));
    assert.deepEqual([...g.data()], [1, 2, 0]);
  });
  test('broadcastTo', () => { setSeed(34); checkGrad((x) => broadcastTo(x, [2, 3, 4]).square(), [f64([3, 1])]); });
});

describe('what valueAndGrad returns', () => {
  test('value and gradients of each argument', () => {
    const [v, [ga, gb]] = valueAndGrad((a: Tensor, b: Tensor) => a.mul(b).sum())(tensor([2, 3]), tensor([5, 7]));
    assert.equal(v.item(), 31);
    assert.deepEqual([...ga.data()], [5, 7]);
    assert.deepEqual([...gb.data()], [2, 3]);
  });
  test('integer inputs get an all-zero gradient of their own dtype', () => {
    const [, [gx, gk]] = valueAndGrad((x: Tensor, k: Tensor) => x.mul(k).sum())(tensor([1, 2]), tensor([3, 4], undefined, 'int32'));
    assert.deepEqual([...gx.data()], [3, 4]);
    assert.equal(gk.dtype, 'int32');
    assert.deepEqual([...gk.data()], [0, 0]);
    setSeed(35);
    checkGrad((x, k) => x.mul(k.cast('float64')), [f64([3]), tensor([1, 2, 3], undefined, 'int32')]);
    checkGrad((x, k) => x.add(k), [f64([3]), tensor([1, 2, 3], undefined, 'uint8')]);
  });
  test('an argument the function ignores gets zeros', () => {
    const g = grads((a: Tensor, _b: Tensor) => a.sum())(tensor([1, 2]), tensor([[1, 2], [3, 4]]));
    assert.deepEqual(g[1].shape, [2, 2]);
    assert.deepEqual([...g[1].data()], [0, 0, 0, 0]);
  });
  test('a tensor used several times accumulates its gradient', () => {
    const g = grad((x) => x.mul(x).add(x).add(x.exp().log()).sum())(tensor([1, 2]));
    assert.deepEqual([...g.data()], [4, 6]);
  });
  test('float32 inputs give float32 gradients, float64 give float64', () => {
    assert.equal(grad((x) => x.square().sum())(tensor([1])).dtype, 'float32');
    assert.equal(grad((x) => x.square().sum())(tensor([1], [1], 'float64')).dtype, 'float64');
  });
  test('a non-scalar result is refused, naming the shape', () => {
    assert.throws(() => grad((x) => x.square())(tensor([1, 2])), /valueAndGrad: the function must return a single value, got shape \[2\]/);
  });
  test('noGrad records nothing', () => {
    const g = grad((x) => noGrad(() => x.square()).add(x).sum())(tensor([3]));
    assert.deepEqual([...g.data()], [1]);
  });
  test('a long chain of ops does not overflow the stack', () => {
    const g = grad((x) => {
      let y = x;
      for (let i = 0; i < 20000; i++) y = y.add(0);
      return y.sum();
    })(tensor([1]));
    assert.deepEqual([...g.data()], [1]);
  });
  test('zeros of an unused size-0 input', () => {
    const g = grads((a: Tensor, _b: Tensor) => a.sum())(tensor([1]), zeros([0, 2]));
    assert.deepEqual(g[1].shape, [0, 2]);
  });
  test('a constant scalar is accepted by valueAndGrad', () => {
    const [v, [g]] = valueAndGrad((x: Tensor) => x.mul(2))(scalar(4));
    assert.equal(v.item(), 8);
    assert.equal(g.item(), 2);
  });
});

describe('fused primitives (Dense, sparse cross-entropy)', () => {
  test('dense, linear, with and without bias', () => {
    setSeed(40);
    checkGrad((x, w, b) => dense(x, w, b, 'linear'), [f64([3, 4]), f64([4, 2]), f64([2])]);
    checkGrad((x, w) => dense(x, w, null, 'linear'), [f64([3, 4]), f64([4, 2])]);
  });
  test('dense with relu, outputs away from 0', () => {
    setSeed(41);
    // x = identity rows, so every output is w + b exactly: keep those away from the kink.
    const x = tensor([[1, 0, 0], [0, 1, 0]], undefined, 'float64');
    checkGrad((xx, w, b) => dense(xx, w, b, 'relu'), [x, awayFromZero([3, 4], 0.3, 1), tensor([0.05, -0.05, 0.02, -0.02], [4], 'float64')]);
  });
  test('dense forward equals relu(x · w + b)', () => {
    setSeed(42);
    const [x, w, b] = [f64([5, 3]), f64([3, 4]), f64([4])];
    const want = Array.from(relu(add(matMul(x, w), b)).data());
    const got = Array.from(dense(x, w, b, 'relu').data());
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12));
  });
  test('sparse cross-entropy from logits and from probabilities', () => {
    setSeed(43);
    const labels = tensor([2, 0, 1], undefined, 'int32');
    checkGrad((z) => sparseCrossentropy(z, labels, true), [f64([3, 4]).mul(3)]);
    checkGrad((p) => sparseCrossentropy(p, labels, false), [positive([3, 4], 0.1, 1)]);
  });
  test('sparse cross-entropy of softmax probabilities (the fused rule, against the logits)', () => {
    setSeed(44);
    const labels = tensor([2, 0, 1], undefined, 'int32');
    checkGrad((z) => sparseCrossentropy(softmax(z), labels, false), [f64([3, 4]).mul(2)]);
    // The probabilities also used elsewhere in the loss: that gradient still flows through softmax.
    checkGrad((z) => {
      const p = softmax(z);
      return add(sparseCrossentropy(p, labels, false), sum(square(p), -1));
    }, [f64([3, 4])]);
  });
  test('the fused softmax + sparse cross-entropy gradient equals the two rules bit for bit', () => {
    // Row 2 is clipped (its label's probability rounds to 1 in float32), row 3 at the other end.
    const z = tensor([[0.3, -1.2, 2.5, 0.1, 0], [1, 1, 1, 1, 1], [40, 0, -3, 1, 2], [-40, 3, 1, 0.5, 2], [0.7, 0.2, -0.4, 1.9, -2]], undefined, 'float32');
    const labels = tensor([2, 4, 0, 0, 3], undefined, 'int32');
    for (const dtype of ['float32', 'float64'] as const) {
      const zt = cast(z, dtype);
      const [, [fused]] = valueAndGrad((x) => mean(sparseCrossentropy(softmax(x), labels, false)))(zt);
      // A reshape between softmax and the loss keeps them two nodes: the unfused rules.
      const [, [apart]] = valueAndGrad((x) => mean(sparseCrossentropy(reshape(softmax(x), [5, 5]), labels, false)))(zt);
      assert.deepEqual(Array.from(fused.data()), Array.from(apart.data()), dtype);
      assert.ok(Array.from(fused.data()).slice(10, 20).every((v) => v === 0), `${dtype}: clipped rows have no gradient`);
    }
  });
});
