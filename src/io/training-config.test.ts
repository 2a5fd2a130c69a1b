// The compile state in saved models: loss options survive (BUG-2), a custom loss or metric saves
// what can be saved and loads with a warning (BUG-3), Keras-converted training configs load
// (topology and weights, compiled where possible) with a warning instead of being refused, and
// save() keeps the compile state by default as Keras does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential } from '../models/sequential.js';
import * as layers from '../layers/index.js';
import { setSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Adam, RMSprop } from '../optimizers/index.js';
import { losses } from '../losses/index.js';
import { ArgumentError } from '../errors.js';
import { callbacks } from '../callbacks/builtins.js';
import { loadModel, modelToArtifacts } from './model-io.js';
import { writeModelArtifacts, type JsonObject } from './artifacts.js';
import { warningsDuring } from '../test-utils/warnings.js';

const work = await mkdtemp(join(tmpdir(), 'nerva-training-config-test-'));
after(() => rm(work, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (label: string): string => join(work, `${label}-${dirCount++}`);
const readJson = async (dir: string): Promise<JsonObject> => JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as JsonObject;

function data(n: number, classes: number): { x: Tensor; y: Tensor } {
  const x = new Float32Array(n * 4);
  for (let i = 0; i < x.length; i++) x[i] = 2 * Math.sin(1.3 * i + 0.5);
  return { x: new Tensor(x, [n, 4], 'float32'), y: new Tensor(Float32Array.from({ length: n }, (_, i) => (i * 7) % classes), [n], 'float32') };
}

function net(units: number, activation = 'linear'): Sequential {
  setSeed(4);
  return new Sequential([layers.dense({ units: 8, activation: 'relu', inputShape: [4], name: 'h' }), layers.dense({ units, activation, name: 'out' })]);
}

test('BUG-2: loss options survive save and load (fromLogits, huber delta): same loss value after loading', async () => {
  const { x, y } = data(24, 3);
  const cases: [string, () => Sequential, Record<string, unknown>][] = [
    ['sparse fromLogits', () => { const m = net(3); m.compile({ optimizer: 'sgd', loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }) }); return m; },
      { class_name: 'SparseCategoricalCrossentropy', config: { name: 'sparse_categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true } }],
    ['binary fromLogits', () => { const m = net(1); m.compile({ optimizer: 'adam', loss: losses.binaryCrossentropy({ fromLogits: true }) }); return m; },
      { class_name: 'BinaryCrossentropy', config: { name: 'binary_crossentropy', reduction: 'sum_over_batch_size', from_logits: true } }],
    ['huber delta', () => { const m = net(1); m.compile({ optimizer: 'adam', loss: losses.huber({ delta: 5 }) }); return m; },
      { class_name: 'Huber', config: { name: 'huber_loss', reduction: 'sum_over_batch_size', delta: 5 } }],
  ];
  for (const [label, make, lossJson] of cases) {
    const m = make();
    const yy = label.startsWith('binary') ? new Tensor(Float32Array.from(y.values, (v) => v % 2), [24], 'float32') : label.startsWith('huber') ? y.mul(3) : y;
    const dir = freshDir(label.replace(/ /g, '-'));
    await m.save(dir);
    const json = await readJson(dir);
    // TF.js cannot compile these (see training-config.ts), so nerva's own copy holds them, in Keras' form.
    assert.equal(json.trainingConfig, undefined, label);
    const record = ((json.userDefinedMetadata as JsonObject).nerva as JsonObject).training_config as JsonObject;
    assert.deepEqual(record.loss, lossJson, label);
    const back = await loadModel(dir);
    assert.deepEqual(back.loss!.lossConfig, m.loss!.lossConfig, label);
    assert.equal(back.evaluate(x, yy).loss, m.evaluate(x, yy).loss, label);
  }
});

test('a Keras training config with a loss object loads compiled with its options (Keras 3 and tf.keras 2 forms)', async () => {
  const m = net(3);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const keras3 = { module: 'keras.losses', class_name: 'SparseCategoricalCrossentropy', config: { name: 'sparse_categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true, ignore_class: null }, registered_name: null };
  const tfKeras2 = { class_name: 'SparseCategoricalCrossentropy', config: { reduction: 'auto', name: 'sparse_categorical_crossentropy', from_logits: true } };
  const fnForm = { module: 'keras.losses', class_name: 'function', config: 'mean_squared_error', registered_name: 'mean_squared_error' };
  for (const [label, loss, want] of [['keras3', keras3, true], ['tf.keras2', tfKeras2, true], ['function', fnForm, undefined]] as const) {
    const art = modelToArtifacts(m);
    art.trainingConfig!.loss = loss as unknown as JsonObject;
    const dir = freshDir(label);
    await writeModelArtifacts(dir, art);
    const { result: back, warnings } = await warningsDuring(() => loadModel(dir));
    assert.deepEqual(warnings, [], label);
    assert.equal(back.loss!.lossConfig?.fromLogits, want, label);
  }
});

test('a Keras loss setting nerva lacks (label_smoothing 0.1, reduction sum) loads uncompiled, with the optimizer, and a warning', async () => {
  const m = net(3, 'softmax');
  m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
  for (const [key, value] of [['label_smoothing', 0.1], ['reduction', 'sum']] as const) {
    const art = modelToArtifacts(m);
    art.trainingConfig!.loss = { class_name: 'CategoricalCrossentropy', config: { name: 'categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: false, label_smoothing: 0, axis: -1, [key]: value } };
    const dir = freshDir(key);
    await writeModelArtifacts(dir, art);
    const { result: back, warnings } = await warningsDuring(() => loadModel(dir));
    assert.equal(back.loss, null);
    assert.ok(back.optimizer instanceof Adam, 'the optimizer is restored');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].name, 'NervaWarning');
    assert.match(warnings[0].message, new RegExp(`loss: loss CategoricalCrossentropy has settings nerva's loss does not have: ${key} = ${JSON.stringify(value)}`));
    assert.match(warnings[0].message, /call model\.compile\(\{ optimizer: model\.optimizer, loss: \.\.\. \}\) to continue training where it stopped$/);
  }
});

test("Keras metric objects (MeanMetricWrapper, per-output lists) are read; metrics nerva lacks are left out with a warning", async () => {
  const m = net(3, 'softmax');
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  const art = modelToArtifacts(m);
  art.trainingConfig!.metrics = [[{ class_name: 'MeanMetricWrapper', config: { name: 'accuracy', dtype: 'float32', fn: 'sparse_categorical_accuracy' } }, { class_name: 'SparseCategoricalAccuracy', config: { name: 'sca', dtype: 'float32' } }]];
  const dir = freshDir('metric-objects');
  await writeModelArtifacts(dir, art);
  const { result: back, warnings } = await warningsDuring(() => loadModel(dir));
  assert.deepEqual(warnings, []);
  assert.deepEqual(back.metricSpecs, ['accuracy', 'sparse_categorical_accuracy']);
  const art2 = modelToArtifacts(m);
  art2.trainingConfig!.metrics = ['accuracy', { class_name: 'AUC', config: { name: 'auc', num_thresholds: 200 } }];
  const dir2 = freshDir('metric-unknown');
  await writeModelArtifacts(dir2, art2);
  const r2 = await warningsDuring(() => loadModel(dir2));
  assert.deepEqual(r2.result.metricSpecs, ['accuracy']);
  assert.ok(r2.result.loss, 'still compiled: metrics do not change training');
  assert.match(r2.warnings[0].message, /metrics: metric \{"class_name":"AUC".*\} is not one nerva has\. The model is compiled without what is listed$/);
});

test('BUG-3: a custom loss saves topology, weights and optimizer; loading warns, keeps the optimizer, and compiling again resumes exactly', async () => {
  const { x, y } = data(24, 3);
  const myLoss = (yt: Tensor, yp: Tensor): Tensor => yp.sub(yt.expandDims(-1)).square().mean(-1);
  const straight = net(1);
  straight.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: myLoss });
  await straight.fit(x, y, { epochs: 4, batchSize: 8, shuffle: false, verbose: 0 });

  const m = net(1);
  m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: myLoss });
  await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
  const dir = freshDir('custom-loss');
  const saved = await warningsDuring(async () => {
    await m.save(dir);
    await m.save(dir); // the second save does not repeat the warning
  });
  assert.equal(saved.warnings.length, 1);
  assert.equal(saved.warnings[0].code, 'NERVA_COMPILE_NOT_SAVED');
  assert.match(saved.warnings[0].message, /^save: Sequential "[^"]+": the loss function 'myLoss' cannot be saved \(a file holds no code\); the optimizer, its state and the named metrics are saved/);

  const { result: back, warnings } = await warningsDuring(() => loadModel(dir));
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].code, 'NERVA_COMPILE_NOT_RESTORED');
  assert.match(warnings[0].message, /the loss function 'myLoss' could not be saved with it\. Topology, weights and the optimizer with its state are loaded, the model is not compiled/);
  assert.equal(back.loss, null);
  assert.ok(back.optimizer instanceof Adam);
  assert.equal(back.optimizer.iterations, 6);
  await assert.rejects(back.fit(x, y, { verbose: 0 }), /call compile\(\) before fit\(\)/);
  back.compile({ optimizer: back.optimizer, loss: myLoss });
  await back.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8, shuffle: false, verbose: 0 });
  const a = straight.getWeights(), b = back.getWeights();
  for (let i = 0; i < a.length; i++) assert.deepEqual(b[i].values, a[i].values, `weight ${i}`);
});

