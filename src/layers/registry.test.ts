// The generic layer test, run over every registered class: a factory with the TF.js name exists,
// the layer builds and computes the shape it promises, its config round-trips through the saved
// format, and a training step runs through it. A class registered without an example here fails
// the first test, so a new layer cannot skip the rest.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAYER_CLASSES, isBuiltInLayer } from './registry.js';
import * as layers from './index.js';
import type { Layer } from './layer.js';
import { Sequential } from '../models/sequential.js';
import { setSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { modelFromArtifacts, modelToArtifacts } from '../io/model-io.js';
import { ArgumentError } from '../errors.js';

/** One small model per layer class: [the input shape without batch, the layers]. */
const EXAMPLES: Record<string, () => [number[], Layer[]]> = {
  Dense: () => [[5], [layers.dense({ units: 3, activation: 'tanh' })]],
  Flatten: () => [[2, 3], [layers.flatten()]],
  Activation: () => [[4], [layers.activation({ activation: 'sigmoid' })]],
  Dropout: () => [[6], [layers.dropout({ rate: 0.25 })]],
  Reshape: () => [[6], [layers.reshape({ targetShape: [3, 2] })]],
  InputLayer: () => [[4], [layers.input({ shape: [4] }), layers.dense({ units: 2 })]],
  Conv2D: () => [[5, 6, 2], [layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: [1, 2], padding: 'same', activation: 'tanh' })]],
  MaxPooling2D: () => [[5, 4, 2], [layers.maxPooling2d({ poolSize: 2, strides: 1 })]],
  AveragePooling2D: () => [[5, 4, 2], [layers.averagePooling2d({ poolSize: [2, 3], padding: 'same' })]],
  GlobalAveragePooling2D: () => [[3, 4, 2], [layers.globalAveragePooling2d()]],
  GlobalMaxPooling2D: () => [[3, 4, 2], [layers.globalMaxPooling2d({ keepdims: true })]],
  BatchNormalization: () => [[3, 3, 2], [layers.batchNormalization({ momentum: 0.9, epsilon: 1e-2, center: false })]],
};

/** TF.js' factory name of a class: Dense -> dense, Conv2D -> conv2d, MaxPooling2D -> maxPooling2d. */
const lowerFirst = (s: string): string => (s[0].toLowerCase() + s.slice(1)).replace(/(\d)D$/, '$1d');

function values(shape: number[], salt: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(1.3 * i + salt);
  return new Tensor(v, shape, 'float32');
}

test('every registered layer class has a factory named as in TF.js and an example here', () => {
  for (const [name, cls] of LAYER_CLASSES) {
    assert.equal(cls.className, name);
    const factory = (layers as Record<string, unknown>)[lowerFirst(name)];
    assert.equal(typeof factory, 'function', `layers.${lowerFirst(name)} is missing for ${name}`);
    assert.ok(EXAMPLES[name], `registry.test.ts has no example model for ${name}`);
  }
});

for (const name of LAYER_CLASSES.keys()) {
  test(`${name}: builds, computes its promised shape, round-trips its config, trains`, () => {
    setSeed(3);
    const [inShape, ls] = EXAMPLES[name]();
    const target = ls[ls.length - 1];
    const model = new Sequential([...ls]);
    const x = values([4, ...inShape], 1);
    const y = model.predict(x);
    assert.deepEqual(y.shape, (model.outputShape ?? []).map((d) => d ?? 4));
    assert.ok(ls.every(isBuiltInLayer));

    // Config round trip through the saved format: the same config and the same outputs.
    if (!model.built) model.build([null, ...inShape]);
    const art = modelToArtifacts(model);
    const again = modelFromArtifacts(art, 'memory');
    const loadedTarget = again.layers.find((l) => l.name === target.name)!;
    // (The loaded first layer carries the model's input shape, which the original got from predict.)
    const { batchInputShape: _a, ...loadedConfig } = loadedTarget.getConfig();
    const { batchInputShape: _b, ...config } = target.getConfig();
    assert.deepEqual(loadedConfig, config);
    assert.deepEqual(again.predict(x).toArray(), y.toArray());

    // A training step runs through the layer (a Dense head gives it something to train).
    const head = new Sequential([...(name === 'InputLayer' ? [layers.input({ shape: inShape })] : []), ...EXAMPLES[name]()[1].filter((l) => l.className !== 'InputLayer'), layers.flatten(), layers.dense({ units: 1 })]);
    if (!head.built) head.build([null, ...inShape]);
    head.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = head.getWeights().map((w) => w.toArray());
    head.trainOnBatch(x, values([4, 1], 2));
    assert.notDeepEqual(head.getWeights().map((w) => w.toArray()), before);
  });
}

test('every registered class declares its own argument names, and refuses any other key by name', () => {
  for (const [name, cls] of LAYER_CLASSES) {
    // Inherited argNames would check a subclass against its parent's arguments.
    assert.ok(Object.hasOwn(cls, 'argNames'), `${name} has no static argNames of its own (see docs/contributing.md)`);
    const Ctor = cls as unknown as new (a: object) => Layer;
    // The key check comes first (in the Layer constructor), before the class's own checks.
    assert.throws(
      () => new Ctor({ notAnOption: 1 }),
      (e: unknown) => e instanceof ArgumentError && e.message.startsWith(`${name}: unknown option 'notAnOption'`) && e.message.includes('inputShape'),
      name,
    );
    assert.throws(() => new Ctor({ input_shape: [3] }), (e: unknown) => e instanceof ArgumentError && e.message.includes("did you mean 'inputShape'?"), name);
    // Missing arguments are named, never a TypeError from inside the constructor.
    try {
      new (cls as unknown as new () => Layer)();
    } catch (e) {
      assert.ok(e instanceof ArgumentError, `${name}() without arguments threw ${String(e)}`);
    }
    for (const key of cls.argNames) assert.ok(!['name', 'inputShape', 'trainable'].includes(key), `${name}.argNames repeats the base argument ${key}`);
  }
});

test('a subclass of a built-in layer is not built-in (it may keep its inputs)', () => {
  class Keeper extends layers.Dense {}
  assert.equal(isBuiltInLayer(new Keeper({ units: 1 })), false);
  assert.equal(isBuiltInLayer(layers.dense({ units: 1 })), true);
});

test('layers.input takes the shape of one sample and comes first only', () => {
  const m = new Sequential([layers.input({ shape: [28, 28, 1] }), layers.flatten(), layers.dense({ units: 10 })]);
  assert.deepEqual(m.inputShape, [null, 28, 28, 1]);
  assert.deepEqual(m.layers.map((l) => l.className), ['Flatten', 'Dense']);
  assert.equal(m.countParams(), 7850);
  assert.throws(() => new Sequential([layers.flatten(), layers.input({ shape: [2] })]), /an input \(InputLayer "input_layer(_\d+)?"\) can only come first/);
  assert.throws(() => new Sequential([layers.input({ shape: [2] }), layers.dense({ units: 1, inputShape: [2] })]), /only the first layer may declare an input shape/);
  assert.throws(() => layers.input({ shape: 3 } as unknown as { shape: number[] }), (e: unknown) => e instanceof ArgumentError && /expected \{ shape: \[\.\.\.\] \}/.test(e.message));
});
