// Convolutional models across nerva and TensorFlow.js 4.22 (cpu backend, which has the conv
// gradients): the fixtures TF.js made (scripts/make-tfjs-conv-fixtures.mjs) load in nerva and predict
// the same within 1e-5, and a few SGD steps from them end at TF.js's weights within 1e-4 (BatchNormalization's
// moving statistics included); a nerva convnet with BatchNormalization loads in TF.js and predicts
// the same; the Keras 2 and Keras 3 spellings of the format load.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TF from '@tensorflow/tfjs';
import { Tensor } from '../tensor/tensor.js';
import { SGD } from '../optimizers/index.js';
import { loadModel } from './model-io.js';
import { loadTfjsCpu } from '../test-utils/tfjs.js';
import { UnsupportedError } from '../errors.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const work = await mkdtemp(join(tmpdir(), 'nerva-conv-interop-'));
after(() => rm(work, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (label: string): string => join(work, `${label}-${dirCount++}`);

const tf = await loadTfjsCpu();

interface TensorJson { shape: number[]; values: number[] }
interface SgdJson { learningRate: number; steps: number; x: TensorJson; y: TensorJson; losses: number[]; weightsAfter: (TensorJson & { name: string })[] }
const readJson = async <T>(p: string): Promise<T> => JSON.parse(await readFile(p, 'utf8')) as T;
const tensorOf = (j: TensorJson): Tensor => new Tensor(Float32Array.from(j.values), j.shape, 'float32');

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

for (const fixture of ['conv-pool', 'conv-bn', 'conv-dilated', 'mnist-convnet']) {
  test(`${fixture}: a TF.js-made convnet loads in nerva and predicts TF.js's output within 1e-5`, async () => {
    const model = await loadModel(join(FIXTURES, fixture));
    const x = tensorOf(await readJson<TensorJson>(join(FIXTURES, fixture, 'inputs.json')));
    const want = await readJson<TensorJson>(join(FIXTURES, fixture, 'expected-output.json'));
    const got = model.predict(x);
    assert.deepEqual(got.shape, want.shape);
    assert.ok(maxAbsDiff(got.values, want.values) < 1e-5, `max difference ${maxAbsDiff(got.values, want.values)}`);
  });
}

for (const fixture of ['conv-pool', 'conv-bn']) {
  test(`${fixture}: SGD steps in nerva end at TF.js's weights within 1e-4, with its losses`, async () => {
    const model = await loadModel(join(FIXTURES, fixture));
    const sgd = await readJson<SgdJson>(join(FIXTURES, fixture, 'sgd.json'));
    model.compile({ optimizer: new SGD({ learningRate: sgd.learningRate }), loss: 'categorical_crossentropy' });
    const [x, y] = [tensorOf(sgd.x), tensorOf(sgd.y)];
    const losses: number[] = [];
    for (let s = 0; s < sgd.steps; s++) losses.push(model.trainOnBatch(x, y).loss);
    assert.ok(maxAbsDiff(losses, sgd.losses) < 1e-5, `losses ${losses} vs TF.js ${sgd.losses}`);
    const byName = new Map(model.weights.map((v) => [v.name, v]));
    assert.equal(byName.size, sgd.weightsAfter.length);
    for (const w of sgd.weightsAfter) {
      const v = byName.get(w.name);
      assert.ok(v, `nerva has no weight ${w.name}`);
      assert.deepEqual(v.shape, w.shape);
      const d = maxAbsDiff(v.value.values, w.values);
      assert.ok(d < 1e-4, `${w.name}: max difference ${d}`);
    }
  });
}

test('a nerva convnet with BatchNormalization, trained, loads in TF.js and predicts the same within 1e-5', async () => {
  const model = await loadModel(join(FIXTURES, 'conv-bn'));
  const sgd = await readJson<SgdJson>(join(FIXTURES, 'conv-bn', 'sgd.json'));
  model.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'categorical_crossentropy' });
  // Moves the weights and the moving statistics away from the file's.
  for (let s = 0; s < 4; s++) model.trainOnBatch(tensorOf(sgd.x), tensorOf(sgd.y));
  const dir = freshDir('nerva-bn');
  await model.save(dir);
  const json = await readJson<{ modelTopology: object; weightsManifest: { paths: string[]; weights: TF.io.WeightsManifestEntry[] }[] }>(join(dir, 'model.json'));
  const bins = await Promise.all(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFile(join(dir, p)))));
  const data = Buffer.concat(bins);
  const tfModel = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    }),
  );
  const x = tensorOf(await readJson<TensorJson>(join(FIXTURES, 'conv-bn', 'inputs.json')));
  const theirs = (tfModel.predict(tf.tensor(Array.from(x.values), x.shape)) as TF.Tensor).dataSync();
  const ours = model.predict(x).values;
  assert.ok(maxAbsDiff(ours, theirs) < 1e-5, `max difference ${maxAbsDiff(ours, theirs)}`);
});

