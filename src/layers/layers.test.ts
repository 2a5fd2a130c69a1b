// Tests of the layers: float64 finite-difference gradient checks through each layer's own call()
// (inputs and weights), shapes, configs, naming and error messages.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, setSeed, randomUniform, valueAndGrad, sum, mul, Sequential, zeros, relu, sigmoid } from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import { backward } from '../autograd/engine.js';
import { Dense, Flatten, Reshape, Activation, Dropout, dense, flatten, reshape, activation, dropout } from './index.js';
import type { Layer } from './layer.js';
import type { Initializer } from '../initializers.js';
import { getActivation, ACTIVATION_NAMES } from '../activations.js';
import { ArgumentError, ShapeError } from '../errors.js';

/** Random float64 values in [lo, hi), from the seeded generator. */
function rand64(shape: number[], lo = -1, hi = 1): Tensor {
  return tensor(randomUniform(shape, lo, hi).data(), shape, 'float64');
}

/** An initializer returning fixed random float64 values, so the layer's weights are float64. */
function f64Init(lo = -1, hi = 1): Initializer {
  const f = ((shape: number[]) => rand64(shape, lo, hi)) as Initializer;
  return Object.assign(f, { className: 'Float64Test', config: {} });
}

/** Central differences of `f` w.r.t. each element of `arr` (mutated in place and restored). */
function numericGrad(f: () => number, arr: Float64Array | Float32Array, h = 1e-6): number[] {
  const out: number[] = [];
  for (let i = 0; i < arr.length; i++) {
    const old = arr[i];
    arr[i] = old + h;
    const up = f();
    arr[i] = old - h;
    const down = f();
    arr[i] = old;
    out.push((up - down) / (2 * h));
  }
  return out;
}

function assertClose(who: string, analytic: ArrayLike<number>, numeric: ArrayLike<number>, tol = 1e-6): void {
  assert.equal(analytic.length, numeric.length, `${who}: length`);
  for (let i = 0; i < numeric.length; i++) {
    const a = analytic[i], n = numeric[i];
    const scale = Math.max(1, Math.abs(a), Math.abs(n));
    assert.ok(Math.abs(a - n) <= tol * scale, `${who}[${i}]: analytic ${a} vs numeric ${n}`);
  }
}

/**
 * Checks d/d(input) and d/d(each weight) of sum(layer(x) * r) for a fixed random projection r,
 * analytic (autograd through layer.apply) against central differences, everything in float64.
 */
function checkLayerGrads(layer: Layer, x: Tensor, opts: { training?: boolean } = {}): void {
  const training = opts.training ?? false;
  const y0 = layer.apply(x, { training });
  const r = rand64(y0.shape);
  const objective = (input: Tensor): Tensor => sum(mul(layer.apply(input, { training }), r));
  const [, [gx]] = valueAndGrad(objective)(x);
  assert.equal(gx.dtype, 'float64');
  const value = (): number => objective(x).item();
  assertClose(`${layer.name} d/dx`, gx.data(), numericGrad(value, x.values as Float64Array));
  // Weights: the variable's live tensor is a gradient leaf; backward maps it to its gradient.
  for (const v of layer.weights) {
    assert.equal(v.dtype, 'float64', `${v.name} should be float64 in this check`);
    const grads = backward(objective(x));
    const g = grads.get(v.value);
    assert.ok(g, `${v.name}: no gradient reached the weight`);
    assertClose(`${v.name}`, g.data(), numericGrad(value, v.value.values as Float64Array));
  }
}

