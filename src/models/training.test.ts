// Tests of the fit loop: History keys, validationSplit, bit-identical runs for one seed, the errors
// for bad data and options, and that fit lets timers run while it trains.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { zeros, setSeed, randomUniform, Sequential, layers, optimizers, ArgumentError, Layer } from '../index.js';
import type { Shape } from '../layers/layer.js';
import type { Tensor } from '../tensor/tensor.js';

/** A small MNIST-like problem: 8x8 "images" whose class is the brightest quadrant-ish bucket. */
function mnistLike(n: number): { x: Tensor; y: Int32Array } {
  const x = randomUniform([n, 8, 8], 0, 1);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bestSum = -1;
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let j = 0; j < 16; j++) s += x.values[i * 64 + c * 16 + j];
      if (s > bestSum) { bestSum = s; best = c; }
    }
    y[i] = best;
  }
  return { x, y };
}

function classifier(): Sequential {
  return new Sequential([
    layers.flatten({ inputShape: [8, 8] }),
    layers.dense({ units: 16, activation: 'relu' }),
    layers.dropout({ rate: 0.2 }),
    layers.dense({ units: 4, activation: 'softmax' }),
  ]);
}

describe('fit results', () => {
  test('History has loss/accuracy/val_loss/val_accuracy per epoch and the epoch indices', async () => {
    setSeed(20);
    const { x, y } = mnistLike(96);
    const m = classifier();
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0, validationData: [x, y] });
    assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.deepEqual(h.epoch, [0, 1, 2]);
    for (const k of Object.keys(h.history)) {
      assert.equal(h.history[k].length, 3);
      assert.ok(h.history[k].every(Number.isFinite));
    }
    assert.ok(h.history.accuracy.every((a) => a >= 0 && a <= 1));
    // val_loss is evaluate() on the validation data with the epoch's final weights.
    const ev = m.evaluate(x, y);
    assert.ok(Math.abs(ev.loss - h.history.val_loss[2]) < 1e-6);
    assert.ok(Math.abs(ev.accuracy - h.history.val_accuracy[2]) < 1e-6);
  });

  test('a small classifier learns (loss falls, accuracy well above chance)', async () => {
    setSeed(21);
    const { x, y } = mnistLike(256);
    const m = new Sequential([layers.flatten({ inputShape: [8, 8] }), layers.dense({ units: 4, activation: 'softmax' })]);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0 });
    assert.ok(h.history.loss[14] < h.history.loss[0] * 0.7, `loss ${h.history.loss[0]} -> ${h.history.loss[14]}`);
    assert.ok(h.history.accuracy[14] > 0.6, `accuracy ${h.history.accuracy[14]}`);
  });

  test('validationSplit holds out the last samples (before shuffling)', async () => {
    setSeed(22);
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.01 }), loss: 'mse' });
    const x = [[0], [1], [2], [3], [4], [5], [6], [7], [8], [9]];
    const y = [0, 1, 2, 3, 4, 5, 6, 7, 100, -100];
    const lossFirst8 = m.evaluate(x.slice(0, 8), y.slice(0, 8)).loss;
    const h = await m.fit(x, y, { epochs: 1, batchSize: 8, validationSplit: 0.2, verbose: 0 });
    // The single training batch was the first 8 samples: its loss was measured before the step.
    assert.ok(Math.abs(h.history.loss[0] - lossFirst8) < 1e-4, `${h.history.loss[0]} vs ${lossFirst8}`);
    assert.ok(Math.abs(h.history.val_loss[0] - m.evaluate(x.slice(8), y.slice(8)).loss) < 1e-6);
    assert.notEqual(h.history.val_loss[0], m.evaluate(x.slice(0, 2), y.slice(0, 2)).loss);
  });

  test('same seed, same model, same data: bit-identical weights and History', async () => {
    const once = async (): Promise<{ w: number[][]; h: Record<string, number[]> }> => {
      setSeed(1234);
      const { x, y } = mnistLike(64);
      const m = classifier();
      m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
      const h = await m.fit(x, y, { epochs: 3, batchSize: 16, validationSplit: 0.25, verbose: 0 });
      return { w: m.getWeights().map((t) => Array.from(t.data())), h: h.history };
    };
    const a = await once();
    const b = await once();
    assert.deepEqual(b.w, a.w);
    assert.deepEqual(b.h, a.h);
    setSeed(999);
    const { x } = mnistLike(64);
    setSeed(1234);
    const { x: x2 } = mnistLike(64);
    assert.notDeepEqual(Array.from(x.data()), Array.from(x2.data()));
  });

  test('epochs 0 trains nothing; initialEpoch resumes the epoch count', async () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const w = m.getWeights().map((t) => Array.from(t.data()));
    const h0 = await m.fit([1], [1], { epochs: 0, verbose: 0 });
    assert.deepEqual(h0.epoch, []);
    assert.deepEqual(m.getWeights().map((t) => Array.from(t.data())), w);
    const h = await m.fit([1], [1], { epochs: 4, initialEpoch: 2, verbose: 0 });
    assert.deepEqual(h.epoch, [2, 3]);
  });
});

