// Tests of callbacks: hook order and logs for Callback subclasses and plain objects, stopping from a
// callback, and the built-ins against Keras 3 semantics (keras/src/callbacks/*.py).

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, setSeed, Sequential, layers, optimizers, Callback, callbacks } from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Logs, TrainableModel } from './callback.js';
import { EarlyStopping, ReduceLROnPlateau, TerminateOnNaN } from './builtins.js';
import { ArgumentError } from '../errors.js';

const XS = [[-1], [0], [1], [2], [3], [4]];
const YS = [-3, -1, 1, 3, 5, 7];

function linearModel(lr = 0.01): Sequential {
  setSeed(3);
  const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
  m.compile({ loss: 'mse', optimizer: optimizers.sgd({ learningRate: lr }) });
  return m;
}

/** A stand-in model whose single "weight" is whatever epoch last set it. */
class FakeModel implements TrainableModel {
  stopTraining = false;
  optimizer = { learningRate: 1 };
  w = -1;
  getWeights(): Tensor[] {
    return [tensor([this.w])];
  }
  setWeights(ws: Tensor[]): void {
    this.w = ws[0].item();
  }
}

/** Runs a callback over a list of per-epoch monitored values, like fit does; returns the epochs run. */
function drive(cb: Callback, model: FakeModel, values: number[], key = 'val_loss'): number {
  cb.setModel(model);
  cb.onTrainBegin({});
  let ran = 0;
  for (let e = 0; e < values.length && !model.stopTraining; e++) {
    model.w = e;
    cb.onEpochEnd(e, { loss: 0, [key]: values[e] });
    ran++;
  }
  cb.onTrainEnd({});
  return ran;
}

describe('hooks', () => {
  test('a Callback subclass and a plain object get every hook in order, with logs', async () => {
    const events: string[] = [];
    class Recorder extends Callback {
      override onTrainBegin(): void { events.push(`trainBegin model=${this.model !== null} epochs=${this.params?.epochs} steps=${this.params?.steps}`); }
      override onEpochBegin(e: number): void { events.push(`epochBegin ${e}`); }
      override onBatchBegin(b: number): void { events.push(`batchBegin ${b}`); }
      override onBatchEnd(b: number, logs?: Logs): void { events.push(`batchEnd ${b} ${Object.keys(logs ?? {}).join(',')}`); }
      override onEpochEnd(e: number, logs?: Logs): void { events.push(`epochEnd ${e} ${Object.keys(logs ?? {}).sort().join(',')}`); }
      override onTrainEnd(): void { events.push('trainEnd'); }
    }
    const plain: string[] = [];
    const obj = {
      onEpochBegin: async (e: number) => {
        // Async hooks are awaited before training goes on.
        await new Promise((r) => setTimeout(r, 1));
        plain.push(`epochBegin ${e}`);
      },
      onBatchEnd: (b: number, logs?: Logs) => { plain.push(`batchEnd ${b} loss=${Number.isFinite(logs?.loss)}`); },
      onEpochEnd: (e: number) => { plain.push(`epochEnd ${e}`); },
    };
    const m = linearModel();
    m.compile({ loss: 'mse', optimizer: 'sgd', metrics: ['mae'] });
    await m.fit(XS, YS, { epochs: 2, batchSize: 4, verbose: 0, validationData: [XS, YS], callbacks: [new Recorder(), obj] });
    assert.deepEqual(events, [
      'trainBegin model=true epochs=2 steps=2',
      'epochBegin 0', 'batchBegin 0', 'batchEnd 0 mae,loss', 'batchBegin 1', 'batchEnd 1 mae,loss', 'epochEnd 0 loss,mae,val_loss,val_mae',
      'epochBegin 1', 'batchBegin 0', 'batchEnd 0 mae,loss', 'batchBegin 1', 'batchEnd 1 mae,loss', 'epochEnd 1 loss,mae,val_loss,val_mae',
      'trainEnd',
    ]);
    assert.deepEqual(plain, ['epochBegin 0', 'batchEnd 0 loss=true', 'batchEnd 1 loss=true', 'epochEnd 0', 'epochBegin 1', 'batchEnd 0 loss=true', 'batchEnd 1 loss=true', 'epochEnd 1']);
  });

  test('model.stopTraining set in a batch hook ends fit after that batch', async () => {
    const m = linearModel();
    let batches = 0;
    let epochEnds = 0;
    const h = await m.fit(XS, YS, {
      epochs: 5, batchSize: 1, verbose: 0,
      callbacks: [{
        onBatchEnd(b: number) { batches++; if (b === 2) m.stopTraining = true; },
        onEpochEnd() { epochEnds++; },
      }],
    });
    assert.equal(batches, 3);
    assert.equal(epochEnds, 1);
    assert.deepEqual(h.epoch, [0]);
  });
});