/** Copies a fixture, letting `edit` rewrite its model.json first. */
async function variant(fixture: string, edit: (json: { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } }) => void): Promise<string> {
  const dir = freshDir(fixture);
  await mkdir(dir, { recursive: true });
  const json = await readJson<Parameters<typeof edit>[0]>(join(FIXTURES, fixture, 'model.json'));
  edit(json);
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  await copyFile(join(FIXTURES, fixture, 'weights.bin'), join(dir, 'weights.bin'));
  return dir;
}

test('Keras 2 and Keras 3 spellings load: BN axis as a list, batch_shape on an InputLayer, DTypePolicy, groups', async () => {
  const dir = await variant('conv-bn', (j) => {
    const ls = j.modelTopology.config.layers;
    const shape = ls[0].config.batch_input_shape;
    delete ls[0].config.batch_input_shape;
    const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    ls.unshift({ class_name: 'InputLayer', config: { batch_shape: shape, dtype: policy, sparse: false, ragged: false, name: 'input_layer', optional: false } });
    Object.assign(ls[1].config, { groups: 1, dtype: policy, lora_rank: null });
    Object.assign(ls[2].config, { axis: [3], synchronized: false, renorm: false });
  });
  const model = await loadModel(dir);
  assert.deepEqual(model.inputShape, [null, 7, 7, 3]);
  const x = tensorOf(await readJson<TensorJson>(join(FIXTURES, 'conv-bn', 'inputs.json')));
  const want = await readJson<TensorJson>(join(FIXTURES, 'conv-bn', 'expected-output.json'));
  assert.ok(maxAbsDiff(model.predict(x).values, want.values) < 1e-5);
});

test('settings nerva cannot honour are refused, naming the layer and key', async () => {
  const cases: [string, (c: Record<string, unknown>[]) => void, RegExp][] = [
    ['channels_first', (c) => { c[0].data_format = 'channels_first'; }, /Conv2D "conv": .*data_format is "channels_first"; nerva supports 'channels_last'/],
    ['groups', (c) => { c[0].groups = 2; }, /Conv2D "conv": .*groups is not 1/],
    ['renorm', (c) => { c[1].renorm = true; }, /BatchNormalization "bn": .*renorm is true/],
    ['two axes', (c) => { c[1].axis = [1, 3]; }, /BatchNormalization "bn": .*axis is \[1,3\]; nerva normalizes over one channel axis/],
    ['causal', (c) => { c[0].padding = 'causal'; }, /Conv2D "conv": .*padding is "causal"/],
  ];
  for (const [label, edit, message] of cases) {
    const dir = await variant('conv-bn', (j) => edit(j.modelTopology.config.layers.map((l) => l.config)));
    await assert.rejects(loadModel(dir), (e: unknown) => e instanceof UnsupportedError && message.test(e.message), label);
  }
});