test('BUG-3: custom metric functions are dropped with a warning at save and at load; ModelCheckpoint warns once', async () => {
  const { x, y } = data(24, 3);
  const m = net(3, 'softmax');
  const top2 = (yt: Tensor, yp: Tensor): Tensor => yp.max(-1).mul(0).add(yt.mul(0));
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy', top2] });
  const dir = freshDir('custom-metric');
  const fitted = await warningsDuring(() => m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [callbacks.modelCheckpoint({ filepath: dir })] }));
  assert.equal(fitted.warnings.length, 1, 'one warning for three checkpoints');
  assert.match(fitted.warnings[0].message, /the metric function 'top2' cannot be saved .*loadModel will ask to compile the model again with your metrics$/);
  const { result: back, warnings } = await warningsDuring(() => loadModel(dir));
  assert.equal(back.loss!.lossName, 'sparse_categorical_crossentropy');
  assert.deepEqual(back.metricSpecs, ['accuracy']);
  assert.match(warnings[0].message, /the metric function 'top2' could not be saved with it\. The model is compiled without what is listed$/);
});

test("save() keeps the compile state by default, as Keras; includeOptimizer: false opts out; save's options are checked", async () => {
  const m = net(3, 'softmax');
  const raw = net(3, 'softmax');
  m.compile({ optimizer: new RMSprop({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const d1 = freshDir('default');
  await m.save(d1);
  const back = await loadModel(d1);
  assert.ok(back.optimizer instanceof RMSprop);
  assert.equal(back.optimizer.learningRate, 0.01);
  const d2 = freshDir('opt-out');
  await m.save(d2, { includeOptimizer: false });
  assert.equal((await loadModel(d2)).optimizer, null);
  const d3 = freshDir('uncompiled');
  await raw.save(d3);
  assert.equal((await loadModel(d3)).optimizer, null);
  await assert.rejects(m.save(freshDir('bad'), { include_optimizer: true } as never), (e: unknown) => e instanceof ArgumentError && /^save: unknown option 'include_optimizer'; did you mean 'includeOptimizer'\?/.test(e.message));
  await assert.rejects(m.save(freshDir('bad'), true as never), (e: unknown) => e instanceof ArgumentError && /^save: the second argument is an options object, e\.g\. \{ includeOptimizer: false \}; got true \(a boolean\)$/.test(e.message));
});

test("the common case stays TF.js's own training config: Adam, sparse crossentropy, accuracy", async () => {
  const m = net(3, 'softmax');
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const dir = freshDir('common');
  await m.save(dir);
  const json = await readJson(dir);
  assert.deepEqual(json.trainingConfig, { loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false } } });
  assert.equal(json.userDefinedMetadata, undefined);
});
