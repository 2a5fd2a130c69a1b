// What users get wrong with compile / fit / evaluate / predict, from the new-user findings
// (BUG-4, BUG-5, BUG-6 and the "poor messages" table): each is refused before anything changes,
// with a message that names what was received and what is right.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Sequential, layers, losses, tensor, zeros, noGrad, ArgumentError, ShapeError, DtypeError, argMax, setSeed } from '../index.js';
import type { Tensor } from '../tensor/tensor.js';

const err = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && re.test(e.message);
const XS = [-1, 0, 1, 2, 3, 4];
const YS = [-3, -1, 1, 3, 5, 7];

function linear(): Sequential {
  setSeed(5);
  const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}
const weightsOf = (m: Sequential): unknown[] => m.getWeights().map((w) => w.toArray());

describe('BUG-4: a loss through which no gradient flows is refused, not trained on silently', () => {
  const cases: [string, (y: Tensor, p: Tensor) => unknown, RegExp][] = [
    ['a JS number (.item())', (y, p) => p.sub(y.expandDims(-1)).square().mean().item(), /^fit: the loss function returned [\d.]+; a loss must return a Tensor computed from yPred with nerva ops/],
    ['a tensor rebuilt from toArray()', (y, p) => tensor(p.toArray() as number[][]).sub(y.expandDims(-1)).square().mean(-1), /^fit: no gradient flows from the loss function to any trainable weight, so training would change nothing \(Keras: "No gradients provided for any variable"\)/],
    ['a loss under noGrad', (y, p) => noGrad(() => p.sub(y.expandDims(-1)).square().mean(-1)), /^fit: no gradient flows from the loss function/],
    ['a loss that ignores yPred', (y) => y.square(), /^fit: no gradient flows from the loss function/],
    ['an array', () => [1, 2], /^fit: the loss function returned \[1,2\] \(an array\)/],
  ];
  for (const [what, loss, re] of cases) {
    test(what, async () => {
      const m = linear();
      m.compile({ optimizer: 'sgd', loss: loss as never });
      const before = weightsOf(m);
      await assert.rejects(m.fit(XS, YS, { epochs: 3, verbose: 0 }), err(re));
      assert.deepEqual(weightsOf(m), before, 'no step was taken');
      assert.throws(() => m.trainOnBatch(XS, YS), err(re));
    });
  }

  test('a named custom loss is named; a model with no trainable weight still runs', async () => {
    const m = linear();
    const myLoss = (y: Tensor, p: Tensor): Tensor => y.mul(0).add(p.mean().item());
    m.compile({ optimizer: 'sgd', loss: myLoss });
    await assert.rejects(m.fit(XS, YS, { verbose: 0 }), err(/^fit: no gradient flows from the loss function 'myLoss'/));
    const frozen = new Sequential([layers.dense({ units: 1, inputShape: [1], trainable: false })]);
    frozen.compile({ optimizer: 'sgd', loss: 'mse' });
    const h = await frozen.fit(XS, YS, { epochs: 2, verbose: 0 });
    assert.equal(h.history.loss.length, 2);
  });
});

