// Tests of the metrics: how 'accuracy' resolves (Keras 3 compile_utils rule), the accuracy
// functions, and running means weighted by batch size (directly and inside fit).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, Sequential, layers, optimizers } from '../index.js';
import { binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, resolveAccuracy, getMetric, Metric } from './index.js';
import { meanSquaredError } from '../losses/index.js';
import { ArgumentError } from '../errors.js';

describe("'accuracy' resolves as in Keras 3", () => {
  test('one output column: binary accuracy', () => {
    assert.equal(resolveAccuracy(tensor([1, 0, 1]), tensor([[0.7], [0.2], [0.4]])), binaryAccuracy);
    assert.equal(resolveAccuracy(tensor([[1], [0]]), tensor([[0.7], [0.2]])), binaryAccuracy);
  });
  test('labels of lower rank, or a last dim of 1 against several classes: sparse categorical', () => {
    assert.equal(resolveAccuracy(tensor([2, 0]), tensor([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]])), sparseCategoricalAccuracy);
    assert.equal(resolveAccuracy(tensor([[2], [0]]), tensor([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]])), sparseCategoricalAccuracy);
  });
  test('one-hot labels: categorical', () => {
    assert.equal(resolveAccuracy(tensor([[0, 0, 1], [1, 0, 0]]), tensor([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]])), categoricalAccuracy);
  });
  test('a resolved accuracy metric computes the right values for each kind', () => {
    const cases: [ReturnType<typeof tensor>, ReturnType<typeof tensor>, number][] = [
      [tensor([1, 0, 1, 0]), tensor([[0.7], [0.2], [0.4], [0.9]]), 0.5],
      [tensor([2, 0, 1]), tensor([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]]), 2 / 3],
      [tensor([[0, 0, 1], [0, 1, 0]]), tensor([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]]), 0.5],
    ];
    for (const [y, p, want] of cases) {
      const m = getMetric('accuracy');
      m.update(y, p);
      assert.ok(Math.abs(m.result() - want) < 1e-7, `${m.result()} vs ${want}`);
      assert.equal(m.name, 'accuracy');
    }
  });
});

describe('accuracy functions', () => {
  test('binary accuracy thresholds strictly above 0.5 (Keras: y_pred > threshold)', () => {
    assert.deepEqual(Array.from(binaryAccuracy(tensor([[1], [0], [0], [1]]), tensor([[0.5], [0.5], [0.51], [0.9]])).data()), [0, 1, 0, 1]);
    assert.deepEqual(Array.from(binaryAccuracy(tensor([[1, 0]]), tensor([[0.9, 0.8]])).data()), [0.5]);
    assert.deepEqual(Array.from(binaryAccuracy(tensor([[1]]), tensor([[0.3]]), 0.2).data()), [1]);
  });
  test('sparse and categorical accuracy compare argmax', () => {
    assert.deepEqual(Array.from(sparseCategoricalAccuracy(tensor([1, 2], [2], 'int32'), tensor([[0, 1, 0], [1, 0, 0]])).data()), [1, 0]);
    assert.deepEqual(Array.from(categoricalAccuracy(tensor([[0, 1, 0], [0, 0, 1]]), tensor([[0, 1, 0], [0, 0.6, 0.4]])).data()), [1, 0]);
  });
});

describe('running means', () => {
  test('Metric.update weights each batch by its number of samples', () => {
    const m = getMetric('sparse_categorical_accuracy');
    m.update(tensor([0, 0, 0]), tensor([[1, 0], [1, 0], [1, 0]])); // 3 of 3
    m.update(tensor([1]), tensor([[1, 0]])); // 0 of 1
    assert.equal(m.result(), 0.75); // not (1 + 0) / 2
    m.reset();
    assert.equal(m.result(), 0);
    const loss = new Metric('loss', meanSquaredError);
    loss.updateMean(2, 3);
    loss.updateMean(6, 1);
    assert.equal(loss.result(), 3);
  });

  test('in fit, epoch loss and accuracy are means over samples, not over batches', async () => {
    // Kernel [[1, -1]]: class 0 for x > 0. Labels make batch 1 (3 samples) right, batch 2 (1) wrong.
    const model = new Sequential([layers.dense({ units: 2, inputShape: [1], activation: 'softmax' })]);
    model.setWeights([tensor([[1, -1]]), tensor([0, 0])]);
    const opt = optimizers.sgd();
    opt.learningRate = 0; // weights stay put, so every batch sees the same model
    model.compile({ optimizer: opt, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = [[1], [2], [3], [4]];
    const y = [0, 0, 0, 1];
    const batchLogs: Record<string, number>[] = [];
    const h = await model.fit(x, y, { batchSize: 3, shuffle: false, verbose: 0, callbacks: [{ onBatchEnd: (_b, logs) => { batchLogs.push({ ...logs }); } }] });
    assert.equal(batchLogs.length, 2);
    assert.equal(batchLogs[0].accuracy, 1);
    assert.equal(batchLogs[1].accuracy, 0.75);
    assert.equal(h.history.accuracy[0], 0.75);
    const ev = model.evaluate(x, y);
    assert.ok(Math.abs(h.history.loss[0] - ev.loss) < 1e-6, `${h.history.loss[0]} vs ${ev.loss}`);
    assert.equal(ev.accuracy, 0.75);
  });
});

describe('metric names', () => {
  test('Keras names in snake_case and camelCase; the log key is the given name', () => {
    assert.equal(getMetric('accuracy').name, 'accuracy');
    // Keras 3 logs 'acc' under 'acc' (compile_utils.get_metric names it by the identifier).
    assert.equal(getMetric('acc').name, 'acc');
    assert.equal(getMetric('sparseCategoricalAccuracy').name, 'sparse_categorical_accuracy');
    assert.equal(getMetric('mse').name, 'mse');
    assert.equal(getMetric('meanAbsoluteError').name, 'mean_absolute_error');
    const custom = getMetric(function myScore(a, b) { return meanSquaredError(a, b); });
    assert.equal(custom.name, 'my_score');
  });
  test('unknown metrics list the valid names', () => {
    assert.throws(() => getMetric('precision'), (e: unknown) => e instanceof ArgumentError && /unknown metric 'precision'; valid names: accuracy, acc, binary_accuracy/.test(e.message));
  });
});
