// Tests for reading, validating and writing TF.js layers-model artifacts: TF.js fixtures, the other
// layouts (browser download, shards, model_config wrapper, quantised), round trips and every refusal.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, writeFile, readdir, rm, symlink, copyFile, stat, truncate, appendFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatError, ArgumentError } from '../errors.js';
import {
  readModelArtifacts,
  writeModelArtifacts,
  artifactsFromMemory,
  artifactsToMemory,
  describeJsonPath,
  locateJsonError,
  type ModelArtifacts,
  type NamedWeight,
} from './artifacts.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const MLP = join(FIXTURES, 'mnist-mlp');
const work = await mkdtemp(join(tmpdir(), 'nerva-io-test-'));
after(() => rm(work, { recursive: true, force: true }));
let dirCount = 0;
async function freshDir(): Promise<string> {
  const d = join(work, `d${dirCount++}`);
  await mkdir(d);
  return d;
}

/** Bytes of a weight's data, for bit-exact comparisons (NaN payloads and -0 included). */
function bytesOf(w: NamedWeight): Buffer {
  return Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength);
}
function assertSameWeights(a: NamedWeight[], b: NamedWeight[]): void {
  assert.deepEqual(
    a.map((w) => [w.name, w.shape, w.dtype, w.group]),
    b.map((w) => [w.name, w.shape, w.dtype, w.group]),
  );
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i].data.constructor, b[i].data.constructor, a[i].name);
    assert.ok(bytesOf(a[i]).equals(bytesOf(b[i])), `weight ${a[i].name} differs`);
  }
}

/** A copy of the MLP fixture whose model.json is edited by `edit`; returns the directory. */
async function editedMlp(edit: (json: any) => void): Promise<string> {
  const d = await freshDir();
  const json = JSON.parse(await readFile(join(MLP, 'model.json'), 'utf8'));
  edit(json);
  await writeFile(join(d, 'model.json'), JSON.stringify(json));
  await copyFile(join(MLP, 'weights.bin'), join(d, 'weights.bin'));
  return d;
}

