// ModelCheckpoint: a save per epoch under a formatted path, saveBestOnly saving only on improvement,
// and checkpoints that load back as the model was at that epoch.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential } from '../models/sequential.js';
import * as layers from '../layers/index.js';
import { setSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Callback, type Logs } from '../callbacks/callback.js';
import { callbacks } from '../callbacks/builtins.js';
import { ArgumentError } from '../errors.js';
import { ModelCheckpoint } from './checkpoint.js';
import { loadModel } from './model-io.js';

const work = await mkdtemp(join(tmpdir(), 'nerva-checkpoint-test-'));
after(() => rm(work, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (label: string): string => join(work, `${label}-${dirCount++}`);

const x = new Tensor(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), [12, 2], 'float32');
const y = new Tensor(Float32Array.from({ length: 12 }, (_, i) => 2 * Math.sin(2 * i) - Math.sin(2 * i + 1)), [12, 1], 'float32');

function regressor(): Sequential {
  setSeed(3);
  const m = new Sequential([layers.dense({ units: 4, activation: 'tanh', inputShape: [2], name: 'h' }), layers.dense({ units: 1, name: 'out' })]);
  m.compile({ optimizer: 'adam', loss: 'mse' });
  return m;
}

/** Records the weights at each epoch end (after the checkpoint, which runs first). */
class WeightsAtEpochEnd extends Callback {
  readonly byEpoch: Tensor[][] = [];
  override onEpochEnd(): void {
    this.byEpoch.push((this.model as unknown as Sequential).getWeights());
  }
}

test('saves at every epoch end under {epoch}, and each checkpoint loads as the model was then', async () => {
  const root = freshDir('every');
  const model = regressor();
  const seen = new WeightsAtEpochEnd();
  await model.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0, callbacks: [callbacks.modelCheckpoint({ filepath: join(root, 'ep-{epoch}') }), seen] });
  assert.deepEqual((await readdir(root)).sort(), ['ep-1', 'ep-2', 'ep-3']);
  for (let e = 0; e < 3; e++) {
    const back = await loadModel(join(root, `ep-${e + 1}`));
    const ws = back.getWeights();
    for (let i = 0; i < ws.length; i++) assert.deepEqual(ws[i].values, seen.byEpoch[e][i].values, `epoch ${e + 1} weight ${i}`);
    // The compile state is kept by default, as Keras' ModelCheckpoint does (3 steps an epoch).
    assert.equal(back.optimizer?.iterations, (e + 1) * 3);
  }
  // Successive epochs really differ, so the comparison above could fail.
  assert.notDeepEqual(seen.byEpoch[0][0].values, seen.byEpoch[2][0].values);
});

test('a fixed path is overwritten each epoch and holds the last epoch', async () => {
  const dir = freshDir('fixed');
  const model = regressor();
  await model.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0, callbacks: [new ModelCheckpoint({ filepath: dir, includeOptimizer: true })] });
  const back = await loadModel(dir);
  assert.deepEqual(back.getWeights().map((w) => Array.from(w.values)), model.getWeights().map((w) => Array.from(w.values)));
  assert.equal(back.optimizer?.iterations, 6, 'includeOptimizer saves the Adam state (2 epochs of 3 steps)');
  const files = await readdir(dir);
  assert.equal(files.filter((f) => f.endsWith('.bin')).length, 1, `the old weights file is gone: ${files.join(', ')}`);
});

test('includeOptimizer: false saves topology and weights only', async () => {
  const dir = freshDir('no-opt');
  const model = regressor();
  await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [callbacks.modelCheckpoint({ filepath: dir, includeOptimizer: false })] });
  assert.equal((await loadModel(dir)).optimizer, null);
});

/** Drives the callback's epoch ends directly with chosen logs; returns the directories written. */
async function drive(cb: ModelCheckpoint, logs: Logs[], root: string): Promise<string[]> {
  const model = regressor();
  cb.setModel(model);
  for (const [e, l] of logs.entries()) await cb.onEpochEnd(e, l);
  try {
    return (await readdir(root)).sort();
  } catch {
    return [];
  }
}

