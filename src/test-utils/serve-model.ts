// A small trained MNIST model for the serving tests: Flatten / Dense 32 relu / Dense 10 softmax,
// one epoch on 3,000 training images (seeded), about 85-90% accurate: enough for a drawn "1" and
// for checking served probabilities against model.predict, in well under a second.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential, datasets, layers, setSeed, type Tensor } from '../index.js';

export interface TestModel {
  model: Sequential;
  /** Test images (0..1), [n, 28, 28], and their labels. */
  xTest: Tensor;
  yTest: Tensor;
}

export async function trainSmallMnist(opts: { name?: string } = {}): Promise<TestModel> {
  setSeed(3);
  const [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
  const n = 3000;
  const x = xTrain.slice([0, 0, 0], [n, -1, -1]).div(255);
  const y = yTrain.slice([0], [n]);
  const model = new Sequential(
    [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 32, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })],
    { name: opts.name ?? 'mnist' },
  );
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
  return { model, xTest: xTest.slice([0, 0, 0], [200, -1, -1]).div(255), yTest: yTest.slice([0], [200]) };
}

/** Saves the model into a fresh temporary folder named `name`; returns the folder. */
export async function saveToTemp(model: Sequential, name = 'mnist'): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'nerva-serve-')), name);
  await model.save(dir);
  return dir;
}

/** Test image i as nested [28][28] numbers. */
export function imageRows(x: Tensor, i: number): number[][] {
  const v = x.data();
  const rows: number[][] = [];
  for (let r = 0; r < 28; r++) rows.push(Array.from(v.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28)));
  return rows;
}