/** Asserts that reading `path` throws a FormatError whose message matches every pattern. */
async function refuses(path: string, ...patterns: RegExp[]): Promise<string> {
  const err = await readModelArtifacts(path).then(
    () => assert.fail(`expected ${path} to be refused`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof FormatError, `expected FormatError, got ${String(err)}`);
  for (const p of patterns) assert.match(err.message, p);
  return err.message;
}

test('reads the TF.js MNIST MLP fixture: names, shapes, 407,080 bytes, values as in weights.bin', async () => {
  const a = await readModelArtifacts(MLP);
  assert.deepEqual(
    a.weights.map((w) => [w.name, w.shape, w.dtype]),
    [
      ['dense_1/kernel', [784, 128], 'float32'],
      ['dense_1/bias', [128], 'float32'],
      ['dense_2/kernel', [128, 10], 'float32'],
      ['dense_2/bias', [10], 'float32'],
    ],
  );
  assert.equal(a.weights.reduce((n, w) => n + w.data.byteLength, 0), 407_080);
  assert.equal(a.modelTopology.class_name, 'Sequential');
  assert.equal(a.format, 'layers-model');
  assert.equal(a.generatedBy, 'TensorFlow.js tfjs-layers v4.22.0');
  assert.equal(a.convertedBy, null);
  assert.equal(a.trainingConfig, undefined);
  const raw = await readFile(join(MLP, 'weights.bin'));
  const last = a.weights[3];
  assert.ok(Buffer.concat(a.weights.map(bytesOf)).equals(raw));
  assert.equal(last.data[9], raw.readFloatLE(407_080 - 4));
  // Reading through the model.json path gives the same thing.
  assertSameWeights((await readModelArtifacts(join(MLP, 'model.json'))).weights, a.weights);
});

test('reads the Adam fixture: optimizer weights in group "optimizer", trainingConfig', async () => {
  const a = await readModelArtifacts(join(FIXTURES, 'mnist-mlp-adam'));
  assert.equal(a.weights.length, 13);
  assert.deepEqual(
    a.weights.filter((w) => w.group === 'optimizer').map((w) => w.name),
    ['iter', 'dense_1/kernel/m', 'dense_1/bias/m', 'dense_2/kernel/m', 'dense_2/bias/m',
      'dense_1/kernel/v', 'dense_1/bias/v', 'dense_2/kernel/v', 'dense_2/bias/v'],
  );
  assert.deepEqual(a.weights[4].shape, []);
  assert.equal(a.trainingConfig?.loss, 'sparse_categorical_crossentropy');
  assert.deepEqual((a.trainingConfig?.optimizer_config as { class_name: string }).class_name, 'Adam');
});

test('reads the activations fixture (no-bias Dense has only a kernel)', async () => {
  const a = await readModelArtifacts(join(FIXTURES, 'activations'));
  const names = a.weights.map((w) => w.name);
  assert.ok(names.includes('dense_gelu/kernel') && names.includes('dense_swish/bias'));
  assert.ok(names.includes('dense_nobias/kernel') && !names.includes('dense_nobias/bias'));
  assert.equal(a.weights.length, 2 * 9 + 1);
});

test('reads a browser-download copy (name.json + ./name.weights.bin)', async () => {
  const d = await freshDir();
  const json = JSON.parse(await readFile(join(MLP, 'model.json'), 'utf8'));
  json.weightsManifest[0].paths = ['./my-model.weights.bin'];
  await writeFile(join(d, 'my-model.json'), JSON.stringify(json));
  await copyFile(join(MLP, 'weights.bin'), join(d, 'my-model.weights.bin'));
  const a = await readModelArtifacts(join(d, 'my-model.json'));
  assertSameWeights(a.weights, (await readModelArtifacts(MLP)).weights);
  await refuses(d, /has no model\.json/);
});

test('reads a sharded copy: two groups, odd-sized shards, weights spanning shards', async () => {
  const d = await freshDir();
  const json = JSON.parse(await readFile(join(MLP, 'model.json'), 'utf8'));
  const bin = await readFile(join(MLP, 'weights.bin'));
  const specs = json.weightsManifest[0].weights;
  const split = 784 * 128 * 4 + 128 * 4; // group 1: dense_1, group 2: dense_2
  const groups = [bin.subarray(0, split), bin.subarray(split)];
  json.weightsManifest = [];
  for (const [gi, data] of groups.entries()) {
    const shard = gi === 0 ? 100_001 : 1_001; // odd on purpose: float32 values are cut between files
    const n = Math.ceil(data.length / shard);
    const paths: string[] = [];
    for (let s = 0; s < n; s++) {
      const name = `group${gi + 1}-shard${s + 1}of${n}.bin`;
      await writeFile(join(d, name), data.subarray(s * shard, (s + 1) * shard));
      paths.push(name);
    }
    json.weightsManifest.push({ paths, weights: gi === 0 ? specs.slice(0, 2) : specs.slice(2) });
  }
  await writeFile(join(d, 'model.json'), JSON.stringify(json));
  const files = await readdir(d);
  assert.ok(files.includes('group1-shard5of5.bin') && files.includes('group2-shard6of6.bin'), files.join());
  assertSameWeights((await readModelArtifacts(d)).weights, (await readModelArtifacts(MLP)).weights);
});

test('unwraps the model_config wrapper and takes its training_config', async () => {
  const d = await editedMlp((j) => {
    j.modelTopology = {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: j.modelTopology,
      training_config: { loss: 'mse', metrics: [] },
    };
  });
  const a = await readModelArtifacts(d);
  assert.equal(a.modelTopology.class_name, 'Sequential');
  assert.equal((a.modelTopology.config as { name: string }).name, 'sequential_1');
  assert.deepEqual(a.trainingConfig, { loss: 'mse', metrics: [] });
});

test('dequantises uint8, uint16 and float16 (with subnormals, infinities, NaN, -0)', async () => {
  const d = await freshDir();
  const u8 = Uint8Array.from([0, 1, 255]);
  const u16 = new Uint8Array(Uint16Array.from([0, 2, 65535]).buffer);
  const halves = [0x3c00, 0xc000, 0x0001, 0x03ff, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3555];
  const f16 = new Uint8Array(Uint16Array.from(halves).buffer);
  const i8 = Uint8Array.from([0, 3]);
  await writeFile(join(d, 'w.bin'), Buffer.concat([u8, u16, f16, i8]));
  await writeFile(join(d, 'model.json'), JSON.stringify({
    modelTopology: { class_name: 'Sequential', config: { layers: [] } },
    weightsManifest: [{ paths: ['w.bin'], weights: [
      { name: 'a', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
      { name: 'b', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.25, min: 2 } },
      { name: 'c', shape: [2, 5], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'd', shape: [2], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.75, min: 1 } },
    ] }],
  }));
  const w = (await readModelArtifacts(d)).weights;
  assert.deepEqual(Array.from(w[0].data), [-1, -0.5, 126.5]);
  assert.deepEqual(Array.from(w[1].data), [2, 2.5, 2 + 65535 * 0.25]);
  const c = Array.from(w[2].data);
  assert.deepEqual(c.slice(0, 7), [1, -2, 2 ** -24, 1023 * 2 ** -24, 65504, Infinity, -Infinity]);
  assert.ok(Number.isNaN(c[7]));
  assert.ok(Object.is(c[8], -0));
  assert.equal(c[9], (1 + 0x155 / 1024) / 4); // 0x3555 = 0.33325195..., the half nearest 1/3
  assert.ok(w[3].data instanceof Int32Array);
  assert.deepEqual(Array.from(w[3].data), [1, 3]); // round(3 * 0.75 + 1) = round(3.25)
});