describe('BUG-5: one fit at a time; what may and may not run meanwhile', () => {
  test('a second fit is refused while the first runs; predict and evaluate are allowed; the flag is cleared after', async () => {
    const m = linear();
    const p1 = m.fit(XS, YS, { epochs: 3, verbose: 0 });
    await assert.rejects(m.fit(XS, YS, { epochs: 3, verbose: 0 }), err(/cannot start fit\(\) while another fit\(\) call is running on this model \(TF\.js: "Cannot start training because another fit\(\) call is ongoing\."\); await the running fit\(\) first/));
    assert.equal(m.isTraining, true);
    assert.throws(() => m.compile({ optimizer: 'adam', loss: 'mae' }), err(/cannot compile\(\) while fit\(\) is running/));
    assert.throws(() => m.add(layers.dense({ units: 3 })), err(/cannot add\(\) while fit\(\) is running/));
    assert.throws(() => m.setWeights(m.getWeights()), err(/cannot setWeights\(\) while fit\(\) is running/));
    assert.throws(() => m.trainOnBatch(XS, YS), err(/cannot trainOnBatch\(\) while fit\(\) is running/));
    assert.equal(m.predict([5]).shape.join(), '1,1');
    assert.ok(Number.isFinite(m.evaluate(XS, YS).loss));
    const h = await p1;
    assert.equal(h.history.loss.length, 3, 'the first fit ran all its epochs');
    assert.equal(m.isTraining, false);
    assert.equal(m.loss!.lossName, 'mean_squared_error', 'the refused compile changed nothing');
    await m.fit(XS, YS, { epochs: 1, verbose: 0 });
    m.compile({ optimizer: 'adam', loss: 'mae' });
  });

  test('callbacks may set weights during fit (as EarlyStopping does) but not compile', async () => {
    const m = linear();
    const fixed = m.getWeights();
    await m.fit(XS, YS, { epochs: 2, verbose: 0, callbacks: [{ onEpochEnd: () => m.setWeights(fixed) }] });
    assert.deepEqual(weightsOf(m), fixed.map((w) => w.toArray()));
    await assert.rejects(m.fit(XS, YS, { verbose: 0, callbacks: { onEpochBegin: () => m.compile({ optimizer: 'sgd', loss: 'mae' }) } }), err(/cannot compile\(\) while fit\(\) is running/));
    assert.equal(m.isTraining, false, 'cleared when a callback throws');
  });

  test('the flag is cleared when fit throws, and an async callback still counts as inside fit', async () => {
    const m = linear();
    await assert.rejects(m.fit(XS, [1, 2], { verbose: 0 }), /different numbers of samples/);
    await assert.rejects(m.fit(XS, YS, { verbose: 0, callbacks: [{ onBatchEnd: () => { throw new Error('boom'); } }] }), /boom/);
    assert.equal(m.isTraining, false);
    const fixed = m.getWeights();
    await m.fit(XS, YS, { epochs: 1, verbose: 0, callbacks: [{ onEpochEnd: async () => { await new Promise((r) => setTimeout(r, 1)); m.setWeights(fixed); } }] });
    assert.deepEqual(weightsOf(m), fixed.map((w) => w.toArray()));
  });
});

describe('BUG-6: a non-object where options belong, and unknown keys', () => {
  test('fit(x, y, 500) and friends say which object they meant', async () => {
    const m = linear();
    await assert.rejects(m.fit(XS, YS, 500 as never), (e: unknown) => e instanceof ArgumentError && e.message === 'fit: the third argument is an options object, e.g. { epochs: 500 }; got 500 (a number)');
    assert.throws(() => m.evaluate(XS, YS, 32 as never), err(/^evaluate: the third argument is an options object, e\.g\. \{ batchSize: 32, verbose: 1 \}; got 32 \(a number\)$/));
    assert.throws(() => m.predict(XS, 32 as never), err(/^predict: the second argument is an options object, e\.g\. \{ batchSize: 32 \}; got 32 \(a number\)$/));
    assert.throws(() => new Sequential([], 'm' as never), err(/^Sequential: the second argument is an options object, e\.g\. \{ name: 'my_model' \}; got "m" \(a string\)$/));
  });

  test('snake_case and misspelt keys are refused with the right spelling, even from a non-literal object', async () => {
    const m = linear();
    const opts = { epochs: 1, batch_size: 2 };
    await assert.rejects(m.fit(XS, YS, opts as never), err(/^fit: unknown option 'batch_size'; did you mean 'batchSize'\? \(options: epochs, batchSize, validationData, validationSplit, shuffle, verbose, callbacks, initialEpoch, stream\)$/));
    await assert.rejects(m.fit(XS, YS, { validation_split: 0.5 } as never), err(/unknown option 'validation_split'; did you mean 'validationSplit'\?/));
    await assert.rejects(m.fit(XS, YS, { nb_epoch: 5 } as never), err(/unknown option 'nb_epoch'; did you mean 'epochs'\?/));
    assert.throws(() => m.evaluate(XS, YS, { batch_size: 2 } as never), err(/^evaluate: unknown option 'batch_size'; did you mean 'batchSize'\?/));
    assert.throws(() => m.predict(XS, { batch_size: 2 } as never), err(/^predict: unknown option 'batch_size'; did you mean 'batchSize'\?/));
    assert.throws(() => m.compile({ optimizer: 'sgd', loss: 'mse', metric: ['mae'] } as never), err(/compile: unknown option 'metric'; did you mean 'metrics'\?/));
    assert.throws(() => m.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: [1] } as never), err(/compile: unknown option 'lossWeights' \(options: optimizer, loss, metrics\)/));
  });

  test('option values are quoted with their type', async () => {
    const m = linear();
    await assert.rejects(m.fit(XS, YS, { batchSize: '32' as never, verbose: 0 }), (e: unknown) => e instanceof ArgumentError && e.message === 'fit: batchSize must be a positive integer, got "32" (a string)');
    await assert.rejects(m.fit(XS, YS, { epochs: '3' as never, verbose: 0 }), err(/^fit: epochs must be a non-negative integer, got "3" \(a string\)$/));
    await assert.rejects(m.fit(XS, YS, { shuffle: 'no' as never, verbose: 0 }), err(/^fit: shuffle must be true or false, got "no" \(a string\)$/));
    await assert.rejects(m.fit(XS, YS, { validationData: XS as never, verbose: 0 }), err(/^fit: validationData must be \[xVal, yVal\], got \[-1,0,1,2,3,4\] \(an array\)$/));
    assert.throws(() => m.compile({ optimizer: 'sgd', loss: 42 as never }), err(/^unknown loss 42: expected a name/));
  });
});

