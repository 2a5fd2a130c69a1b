// Interoperability with TensorFlow.js 4.22 itself (dev dependency, cpu backend): what we read, TF.js
// predicts with exactly as in the fixtures; what we write, TF.js loads; what TF.js saves, we read.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModelArtifacts, writeModelArtifacts, artifactsToMemory, artifactsFromMemory } from './artifacts.js';
import { loadTfjsCpu } from '../test-utils/tfjs.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const work = await mkdtemp(join(tmpdir(), 'nerva-tfjs-test-'));
after(() => rm(work, { recursive: true, force: true }));

const tf = await loadTfjsCpu();

interface TensorJson { shape: number[]; values: number[] }
const readJson = async <T>(p: string): Promise<T> => JSON.parse(await readFile(p, 'utf8')) as T;

async function predict(model: import('@tensorflow/tfjs').LayersModel, fixture: string): Promise<Float32Array> {
  const x = await readJson<TensorJson>(join(FIXTURES, fixture, 'inputs.json'));
  const y = model.predict(tf.tensor(x.values, x.shape)) as import('@tensorflow/tfjs').Tensor;
  return y.dataSync() as Float32Array;
}
async function expected(fixture: string): Promise<Float32Array> {
  return Float32Array.from((await readJson<TensorJson>(join(FIXTURES, fixture, 'expected-output.json'))).values);
}

for (const fixture of ['mnist-mlp', 'activations', 'mnist-mlp-adam']) {
  test(`${fixture}: read by nerva, handed to TF.js, predicts exactly the fixture output`, async () => {
    const m = artifactsToMemory(await readModelArtifacts(join(FIXTURES, fixture)));
    const model = await tf.loadLayersModel(tf.io.fromMemory(m));
    assert.deepEqual(await predict(model, fixture), await expected(fixture));
  });
}

test('a model written by nerva loads in TF.js through its own model.json and weights file', async () => {
  const dir = join(work, 'written');
  await writeModelArtifacts(dir, await readModelArtifacts(join(FIXTURES, 'mnist-mlp-adam')));
  // Load the way TF.js's file loader does: parse model.json, concatenate the manifest's paths.
  const json = await readJson<{ modelTopology: object; weightsManifest: { paths: string[]; weights: object[] }[]; trainingConfig: object }>(
    join(dir, 'model.json'),
  );
  const bins = await Promise.all(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFile(join(dir, p)))));
  const data = Buffer.concat(bins);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as never,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      trainingConfig: json.trainingConfig as never,
    }),
  );
  assert.deepEqual(await predict(model, 'mnist-mlp-adam'), await expected('mnist-mlp-adam'));
  assert.equal(model.optimizer?.getClassName(), 'Adam'); // TF.js compiled it from trainingConfig
});

test('artifacts TF.js hands to a save handler are read back identically', async () => {
  const ours = await readModelArtifacts(join(FIXTURES, 'activations'));
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifactsToMemory(ours)));
  let saved: import('@tensorflow/tfjs').io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  assert.ok(saved?.weightData);
  const back = artifactsFromMemory(saved, saved.weightData as ArrayBuffer | ArrayBuffer[], 'tf save handler');
  assert.deepEqual(back.modelTopology, ours.modelTopology);
  assert.deepEqual(back.weights.map((w) => w.name), ours.weights.map((w) => w.name));
  for (let i = 0; i < ours.weights.length; i++) assert.deepEqual(back.weights[i].data, ours.weights[i].data, ours.weights[i].name);
});