describe('activations', () => {
  test('values match the Keras 3 formulas', () => {
    const xs = [-2, -0.5, 0.3, 1.7];
    const x = tensor(xs, [4], 'float64');
    const erf = (z: number): number => {
      // Abramowitz-Stegun 7.1.26 is only 1e-7 accurate; use a series for |z| < 3 instead.
      let s = 0, term = z;
      for (let n = 0; n < 60; n++) {
        s += term / (2 * n + 1);
        term *= (-z * z) / (n + 1);
      }
      return (2 / Math.sqrt(Math.PI)) * s;
    };
    const expect: Record<string, (v: number) => number> = {
      linear: (v) => v,
      relu: (v) => Math.max(v, 0),
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      tanh: Math.tanh,
      leaky_relu: (v) => (v > 0 ? v : 0.2 * v), // Keras 3 default negative_slope 0.2
      elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
      gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)), // Keras 3 default approximate=False
      silu: (v) => v / (1 + Math.exp(-v)),
      swish: (v) => v / (1 + Math.exp(-v)),
      softplus: (v) => Math.log1p(Math.exp(v)),
    };
    for (const [name, f] of Object.entries(expect)) {
      const got = Array.from(getActivation(name)(x).data());
      assertClose(name, got, xs.map(f), 1e-9);
    }
    const sm = Array.from(getActivation('softmax')(x).data());
    const z = xs.map(Math.exp).reduce((a, b) => a + b, 0);
    assertClose('softmax', sm, xs.map((v) => Math.exp(v) / z), 1e-12);
  });

  test('names accepted in snake_case and camelCase; unknown names list the valid ones', () => {
    const x = tensor([-1, 2], [2], 'float64');
    assert.deepEqual(Array.from(getActivation('leakyRelu')(x).data()), Array.from(getActivation('leaky_relu')(x).data()));
    assert.deepEqual(Array.from(getActivation(null)(x).data()), [-1, 2]);
    assert.throws(() => getActivation('relux'), (e: unknown) => e instanceof ArgumentError && /unknown activation 'relux'/.test(e.message) && /relu, sigmoid, tanh, softmax/.test(e.message));
    assert.throws(() => dense({ units: 2, activation: 'nope' }), /unknown activation 'nope'; valid names: .*gelu/);
  });
});