function sampleArtifacts(seed: number): ModelArtifacts {
  const f = new Float32Array(1000);
  for (let i = 0; i < f.length; i++) f[i] = Math.sin(i * seed) * 1e3;
  // Values a careless encoder would lose: NaN, -0, infinities, a subnormal, float32 extremes.
  f.set([NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38], 0);
  return {
    modelTopology: { class_name: 'Sequential', config: { name: `m${seed}`, layers: [] }, keras_version: 'x' },
    weights: [
      { name: 'dense_1/kernel', shape: [10, 100], dtype: 'float32', data: f },
      { name: 'step', shape: [], dtype: 'int32', data: Int32Array.from([seed]) },
      { name: 'ints', shape: [4], dtype: 'int32', data: Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, -1]) },
      { name: 'mask', shape: [3], dtype: 'bool', data: Uint8Array.from([1, 0, 1]) },
      { name: 'empty', shape: [0, 5], dtype: 'float32', data: new Float32Array(0) },
      { name: 'opt/m', shape: [2], dtype: 'float32', data: Float32Array.from([0.1, seed]), group: 'optimizer' },
    ],
    trainingConfig: { loss: 'mean_squared_error', optimizer_config: { class_name: 'SGD', config: { learning_rate: 0.01 } } },
    userDefinedMetadata: { note: 'hello' },
    generatedBy: 'nerva test',
  };
}

test('write -> read round trip is bit-exact and keeps every field', async () => {
  const d = join(await freshDir(), 'nested', 'model'); // created on write
  const a = sampleArtifacts(3);
  await writeModelArtifacts(d, a);
  const b = await readModelArtifacts(d);
  assertSameWeights(b.weights, a.weights);
  assert.deepEqual(b.modelTopology, a.modelTopology);
  assert.deepEqual(b.trainingConfig, a.trainingConfig);
  assert.deepEqual(b.userDefinedMetadata, a.userDefinedMetadata);
  assert.equal(b.generatedBy, 'nerva test');
  assert.equal(b.format, 'layers-model');
  assert.equal(b.convertedBy, null);
  const files = (await readdir(d)).sort();
  assert.equal(files.length, 2);
  assert.equal(files[0], 'model.json');
  assert.match(files[1], /^weights\.[0-9a-f]{16}\.bin$/);
  // model.json names exactly that file, with the optimizer group on its entry like TF.js does.
  const json = JSON.parse(await readFile(join(d, 'model.json'), 'utf8'));
  assert.deepEqual(json.weightsManifest[0].paths, [files[1]]);
  assert.equal(json.weightsManifest[0].weights[5].group, 'optimizer');
});

test('a second save replaces the weights file and removes stale temp files it owns', async () => {
  const d = await freshDir();
  await writeModelArtifacts(d, sampleArtifacts(1));
  const first = (await readdir(d)).find((f) => f.startsWith('weights.'));
  await writeFile(join(d, '.nerva-model.json.123-abc.tmp'), 'left by a killed save');
  // Long untouched, so it is a leftover whether or not a process 123 happens to exist here.
  const old = new Date(Date.now() - 3_600_000);
  await utimes(join(d, '.nerva-model.json.123-abc.tmp'), old, old);
  await writeFile(join(d, 'notes.txt'), 'not ours');
  await writeModelArtifacts(d, sampleArtifacts(2));
  const files = (await readdir(d)).sort();
  assert.equal(files.length, 3, files.join(', '));
  assert.ok(!files.includes(first!));
  assert.ok(files.includes('notes.txt'));
  assertSameWeights((await readModelArtifacts(d)).weights, sampleArtifacts(2).weights);
  // Saving identical content again keeps one, valid weights file.
  await writeModelArtifacts(d, sampleArtifacts(2));
  assert.deepEqual((await readdir(d)).sort(), files);
});

