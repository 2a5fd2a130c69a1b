// Saving and loading whole models in nerva: round trips of every layer type, resuming training with
// the optimizer's state, and refusing untrusted model files without touching them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential } from '../models/sequential.js';
import * as layers from '../layers/index.js';
import { setSeed, nextUint32 } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Adam, SGD } from '../optimizers/index.js';
import { ArgumentError, FormatError, UnsupportedError } from '../errors.js';
import { loadModel, modelToArtifacts, saveModel } from './model-io.js';
import { writeModelArtifacts, type ModelArtifacts, type JsonObject } from './artifacts.js';
import { warningsDuring } from '../test-utils/warnings.js';

const work = await mkdtemp(join(tmpdir(), 'nerva-model-io-test-'));
after(() => rm(work, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (label: string): string => join(work, `${label}-${dirCount++}`);

/** Deterministic inputs in [-2, 2): not from the global generator, so tests do not move the seed. */
function inputs(shape: number[], salt = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = 2 * Math.sin(1.7 * i + salt) + 0.3 * Math.cos(0.31 * i * salt);
  return new Tensor(v, shape, 'float32');
}

const ACTS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'gelu', 'silu', 'softplus', 'leaky_relu'] as const;

/** One model with every layer type and activation nerva has. */
function everyLayerModel(): Sequential {
  const ls: layers.Layer[] = [layers.reshape({ targetShape: [4, 3], inputShape: [12], name: 'reshape_in' }), layers.flatten({ name: 'flat' })];
  for (const a of ACTS) ls.push(layers.dense({ units: 12, activation: a, name: `dense_${a}` }));
  ls.push(
    layers.dropout({ rate: 0.3, name: 'drop' }),
    layers.activation({ activation: 'tanh', name: 'act_tanh' }),
    layers.activation({ activation: 'silu', name: 'act_silu' }),
    layers.dense({ units: 6, useBias: false, name: 'dense_nobias' }),
    layers.reshape({ targetShape: [2, 3], name: 'reshape_out' }),
  );
  return new Sequential(ls, { name: 'every_layer' });
}

const quiet = { print: () => undefined };

test('save then loadModel predicts bit-identically for every layer type and activation', async () => {
  setSeed(11);
  const model = everyLayerModel();
  // Non-zero biases, so a bias that is lost or swapped shows up.
  model.setWeights(model.getWeights().map((w, i) => (w.rank === 1 ? inputs(w.shape, i + 3) : w)));
  const dir = freshDir('every');
  await model.save(dir);
  const loaded = await loadModel(dir);

  const x = inputs([5, 12]);
  const y = model.predict(x);
  const y2 = loaded.predict(x);
  assert.deepEqual(y2.shape, [5, 2, 3]);
  assert.deepEqual(y2.values, y.values);
  assert.equal(loaded.name, 'every_layer');
  assert.deepEqual(loaded.layers.map((l) => l.name), model.layers.map((l) => l.name));
  assert.deepEqual(loaded.layers.map((l) => l.className), model.layers.map((l) => l.className));
  assert.deepEqual(loaded.layers.map((l) => l.getConfig()), model.layers.map((l) => l.getConfig()));
  assert.equal(loaded.countParams(), model.countParams());
  assert.equal(loaded.summary(quiet), model.summary(quiet));
  assert.deepEqual(loaded.weights.map((v) => v.name), model.weights.map((v) => v.name));
  assert.equal(loaded.optimizer, null, 'no trainingConfig saved, so the loaded model is not compiled');
});

test('each activation alone survives save/load with identical predictions (one Dense per file)', async () => {
  for (const a of ACTS) {
    setSeed(3);
    const m = new Sequential([layers.dense({ units: 4, activation: a, inputShape: [3], name: 'd' })]);
    const dir = freshDir(`act-${a}`);
    await m.save(dir);
    const back = await loadModel(dir);
    const x = inputs([6, 3], 2);
    assert.deepEqual(back.predict(x).values, m.predict(x).values, a);
    assert.equal((back.layers[0] as layers.Dense).activation, a);
  }
});

test('silu is written as TF.js\'s "swish" and read back as silu; other names as they are', () => {
  const m = new Sequential([
    layers.dense({ units: 2, activation: 'silu', inputShape: [2], name: 'a' }),
    layers.activation({ activation: 'silu', name: 'b' }),
    layers.dense({ units: 2, activation: 'leaky_relu', name: 'c' }),
  ]);
  const art = modelToArtifacts(m);
  const ls = (art.modelTopology.config as JsonObject).layers as JsonObject[];
  assert.deepEqual(ls.map((l) => (l.config as JsonObject).activation), ['swish', 'swish', 'leaky_relu']);
  assert.deepEqual((ls[0].config as JsonObject).batch_input_shape, [null, 2]);
  assert.equal((ls[1].config as JsonObject).batch_input_shape, undefined);
});

test('trainable: false survives a round trip and the weight stays non-trainable', async () => {
  const m = new Sequential([
    layers.dense({ units: 3, inputShape: [2], name: 'frozen', trainable: false }),
    layers.dense({ units: 1, name: 'head' }),
  ]);
  const dir = freshDir('frozen');
  await m.save(dir);
  const back = await loadModel(dir);
  assert.deepEqual(back.trainableWeights.map((v) => v.name), ['head/kernel', 'head/bias']);
  assert.deepEqual(back.nonTrainableWeights.map((v) => v.name), ['frozen/kernel', 'frozen/bias']);
  const x = inputs([2, 2]);
  assert.deepEqual(back.predict(x).values, m.predict(x).values);
});

test('loading a model does not draw from the global random generator', async () => {
  setSeed(5);
  const m = everyLayerModel();
  const dir = freshDir('rng');
  await m.save(dir);
  setSeed(42);
  const expected = [nextUint32(), nextUint32(), nextUint32()];
  setSeed(42);
  await loadModel(dir);
  assert.deepEqual([nextUint32(), nextUint32(), nextUint32()], expected);
});

// ---- resuming training ------------------------------------------------------------------------

function smallClassifier(opt: 'adam' | 'sgd'): Sequential {
  const m = new Sequential([
    layers.dense({ units: 8, activation: 'relu', inputShape: [4], name: 'h' }),
    layers.dropout({ rate: 0.25, name: 'drop' }),
    layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
  ]);
  m.compile({
    optimizer: opt === 'adam' ? new Adam({ learningRate: 0.01 }) : new SGD({ learningRate: 0.05, momentum: 0.9 }),
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
  });
  return m;
}

const trainX = inputs([40, 4], 7);
const trainY = new Tensor(Float32Array.from({ length: 40 }, (_, i) => (i * 7) % 3), [40], 'float32');

async function resumed(opt: 'adam' | 'sgd', shuffle: boolean, includeOptimizer: boolean): Promise<{ straight: Tensor[]; resumed: Tensor[] }> {
  const fitOpts = { batchSize: 8, shuffle, verbose: 0 as const };
  setSeed(1);
  const a = smallClassifier(opt);
  await a.fit(trainX, trainY, { ...fitOpts, epochs: 5 });

  setSeed(1);
  const b = smallClassifier(opt);
  await b.fit(trainX, trainY, { ...fitOpts, epochs: 2 });
  const dir = freshDir(`resume-${opt}`);
  await b.save(dir, { includeOptimizer });
  const c = await loadModel(dir);
  if (!includeOptimizer) c.compile({ optimizer: opt === 'adam' ? new Adam({ learningRate: 0.01 }) : new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'sparse_categorical_crossentropy' });
  const h = await c.fit(trainX, trainY, { ...fitOpts, epochs: 5, initialEpoch: 2 });
  assert.equal(h.history.loss.length, 3, 'initialEpoch 2 of 5 runs three epochs');
  return { straight: a.getWeights(), resumed: c.getWeights() };
}

for (const [opt, shuffle] of [['adam', false], ['adam', true], ['sgd', true]] as const) {
  test(`includeOptimizer (${opt}, shuffle ${shuffle}): 2 epochs + save + load + 3 epochs equals 5 epochs, bit for bit (with dropout)`, async () => {
    const { straight, resumed: r } = await resumed(opt, shuffle, true);
    for (let i = 0; i < straight.length; i++) assert.deepEqual(r[i].values, straight[i].values, `weight ${i}`);
  });
}

test('includeOptimizer restores the compile settings and Adam state', async () => {
  setSeed(2);
  const m = smallClassifier('adam');
  await m.fit(trainX, trainY, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
  const dir = freshDir('state');
  await m.save(dir, { includeOptimizer: true });
  const back = await loadModel(dir);
  assert.ok(back.optimizer instanceof Adam);
  assert.equal(back.optimizer.iterations, 5);
  assert.equal(back.optimizer.learningRate, 0.01);
  assert.equal(back.loss?.lossName, 'sparse_categorical_crossentropy');
  assert.deepEqual(back.metricSpecs, ['accuracy']);
  const want = m.optimizer!.getStateWeights(m.trainableWeights);
  const got = back.optimizer.getStateWeights(back.trainableWeights);
  assert.deepEqual(got.map((s) => s.name), want.map((s) => s.name));
  for (let i = 0; i < want.length; i++) assert.deepEqual(got[i].tensor.values, want[i].tensor.values, want[i].name);
});

test('control: resuming without the optimizer state does not give the same weights', async () => {
  const { straight, resumed: r } = await resumed('adam', false, false);
  assert.ok(straight.some((w, i) => w.values.some((x, j) => x !== r[i].values[j])));
});

// ---- refusing bad models to save -------------------------------------------------------------

test('saving an unbuilt model fails clearly and writes nothing', async () => {
  const m = new Sequential([layers.dense({ units: 2, name: 'd' })], { name: 'unbuilt' });
  const dir = freshDir('unbuilt');
  await assert.rejects(m.save(dir), (e: Error) => e instanceof ArgumentError && /Sequential "unbuilt" is not built/.test(e.message));
  await assert.rejects(readdir(dir), { code: 'ENOENT' });
});

test('includeOptimizer on an uncompiled model fails clearly and writes nothing', async () => {
  const m = new Sequential([layers.dense({ units: 2, inputShape: [2], name: 'd' })], { name: 'raw' });
  const dir = freshDir('uncompiled');
  await assert.rejects(m.save(dir, { includeOptimizer: true }), /includeOptimizer needs a compiled model \(Sequential "raw"/);
  await assert.rejects(readdir(dir), { code: 'ENOENT' });
  await m.save(dir); // without the optimizer it is fine
  assert.equal((await loadModel(dir)).layers.length, 1);
});

// ---- refusing untrusted files ----------------------------------------------------------------

/** A valid saved model's artifacts, to be broken by each test. */
function goodArtifacts(): ModelArtifacts {
  setSeed(9);
  const m = new Sequential([
    layers.flatten({ inputShape: [2, 3], name: 'flatten_1' }),
    layers.dense({ units: 4, activation: 'relu', name: 'dense_1' }),
    layers.dropout({ rate: 0.5, name: 'dropout_1' }),
    layers.dense({ units: 2, activation: 'softmax', name: 'dense_2' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return modelToArtifacts(m, { includeOptimizer: true });
}
const layerConfigs = (a: ModelArtifacts): JsonObject[] => ((a.modelTopology.config as JsonObject).layers as JsonObject[]);
const layerConfig = (a: ModelArtifacts, i: number): JsonObject => layerConfigs(a)[i].config as JsonObject;

async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of (await readdir(dir)).sort()) out.set(f, (await readFile(join(dir, f))).toString('base64'));
  return out;
}

/** Writes broken artifacts, loads, checks the error, and checks the directory did not change. */
async function expectRefused(label: string, art: ModelArtifacts, message: RegExp, cls: typeof FormatError | typeof UnsupportedError = FormatError, edit?: (json: JsonObject) => void): Promise<void> {
  const dir = freshDir(label);
  await writeModelArtifacts(dir, art);
  if (edit) {
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as JsonObject;
    edit(json);
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  }
  const before = await snapshot(dir);
  let model: Sequential | undefined;
  await assert.rejects(
    (async () => {
      model = await loadModel(dir);
    })(),
    (e: Error) => {
      assert.ok(e instanceof cls, `${label}: expected ${cls.name}, got ${e.constructor.name}: ${e.message}`);
      assert.ok(e.message.includes(dir), `${label}: message names the file: ${e.message}`);
      assert.match(e.message, message, label);
      return true;
    },
  );
  assert.equal(model, undefined);
  assert.deepEqual(await snapshot(dir), before, `${label}: the directory changed`);
}

test('the unbroken artifacts load (control for the refusal tests)', async () => {
  const dir = freshDir('good');
  await writeModelArtifacts(dir, goodArtifacts());
  const m = await loadModel(dir);
  assert.equal(m.layers.length, 4);
  assert.ok(m.optimizer instanceof Adam);
});

test('unknown layer class (a Lambda carrying code) is refused, naming it', async () => {
  const a = goodArtifacts();
  layerConfigs(a)[2] = { class_name: 'Lambda', config: { name: 'lambda_1', function: ['4wEAAAAAAAAA...', null, null], function_type: 'lambda', trainable: true } };
  await expectRefused('lambda', a, /layer 2 "lambda_1" has unknown class 'Lambda'.*Dense/);
});

test('unknown activation is refused, naming the layer and the value', async () => {
  const a = goodArtifacts();
  layerConfig(a, 1).activation = 'mish';
  await expectRefused('activation', a, /Dense "dense_1".*layers\[1\]\.config\.activation.*unknown activation 'mish'/);
});

test('unknown initializer class is refused, naming the layer', async () => {
  const a = goodArtifacts();
  layerConfig(a, 3).kernel_initializer = { class_name: 'Orthogonal', config: { gain: 1 } };
  await expectRefused('initializer', a, /Dense "dense_2".*kernel_initializer.*unknown initializer class 'Orthogonal'/);
});

test('wrongly typed config values are refused, naming the layer and key', async () => {
  const cases: [string, (a: ModelArtifacts) => void, RegExp][] = [
    ['units-string', (a) => (layerConfig(a, 1).units = '128'), /Dense "dense_1".*units must be a positive integer, got "128"/],
    ['units-zero', (a) => (layerConfig(a, 1).units = 0), /Dense "dense_1".*units must be a positive integer, got 0/],
    ['use-bias-yes', (a) => (layerConfig(a, 3).use_bias = 'yes'), /Dense "dense_2".*use_bias must be true or false, got "yes"/],
    ['rate-2', (a) => (layerConfig(a, 2).rate = 2), /Dropout "dropout_1".*rate must be a number in \[0, 1\), got 2/],
    ['trainable-1', (a) => (layerConfig(a, 1).trainable = 1), /Dense "dense_1".*trainable must be true or false/],
    ['input-shape', (a) => (layerConfig(a, 0).batch_input_shape = [null, '2', 3]), /Flatten "flatten_1".*batch_input_shape must be a list of positive integers/],
    ['activation-number', (a) => (layerConfig(a, 1).activation = 3), /Dense "dense_1".*activation must be a string/],
  ];
  for (const [label, edit, re] of cases) {
    const a = goodArtifacts();
    edit(a);
    await expectRefused(label, a, re);
  }
});

test('a model without batch_input_shape is refused', async () => {
  const a = goodArtifacts();
  delete layerConfig(a, 0).batch_input_shape;
  await expectRefused('no-input-shape', a, /no layer declares batch_input_shape/);
});

test('duplicate layer names are refused', async () => {
  const a = goodArtifacts();
  layerConfig(a, 2).name = 'dense_1';
  await expectRefused('dup-names', a, /two layers are named "dense_1"/);
});

test('a model weight missing from the manifest is refused, naming the weight', async () => {
  const a = goodArtifacts();
  a.weights = a.weights.filter((w) => w.name !== 'dense_2/bias');
  await expectRefused('missing-weight', a, /weight 'dense_2\/bias' of the model is missing from the weights manifest/);
});

test('a manifest weight no layer has is refused, naming the weight', async () => {
  const a = goodArtifacts();
  a.weights.splice(2, 0, { name: 'dense_9/kernel', shape: [2], dtype: 'float32', data: new Float32Array(2) });
  await expectRefused('extra-weight', a, /weight 'dense_9\/kernel' does not belong to any layer/);
});

test('a weight whose shape does not fit the layer is refused, naming both shapes', async () => {
  const a = goodArtifacts();
  const i = a.weights.findIndex((w) => w.name === 'dense_1/kernel');
  a.weights[i] = { ...a.weights[i], shape: [4, 6], data: new Float32Array(24) };
  await expectRefused('shape', a, /weight 'dense_1\/kernel' has shape \[4, 6\] in the file, the layer needs \[6, 4\]/);
});

test('an int32 model weight is refused', async () => {
  const a = goodArtifacts();
  const i = a.weights.findIndex((w) => w.name === 'dense_2/bias');
  a.weights[i] = { ...a.weights[i], dtype: 'int32', data: new Int32Array(2) };
  await expectRefused('dtype', a, /weight 'dense_2\/bias' is int32, expected float32/);
});

test('incomplete optimizer state is refused', async () => {
  const a = goodArtifacts();
  a.weights = a.weights.filter((w) => w.name !== 'dense_1/bias/v');
  await expectRefused('opt-state', a, /optimizer state.*dense_1\/bias\/v/);
});

test('optimizer state from a file is checked for values and shapes, not just sizes (BUG-9)', async () => {
  for (const bad of [-1, NaN, 1.5]) {
    const a = goodArtifacts();
    a.weights.find((w) => w.name === 'iter')!.data[0] = bad;
    await expectRefused(`iter-${bad}`, a, new RegExp(`optimizer state: Adam: saved optimizer state 'iter' must be a non-negative integer \\(the number of steps taken\\), got ${bad}`));
  }
  const t = goodArtifacts();
  const m = t.weights.find((w) => w.name === 'dense_1/kernel/m')!;
  assert.deepEqual(m.shape, [6, 4]);
  m.shape = [4, 6];
  await expectRefused('transposed', t, /optimizer state: Adam: saved optimizer state lacks 'dense_1\/kernel\/m' of shape \[6, 4\] \(found 'dense_1\/kernel\/m' of shape \[4, 6\]\)/);
  const v = goodArtifacts();
  v.weights.find((w) => w.name === 'dense_2/bias/v')!.data[1] = -1;
  await expectRefused('negative-v', v, /'dense_2\/bias\/v' is negative \(-1\), which this slot never is, at flat index 1/);
});

test('an unknown optimizer or loss in trainingConfig loads the model uncompiled, with a warning naming it', async () => {
  const a = goodArtifacts();
  (a.trainingConfig!.optimizer_config as JsonObject).class_name = 'Lion';
  const b = goodArtifacts();
  b.trainingConfig!.loss = 'my_custom_loss';
  for (const [label, art, re] of [['optimizer', a, /optimizer: unknown optimizer class 'Lion'/], ['loss', b, /loss: unknown loss 'my_custom_loss'/]] as const) {
    const dir = freshDir(label);
    await writeModelArtifacts(dir, art);
    const { result: m, warnings } = await warningsDuring(() => loadModel(dir));
    assert.equal(m.loss, null, label);
    assert.deepEqual(m.predict(inputs([1, 2, 3])).shape, [1, 2]);
    assert.equal(warnings.length, 1, label);
    assert.equal(warnings[0].code, 'NERVA_COMPILE_NOT_RESTORED');
    assert.match(warnings[0].message, re);
    assert.ok(warnings[0].message.startsWith(`${dir}: the compile state in trainingConfig cannot be fully restored`), warnings[0].message);
  }
});

test('a functional model ("Model" class) is refused as unsupported', async () => {
  const a = goodArtifacts();
  a.modelTopology.class_name = 'Model';
  const cfg = a.modelTopology.config as JsonObject;
  cfg.input_layers = [['flatten_1', 0, 0]];
  cfg.output_layers = [['dense_2', 0, 0]];
  await expectRefused('functional', a, /functional model.*Sequential/i, UnsupportedError);
});

test('layer arguments the layer rejects and impossible shapes become FormatErrors naming the file', async () => {
  const a = goodArtifacts();
  layerConfig(a, 0).batch_input_shape = [null, 6];
  layerConfigs(a)[0] = { class_name: 'Reshape', config: { name: 'reshape_1', target_shape: [-1, -1], batch_input_shape: [null, 6] } };
  await expectRefused('reshape-args', a, /Reshape "reshape_1"/);
  const b = goodArtifacts();
  layerConfigs(b)[0] = { class_name: 'Reshape', config: { name: 'reshape_1', target_shape: [4], batch_input_shape: [null, 6] } };
  await expectRefused('reshape-size', b, /Reshape "reshape_1".*\[null, 6\].*\[4\]|Reshape "reshape_1".*cannot/);
  const c = goodArtifacts();
  layerConfigs(c)[0] = { class_name: 'Dense', config: { name: 'first', units: 6, batch_input_shape: [null, null] } };
  await expectRefused('dense-unknown-dim', c, /Dense "first"/);
});

test('config options nerva cannot honour (regularizers, constraints, channels_first) are refused, not dropped', async () => {
  const cases: [string, (a: ModelArtifacts) => void, RegExp][] = [
    ['regularizer', (a) => (layerConfig(a, 1).kernel_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } }), /Dense "dense_1".*kernel_regularizer/],
    ['constraint', (a) => (layerConfig(a, 3).bias_constraint = { class_name: 'MaxNorm', config: { max_value: 2 } }), /Dense "dense_2".*bias_constraint/],
    ['channels-first', (a) => (layerConfig(a, 0).data_format = 'channels_first'), /Flatten "flatten_1".*data_format/],
    ['noise-shape', (a) => (layerConfig(a, 2).noise_shape = [1, 4]), /Dropout "dropout_1".*noise_shape/],
  ];
  for (const [label, edit, re] of cases) {
    const a = goodArtifacts();
    edit(a);
    await expectRefused(label, a, re, UnsupportedError);
  }
});

test('saveModel and Sequential.save write the same files', async () => {
  setSeed(4);
  const m = new Sequential([layers.dense({ units: 2, inputShape: [3], name: 'd' })], { name: 's' });
  const d1 = freshDir('sm');
  const d2 = freshDir('sm');
  await saveModel(m, d1);
  await m.save(d2);
  assert.deepEqual(await snapshot(d1), await snapshot(d2));
});

test('a Keras-style optimizer config (snake_case keys) is honoured, not silently defaulted', async () => {
  const a = goodArtifacts();
  a.trainingConfig!.optimizer_config = { class_name: 'Adam', config: { name: 'adam', learning_rate: 0.05, beta_1: 0.8, beta_2: 0.99, epsilon: 1e-6, amsgrad: false } };
  const dir = freshDir('keras-opt');
  await writeModelArtifacts(dir, a);
  const m = await loadModel(dir);
  assert.ok(m.optimizer instanceof Adam);
  assert.deepEqual([m.optimizer.learningRate, m.optimizer.beta1, m.optimizer.beta2, m.optimizer.epsilon], [0.05, 0.8, 0.99, 1e-6]);
  // Settings nerva cannot honour leave the model uncompiled (topology and weights load), with a warning.
  const b = goodArtifacts();
  (b.trainingConfig!.optimizer_config as JsonObject).config = { learning_rate: 0.01, amsgrad: true };
  const c = goodArtifacts();
  (c.trainingConfig!.optimizer_config as JsonObject).config = { learning_rate: { class_name: 'ExponentialDecay', config: {} } };
  for (const [label, art, re] of [['amsgrad', b, /amsgrad is true/], ['lr-schedule', c, /the learning rate is \{"class_name":"ExponentialDecay".*\}, not a number/]] as const) {
    const dir = freshDir(label);
    await writeModelArtifacts(dir, art);
    const { result: back, warnings } = await warningsDuring(() => loadModel(dir));
    assert.equal(back.optimizer, null, label);
    assert.match(warnings[0]?.message ?? '', re, label);
  }
});

test('an InputLayer entry (as Keras writes) gives the model its input shape', async () => {
  const a = goodArtifacts();
  delete layerConfig(a, 0).batch_input_shape;
  layerConfigs(a).unshift({ class_name: 'InputLayer', config: { batch_input_shape: [null, 2, 3], dtype: 'float32', sparse: false, name: 'input_1' } });
  const dir = freshDir('input-layer');
  await writeModelArtifacts(dir, a);
  const m = await loadModel(dir);
  assert.deepEqual(m.inputShape, [null, 2, 3]);
  assert.deepEqual(m.layers.map((l) => l.name), ['flatten_1', 'dense_1', 'dropout_1', 'dense_2']);
  assert.deepEqual(m.predict(inputs([2, 2, 3])).shape, [2, 2]);
});

test('a tiny model.json asking for huge layers is refused before anything is allocated', async () => {
  const a = goodArtifacts();
  layerConfig(a, 1).units = 2 ** 30;
  await expectRefused('huge-units', a, /layer 1 Dense "dense_1": weight dense_1\/kernel of shape \[6, 1073741824\] would need 6442450944 values, more than the file's weights hold \(\d+ values in all\)/);
  const b = goodArtifacts();
  layerConfig(b, 0).batch_input_shape = [null, 2 ** 20, 2 ** 20];
  await expectRefused('huge-input', b, /Dense "dense_1": weight dense_1\/kernel of shape \[1099511627776, \d+\] would need/);
});