describe('callbacks as users write them', () => {
  test('one callback object alone is accepted (as TF.js does)', async () => {
    const m = linear();
    const seen: number[] = [];
    await m.fit(XS, YS, { epochs: 3, verbose: 0, callbacks: { onEpochEnd: (e: number) => void seen.push(e) } });
    assert.deepEqual(seen, [0, 1, 2]);
  });

  test('null, a number, a misspelt hook or a non-function hook are refused by position', async () => {
    const m = linear();
    await assert.rejects(m.fit(XS, YS, { verbose: 0, callbacks: [null as never] }), err(/^fit: callbacks\[0\] is null; a callback is an object with hooks, e\.g\. \{ onEpochEnd\(epoch, logs\) \{ \.\.\. \} \}, or one of callbacks\.\*$/));
    await assert.rejects(m.fit(XS, YS, { verbose: 0, callbacks: [{}, 42 as never] }), err(/^fit: callbacks\[1\] is 42;/));
    await assert.rejects(m.fit(XS, YS, { verbose: 0, callbacks: [{ onEpochEnds: () => undefined } as never] }), err(/^fit: callbacks\[0\]: unknown hook 'onEpochEnds'; did you mean 'onEpochEnd'\?/));
    await assert.rejects(m.fit(XS, YS, { verbose: 0, callbacks: { onYield: () => undefined } as never }), err(/^fit: callbacks: unknown hook 'onYield' \(hooks: onTrainBegin, /));
    await assert.rejects(m.fit(XS, YS, { verbose: 0, callbacks: [{ onEpochEnd: 3 } as never] }), err(/^fit: callbacks\[0\]: onEpochEnd must be a function, got 3$/));
  });
});

describe('shapes are checked against the whole input, before batching', () => {
  const mnistLike = (): Sequential => {
    const m = new Sequential([layers.flatten({ inputShape: [28, 28], name: 'flatten' }), layers.dense({ units: 10, activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    return m;
  };

  test("predict of [100, 784] into a [28, 28] model reports [100, 784], not the first batch's [32, 784]", () => {
    assert.throws(
      () => mnistLike().predict(zeros([100, 784])),
      (e: unknown) => e instanceof ShapeError && e.message === 'Flatten "flatten": expected input shape [None, 28, 28], got [100, 784]: its 78400 values make 100 samples of [28, 28]; reshape it, e.g. x.reshape([100, 28, 28])',
    );
    assert.throws(() => mnistLike().predict(new Float32Array(784)), (e: unknown) => e instanceof ShapeError && /got \[784\]: its 784 values make 1 sample of \[28, 28\]; reshape it, e\.g\. x\.reshape\(\[1, 28, 28\]\)$/.test(e.message));
  });

  test('fit and evaluate check x before any step', async () => {
    const m = mnistLike();
    const before = weightsOf(m);
    await assert.rejects(m.fit(zeros([100, 784]), zeros([100]), { verbose: 0 }), (e: unknown) => e instanceof ShapeError && /got \[100, 784\]/.test(e.message));
    assert.deepEqual(weightsOf(m), before);
    assert.throws(() => m.evaluate(zeros([40, 28, 27]), zeros([40])), (e: unknown) => e instanceof ShapeError && /expected input shape \[None, 28, 28\], got \[40, 28, 27\]$/.test(e.message));
    await assert.rejects(m.fit(zeros([4, 28, 28]), zeros([4]), { verbose: 0, validationData: [zeros([4, 784]), zeros([4])] }), (e: unknown) => e instanceof ShapeError && /got \[4, 784\] \(validationData x\): its 3136 values/.test(e.message));
  });
});

describe('hints where the cause is known', () => {
  test('categorical_crossentropy with integer labels, and the reverse', async () => {
    const m = new Sequential([layers.dense({ units: 3, inputShape: [2], activation: 'softmax' })]);
    m.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
    await assert.rejects(m.fit(zeros([12, 2]), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], { verbose: 0 }), (e: unknown) => e instanceof ShapeError && e.message === 'categorical_crossentropy: labels shape [12] does not match predictions [12, 3]: these look like integer class labels; use sparse_categorical_crossentropy, or one-hot labels (oneHot(labels, 3))');
    m.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    const oneHot = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]];
    await assert.rejects(m.fit(zeros([4, 2]), oneHot, { verbose: 0 }), (e: unknown) => e instanceof ShapeError && /these look like one-hot labels; use categorical_crossentropy, or class indices \(labels\.argMax\(-1\)\)$/.test(e.message));
  });

  test('binary_crossentropy with labels outside [0, 1] is refused, naming the label and its index', async () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [2], activation: 'sigmoid' })]);
    m.compile({ optimizer: 'sgd', loss: losses.binaryCrossentropy({ fromLogits: true }) });
    await assert.rejects(m.fit(zeros([4, 2]), [0, 1, 2, 1], { verbose: 0 }), err(/^fit: y: binary_crossentropy needs labels in \[0, 1\], got 2 at index 2 \(for more than two classes, use sparse_categorical_crossentropy with a softmax output\)$/));
    assert.throws(() => m.evaluate(zeros([2, 2]), [0, -1]), err(/^evaluate: y: binary_crossentropy needs labels in \[0, 1\], got -1 at index 1/));
  });

  test('a float32 overflow is named as such', async () => {
    await assert.rejects(linear().fit([1e39, 1], [1, 2], { verbose: 0 }), err(/^fit: x contains 1e\+39 at index \[0\], which does not fit in float32 \(largest about 3\.4e38\); scale the data down$/));
    await assert.rejects(linear().fit(new Float64Array([1, -1e39]), [1, 2], { verbose: 0 }), err(/contains -1e\+39 at index \[1\], which does not fit in float32/));
    await assert.rejects(linear().fit([1, NaN], [1, 2], { verbose: 0 }), err(/^fit: x contains NaN at index \[1\]$/));
  });

  test('typed arrays nerva does not take list what it does; argMax({ axis }) says to pass a number', () => {
    for (const x of [new Int16Array(4), new BigInt64Array(2), { length: 2, 0: 1, 1: 2 }]) {
      assert.throws(() => linear().predict(x as never), (e: unknown) => e instanceof DtypeError && /accepted: a number, a boolean, \(nested\) arrays of numbers, a Float32Array, Float64Array, Int32Array or Uint8Array, or a Tensor/.test(e.message));
    }
    assert.throws(() => tensor([[1, 2]]).argMax({ axis: 1 } as never), err(/^argMax: axis must be an integer, got \{"axis":1\} \(an object\); pass the axis as a number, e\.g\. argMax\(x, 1\)$/));
    assert.throws(() => argMax(tensor([1]), '0' as never), err(/got "0" \(a string\)$/));
  });
});

