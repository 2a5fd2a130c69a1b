// Tests of Sequential: Workflow 1 end to end, summary, weights in Keras order, predict / evaluate /
// trainOnBatch / predictOnBatch, compile names and the errors users meet first.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, setSeed, randomUniform, Sequential, layers, optimizers, losses, ArgumentError, ShapeError } from '../index.js';
import type { Tensor } from '../tensor/tensor.js';

const XS = [-1.0, 0.0, 1.0, 2.0, 3.0, 4.0];
const YS = [-3.0, -1.0, 1.0, 3.0, 5.0, 7.0];

function mnistModel(): Sequential {
  return new Sequential([
    layers.flatten({ inputShape: [28, 28] }),
    layers.dense({ units: 128, activation: 'relu' }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ]);
}

const arr = (t: Tensor): number[] => Array.from(t.data());

describe('Workflow 1: one neuron learns y = 2x - 1', () => {
  test('Dense(1), mse, sgd, 500 epochs: predict([5]) is within 0.05 of 9', async () => {
    setSeed(42);
    const model = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    model.compile({ loss: 'mean_squared_error', optimizer: 'sgd' });
    const h = await model.fit(XS, YS, { epochs: 500, verbose: 0 });
    const p = model.predict([5.0]);
    assert.deepEqual(p.shape, [1, 1]);
    assert.ok(Math.abs(p.item() - 9) < 0.05, `predict([5]) = ${p.item()}`);
    assert.equal(model.predict(tensor([[5]])).item(), p.item());
    assert.equal(h.history.loss.length, 500);
    assert.ok(h.history.loss[499] < h.history.loss[0] / 100);
    // The learned weights are close to 2 and -1.
    const [k, b] = model.getWeights();
    assert.ok(Math.abs(k.item() - 2) < 0.02 && Math.abs(b.item() + 1) < 0.05, `w=${k.item()} b=${b.item()}`);
  });
});

describe('summary and parameters', () => {
  test('the MNIST model has 101,770 parameters and a row per layer', () => {
    const m = mnistModel();
    assert.equal(m.countParams(), 101770);
    let printed = '';
    const text = m.summary({ print: (s) => { printed = s; } });
    assert.equal(text, printed);
    assert.match(text, /Total params: 101,770/);
    assert.match(text, /Trainable params: 101,770/);
    assert.match(text, /Non-trainable params: 0/);
    const rows = text.split('\n').filter((l) => l.startsWith('│'));
    assert.equal(rows.length, 3);
    assert.match(rows[0], /\(Flatten\)\s+│ \(None, 784\)\s+│\s+0 │/);
    assert.match(rows[1], /\(Dense\)\s+│ \(None, 128\)\s+│\s+100,480 │/);
    assert.match(rows[2], /\(Dense\)\s+│ \(None, 10\)\s+│\s+1,290 │/);
    assert.deepEqual(m.outputShape, [null, 10]);
  });

  test('getWeights / setWeights use Keras order and check count and shapes', () => {
    const m = new Sequential([layers.dense({ units: 3, inputShape: [2], name: 'h' }), layers.dense({ units: 1, name: 'o' })]);
    assert.deepEqual(m.weights.map((v) => v.name), ['h/kernel', 'h/bias', 'o/kernel', 'o/bias']);
    assert.deepEqual(m.getWeights().map((t) => t.shape), [[2, 3], [3], [3, 1], [1]]);
    assert.equal(m.countParams(), 2 * 3 + 3 + 3 + 1);
    assert.throws(() => m.setWeights([zeros([2, 3])]), (e: unknown) => e instanceof ArgumentError && /setWeights expected a list of 4 arrays \(h\/kernel \[2, 3\], h\/bias \[3\], o\/kernel \[3, 1\], o\/bias \[1\]\), got 1$/.test(e.message));
    const before = m.getWeights().map(arr);
    assert.throws(() => m.setWeights([zeros([2, 3]), zeros([3]), zeros([1, 3]), zeros([1])]), (e: unknown) => e instanceof ShapeError && /weight o\/kernel expects shape \[3, 1\], got \[1, 3\]/.test(e.message));
    // Nothing changed on a failed setWeights.
    assert.deepEqual(m.getWeights().map(arr), before);
    m.setWeights([tensor([[1, 0, 0], [0, 1, 0]]), tensor([0, 0, 1]), tensor([[1], [1], [1]]), tensor([-1])]);
    assert.deepEqual(m.predict([[2, 3]]).toArray(), [[2 + 3 + 1 - 1]]);
  });
});

describe('predict, evaluate, trainOnBatch, predictOnBatch', () => {
  test('predict in batches equals one call; predictOnBatch equals predict', () => {
    setSeed(5);
    const m = new Sequential([layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), layers.dense({ units: 2 })]);
    const x = randomUniform([70, 3], -1, 1);
    const all = m.predict(x, { batchSize: 100 });
    const batched = m.predict(x, { batchSize: 16 });
    assert.deepEqual(batched.shape, [70, 2]);
    assert.deepEqual(arr(batched), arr(all));
    assert.deepEqual(arr(m.predictOnBatch(x)), arr(all));
    // A single sample without its batch dim.
    assert.deepEqual(m.predict([0.1, 0.2, 0.3]).shape, [1, 2]);
  });

  test('predict by default runs large batches (about 4 MB of input): the outputs of batches of 32', () => {
    setSeed(8);
    // 2,900 samples of 784 values: three passes of 1,312 (the first layer split across threads).
    const m = new Sequential([layers.dense({ units: 24, inputShape: [784], activation: 'relu' }), layers.dense({ units: 3, activation: 'softmax' })]);
    const x = randomUniform([2900, 784]);
    const byDefault = m.predict(x);
    const small = m.predict(x, { batchSize: 32 });
    assert.deepEqual(byDefault.shape, [2900, 3]);
    const a = arr(byDefault);
    const b = arr(small);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-6, `output ${i}: ${a[i]} vs ${b[i]}`);
    // A linear last layer: its output is the pass's scratch storage, copied out before it is reused.
    const lin = new Sequential([layers.dense({ units: 5, inputShape: [784] })]);
    const p1 = arr(lin.predict(x));
    lin.predict(randomUniform([2900, 784]));
    assert.deepEqual(arr(lin.predict(x)), p1);
  });

  test('evaluate returns { loss, accuracy } computed over all samples', () => {
    const m = new Sequential([layers.dense({ units: 2, inputShape: [1], activation: 'softmax' })]);
    m.setWeights([tensor([[1, -1]]), tensor([0, 0])]);
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = [[1], [2], [-1], [3], [-2]];
    const y = [0, 0, 0, 1, 1];
    const r = m.evaluate(x, y, { batchSize: 2 });
    assert.deepEqual(Object.keys(r).sort(), ['accuracy', 'loss']);
    assert.equal(r.accuracy, 3 / 5);
    const p = m.predict(x).toArray() as number[][];
    const want = -y.reduce((s, c, i) => s + Math.log(p[i][c]), 0) / 5;
    assert.ok(Math.abs(r.loss - want) < 1e-6, `${r.loss} vs ${want}`);
  });

  test('trainOnBatch takes one step and returns the loss before it', () => {
    setSeed(6);
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    const x = tensor([[1], [2]]);
    const y = tensor([3, 5]);
    const before = m.evaluate(x, y).loss;
    const w0 = m.getWeights().map(arr);
    const r = m.trainOnBatch(x, y);
    assert.deepEqual(Object.keys(r), ['loss']);
    assert.ok(Math.abs(r.loss - before) < 1e-6);
    assert.notDeepEqual(m.getWeights().map(arr), w0);
    assert.ok(m.evaluate(x, y).loss < before);
  });

  test('trainOnBatch accepts the same inputs as fit (a flat list for input shape [1])', () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const r = m.trainOnBatch([1, 2], [3, 5]);
    assert.ok(Number.isFinite(r.loss));
  });
});

