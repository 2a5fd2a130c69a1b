// What the parts of `npm run bench` share: the result table, timing helpers, the MNIST data.
import * as nv from '../src/index.js';

export * from './timing.js';

export const ENGINES = ['nerva-wasm', 'nerva-js', 'tfjs-wasm', 'tfjs-cpu', 'ort-web', 'pytorch-1t'] as const;
export type Engine = (typeof ENGINES)[number];
export type Row = { name: string; unit: string; higherIsBetter: boolean; values: Partial<Record<Engine, number | null>> };
export const rows: Row[] = [];

export function put(name: string, unit: string, higherIsBetter: boolean, engine: Engine, v: number | null): void {
  let r = rows.find((x) => x.name === name);
  if (!r) rows.push((r = { name, unit, higherIsBetter, values: {} }));
  r.values[engine] = v;
}

export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export const SHAPES: [string, number, number, number, boolean, boolean][] = [
  ['matMul [32x784]x[784x128]', 32, 784, 128, false, false],
  ['matMul dW x^T dy [784x32]x[32x128]', 784, 32, 128, true, false],
  ['matMul [32x128]x[128x10]', 32, 128, 10, false, false],
  ['matMul 512^3', 512, 512, 512, false, false],
  ['matMul 1024^3', 1024, 1024, 1024, false, false],
];

export const ROW_TRAIN = 'MNIST train, s/epoch (1875 steps + validation)';
export const ROW_PREDICT = 'predict 10k test images, samples/s (nerva: default options)';
export const ROW_LATENCY = 'single-sample predict latency, µs (median of 1000)';

const [[xTrainU8, yTrainAll], [xTestU8, yTestAll]] = nv.datasets.mnist.loadData();
export const xTrain = xTrainU8.div(255);
export const yTrain = yTrainAll;
export const xTest = xTestU8.div(255);
export const yTest = yTestAll;
export const TRAIN_STEPS = 1875;

/** The first steps*32 training samples. */
export function subset(steps: number): [nv.Tensor, nv.Tensor] {
  const n = steps * 32;
  return [xTrain.slice([0, 0, 0], [n, 28, 28]), yTrain.slice([0], [n])];
}

/** The benchmark's model: MNIST MLP 784-128-10, as in the Keras tutorial. */
export function mnistMlp(): nv.Sequential {
  const model = new nv.Sequential([
    nv.layers.flatten({ inputShape: [28, 28] }),
    nv.layers.dense({ units: 128, activation: 'relu' }),
    nv.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}