describe('earlyStopping', () => {
  test('stops after `patience` epochs without improvement', () => {
    const model = new FakeModel();
    const es = new EarlyStopping({ patience: 2 });
    assert.equal(drive(es, model, [1, 0.9, 0.95, 0.92, 0.5, 0.4]), 4);
    assert.equal(es.stoppedEpoch, 3);
    assert.equal(model.stopTraining, true);
  });

  test('patience 0 stops at the first epoch without improvement (not epoch 0)', () => {
    const es = new EarlyStopping({ monitor: 'loss' });
    assert.equal(drive(es, new FakeModel(), [1, 2, 0.5], 'loss'), 2);
  });

  test('minDelta: smaller improvements do not count', () => {
    const es = new EarlyStopping({ patience: 1, minDelta: 0.05 });
    assert.equal(drive(es, new FakeModel(), [1, 0.96, 0.9, 0.8]), 2);
  });

  test("mode 'auto' maximises accuracy", () => {
    const es = new EarlyStopping({ monitor: 'val_accuracy', patience: 1 });
    assert.equal(drive(es, new FakeModel(), [0.5, 0.6, 0.7, 0.65, 0.8], 'val_accuracy'), 4);
  });

  test('restoreBestWeights restores the best epoch when stopping', () => {
    const model = new FakeModel();
    drive(new EarlyStopping({ patience: 2, restoreBestWeights: true }), model, [1, 0.5, 0.7, 0.6, 0.1]);
    assert.equal(model.w, 1);
  });

  test('restoreBestWeights restores at the end of training even without stopping early (Keras 3)', () => {
    const model = new FakeModel();
    const es = new EarlyStopping({ patience: 5, restoreBestWeights: true });
    assert.equal(drive(es, model, [3, 1, 2]), 3);
    assert.equal(es.stoppedEpoch, 0);
    assert.equal(model.w, 1);
  });

  test('baseline: best is still tracked among epochs that miss the baseline (Keras 3)', () => {
    const model = new FakeModel();
    const es = new EarlyStopping({ patience: 2, baseline: 0.5, restoreBestWeights: true });
    // Epoch 1 improves on epoch 0 but not on the baseline: training stops at epoch 2 and epoch 1's
    // weights come back.
    assert.equal(drive(es, model, [1, 0.8, 0.9, 0.85]), 3);
    assert.equal(es.stoppedEpoch, 2);
    assert.equal(model.w, 1);
  });

  test('a monitor missing from the logs is an error naming the available keys', () => {
    const es = new EarlyStopping({ monitor: 'val_acc' });
    es.setModel(new FakeModel());
    es.onTrainBegin();
    assert.throws(() => es.onEpochEnd(0, { loss: 1, val_loss: 2 }), (e: unknown) => e instanceof ArgumentError && /monitor 'val_acc' is not in the logs; available: loss, val_loss/.test(e.message));
  });

  test('in fit: stops, and restoreBestWeights puts back the best epoch weights', async () => {
    const m = linearModel();
    const seen: Tensor[][] = [];
    // minDelta so large that nothing after epoch 0 counts as an improvement.
    const es = callbacks.earlyStopping({ monitor: 'loss', patience: 2, minDelta: 1e9, restoreBestWeights: true });
    const h = await m.fit(XS, YS, { epochs: 20, verbose: 0, callbacks: [es, { onEpochEnd: () => { seen.push(m.getWeights()); } }] });
    assert.deepEqual(h.epoch, [0, 1, 2]);
    assert.equal(es.stoppedEpoch, 2);
    const now = m.getWeights().map((t) => Array.from(t.data()));
    assert.deepEqual(now, seen[0].map((t) => Array.from(t.data())));
    assert.notDeepEqual(now, seen[2].map((t) => Array.from(t.data())));
  });
});

