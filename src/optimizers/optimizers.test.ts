// Tests of the optimizers: each update equals the Keras 3 formula (keras/src/optimizers/*.py)
// computed by hand here, gradient clipping as in base_optimizer.py, and learning-rate changes.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Variable } from '../layers/variable.js';
import { SGD, Adam, AdamW, RMSprop, Adagrad, getOptimizer, optimizers, Optimizer } from './index.js';
import { ArgumentError } from '../errors.js';

const W0 = [0.5, -1.5, 2];
const G1 = [0.1, -0.4, 3];
const G2 = [-0.2, 0.3, 1];

/** A float64 variable, so the comparison with the formula is exact to rounding. */
const var64 = (vals: number[], name = 'w'): Variable => new Variable(name, tensor(vals, [vals.length], 'float64'), true);
const g64 = (vals: number[]): Tensor => tensor(vals, [vals.length], 'float64');

function close(got: ArrayLike<number>, want: number[], tol = 1e-12): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

/** Applies each gradient list in turn to a fresh variable holding W0; returns the final weights. */
function run(opt: Optimizer, gradSteps: number[][]): number[] {
  const v = var64(W0);
  for (const g of gradSteps) opt.applyGradients([g64(g)], [v]);
  return Array.from(v.value.values);
}

describe('update rules equal the Keras 3 formulas', () => {
  test('SGD plain: w -= lr * g', () => {
    const lr = 0.1;
    close(run(new SGD({ learningRate: lr }), [G1]), W0.map((w, i) => w - lr * G1[i]));
    // Keras default lr 0.01.
    close(run(new SGD(), [G1]), W0.map((w, i) => w - 0.01 * G1[i]));
  });

  test('SGD momentum: m = mu*m - lr*g; w += m (two steps)', () => {
    const lr = 0.1, mu = 0.9;
    const want = W0.map((w, i) => {
      const m1 = -lr * G1[i];
      const m2 = mu * m1 - lr * G2[i];
      return w + m1 + m2;
    });
    close(run(new SGD({ learningRate: lr, momentum: mu }), [G1, G2]), want);
  });

  test('SGD nesterov: m = mu*m - lr*g; w += mu*m - lr*g (two steps)', () => {
    const lr = 0.1, mu = 0.9;
    const want = W0.map((w, i) => {
      const m1 = -lr * G1[i];
      const w1 = w + mu * m1 - lr * G1[i];
      const m2 = mu * m1 - lr * G2[i];
      return w1 + mu * m2 - lr * G2[i];
    });
    close(run(new SGD({ learningRate: lr, momentum: mu, nesterov: true }), [G1, G2]), want);
  });

  /** Keras 3 adam.py: alpha = lr*sqrt(1-b2^t)/(1-b1^t); m += (g-m)(1-b1); v += (g²-v)(1-b2); w -= alpha*m/(sqrt(v)+eps). */
  function adamByHand(w0: number[], steps: number[][], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7, wd = 0): number[] {
    const w = [...w0], m = w0.map(() => 0), v = w0.map(() => 0);
    steps.forEach((g, s) => {
      const t = s + 1;
      const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      for (let i = 0; i < w.length; i++) {
        w[i] = w[i] - w[i] * wd * lr; // base_optimizer._apply_weight_decay, before update_step
        m[i] += (g[i] - m[i]) * (1 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
        w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + eps);
      }
    });
    return w;
  }

  test('Adam, two steps (bias correction with the step count)', () => {
    const opt = new Adam({ learningRate: 0.01 });
    close(run(opt, [G1, G2]), adamByHand(W0, [G1, G2], 0.01));
    assert.equal(opt.iterations, 2);
    const d = new Adam();
    assert.deepEqual([d.learningRate, d.beta1, d.beta2, d.epsilon], [0.001, 0.9, 0.999, 1e-7]);
    close(run(new Adam({ beta1: 0.5, beta2: 0.9, epsilon: 1e-3, learningRate: 0.2 }), [G1, G2, G1]), adamByHand(W0, [G1, G2, G1], 0.2, 0.5, 0.9, 1e-3));
  });

  test('AdamW: decoupled decay w -= w*wd*lr before the Adam step', () => {
    close(run(new AdamW({ learningRate: 0.01, weightDecay: 0.1 }), [G1, G2]), adamByHand(W0, [G1, G2], 0.01, 0.9, 0.999, 1e-7, 0.1));
    assert.equal(new AdamW().weightDecay, 0.004);
  });

  /** Keras 3 rmsprop.py. */
  function rmsByHand(steps: number[][], lr: number, rho: number, mu: number, centered: boolean, eps = 1e-7): number[] {
    const w = [...W0], vel = W0.map(() => 0), mom = W0.map(() => 0), avg = W0.map(() => 0);
    for (const g of steps) {
      for (let i = 0; i < w.length; i++) {
        vel[i] = rho * vel[i] + (1 - rho) * g[i] * g[i];
        let denom = vel[i] + eps;
        if (centered) {
          avg[i] = rho * avg[i] + (1 - rho) * g[i];
          denom = vel[i] - avg[i] * avg[i] + eps;
        }
        const inc = (lr * g[i]) / Math.sqrt(denom);
        if (mu > 0) {
          mom[i] = mu * mom[i] + inc;
          w[i] -= mom[i];
        } else w[i] -= inc;
      }
    }
    return w;
  }

  test('RMSprop plain, with momentum, centered (two steps each)', () => {
    close(run(new RMSprop({ learningRate: 0.01 }), [G1, G2]), rmsByHand([G1, G2], 0.01, 0.9, 0, false));
    close(run(new RMSprop({ learningRate: 0.01, momentum: 0.8 }), [G1, G2]), rmsByHand([G1, G2], 0.01, 0.9, 0.8, false));
    close(run(new RMSprop({ learningRate: 0.01, centered: true, rho: 0.8 }), [G1, G2]), rmsByHand([G1, G2], 0.01, 0.8, 0, true));
    close(run(new RMSprop({ learningRate: 0.01, centered: true, momentum: 0.5 }), [G1, G2]), rmsByHand([G1, G2], 0.01, 0.9, 0.5, true));
    // Keras docstring example: lr 0.1, var 10, loss var²/2 -> 9.683772 after one step.
    const v = var64([10]);
    new RMSprop({ learningRate: 0.1 }).applyGradients([g64([10])], [v]);
    assert.ok(Math.abs(v.value.values[0] - 9.683772) < 1e-6);
  });

  test('Adagrad: acc += g²; w -= lr*g/sqrt(acc + eps), accumulator starts at 0.1', () => {
    const lr = 0.05;
    const want = W0.map((w, i) => {
      let acc = 0.1;
      acc += G1[i] ** 2;
      let x = w - (lr * G1[i]) / Math.sqrt(acc + 1e-7);
      acc += G2[i] ** 2;
      x -= (lr * G2[i]) / Math.sqrt(acc + 1e-7);
      return x;
    });
    close(run(new Adagrad({ learningRate: lr }), [G1, G2]), want);
    close(run(new Adagrad({ learningRate: lr, initialAccumulatorValue: 1 }), [G1]), W0.map((w, i) => w - (lr * G1[i]) / Math.sqrt(1 + G1[i] ** 2 + 1e-7)));
  });

  test('float32 weights follow the same formula (to float32 precision)', () => {
    const v = new Variable('w32', tensor(W0), true);
    new Adam({ learningRate: 0.01 }).applyGradients([tensor(G1)], [v]);
    assert.equal(v.value.dtype, 'float32');
    close(v.value.values, adamByHand(W0, [G1], 0.01), 1e-6);
  });
});