describe('compile', () => {
  test('loss, optimizer and metric names in camelCase, snake_case and aliases', () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    for (const loss of ['mse', 'meanSquaredError', 'mean_squared_error']) {
      m.compile({ loss, optimizer: 'sgd' });
      assert.equal(m.loss!.lossName, 'mean_squared_error');
    }
    m.compile({ loss: losses.huber({ delta: 2 }), optimizer: 'RMSprop', metrics: ['mae', 'meanSquaredError', 'binary_accuracy'] });
    assert.equal(m.optimizer!.className, 'RMSprop');
    assert.deepEqual(m.makeMetrics().map((x) => x.name), ['mae', 'mean_squared_error', 'binary_accuracy']);
  });

  test('unknown names fail at compile, listing the valid ones', () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    assert.throws(() => m.compile({ loss: 'msee', optimizer: 'sgd' }), /unknown loss 'msee'; valid names: .*mse/);
    assert.throws(() => m.compile({ loss: 'mse', optimizer: 'sgdd' }), /unknown optimizer 'sgdd'; valid names: sgd, adam/);
    assert.throws(() => m.compile({ loss: 'mse', optimizer: 'sgd', metrics: ['accuracyy'] }), /unknown metric 'accuracyy'; valid names: accuracy/);
  });

  test('fit, evaluate and trainOnBatch before compile name the model and the fix', async () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })], { name: 'lonely' });
    await assert.rejects(m.fit(XS, YS, { verbose: 0 }), (e: unknown) => e instanceof ArgumentError && e.message === 'Sequential "lonely": call compile() before fit()');
    assert.throws(() => m.evaluate(XS, YS), /Sequential "lonely": call compile\(\) before evaluate\(\)/);
    assert.throws(() => m.trainOnBatch(XS, YS), /call compile\(\) before trainOnBatch\(\)/);
  });

  test('layer stacking rules', () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1], name: 'same' })]);
    assert.throws(() => m.add(layers.dense({ units: 1, name: 'same' })), /a layer named "same" is already in the model/);
    assert.throws(() => m.add(layers.dense({ units: 1, inputShape: [1], name: 'late' })), /only the first layer may declare an input shape \("late" does\)/);
  });

  test('a wrong input shape names the first layer and both shapes', () => {
    const dense = new Sequential([layers.dense({ units: 10, inputShape: [784], name: 'dense_1' })]);
    assert.throws(() => dense.predict(zeros([32, 28, 28])), (e: unknown) => e instanceof ShapeError && e.message === 'Dense "dense_1": expected input last dimension 784, got [32, 28, 28]: its 25088 values make 32 samples of [784]; reshape it, e.g. x.reshape([32, 784])');
    const flat = new Sequential([layers.flatten({ inputShape: [28, 28], name: 'flat' }), layers.dense({ units: 2 })]);
    assert.throws(() => flat.predict(zeros([4, 28, 27])), /Flatten "flat": expected input shape \[None, 28, 28\], got \[4, 28, 27\]/);
  });

  test('the first layer sets the input rule: Dense takes any rank >= 2 with the right last dimension, others the declared shape', () => {
    const exact = (msg: string) => (e: unknown) => e instanceof ShapeError && e.message === msg;
    const d = new Sequential([layers.dense({ units: 2, inputShape: [4], name: 'd1' })]);
    assert.deepEqual(d.predict(zeros([5, 2, 4])).shape, [5, 2, 2]);
    assert.deepEqual(d.predictOnBatch(zeros([2, 2, 2, 4])).shape, [2, 2, 2, 2]);
    assert.throws(() => d.predict(zeros([5, 3])), exact('Dense "d1": expected input last dimension 4, got [5, 3]'));
    assert.throws(() => d.predictOnBatch(zeros([6])), exact('Dense "d1": expected input last dimension 4, got [6]'));
    assert.throws(() => d.call(zeros([5, 3]), false), exact('Dense "d1": expected input last dimension 4, got [5, 3]'));
    const f = new Sequential([layers.flatten({ inputShape: [2, 3], name: 'f1' }), layers.dense({ units: 1 })]);
    assert.throws(() => f.predictOnBatch(zeros([5, 6])), exact('Flatten "f1": expected input shape [None, 2, 3], got [5, 6]: its 30 values make 5 samples of [2, 3]; reshape it, e.g. x.reshape([5, 2, 3])'));
    assert.throws(() => f.predictOnBatch(zeros([5, 3])), exact('Flatten "f1": expected input shape [None, 2, 3], got [5, 3]'));
    assert.throws(() => f.call(zeros([5, 6]), false), exact('Flatten "f1": expected input shape [None, 2, 3], got [5, 6]'));
  });
});