describe('terminateOnNaN', () => {
  test('stops on a NaN or infinite batch loss', () => {
    const model = new FakeModel();
    const cb = new TerminateOnNaN();
    cb.setModel(model);
    cb.onBatchEnd(0, { loss: 1 });
    assert.equal(model.stopTraining, false);
    cb.onBatchEnd(1, { loss: Infinity });
    assert.equal(model.stopTraining, true);
    const m2 = new FakeModel();
    cb.setModel(m2);
    cb.onBatchEnd(2, { loss: NaN });
    assert.equal(m2.stopTraining, true);
  });

  test('in fit: a diverging model stops at the first non-finite batch', async () => {
    const m = linearModel(1e30);
    const losses: number[] = [];
    const h = await m.fit(XS, YS, { epochs: 50, batchSize: 1, shuffle: false, verbose: 0, callbacks: [callbacks.terminateOnNaN(), { onBatchEnd: (_b: number, l?: Logs) => { losses.push(l!.loss); } }] });
    assert.ok(!Number.isFinite(losses[losses.length - 1]));
    assert.ok(losses.slice(0, -1).every(Number.isFinite));
    assert.equal(h.epoch.length, Math.ceil(losses.length / 6));
  });
});

describe('reduceLROnPlateau', () => {
  test('multiplies the rate by factor after patience epochs, not below minLr, with cooldown', () => {
    const model = new FakeModel();
    const cb = new ReduceLROnPlateau({ patience: 2, factor: 0.5, cooldown: 2 });
    cb.setModel(model);
    cb.onTrainBegin();
    const lrs: number[] = [];
    const logged: number[] = [];
    for (let e = 0; e < 8; e++) {
      const logs: Logs = { val_loss: 1 };
      cb.onEpochEnd(e, logs);
      lrs.push(model.optimizer.learningRate);
      logged.push(logs.learning_rate);
    }
    // Reductions at epochs 2 and 5: after a reduction, two cooldown epochs do not count towards the wait.
    assert.deepEqual(lrs, [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
    // logs.learning_rate is the rate the epoch ran with (Keras sets it before reducing).
    assert.deepEqual(logged, [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
  });

  test('improvements reset the wait; minLr bounds the rate', () => {
    const model = new FakeModel();
    const cb = new ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.1, minLr: 0.05 });
    cb.setModel(model);
    cb.onTrainBegin();
    for (const [e, v] of [1, 0.5, 0.4, 0.4, 0.4, 0.4].entries()) cb.onEpochEnd(e, { loss: v });
    assert.equal(model.optimizer.learningRate, 0.05);
    assert.throws(() => new ReduceLROnPlateau({ factor: 1 }), /factor must be a number in \[0, 1\), got 1/);
  });
});

describe('learningRateScheduler', () => {
  test('sets the rate at each epoch start and logs it', async () => {
    const m = linearModel();
    const seen: number[] = [];
    const sched = callbacks.learningRateScheduler((epoch, lr) => (epoch === 0 ? 0.1 : lr * 0.5));
    const h = await m.fit(XS, YS, { epochs: 3, verbose: 0, callbacks: [sched, { onEpochBegin: () => { seen.push(m.optimizer!.learningRate); } }] });
    assert.deepEqual(seen, [0.1, 0.05, 0.025]);
    assert.deepEqual(h.history.learning_rate, [0.1, 0.05, 0.025]);
  });

  test('a schedule returning a non-number is an error naming the epoch', async () => {
    const m = linearModel();
    await assert.rejects(m.fit(XS, YS, { epochs: 2, verbose: 0, callbacks: [callbacks.learningRateScheduler((e) => (e === 1 ? NaN : 0.01))] }), /learningRateScheduler: schedule returned NaN at epoch 1/);
  });
});

describe('csvLogger', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nerva-csv-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes a header of sorted keys and one row per epoch; append adds rows only', async () => {
    const file = join(dir, 'log.csv');
    const m = linearModel();
    const h = await m.fit(XS, YS, { epochs: 3, verbose: 0, validationSplit: 0.5, callbacks: [callbacks.csvLogger({ filename: file })] });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'epoch,loss,val_loss');
    assert.equal(lines.length, 4);
    lines.slice(1).forEach((line, i) => {
      const [e, loss, val] = line.split(',').map(Number);
      assert.equal(e, i);
      assert.equal(loss, h.history.loss[i]);
      assert.equal(val, h.history.val_loss[i]);
    });
    await m.fit(XS, YS, { epochs: 2, verbose: 0, validationSplit: 0.5, callbacks: [callbacks.csvLogger({ filename: file, append: true })] });
    const again = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(again.length, 6);
    assert.equal(again.filter((l) => l.startsWith('epoch')).length, 1);
    // Without append the file starts over.
    await m.fit(XS, YS, { epochs: 1, verbose: 0, callbacks: [callbacks.csvLogger({ filename: file, separator: ';' })] });
    assert.deepEqual(readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => l.split(';')[0]), ['epoch', '0']);
  });
});

