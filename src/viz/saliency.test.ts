// saliency against finite differences of the model (float64), integrated gradients' completeness,
// the logit path, and the errors for bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../layers/dense.js';
import { Dropout, Flatten } from '../layers/simple.js';
import { f64Init, tinyConvModel, tinyInput, tinyModel, tinyModelWithActivation } from '../test-utils/inside-models.js';
import { saliency } from './saliency.js';
import { plotSaliency } from './saliency-plot.js';
import { decodePng } from './png.js';

/** The model's output k for a float64 input of shape [3, 4], evaluated without autograd. */
function outputAt(model: Sequential, values: Float64Array, k: number): number {
  return model.predict(ops.tensor(values, [1, 3, 4], 'float64')).values[k];
}

/** Central differences of output k with respect to each of the 12 input values. */
function finiteDifferences(f: (v: Float64Array) => number, x: Tensor, eps = 1e-6): Float64Array {
  const base = Float64Array.from(x.values);
  return base.map((_, i) => {
    const plus = base.slice();
    const minus = base.slice();
    plus[i] += eps;
    minus[i] -= eps;
    return (f(plus) - f(minus)) / (2 * eps);
  });
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= atol + rtol * Math.abs(expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('saliency: the gradient of each class probability equals finite differences (float64)', () => {
  for (const hidden of ['tanh', 'relu'] as const) {
    const model = tinyModel(hidden);
    const x = tinyInput();
    for (let k = 0; k < 3; k++) {
      const g = saliency(model, x, { classIndex: k });
      assert.deepEqual(g.shape, [3, 4]);
      assert.equal(g.dtype, 'float64');
      const fd = finiteDifferences((v) => outputAt(model, v, k), x);
      assertClose(g.values, fd, 1e-6, 1e-9, `${hidden} class ${k}`);
      assert.ok(Math.max(...Array.from(fd, Math.abs)) > 1e-3, 'the check is not vacuous');
    }
  }
});

test('saliency through a convnet (Conv2D, relu) equals finite differences (float64)', () => {
  const model = tinyConvModel();
  const x = ops.tensor(Float64Array.from({ length: 36 }, (_, i) => Math.sin(0.7 * i) + 0.2), [6, 6, 1], 'float64');
  for (let k = 0; k < 2; k++) {
    const g = saliency(model, x, { classIndex: k });
    assert.deepEqual(g.shape, [6, 6, 1]);
    const fd = finiteDifferences((v) => model.predict(ops.tensor(v, [1, 6, 6, 1], 'float64')).values[k], x);
    assertClose(g.values, fd, 1e-6, 1e-9, `conv class ${k}`);
    assert.ok(Math.max(...Array.from(fd, Math.abs)) > 1e-3, 'the check is not vacuous');
  }
});

test('saliency: the default class is the predicted one, and [1, 3, 4] input gives a [1, 3, 4] result', () => {
  const model = tinyModel();
  const x = tinyInput();
  const probs = model.predict(x.reshape([1, 3, 4])).values;
  const predicted = [0, 1, 2].reduce((b, k) => (probs[k] > probs[b] ? k : b), 0);
  const byDefault = saliency(model, x);
  assert.deepEqual(Array.from(byDefault.values), Array.from(saliency(model, x, { classIndex: predicted }).values));
  const batched = saliency(model, x.reshape([1, 3, 4]));
  assert.deepEqual(batched.shape, [1, 3, 4]);
  assert.deepEqual(Array.from(batched.values), Array.from(byDefault.values));
  // Nested arrays work too.
  assert.deepEqual(Array.from(saliency(model, x.toArray() as number[][]).values), Array.from(byDefault.values));
});

test("saliency: output 'logit' is the gradient of the value before softmax, without changing the model", () => {
  const model = tinyModel();
  const x = tinyInput();
  // The same weights with a linear last layer: its outputs are the logits.
  const linear = logitTwin(model, 'tanh');
  const before = Array.from(model.predict(x.reshape([1, 3, 4])).values);
  for (let k = 0; k < 3; k++) {
    const g = saliency(model, x, { classIndex: k, output: 'logit' });
    const fd = finiteDifferences((v) => outputAt(linear, v, k), x);
    assertClose(g.values, fd, 1e-6, 1e-9, `logit ${k}`);
  }
  assert.deepEqual(Array.from(model.predict(x.reshape([1, 3, 4])).values), before, 'the model still outputs probabilities');
  // A model ending in an Activation('softmax') layer: the logit is the Dense output before it.
  const act = tinyModelWithActivation();
  const actLinear = new Sequential([new Flatten({ inputShape: [3, 4] }), ...act.layers.slice(1, 3)]);
  const g = saliency(act, x, { classIndex: 2, output: 'logit' });
  assertClose(g.values, finiteDifferences((v) => outputAt(actLinear, v, 2), x), 1e-6, 1e-9, 'Activation softmax logit');
});

test('saliency: a float32 model agrees with finite differences to float32 accuracy', () => {
  const model = new Sequential([
    new Flatten({ inputShape: [3, 4] }),
    new Dense({ units: 6, activation: 'tanh' }),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
  const x = tinyInput();
  const g = saliency(model, x, { classIndex: 1 });
  assert.equal(g.dtype, 'float32');
  const f = (v: Float64Array): number => model.predict(ops.tensor(Float32Array.from(v), [1, 3, 4], 'float32')).values[1];
  assertClose(g.values, finiteDifferences(f, x, 1e-2), 2e-2, 2e-4, 'float32');
});

function sum(t: Tensor): number {
  return Array.from(t.values).reduce((a, b) => a + b, 0);
}

/** tinyModel's twin with a linear last layer (same weights): its outputs are tinyModel's logits. */
function logitTwin(model: Sequential, hidden: 'tanh' | 'relu'): Sequential {
  const twin = new Sequential([
    new Flatten({ inputShape: [3, 4] }),
    new Dense({ units: 5, activation: hidden, kernelInitializer: f64Init(9), biasInitializer: f64Init(9) }),
    new Dense({ units: 3, kernelInitializer: f64Init(10), biasInitializer: f64Init(10) }),
  ]);
  twin.setWeights(model.getWeights());
  return twin;
}

test('integrated gradients: the attributions add up to output(x) - output(baseline) within 1%', () => {
  let worst = 0;
  for (const hidden of ['tanh', 'relu'] as const) {
    for (let seed = 1; seed <= 3; seed++) {
      const model = tinyModel(hidden, seed);
      const twin = logitTwin(model, hidden);
      const x = tinyInput(seed + 10);
      for (let k = 0; k < 3; k++) {
        for (const output of ['probability', 'logit'] as const) {
          const ig = saliency(model, x, { classIndex: k, method: 'integrated', output });
          const m = output === 'probability' ? model : twin;
          const diff = outputAt(m, Float64Array.from(x.values), k) - outputAt(m, new Float64Array(12), k);
          const err = Math.abs(sum(ig) - diff) / Math.abs(diff);
          worst = Math.max(worst, err);
          assert.ok(err <= 0.01, `${hidden} seed ${seed} ${output} ${k}: sum ${sum(ig)} vs ${diff}`);
        }
      }
    }
  }
  assert.ok(worst > 0, 'a sum that matched exactly would mean the check compares a value with itself');
});

test('integrated gradients with fixed steps: the trapezoid error shrinks as the steps grow', () => {
  // Smooth (tanh): 200 fixed steps already meet completeness within 1%.
  const smooth = tinyModel('tanh', 2);
  const x = tinyInput(12);
  const d = outputAt(smooth, Float64Array.from(x.values), 1) - outputAt(smooth, new Float64Array(12), 1);
  assert.ok(Math.abs(sum(saliency(smooth, x, { classIndex: 1, method: 'integrated', steps: 200 })) - d) <= 0.01 * Math.abs(d));
  // ReLU kinks: the miss falls with the step count (the plot reports the steps it used).
  const relu = tinyModel('relu', 3);
  const xr = tinyInput(13);
  const dr = outputAt(relu, Float64Array.from(xr.values), 1) - outputAt(relu, new Float64Array(12), 1);
  const miss = [4, 32, 1024].map((steps) => Math.abs(sum(saliency(relu, xr, { classIndex: 1, method: 'integrated', steps })) - dr));
  assert.ok(miss[0] > miss[1] && miss[1] > miss[2], `misses ${miss}`);
  assert.ok(miss[2] <= 0.01 * Math.abs(dr));
  const e = plotSaliency(relu, xr, { classIndex: 1 }).explanations[0];
  assert.ok(e.steps >= 64 && e.steps <= 4096 && Number.isInteger(Math.log2(e.steps / 64)), `steps ${e.steps}`);
  assert.equal(plotSaliency(relu, xr, { classIndex: 1, steps: 10 }).explanations[0].steps, 10);
});

test('integrated gradients: a custom baseline, and the exact answer (x - b) * w for a linear model', () => {
  const model = tinyModel('relu');
  const x = tinyInput();
  const baseline = ops.fill([3, 4], 0.5, 'float64');
  const ig = saliency(model, x, { classIndex: 0, method: 'integrated', baseline });
  const diff = outputAt(model, Float64Array.from(x.values), 0) - outputAt(model, new Float64Array(12).fill(0.5), 0);
  assert.ok(Math.abs(sum(ig) - diff) <= 0.01 * Math.abs(diff));

  const linear = new Sequential([new Flatten({ inputShape: [3, 4] }), new Dense({ units: 2, kernelInitializer: f64Init(3), biasInitializer: f64Init(4) })]);
  const w = linear.layers[1].weights[0].value.values;
  const one = saliency(linear, x, { classIndex: 1, method: 'integrated', steps: 1, baseline });
  one.values.forEach((a, i) => assert.ok(Math.abs(a - (x.values[i] - 0.5) * w[i * 2 + 1]) < 1e-12, `element ${i}`));
});

test('saliency: bad input gets errors naming the function, the model and the shapes', () => {
  const model = tinyModel();
  const x = tinyInput();
  assert.throws(() => saliency(model, x, { classIndex: 3 }), /viz\.saliency: classIndex must be an integer in 0\.\.2 \(the model has 3 outputs\), got 3/);
  assert.throws(() => saliency(model, x, { classIndex: -1 }), /classIndex must be an integer in 0\.\.2/);
  assert.throws(() => saliency(model, x, { classIndex: 1.5 }), /classIndex/);
  assert.throws(() => saliency(model, ops.zeros([12]), {}), /viz\.saliency: model "[^"]+" takes one example of shape \[3, 4\] \(or \[1, 3, 4\]\), got \[12\]/);
  assert.throws(() => saliency(model, ops.zeros([2, 3, 4])), /got \[2, 3, 4\]/);
  assert.throws(() => saliency(model, x, { method: 'smooth' as 'gradient' }), /method must be 'gradient' or 'integrated', got "smooth"/);
  assert.throws(() => saliency(model, x, { output: 'logits' as 'logit' }), /output must be 'probability' or 'logit', got "logits"/);
  assert.throws(() => saliency(model, x, { method: 'integrated', steps: 0 }), /steps must be a positive integer, got 0/);
  assert.throws(() => saliency(model, x, { method: 'integrated', baseline: ops.zeros([5]) }), /viz\.saliency: baseline must be shaped like x \[3, 4\], got \[5\]/);
  const unbuilt = new Sequential([new Dense({ units: 2 })]);
  assert.throws(() => saliency(unbuilt, x), /viz\.saliency: model "[^"]+" is not built yet/);
  const endsInDropout = new Sequential([new Flatten({ inputShape: [3, 4] }), new Dense({ units: 2, activation: 'softmax' }), new Dropout({ rate: 0.1, name: 'drop_last' })]);
  assert.throws(() => saliency(endsInDropout, x, { output: 'logit' }), /output 'logit' needs the model to end in a Dense or Activation layer, "drop_last" is a Dropout/);
  assert.throws(() => plotSaliency(model, x, { label: 7 }), /viz\.plotSaliency: label must be an integer in 0\.\.2, got 7/);
});

test('plotSaliency: one row for a right prediction, two (predicted and true) for a wrong one', () => {
  const model = tinyModel();
  const x = tinyInput();
  const probs = model.predict(x.reshape([1, 3, 4])).values;
  const predicted = [0, 1, 2].reduce((b, k) => (probs[k] > probs[b] ? k : b), 0);
  const right = plotSaliency(model, x, { label: predicted });
  const other = (predicted + 1) % 3;
  const wrong = plotSaliency(model, x, { label: other });
  assert.deepEqual(right.explanations.map((e) => [e.classIndex, e.role]), [[predicted, 'predicted']]);
  assert.deepEqual(wrong.explanations.map((e) => [e.classIndex, e.role]), [[predicted, 'predicted'], [other, 'true']]);
  const a = decodePng(right.png);
  const b = decodePng(wrong.png);
  assert.equal(a.width, b.width);
  assert.ok(b.height > 1.8 * a.height, `${b.height} vs ${a.height}`);
  // The explanation carries the same gradient saliency() computes.
  assert.deepEqual(Array.from(right.explanations[0].gradient.values), Array.from(saliency(model, x).values));
  assert.match(wrong.svg, /class \d \(true class\)/);
});