test('writing refuses inconsistent artifacts with ArgumentError', async () => {
  const d = await freshDir();
  const bad = (edit: (a: ModelArtifacts) => void, re: RegExp) => {
    const a = sampleArtifacts(1);
    edit(a);
    return assert.rejects(writeModelArtifacts(d, a), (e: unknown) => e instanceof ArgumentError && re.test(e.message));
  };
  await bad((a) => { a.weights[0].shape = [10, 99]; }, /dense_1\/kernel.*\[10, 99\] has 990 elements, data has 1000/);
  await bad((a) => { a.weights[1].data = new Float32Array(1); }, /step.*needs data in a Int32Array, got Float32Array/);
  await bad((a) => { a.weights[2].name = 'step'; }, /"step" appears twice/);
  assert.deepEqual(await readdir(d), []);
});

test('memory round trip: artifactsToMemory -> artifactsFromMemory', () => {
  const a = sampleArtifacts(5);
  const m = artifactsToMemory(a);
  assert.equal(m.weightData.byteLength, 4000 + 4 + 16 + 3 + 0 + 8);
  assert.equal(m.format, 'layers-model');
  assert.equal(m.weightSpecs[5].group, 'optimizer');
  const b = artifactsFromMemory(m, m.weightData, 'memory');
  assertSameWeights(b.weights, a.weights);
  // Split weightData (TF.js 4.x may hand an ArrayBuffer[]) gives the same result.
  const split = [m.weightData.slice(0, 1001), m.weightData.slice(1001)];
  assertSameWeights(artifactsFromMemory(m, split, 'memory').weights, a.weights);
  assert.throws(
    () => artifactsFromMemory(m, m.weightData.slice(0, m.weightData.byteLength - 1), 'upload "x"'),
    (e: unknown) => e instanceof FormatError && /upload "x" weightData: weight data too short.*"opt\/m"/.test(e.message),
  );
  assert.throws(
    () => artifactsFromMemory({ ...m, weightSpecs: [{ name: 'w', shape: [NaN], dtype: 'float32' }] }, new ArrayBuffer(0), 'mem'),
    (e: unknown) => e instanceof FormatError && /mem: weight "w" \(weightSpecs\[0\]\): shape\[0\] must be a non-negative integer, got NaN/.test(e.message),
  );
});

test('refuses JSON that does not parse, saying where', async () => {
  const d = await freshDir();
  await writeFile(join(d, 'model.json'), '{\n  "modelTopology": {\n    "class_name": "Sequential",,\n  }\n}');
  await refuses(d, /model\.json: not valid JSON: expected a "quoted" property name, found "," at line 3, column 32/);
  await writeFile(join(d, 'model.json'), Buffer.from([0x7b, 0xff, 0x7d]));
  await refuses(d, /not valid UTF-8/);
});

test('refuses a model.json over the size cap before reading it', async () => {
  const err = await readModelArtifacts(MLP, { maxJsonBytes: 1000 }).catch((e: unknown) => e);
  assert.ok(err instanceof FormatError);
  assert.match(err.message, /mnist-mlp\/model\.json: 1511 bytes is over the model JSON size cap of 1000 bytes/);
});

test('refuses a missing or malformed modelTopology and non-layers formats', async () => {
  await refuses(await editedMlp((j) => { delete j.modelTopology; }), /model\.json: missing modelTopology/);
  await refuses(await editedMlp((j) => { j.modelTopology = [1]; }), /modelTopology must be a JSON object/);
  await refuses(await editedMlp((j) => { delete j.modelTopology.class_name; }), /modelTopology\.class_name must be a string/);
  await refuses(await editedMlp((j) => { j.format = 'graph-model'; }), /format is "graph-model"; nerva reads TF\.js layers models/);
});

test('refuses weight data one byte short or one byte long, naming the file and the weight', async () => {
  const short = await editedMlp(() => undefined);
  await truncate(join(short, 'weights.bin'), 407_079);
  await refuses(short, /weights\.bin: weight data too short: 407079 bytes, the manifest needs 407080; weight "dense_2\/bias" \[10\] needs bytes 407040\.\.407080/);
  const long = await editedMlp(() => undefined);
  await appendFile(join(long, 'weights.bin'), Buffer.from([0]));
  await refuses(long, /weights\.bin: weight data has 1 extra byte\(s\).*after the last weight "dense_2\/bias"/);
});