describe('gradient clipping (base_optimizer.py)', () => {
  test('clipnorm scales each gradient to at most that L2 norm, separately', () => {
    const a = var64([0, 0], 'a'), b = var64([0], 'b');
    new SGD({ learningRate: 1, clipnorm: 1 }).applyGradients([g64([3, 4]), g64([0.5])], [a, b]);
    close(a.value.values, [-0.6, -0.8]);
    close(b.value.values, [-0.5]); // norm 0.5 < 1: unchanged
  });

  test('clipvalue clips each element', () => {
    const a = var64([0, 0, 0]);
    new SGD({ learningRate: 1, clipvalue: 0.5 }).applyGradients([g64([3, -4, 0.25])], [a]);
    close(a.value.values, [-0.5, 0.5, -0.25]);
  });

  test('globalClipnorm scales all gradients by one factor', () => {
    const a = var64([0, 0], 'a'), b = var64([0], 'b');
    new SGD({ learningRate: 1, globalClipnorm: 1 }).applyGradients([g64([3, 4]), g64([12])], [a, b]);
    close(a.value.values, [-3 / 13, -4 / 13]);
    close(b.value.values, [-12 / 13]);
    const c = var64([0, 0]);
    new SGD({ learningRate: 1, globalClipnorm: 10 }).applyGradients([g64([3, 4])], [c]);
    close(c.value.values, [-3, -4]);
  });

  test('clipping happens before the update rule (Adam sees the clipped gradient)', () => {
    const v = var64([1, 1]);
    new Adam({ learningRate: 0.01, clipnorm: 1 }).applyGradients([g64([30, 40])], [v]);
    const w = var64([1, 1]);
    new Adam({ learningRate: 0.01 }).applyGradients([g64([0.6, 0.8])], [w]);
    close(v.value.values, Array.from(w.value.values));
  });

  test('only one of clipnorm, clipvalue, globalClipnorm may be set (as Keras)', () => {
    assert.throws(() => new SGD({ clipnorm: 1, clipvalue: 1 }), (e: unknown) => e instanceof ArgumentError && /only one of clipnorm, clipvalue, globalClipnorm/.test(e.message));
    assert.throws(() => new Adam({ clipnorm: 1, globalClipnorm: 2 }), /only one of/);
  });
});