describe('batch storage', () => {
  test('a custom layer that keeps its inputs still sees each batch intact after fit', async () => {
    // The library's own layers let fit reuse a shuffled batch's storage after each step; a custom
    // layer might keep the batch, so with one in the model every batch must stay as it was.
    class Keep extends Layer {
      readonly className = 'Keep';
      readonly seen: { x: Tensor; copy: Float32Array }[] = [];
      call(x: Tensor): Tensor {
        this.seen.push({ x, copy: Float32Array.from(x.values) });
        return x;
      }
      computeOutputShape(s: Shape): Shape {
        return s;
      }
    }
    setSeed(3);
    const keep = new Keep({ inputShape: [8, 8] }, 'keep');
    const model = new Sequential([keep, layers.flatten(), layers.dense({ units: 4, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const { x, y } = mnistLike(96);
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    assert.ok(keep.seen.length >= 12);
    for (const [i, s] of keep.seen.entries()) assert.deepEqual(Float32Array.from(s.x.values), s.copy, `batch ${i} changed after its step`);
  });

  test('a custom layer that keeps what a Dense layer computed still sees it intact after fit, evaluate and predict', async () => {
    // With only built-in layers, Dense outputs live in the step's scratch storage and are reused
    // after the step; a custom layer after a Dense layer might keep that output, so with one in the
    // model the outputs must be ordinary arrays.
    class Keep extends Layer {
      readonly className = 'Keep';
      readonly seen: { x: Tensor; copy: Float32Array }[] = [];
      call(x: Tensor): Tensor {
        this.seen.push({ x, copy: Float32Array.from(x.values) });
        return x;
      }
      computeOutputShape(s: Shape): Shape {
        return s;
      }
    }
    setSeed(4);
    const keep = new Keep({}, 'keep_dense');
    const model = new Sequential([layers.flatten({ inputShape: [8, 8] }), layers.dense({ units: 12, activation: 'relu' }), keep, layers.dense({ units: 4, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const { x, y } = mnistLike(96);
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, validationData: [x, y] });
    model.evaluate(x, y, { batchSize: 32 });
    model.predict(x, { batchSize: 40 });
    assert.ok(keep.seen.length >= 12 + 6 + 3 + 3);
    for (const [i, s] of keep.seen.entries()) assert.deepEqual(Float32Array.from(s.x.values), s.copy, `output ${i} changed after its step`);
  });
});

describe('bad input gets clear errors', () => {
  const model = (): Sequential => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    return m;
  };

  test('x and y of different lengths', async () => {
    await assert.rejects(model().fit([1, 2, 3], [1, 2], { verbose: 0 }), (e: unknown) => e instanceof ArgumentError && /fit: x and y have different numbers of samples: x \[3, 1\] has 3, y \[2\] has 2/.test(e.message));
    assert.throws(() => model().evaluate([1, 2, 3], [1, 2]), /evaluate: x and y have different numbers of samples/);
  });

  test('NaN / Infinity in x or y, naming where', async () => {
    await assert.rejects(model().fit([[1], [NaN]], [1, 2], { verbose: 0 }), /fit: x contains NaN at index \[1, 0\]/);
    await assert.rejects(model().fit([1, 2], [1, -Infinity], { verbose: 0 }), /fit: y contains -Infinity at index \[1\]/);
    await assert.rejects(model().fit([1, 2], [1, 2], { verbose: 0, validationData: [[1], [NaN]] }), /fit: validationData y contains NaN at index \[0\]/);
    assert.throws(() => model().predict([[Infinity]]), /predict: x contains Infinity at index \[0, 0\]/);
  });

  test('empty data', async () => {
    await assert.rejects(model().fit([], [], { verbose: 0 }), /fit: x is empty/);
    await assert.rejects(model().fit(zeros([0, 1]), zeros([0]), { verbose: 0 }), /fit: x is empty \(shape \[0, 1\]\)/);
  });

  test('batchSize, epochs and validationSplit out of range', async () => {
    for (const bs of [0, -1, 1.5]) {
      await assert.rejects(model().fit([1], [1], { batchSize: bs, verbose: 0 }), new RegExp(`fit: batchSize must be a positive integer, got ${bs}`));
    }
    assert.throws(() => model().predict([1], { batchSize: 0 }), /predict: batchSize must be a positive integer, got 0/);
    await assert.rejects(model().fit([1], [1], { epochs: -1, verbose: 0 }), /fit: epochs must be a non-negative integer, got -1/);
    await assert.rejects(model().fit([1], [1], { epochs: 2.5, verbose: 0 }), /got 2.5/);
    for (const vs of [0, 1, -0.5, 1.5]) {
      await assert.rejects(model().fit([1, 2], [1, 2], { validationSplit: vs, verbose: 0 }), new RegExp(`fit: validationSplit must be in \\(0, 1\\), got ${vs}`));
    }
    await assert.rejects(model().fit([1, 2, 3], [1, 2, 3], { validationSplit: 0.1, verbose: 0 }), /validationSplit 0.1 of 3 samples leaves an empty training or validation set/);
  });

  test('sparse labels out of range or not integers name the value and its index in the data', async () => {
    setSeed(30);
    const m = new Sequential([layers.dense({ units: 10, inputShape: [4] })]);
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const x = zeros([64, 4]);
    const y = new Float32Array(64);
    y[37] = 10;
    // Shuffled batches must still report the sample's index in y, not its place in a batch.
    await assert.rejects(m.fit(x, y, { batchSize: 16, verbose: 0 }), /label 10 at index 37 is out of range \[0, 10\)/);
    const y2 = new Float32Array(64);
    y2[50] = 2.5;
    await assert.rejects(m.fit(x, y2, { batchSize: 16, verbose: 0 }), /labels must be integers, got 2.5 at index 50/);
    // And nothing was trained on before the bad label was found.
    const w = m.getWeights().map((t) => Array.from(t.data()));
    await assert.rejects(m.fit(x, y, { batchSize: 16, shuffle: false, verbose: 0 }));
    assert.deepEqual(m.getWeights().map((t) => Array.from(t.data())), w);
  });
});

describe('event loop', () => {
  test('fit yields: a setInterval timer fires while a few hundred steps run', async () => {
    setSeed(40);
    const m = new Sequential([layers.dense({ units: 64, inputShape: [32], activation: 'relu' }), layers.dense({ units: 1 })]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const x = randomUniform([300, 32]);
    const y = randomUniform([300]);
    // Each step is made to take at least 0.5 ms, so the epoch outlasts fit's 50 ms yield interval on
    // any machine (the claim under test is about long epochs, not about this machine's speed).
    const slowStep = (): void => {
      const t = performance.now();
      while (performance.now() - t < 0.5);
    };
    let ticks = 0;
    let stepsAtFirstTick = -1;
    let steps = 0;
    const timer = setInterval(() => {
      if (ticks === 0) stepsAtFirstTick = steps;
      ticks++;
    }, 1);
    try {
      // One epoch only, so the yields come from inside the epoch, not just from its end.
      await m.fit(x, y, { epochs: 1, batchSize: 1, verbose: 0, callbacks: [{ onBatchEnd: () => { steps++; slowStep(); } }] });
    } finally {
      clearInterval(timer);
    }
    const ticksDuringFit = ticks;
    assert.equal(steps, 300);
    assert.ok(ticksDuringFit > 1, `the timer fired ${ticksDuringFit} times during fit`);
    assert.ok(stepsAtFirstTick >= 0 && stepsAtFirstTick < 300, `first tick after ${stepsAtFirstTick} of 300 steps`);
  });
});