describe('gradient checks (float64, central differences)', () => {
  for (const act of ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leaky_relu', 'elu', 'gelu', 'silu', 'softplus']) {
    test(`Dense with ${act}: inputs, kernel and bias`, () => {
      setSeed(100);
      const layer = new Dense({ units: 3, activation: act, kernelInitializer: f64Init(), biasInitializer: f64Init(-0.5, 0.5) });
      checkLayerGrads(layer, rand64([4, 5], -2, 2));
    });
  }
  test('every activation name is covered by a Dense check', () => {
    // swish is an alias of silu; the list above must grow with ACTIVATIONS.
    assert.deepEqual([...ACTIVATION_NAMES].sort(), ['elu', 'gelu', 'leaky_relu', 'linear', 'relu', 'sigmoid', 'silu', 'softmax', 'softplus', 'swish', 'tanh']);
  });
  test('Dense without bias', () => {
    setSeed(101);
    const layer = new Dense({ units: 2, useBias: false, activation: 'tanh', kernelInitializer: f64Init() });
    assert.equal(layer.bias, null);
    checkLayerGrads(layer, rand64([3, 4]));
    assert.equal(layer.weights.length, 1);
  });
  test('Dense on a rank-3 input applies the kernel over the last axis', () => {
    setSeed(102);
    const layer = new Dense({ units: 3, activation: 'sigmoid', kernelInitializer: f64Init(), biasInitializer: f64Init() });
    const x = rand64([2, 3, 4]);
    const y = layer.apply(x);
    assert.deepEqual(y.shape, [2, 3, 3]);
    // Row [1, 2, :] of the output equals Dense applied to that row alone.
    const row = tensor(Array.from(x.values.slice((1 * 3 + 2) * 4, (1 * 3 + 2) * 4 + 4)), [1, 4], 'float64');
    assertClose('rank3 row', Array.from(y.values.slice((1 * 3 + 2) * 3, (1 * 3 + 2) * 3 + 3)), Array.from(layer.apply(row).data()), 1e-12);
    checkLayerGrads(layer, x);
  });
  test('Flatten', () => {
    setSeed(103);
    const layer = new Flatten();
    const x = rand64([2, 3, 4]);
    assert.deepEqual(layer.apply(x).shape, [2, 12]);
    checkLayerGrads(layer, x);
  });
  test('Reshape', () => {
    setSeed(104);
    const layer = new Reshape({ targetShape: [2, -1] });
    const x = rand64([3, 6]);
    assert.deepEqual(layer.apply(x).shape, [3, 2, 3]);
    checkLayerGrads(layer, x);
  });
  for (const act of ['relu', 'softmax', 'gelu', 'elu']) {
    test(`Activation(${act})`, () => {
      setSeed(105);
      checkLayerGrads(new Activation({ activation: act }), rand64([3, 4], -2, 2));
    });
  }
  test('Dropout in inference mode is the identity (values and gradient)', () => {
    setSeed(106);
    const layer = new Dropout({ rate: 0.5 });
    const x = rand64([4, 5]);
    assert.deepEqual(Array.from(layer.apply(x, { training: false }).data()), Array.from(x.data()));
    checkLayerGrads(layer, x);
  });
  test('Dropout in training: gradient is the mask scaled by 1/(1-rate)', () => {
    setSeed(107);
    const layer = new Dropout({ rate: 0.25 });
    const x = rand64([50, 40], 0.5, 1.5);
    const r = rand64([50, 40]);
    setSeed(5);
    const [y, [gx]] = valueAndGrad((t: Tensor) => sum(mul(layer.apply(t, { training: true }), r)))(x);
    setSeed(5);
    const out = layer.apply(x, { training: true });
    let kept = 0;
    for (let i = 0; i < x.size; i++) {
      const ratio = out.values[i] / x.values[i];
      assert.ok(Math.abs(ratio) < 1e-12 || Math.abs(ratio - 1 / 0.75) < 1e-12, `ratio ${ratio}`);
      if (ratio !== 0) kept++;
      assert.ok(Math.abs(gx.values[i] - ratio * r.values[i]) < 1e-12);
    }
    // 2000 draws at keep 0.75: the kept fraction is within 5 standard deviations (~0.05) of 0.75.
    assert.ok(Math.abs(kept / x.size - 0.75) < 0.05, `kept ${kept / x.size}`);
    assert.ok(Number.isFinite(y.item()));
  });
});