describe('learning rate and lookup', () => {
  test('a learning-rate change between steps takes effect on the next step', () => {
    const v = var64([1]);
    const opt = new SGD({ learningRate: 0.1 });
    opt.applyGradients([g64([1])], [v]);
    opt.learningRate = 0.01;
    opt.applyGradients([g64([1])], [v]);
    close(v.value.values, [1 - 0.1 - 0.01]);
    // Adam's step size uses the current rate too.
    const a = new Adam({ learningRate: 0.01 });
    const w = var64(W0);
    a.applyGradients([g64(G1)], [w]);
    a.learningRate = 0.5;
    a.applyGradients([g64(G2)], [w]);
    const m1 = G1.map((g) => 0.1 * g), v1 = G1.map((g) => 0.001 * g * g);
    const want = W0.map((w0, i) => {
      const w1 = w0 - ((0.01 * Math.sqrt(1 - 0.999)) / (1 - 0.9)) * m1[i] / (Math.sqrt(v1[i]) + 1e-7);
      const m2 = m1[i] + (G2[i] - m1[i]) * 0.1, v2 = v1[i] + (G2[i] ** 2 - v1[i]) * 0.001;
      return w1 - ((0.5 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2)) * m2 / (Math.sqrt(v2) + 1e-7);
    });
    close(w.value.values, want);
  });

  test('bad hyperparameters are rejected with the name and value', () => {
    assert.throws(() => new SGD({ learningRate: -1 }), /SGD: learningRate must be a positive number, got -1/);
    assert.throws(() => new SGD({ momentum: 1.5 }), /SGD: momentum must be a number in \[0, 1\], got 1.5/);
    assert.throws(() => new Adam({ beta1: 1 }), /Adam: beta1 must be a number in \[0, 1\), got 1/);
    assert.throws(() => { new SGD().learningRate = NaN; }, /learningRate must be a non-negative number, got NaN/);
    const opt = new SGD();
    assert.throws(() => opt.applyGradients([g64([1]), g64([1])], [var64([1])]), /SGD: 2 gradients for 1 variables/);
  });

  test('names: Keras spellings in any case; unknown names list the valid ones', () => {
    assert.ok(getOptimizer('sgd') instanceof SGD);
    assert.ok(getOptimizer('Adam') instanceof Adam);
    assert.ok(getOptimizer('adamw') instanceof AdamW);
    assert.ok(getOptimizer('AdamW') instanceof AdamW);
    assert.ok(getOptimizer('RMSprop') instanceof RMSprop);
    assert.ok(getOptimizer('rmsprop') instanceof RMSprop);
    assert.ok(getOptimizer('adagrad') instanceof Adagrad);
    const o = optimizers.adam({ learningRate: 0.5 });
    assert.equal(getOptimizer(o), o);
    assert.equal(o.learningRate, 0.5);
    assert.throws(() => getOptimizer('adamax'), (e: unknown) => e instanceof ArgumentError && /unknown optimizer 'adamax'; valid names: sgd, adam/.test(e.message));
  });

  test('each optimizer keeps separate state per variable', () => {
    const a = var64([1], 'a'), b = var64([1], 'b');
    const opt = new SGD({ learningRate: 0.1, momentum: 0.9 });
    opt.applyGradients([g64([1]), g64([0])], [a, b]);
    opt.applyGradients([g64([0]), g64([1])], [a, b]);
    close(a.value.values, [1 - 0.1 - 0.09]);
    close(b.value.values, [1 - 0.1]);
  });
});