test('refuses bad manifest entries: duplicate name, dtype, shapes', async () => {
  const spec = (i: number, edit: (w: any) => void) => editedMlp((j) => edit(j.weightsManifest[0].weights[i]));
  await refuses(await spec(3, (w) => { w.name = 'dense_1/bias'; }),
    /weight "dense_1\/bias" \(weightsManifest\[0\]\.weights\[3\]\): name appears twice in the manifest \(first at weightsManifest\[0\]\.weights\[1\]\)/);
  for (const dtype of ['float64', 'string', 'complex64', 7]) {
    await refuses(await spec(1, (w) => { w.dtype = dtype; }), /weight "dense_1\/bias".*dtype must be one of "float32", "int32", "bool", got/);
  }
  for (const [bad, shown] of [[-128, '-128'], [1.5, '1.5'], [null, 'null'], ['128', '"128"']] as const) {
    const m = await refuses(await spec(1, (w) => { w.shape = [bad]; }), /weight "dense_1\/bias".*shape\[0\] must be a non-negative integer/);
    assert.ok(m.includes(`got ${shown}`), m);
  }
  await refuses(await spec(0, (w) => { w.shape = 'big'; }), /weight "dense_1\/kernel".*shape must be an array/);
  await refuses(await spec(0, (w) => { w.shape = [2 ** 30, 2 ** 30, 2 ** 30]; }), /weight "dense_1\/kernel".*more elements than can be counted exactly/);
  await refuses(await spec(0, (w) => { w.quantization = { dtype: 'int4' }; }), /weight "dense_1\/kernel".*quantization\.dtype must be/);
  await refuses(await spec(0, (w) => { w.quantization = { dtype: 'uint8', scale: 1 }; }), /quantization\.min, got nothing/);
});

test('refuses weight paths outside the model directory, URLs and missing files', async () => {
  const withPath = (p: string) => editedMlp((j) => { j.weightsManifest[0].paths = [p]; });
  await refuses(await withPath('../weights.bin'), /paths\[0\] "\.\.\/weights\.bin" leaves the model's directory/);
  await refuses(await withPath('sub/../../x.bin'), /leaves the model's directory/);
  await refuses(await withPath('/etc/passwd'), /"\/etc\/passwd" is not a plain relative path/);
  await refuses(await withPath('https://example.com/w.bin'), /is a URL or drive path/);
  await refuses(await withPath('C:\\w.bin'), /is a URL or drive path/);
  await refuses(await withPath('missing.bin'), /weights file .*missing\.bin \(weightsManifest\[0\]\.paths\[0\]\) does not exist/);
  await refuses(await withPath('.'), /"\." leaves the model's directory/);
  const sub = await withPath('sub');
  await mkdir(join(sub, 'sub'));
  await refuses(sub, /"sub" is not a regular file/);
  // A symlink inside the directory that points outside it.
  const outside = join(await freshDir(), 'secret.bin');
  await copyFile(join(MLP, 'weights.bin'), outside);
  const d = await withPath('link.bin');
  await symlink(outside, join(d, 'link.bin'));
  await refuses(d, /"link\.bin" resolves \(through a symlink\) to .*secret\.bin, outside the model's directory/);
  // A symlink that stays inside is fine.
  await rm(join(d, 'link.bin'));
  await symlink('weights.bin', join(d, 'link.bin'));
  assert.equal((await readModelArtifacts(d)).weights.length, 4);
});

test('a refused read changes nothing on disk', async () => {
  const d = await editedMlp((j) => { j.weightsManifest[0].weights[0].dtype = 'float64'; });
  const before = await Promise.all((await readdir(d)).map(async (f) => [f, (await stat(join(d, f))).mtimeMs, await readFile(join(d, f))]));
  await refuses(d, /float64/);
  const after_ = await Promise.all((await readdir(d)).map(async (f) => [f, (await stat(join(d, f))).mtimeMs, await readFile(join(d, f))]));
  assert.deepEqual(after_, before);
});

test('refuses a path that does not exist', async () => {
  await refuses(join(work, 'nope'), /nope: no such file or directory/);
});

test('describeJsonPath and locateJsonError', () => {
  assert.equal(describeJsonPath(['modelTopology', 'config', 'layers', 2, 'config', 'units']), 'modelTopology.config.layers[2].config.units');
  assert.equal(describeJsonPath(['a', 'b c']), 'a["b c"]');
  assert.equal(describeJsonPath([]), '(root)');
  assert.equal(locateJsonError('{"a": [1, 2, {"b": null}]}'), null);
  assert.deepEqual(locateJsonError('{"a": 1,}'), { offset: 8, line: 1, column: 9, reason: 'expected a "quoted" property name, found "}"' });
  assert.deepEqual(locateJsonError('[1,\n 2'), { offset: 6, line: 2, column: 3, reason: "expected ',' or ']', found end of input" });
  assert.equal(locateJsonError('{"a": tru}')?.reason, 'unexpected "t"');
  assert.equal(locateJsonError('1 2')?.reason, 'unexpected "2" after the end of the JSON value');
});