describe('layer API', () => {
  test('Dense builds kernel [in, units] and bias [units] in Keras order, float32 by default', () => {
    setSeed(1);
    const l = dense({ units: 4, name: 'd_a' });
    l.apply(zeros([2, 3]));
    assert.deepEqual(l.weights.map((v) => [v.name, v.shape, v.dtype]), [['d_a/kernel', [3, 4], 'float32'], ['d_a/bias', [4], 'float32']]);
    assert.equal(l.countParams(), 16);
    // glorot_uniform limit sqrt(6 / (3 + 4)); bias zeros.
    const lim = Math.sqrt(6 / 7);
    assert.ok(Array.from(l.kernel!.value.values).every((v) => Math.abs(v) <= lim));
    assert.ok(Array.from(l.kernel!.value.values).some((v) => v !== 0));
    assert.deepEqual(Array.from(l.bias!.value.values), [0, 0, 0, 0]);
  });

  test('computeOutputShape of each layer', () => {
    assert.deepEqual(dense({ units: 7 }).computeOutputShape([null, 3, 5]), [null, 3, 7]);
    assert.deepEqual(flatten().computeOutputShape([null, 28, 28]), [null, 784]);
    assert.deepEqual(reshape({ targetShape: [7, -1] }).computeOutputShape([null, 28]), [null, 7, 4]);
    assert.deepEqual(activation({ activation: 'relu' }).computeOutputShape([null, 3]), [null, 3]);
    assert.deepEqual(dropout({ rate: 0.2 }).computeOutputShape([null, 3]), [null, 3]);
  });

  test('default names follow Keras: dense, dense_1, ...', () => {
    const a = dense({ units: 1 });
    const b = dense({ units: 1 });
    const m = /^dense(?:_(\d+))?$/;
    assert.match(a.name, m);
    assert.match(b.name, m);
    const n = (s: string): number => Number(s.match(m)![1] ?? 0);
    assert.equal(n(b.name), n(a.name) + 1);
  });

  test('getConfig has the Keras keys', () => {
    const l = dense({ units: 3, activation: 'relu', name: 'cfg', inputShape: [5] });
    const c = l.getConfig();
    assert.equal(c.units, 3);
    assert.equal(c.activation, 'relu');
    assert.equal(c.useBias, true);
    assert.deepEqual(c.batchInputShape, [null, 5]);
    assert.deepEqual(c.kernelInitializer, { className: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } });
    assert.equal(new Dropout({ rate: 0.3 }).getConfig().rate, 0.3);
    assert.deepEqual(new Reshape({ targetShape: [2, 3] }).getConfig().targetShape, [2, 3]);
  });

  test('setWeights messages, word for word, from a layer and from a model', () => {
    const exact = (cls: typeof ArgumentError | typeof ShapeError, msg: string) => (e: unknown) => e instanceof cls && e.message === msg;
    const l = dense({ units: 2, name: 'swx' });
    assert.throws(() => l.setWeights([zeros([1])]), exact(ArgumentError, 'Dense "swx": setWeights expected a list of 0 arrays (the layer has no weights yet), got 1'));
    l.apply(zeros([1, 3]));
    assert.throws(() => l.setWeights('w' as never), exact(ArgumentError, 'Dense "swx": setWeights expected a list of 2 arrays (swx/kernel [3, 2], swx/bias [2]), got "w" (a string)'));
    assert.throws(() => l.setWeights([zeros([3, 2]), 'b' as never]), exact(ArgumentError, 'Dense "swx": setWeights: weight swx/bias: expected a Tensor or a (nested) array of numbers, got "b" (a string)'));
    assert.throws(() => l.setWeights([zeros([3, 2]), zeros([3])]), exact(ShapeError, 'Dense "swx": weight swx/bias expects shape [2], got [3]'));
    const m = new Sequential([dense({ units: 1, name: 'mx' })], { name: 'seqx' });
    assert.throws(() => m.setWeights([zeros([1])]), exact(ArgumentError, 'Sequential "seqx": setWeights expected a list of 0 arrays (the model has no weights yet), got 1'));
    m.build([null, 2]);
    assert.throws(() => m.setWeights({} as never), exact(ArgumentError, 'Sequential "seqx": setWeights expected a list of 2 arrays (mx/kernel [2, 1], mx/bias [1]), got {} (an object)'));
    assert.throws(() => m.setWeights([zeros([2, 1]), null as never]), exact(ArgumentError, 'Sequential "seqx": setWeights: weight mx/bias: expected a Tensor or a (nested) array of numbers, got null'));
    assert.throws(() => m.setWeights([zeros([1, 2]), zeros([1])]), exact(ShapeError, 'Sequential "seqx": weight mx/kernel expects shape [2, 1], got [1, 2]'));
  });

  test('setWeights checks count and shapes, naming the layer and weight', () => {
    const l = dense({ units: 2, name: 'sw' });
    l.apply(zeros([1, 3]));
    assert.throws(() => l.setWeights([zeros([3, 2])]), (e: unknown) => e instanceof ArgumentError && /^Dense "sw": setWeights expected a list of 2 arrays \(sw\/kernel \[3, 2\], sw\/bias \[2\]\), got 1$/.test(e.message));
    assert.throws(() => l.setWeights([zeros([2, 3]), zeros([2])]), (e: unknown) => e instanceof ShapeError && /sw\/kernel expects shape \[3, 2\], got \[2, 3\]/.test(e.message));
    l.setWeights([tensor([[1, 2], [3, 4], [5, 6]]), tensor([1, -1])]);
    assert.deepEqual(l.apply(tensor([[1, 1, 1]])).toArray(), [[10, 11]]);
    // Nested arrays, as Keras takes NumPy arrays.
    l.setWeights([[[1, 2], [3, 4], [5, 6]], [0, 0]]);
    assert.deepEqual(l.apply(tensor([[1, 1, 1]])).toArray(), [[9, 12]]);
    // getWeights returns copies.
    const w = l.getWeights();
    (w[0].values as Float32Array)[0] = 100;
    assert.equal(l.kernel!.value.values[0], 1);
  });

  test('trainable = false moves weights to nonTrainableWeights', () => {
    const l = dense({ units: 2 });
    l.apply(zeros([1, 3]));
    l.trainable = false;
    assert.equal(l.trainableWeights.length, 0);
    assert.equal(l.nonTrainableWeights.length, 2);
    assert.equal(l.kernel!.value.requiresGrad, false);
  });

  test('bad arguments give clear errors', () => {
    assert.throws(() => dense({ units: 0, name: 'bad' }), /Dense "bad": units must be a positive integer, got 0/);
    assert.throws(() => dense({ units: 2.5 }), /units must be a positive integer, got 2.5/);
    assert.throws(() => dropout({ rate: 1, name: 'dr' }), /Dropout "dr": rate must be a number in \[0, 1\), got 1/);
    assert.throws(() => reshape({ targetShape: [-1, -1], name: 'rs' }), /Reshape "rs": targetShape/);
    assert.throws(() => dense({ units: 1, inputShape: [0] }), /inputShape must be a list of positive integers/);
    assert.throws(() => dense({ units: 1, inputShape: [2], batchInputShape: [null, 2] }), /inputShape or batchInputShape, not both/);
    const r = reshape({ targetShape: [5], name: 'rs2' });
    assert.throws(() => r.apply(zeros([2, 6])), (e: unknown) => e instanceof ShapeError && /Reshape "rs2": cannot reshape input \[None, 6\] \(6 values per sample\) to \[None, 5\]/.test(e.message));
  });

  test('Dense names itself and the shapes on a wrong input (the message users see)', () => {
    const model = new Sequential([dense({ units: 10, inputShape: [784], name: 'dense_1' })]);
    assert.throws(() => model.predict(zeros([32, 28, 28])), (e: unknown) => e instanceof ShapeError && e.message.startsWith('Dense "dense_1": expected input last dimension 784, got [32, 28, 28]'));
  });
});