test('saveBestOnly saves only when val_loss improves (default monitor, min)', async () => {
  const root = freshDir('best-min');
  const cb = callbacks.modelCheckpoint({ filepath: join(root, 'e{epoch:02d}'), saveBestOnly: true });
  const saved = await drive(cb, [{ loss: 1, val_loss: 0.9 }, { loss: 0.8, val_loss: 0.5 }, { loss: 0.7, val_loss: 0.5 }, { loss: 0.6, val_loss: 0.7 }, { loss: 0.5, val_loss: 0.4 }], root);
  assert.deepEqual(saved, ['e01', 'e02', 'e05']);
});

test('saveBestOnly with an accuracy monitor maximises (auto mode), and mode max/min can be forced', async () => {
  const accs = [0.5, 0.7, 0.4, 0.8].map((a) => ({ loss: 1, val_accuracy: a }));
  const root1 = freshDir('best-acc');
  assert.deepEqual(await drive(callbacks.modelCheckpoint({ filepath: join(root1, '{epoch}'), monitor: 'val_accuracy', saveBestOnly: true }), accs, root1), ['1', '2', '4']);
  const root2 = freshDir('best-forced-min');
  assert.deepEqual(await drive(callbacks.modelCheckpoint({ filepath: join(root2, '{epoch}'), monitor: 'val_accuracy', mode: 'min', saveBestOnly: true }), accs, root2), ['1', '3']);
});

test('saveBestOnly: NaN is never an improvement, and the best is kept across fit calls', async () => {
  const root = freshDir('nan');
  const cb = callbacks.modelCheckpoint({ filepath: join(root, '{epoch}'), monitor: 'loss', saveBestOnly: true });
  assert.deepEqual(await drive(cb, [{ loss: NaN }, { loss: 2 }, { loss: NaN }, { loss: 1 }], root), ['2', '4']);
  cb.onTrainBegin();
  await cb.onEpochEnd(4, { loss: 1.5 });
  assert.deepEqual((await readdir(root)).sort(), ['2', '4']);
});

test('log values can be formatted into the path, as in Keras', async () => {
  const root = freshDir('fmt');
  const cb = callbacks.modelCheckpoint({ filepath: join(root, 'm-{epoch:03d}-{val_loss:.3f}-{loss:.1e}') });
  assert.deepEqual(await drive(cb, [{ loss: 0.000123, val_loss: 1.23456 }], root), ['m-001-1.235-1.2e-04']);
});

test('saveBestOnly during fit keeps the checkpoint of the best epoch', async () => {
  const root = freshDir('fit-best');
  const model = regressor();
  const seen = new WeightsAtEpochEnd();
  const h = await model.fit(x, y, {
    epochs: 4, batchSize: 4, shuffle: false, verbose: 0, validationData: [x, y],
    callbacks: [callbacks.modelCheckpoint({ filepath: join(root, 'best'), saveBestOnly: true }), seen],
  });
  const vl = h.history.val_loss;
  const best = vl.indexOf(Math.min(...vl));
  const back = await loadModel(join(root, 'best'));
  const ws = back.getWeights();
  for (let i = 0; i < ws.length; i++) assert.deepEqual(ws[i].values, seen.byEpoch[best][i].values);
});

test('clear errors: no filepath, a monitor not in the logs, a path field with no value, a bad mode', async () => {
  assert.throws(() => new ModelCheckpoint({ filepath: '' }), ArgumentError);
  assert.throws(() => new ModelCheckpoint({ filepath: 'x', mode: 'biggest' as 'max' }), /mode must be 'auto', 'min' or 'max'/);
  const root = freshDir('errors');
  await assert.rejects(drive(callbacks.modelCheckpoint({ filepath: join(root, 'a'), saveBestOnly: true }), [{ loss: 1 }], root), /monitor 'val_loss' is not in the logs; available: loss/);
  await assert.rejects(drive(callbacks.modelCheckpoint({ filepath: join(root, '{val_acc}') }), [{ loss: 1 }], root), /filepath field \{val_acc\} names no value; available: epoch, loss/);
  assert.deepEqual(await drive(new ModelCheckpoint({ filepath: join(root, 'b') }), [], root), []);
});