describe('arguments users get wrong', () => {
  const err = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && re.test(e.message);
  test('unknown keys are refused with the right spelling, for every callback that takes options', () => {
    assert.throws(() => callbacks.earlyStopping({ patinece: 2 } as never), err(/^earlyStopping: unknown option 'patinece'; did you mean 'patience'\? \(options: monitor, minDelta, patience, mode, baseline, restoreBestWeights, startFromEpoch\)$/));
    assert.throws(() => callbacks.earlyStopping({ restore_best_weights: true } as never), err(/did you mean 'restoreBestWeights'\?/));
    assert.throws(() => callbacks.reduceLROnPlateau({ min_lr: 1e-5 } as never), err(/^reduceLROnPlateau: unknown option 'min_lr'; did you mean 'minLr'\?/));
    assert.throws(() => callbacks.csvLogger({ filename: 'x.csv', sep: ';' } as never), err(/^csvLogger: unknown option 'sep'/));
    assert.throws(() => callbacks.modelCheckpoint({ filepath: 'x', save_best_only: true } as never), err(/^modelCheckpoint: unknown option 'save_best_only'; did you mean 'saveBestOnly'\?/));
    assert.throws(() => callbacks.earlyStopping(3 as never), err(/^earlyStopping: the options argument is an options object, e\.g\. \{ monitor: 'val_loss', patience: 3 \}; got 3 \(a number\)$/));
  });

  test('csvLogger into a missing directory is refused before training, naming the directory', async () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const w = m.getWeights().map((t) => t.toArray());
    const file = join(tmpdir(), 'nerva-no-such-dir-xyz', 'log.csv');
    await assert.rejects(m.fit([1, 2], [1, 2], { verbose: 0, callbacks: [callbacks.csvLogger({ filename: file })] }), err(/^csvLogger: cannot write '.*log\.csv': the directory .*nerva-no-such-dir-xyz does not exist \(create it first\)$/));
    assert.deepEqual(m.getWeights().map((t) => t.toArray()), w);
  });

  test('values are quoted with their type', async () => {
    assert.throws(() => callbacks.earlyStopping({ patience: '2' as never }), (e: unknown) => e instanceof ArgumentError && e.message === 'earlyStopping: patience must be a non-negative integer, got "2" (a string)');
    assert.throws(() => callbacks.earlyStopping({ mode: 'maximum' as never }), err(/^earlyStopping: mode must be 'auto', 'min' or 'max', got "maximum" \(a string\)$/));
    assert.throws(() => callbacks.reduceLROnPlateau({ factor: '0.5' as never }), err(/factor must be a number in \[0, 1\), got "0\.5" \(a string\)$/));
    assert.throws(() => callbacks.learningRateScheduler(0.1 as never), err(/^learningRateScheduler: expected a function \(epoch, lr\) => newLr, got 0\.1$/));
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await assert.rejects(
      m.fit([1, 2], [1, 2], { verbose: 0, callbacks: [callbacks.learningRateScheduler(() => '0.1' as never)] }),
      err(/^learningRateScheduler: schedule returned "0\.1" \(a string\) at epoch 0, expected a non-negative number$/),
    );
  });
});