describe('arguments users get wrong: the message says what was received and what is right', () => {
  const err = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && re.test(e.message);
  test('a value of the wrong type is quoted with its type', () => {
    assert.throws(() => dense({ units: '1' as unknown as number, name: 'd1' }), (e: unknown) => e instanceof ArgumentError && e.message === 'Dense "d1": units must be a positive integer, got "1" (a string)');
    assert.throws(() => dense({ units: 1, useBias: 'no' as unknown as boolean, name: 'd2' }), err(/Dense "d2": useBias must be true or false, got "no" \(a string\)/));
    assert.throws(() => dropout({ rate: '0.2' as unknown as number, name: 'dr2' }), err(/rate must be a number in \[0, 1\), got "0.2" \(a string\)/));
  });

  test('inputShape that is not a list, or has no known feature count, is refused with an example', () => {
    assert.throws(
      () => dense({ units: 1, inputShape: 1 as unknown as number[], name: 'd3' }),
      err(/^Dense "d3": inputShape must be a list of positive integers \(e\.g\. inputShape: \[784\].*\); got 1$/),
    );
    assert.throws(() => dense({ units: 1, inputShape: [28, '28'] as unknown as number[] }), err(/inputShape must be a list of positive integers .*got \[28,"28"\] \(an array\)/));
    assert.throws(
      () => new Sequential([dense({ units: 1, inputShape: [null] as unknown as number[], name: 'd4' })]),
      (e: unknown) => e instanceof ShapeError && e.message === 'Dense "d4": needs an input of rank >= 2 with a known last dimension, got input shape [None, None]: the last dimension is the number of features, e.g. inputShape: [3]',
    );
  });

  test('unknown keys are refused naming the right spelling; a positional argument is refused', () => {
    assert.throws(() => dense({ units: 1, input_shape: [1] } as never), err(/^Dense: unknown option 'input_shape'; did you mean 'inputShape'\? \(options: units, activation, useBias, kernelInitializer, biasInitializer, name, inputShape, batchInputShape, trainable, dtype\)$/));
    assert.throws(() => dense({ units: 1, name: 'd5', kernel_initializer: 'zeros' } as never), err(/^Dense "d5": unknown option 'kernel_initializer'; did you mean 'kernelInitializer'\?/));
    assert.throws(() => flatten({ inputShape: [2], dataFormat: 'channels_last' } as never), err(/^Flatten: unknown option 'dataFormat' \(options: name, inputShape/));
    assert.throws(() => dense(128 as never), err(/^Dense: the argument is an options object \(\{ units, activation, .* \}\); got 128$/));
  });

  test('initializer options and summary options are checked too', async () => {
    const { initializers } = await import('../initializers.js');
    assert.throws(() => initializers.randomNormal({ stdev: 0.1 } as never), err(/^initializers\.randomNormal: unknown option 'stdev'; did you mean 'stddev'\? \(options: mean, stddev\)$/));
    assert.throws(() => initializers.constant({ value: '1' as never }), err(/^initializers\.constant: value must be a finite number, got "1" \(a string\)$/));
    assert.throws(() => dense({ units: 1, kernelInitializer: 3 as never }), err(/^unknown initializer 3: expected a name/));
    const m = new Sequential([dense({ units: 1, inputShape: [1] })]);
    assert.throws(() => m.summary({ printer: console.log } as never), err(/^summary: unknown option 'printer'; did you mean 'print'\?/));
  });

  test('a weight too large to allocate names the layer, the shape and the size', () => {
    assert.throws(
      () => new Sequential([dense({ units: 1e10, inputShape: [1], name: 'huge' })]),
      (e: unknown) => e instanceof ArgumentError && e.message === 'Dense "huge": weight huge/kernel of shape [1, 10000000000] is too large: 10000000000 float32 values = 40 GB, more than one array can hold here',
    );
    assert.throws(() => zeros([1e10]), err(/^zeros \[10000000000\]: too large: 10000000000 float32 values = 40 GB/));
  });

  test("activation as a function: nerva's own ops are the named activations; others compute but cannot be saved", () => {
    const x = tensor([[-1, 0.5, 2]]);
    const named = dense({ units: 2, activation: relu, inputShape: [3] });
    assert.equal(named.activation, 'relu');
    assert.equal(named.getConfig().activation, 'relu');
    assert.equal(dense({ units: 2, activation: sigmoid }).activation, 'sigmoid');
    const custom = dense({ units: 2, activation: (t: Tensor) => t.mul(2), inputShape: [3], name: 'twice', kernelInitializer: 'ones' });
    assert.equal(custom.activation, 'custom');
    const m = new Sequential([custom]);
    assert.deepEqual(m.predict(x).toArray(), [[3, 3]]);
    assert.throws(() => custom.getConfig(), err(/^Dense "twice": its activation is a function of your own, which a saved model cannot hold/));
    const bad = dense({ units: 1, activation: (() => 3) as never, inputShape: [3], name: 'num' });
    assert.throws(() => new Sequential([bad]).predict(x), err(/Dense "num": the activation function returned 3, expected a Tensor/));
    assert.throws(() => activation({ activation: 3 as never, name: 'a3' }), err(/^Activation "a3": activation must be a name \(linear, relu, .*\) or a function, got 3$/));
    assert.equal(activation({ activation: relu }).activation, 'relu');
  });
});