describe('setWeights, evaluate verbose', () => {
  test('setWeights takes nested arrays (the NumPy habit) and refuses what is not an array', () => {
    const m = linear();
    m.setWeights([[[2]], [-1]]);
    assert.deepEqual(m.predict([5]).toArray(), [[9]]);
    assert.throws(() => m.setWeights([[[2]], 'x' as never]), err(/setWeights: weight dense(_\d+)?\/bias: expected a Tensor or a \(nested\) array of numbers, got "x" \(a string\)$/));
    assert.throws(() => m.setWeights([[[2, 3]], [1]]), (e: unknown) => e instanceof ShapeError && /weight dense(_\d+)?\/kernel expects shape \[1, 1\], got \[1, 2\]/.test(e.message));
  });

  test('evaluate prints one Keras line with verbose 1 or 2 and nothing by default', () => {
    const m = linear();
    let out = '';
    const stream = { write: (s: string) => void (out += s), isTTY: false };
    m.evaluate(XS, YS, { stream });
    assert.equal(out, '');
    const r = m.evaluate(XS, YS, { verbose: 1, batchSize: 4, stream });
    assert.match(out, /^2\/2 ━+ 0s \d+(us|ms)\/step - loss: \d+\.\d{4}\n$/);
    out = '';
    m.evaluate(XS, YS, { verbose: 2, stream });
    assert.match(out, new RegExp(`^1/1 - 0s - \\d+(us|ms)/step - loss: ${r.loss.toFixed(4).replace('.', '\\.')}\\n$`));
    assert.throws(() => m.evaluate(XS, YS, { verbose: 'loud' as never }), /verbose: expected 0, 1, 2 or 'auto', got "loud"/);
  });
});