test('every registered optimizer has a factory, a name and a config that rebuilds it', async () => {
  const { optimizerClasses, optimizerFromConfig } = await import('./index.js');
  for (const cls of optimizerClasses()) {
    const name = cls.className.toLowerCase();
    const factory = (optimizers as Record<string, unknown>)[name];
    assert.equal(typeof factory, 'function', `optimizers.${name} is missing for ${cls.className}`);
    const o = getOptimizer(name);
    assert.equal(o.constructor, cls);
    assert.equal(o.className, cls.className);
    const again = optimizerFromConfig(cls.className, o.getConfig());
    assert.equal(again.constructor, cls);
    assert.deepEqual(again.getConfig(), o.getConfig());
    // Its own option names and positional order (inherited ones would check a subclass against its parent's).
    assert.ok(Object.hasOwn(cls, 'argNames') && Object.hasOwn(cls, 'positional'), `${cls.className} declares static argNames and positional`);
    assert.equal(cls.positional[0], 'learningRate');
    for (const k of Object.keys(o.getConfig())) if (k !== 'amsgrad') assert.ok([...cls.argNames, 'learningRate'].includes(k), `${cls.className}: config key ${k} is an argument`);
    assert.throws(() => new cls({ notAnOption: 1 }), new RegExp(`^ArgumentError: ${cls.className}: unknown option 'notAnOption'`));
  }
  assert.throws(() => optimizerFromConfig('Adamax', {}), /unknown optimizer class 'Adamax'; valid names: sgd, adam, adamw, rmsprop, adagrad/);
});

describe('the forms users write: TF.js positional numbers, unknown keys, values of the wrong type', () => {
  const err = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && re.test(e.message);
  test("TF.js's positional forms (tf.train.sgd / momentum / adam / rmsprop / adagrad) set what they say", () => {
    assert.equal(optimizers.sgd(0.5).learningRate, 0.5);
    assert.equal(new SGD(0.5).learningRate, 0.5);
    const m = optimizers.momentum(0.1, 0.9, true);
    assert.deepEqual([m.learningRate, m.momentum, m.nesterov], [0.1, 0.9, true]);
    const s = optimizers.sgd(0.2, 0.8);
    assert.deepEqual([s.learningRate, s.momentum, s.nesterov], [0.2, 0.8, false]);
    const a = optimizers.adam(0.01, 0.8, 0.99, 1e-6);
    assert.deepEqual([a.learningRate, a.beta1, a.beta2, a.epsilon], [0.01, 0.8, 0.99, 1e-6]);
    assert.equal(new Adam(0.01).learningRate, 0.01);
    const r = optimizers.rmsprop(0.01, 0.95, 0.5, 1e-6, true);
    assert.deepEqual([r.learningRate, r.rho, r.momentum, r.epsilon, r.centered], [0.01, 0.95, 0.5, 1e-6, true]);
    const g = optimizers.adagrad(0.05, 0.2);
    assert.deepEqual([g.learningRate, g.initialAccumulatorValue], [0.05, 0.2]);
    const w = optimizers.adamw(0.002, 0.01);
    assert.deepEqual([w.learningRate, w.weightDecay, w.beta1], [0.002, 0.01, 0.9]);
    assert.equal(new AdamW(0.002, 0.01).weightDecay, 0.01);
    // An optimizer made positionally trains exactly like its options form.
    close(run(optimizers.adam(0.05, 0.8), [G1, G2]), run(optimizers.adam({ learningRate: 0.05, beta1: 0.8 }), [G1, G2]));
  });

  test('an object plus numbers, or a string, is refused', () => {
    assert.throws(() => optimizers.adam({ learningRate: 0.1 }, 0.9), err(/^Adam: give the options in one object/));
    assert.throws(() => optimizers.sgd('0.1' as never), err(/^SGD: expected an options object \(\{ learningRate, clipnorm, clipvalue, globalClipnorm, momentum, nesterov \}\) or a learning rate, got "0.1" \(a string\)$/));
  });

  test('unknown keys are refused with the right spelling: learning_rate, lr, beta_1', () => {
    assert.throws(() => optimizers.sgd({ learning_rate: 0.5 } as never), err(/^SGD: unknown option 'learning_rate'; did you mean 'learningRate'\? \(options: learningRate, clipnorm, clipvalue, globalClipnorm, momentum, nesterov\)$/));
    assert.throws(() => optimizers.sgd({ lr: 0.5 } as never), err(/^SGD: unknown option 'lr'; did you mean 'learningRate'\?/));
    assert.throws(() => new Adam({ beta_1: 0.5 } as never), err(/^Adam: unknown option 'beta_1'; did you mean 'beta1'\?/));
    assert.throws(() => optimizers.rmsprop({ decay: 0.9 } as never), err(/^RMSprop: unknown option 'decay'; did you mean 'rho'\?/));
    assert.throws(() => optimizers.adamw({ weight_decay: 0.1 } as never), err(/^AdamW: unknown option 'weight_decay'; did you mean 'weightDecay'\?/));
    assert.throws(() => optimizers.adam({ weightDecay: 0.1 } as never), err(/^Adam: unknown option 'weightDecay' \(options: /));
  });

  test('values are quoted with their type; epsilon must be positive', () => {
    assert.throws(() => optimizers.sgd({ learningRate: '0.1' as never }), err(/^SGD: learningRate must be a positive number, got "0.1" \(a string\)$/));
    for (const make of [() => optimizers.adam({ epsilon: 0 }), () => optimizers.adam({ epsilon: -1 }), () => optimizers.rmsprop({ epsilon: 0 }), () => optimizers.adagrad({ epsilon: -1e-7 })]) {
      assert.throws(make, err(/: epsilon must be a positive number, got -?[0-9e.-]+$/));
    }
    assert.throws(() => optimizers.sgd({ nesterov: 'yes' as never }), err(/^SGD: nesterov must be true or false, got "yes" \(a string\)$/));
    const o = optimizers.sgd();
    assert.throws(() => { o.learningRate = '0.1' as never; }, err(/^SGD: learningRate must be a non-negative number, got "0.1" \(a string\)$/));
    assert.throws(() => getOptimizer(42 as never), err(/^unknown optimizer 42: expected a name/));
  });
});

test('configs from TF.js and Keras files: bookkeeping skipped, TF.js RMSProp decay is rho, unsupported settings refused', async () => {
  const { optimizerFromConfig } = await import('./index.js');
  const keras3 = optimizerFromConfig('Adam', { name: 'adam', learningRate: 0.01, weightDecay: null, clipnorm: null, globalClipnorm: null, clipvalue: null, useEma: false, emaMomentum: 0.99, emaOverwriteFrequency: null, lossScaleFactor: null, gradientAccumulationSteps: null, beta1: 0.8, beta2: 0.99, epsilon: 1e-7, amsgrad: false });
  assert.deepEqual([keras3.learningRate, (keras3 as Adam).beta1, keras3.clipnorm], [0.01, 0.8, undefined]);
  const tfjs = optimizerFromConfig('RMSProp', { learningRate: 0.01, decay: 0.95, momentum: 0, epsilon: 1e-7, centered: false }) as RMSprop;
  assert.deepEqual([tfjs.className, tfjs.rho], ['RMSprop', 0.95]);
  assert.throws(() => optimizerFromConfig('Adam', { learningRate: 0.01, useEma: true }), /Adam: setting 'useEma' = true \(a boolean\) has no equivalent in nerva's Adam/);
  assert.throws(() => optimizerFromConfig('SGD', { learningRate: 0.01, decay: 0.001 }), /SGD: setting 'decay' = 0.001 has no equivalent/);
  assert.throws(() => optimizerFromConfig('Adam', { learningRate: 0.01, weightDecay: 0.004 }), /Adam: setting 'weightDecay' = 0.004 has no equivalent/);
  assert.equal((optimizerFromConfig('AdamW', { learningRate: 0.01, weightDecay: 0.01 }) as AdamW).weightDecay, 0.01);
});
