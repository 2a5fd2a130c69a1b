// The main job: the reference MNIST workflow from the Keras tutorial, end to end, using only
// nerva's public API. Writes metrics.json (and pictures, report and model) into --out.

import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as nv from '../index.js';
import type { MnistModel, MnistOptions } from './args.js';
import { renderPredictionPreview } from './preview.js';
import { loadWasmKernels } from '../backend/wasm/kernels.js';

/** 'wasm (relaxed SIMD)' or 'wasm (SIMD)' or 'js': which kernels the run used, for the log and metrics.json. */
function backendLabel(): string {
  const name = nv.getBackend().name;
  if (name !== 'wasm') return name;
  return `wasm (${loadWasmKernels()?.relaxedSimd ? 'relaxed SIMD' : 'SIMD'})`;
}

export interface MnistResult {
  testAccuracy: number;
  testLoss: number;
  outDir: string;
}

/** Writes a file via a temporary name so a crash never leaves half a file. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function firstMismatch(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  for (let i = 0; i < pred.length; i++) if (pred[i] !== truth[i]) return i;
  return -1;
}

/** The two models of the Keras tutorials, each with the data preparation of its example. */
const MODELS: Record<MnistModel, {
  title: string;
  loss: string;
  validationSplit: number | null;
  build: (h: number, w: number) => nv.Sequential;
  images: (x: nv.Tensor) => nv.Tensor;
  labels: (y: nv.Tensor) => nv.Tensor;
}> = {
  mlp: {
    title: 'Flatten / Dense 128 relu / Dense 10 softmax',
    loss: 'sparse_categorical_crossentropy',
    validationSplit: null,
    build: (h, w) => new nv.Sequential([
      nv.layers.flatten({ inputShape: [h, w] }),
      nv.layers.dense({ units: 128, activation: 'relu' }),
      nv.layers.dense({ units: 10, activation: 'softmax' }),
    ]),
    images: (x) => x,
    labels: (y) => y,
  },
  cnn: {
    title: 'the Keras simple convnet (Conv2D 32 / MaxPooling / Conv2D 64 / MaxPooling / Dropout 0.5 / Dense 10 softmax)',
    loss: 'categorical_crossentropy',
    validationSplit: 0.1,
    build: (h, w) => new nv.Sequential([
      nv.layers.input({ shape: [h, w, 1] }),
      nv.layers.conv2d({ filters: 32, kernelSize: [3, 3], activation: 'relu' }),
      nv.layers.maxPooling2d({ poolSize: [2, 2] }),
      nv.layers.conv2d({ filters: 64, kernelSize: [3, 3], activation: 'relu' }),
      nv.layers.maxPooling2d({ poolSize: [2, 2] }),
      nv.layers.flatten(),
      nv.layers.dropout({ rate: 0.5 }),
      nv.layers.dense({ units: 10, activation: 'softmax' }),
    ]),
    images: (x) => x.expandDims(-1),
    labels: (y) => nv.utils.toCategorical(y, 10),
  },
};

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export async function runMnist(o: MnistOptions, log: (s: string) => void = (s) => process.stdout.write(s + '\n')): Promise<MnistResult> {
  if (o.backend) nv.setBackend(o.backend);
  if (o.seed !== undefined) nv.setSeed(o.seed);
  const say = o.quiet ? () => {} : log;

  let [[xTrain, yTrain], [xTest, yTest]] = nv.datasets.mnist.loadData(o.data ? { path: o.data } : {});
  if (o.limit !== undefined && o.limit < xTrain.shape[0]) {
    xTrain = xTrain.slice([0, 0, 0], [o.limit, -1, -1]);
    yTrain = yTrain.slice([0], [o.limit]);
  }
  if (o.testLimit !== undefined && o.testLimit < xTest.shape[0]) {
    xTest = xTest.slice([0, 0, 0], [o.testLimit, -1, -1]);
    yTest = yTest.slice([0], [o.testLimit]);
  }
  const xTrainF = xTrain.div(255);
  const xTestF = xTest.div(255);
  const [h, w] = xTrain.shape.slice(1);

  const spec = MODELS[o.model];
  const model = spec.build(h, w);
  model.compile({ optimizer: 'adam', loss: spec.loss, metrics: ['accuracy'] });
  if (!o.quiet) model.summary({ print: log });
  // What the model reads: the convnet takes [n, h, w, 1] images and one-hot labels, as in its Keras example.
  const [xFit, yFit] = [spec.images(xTrainF), spec.labels(yTrain)];
  const [xEval, yEval] = [spec.images(xTestF), spec.labels(yTest)];
  const validation = spec.validationSplit ? `${Math.floor(xTrain.shape[0] * spec.validationSplit)} held out of the training images` : `${xTest.shape[0]} test images`;
  say(`backend: ${backendLabel()}; training on ${xTrain.shape[0] - (spec.validationSplit ? Math.floor(xTrain.shape[0] * spec.validationSplit) : 0)} images, validating on ${validation}`);

  const epochSeconds: number[] = [];
  let epochStart = 0;
  const timer: nv.CallbackHooks = {
    onEpochBegin: () => {
      epochStart = performance.now();
    },
    onEpochEnd: () => {
      epochSeconds.push((performance.now() - epochStart) / 1000);
    },
  };
  const history = await model.fit(xFit, yFit, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    ...(spec.validationSplit ? { validationSplit: spec.validationSplit } : { validationData: [xEval, yEval] as [nv.Tensor, nv.Tensor] }),
    verbose: o.quiet ? 0 : 'auto',
    callbacks: [timer],
  });

  const result = model.evaluate(xEval, yEval, { batchSize: 256 });
  say(`Test loss: ${result.loss.toFixed(4)} - test accuracy: ${(result.accuracy * 100).toFixed(2)}%`);

  const predictions = model.predict(xEval, { batchSize: 256 });
  // Index 100 is the test image the tutorial's prediction figure shows (when the test set has it).
  const shown = Math.min(100, xTest.shape[0] - 1);
  const probs = predictions.slice([shown, 0], [1, 10]).data();
  const image = xTest.slice([shown, 0, 0], [1, h, w]).data();
  if (!o.quiet) {
    log(`\nTest image ${shown}:`);
    log(renderPredictionPreview(image, probs, yTest.values[shown], { color: process.stdout.isTTY === true }));
  }

  mkdirSync(o.out, { recursive: true });
  const metrics = {
    model: o.model,
    test_accuracy: result.accuracy,
    test_loss: result.loss,
    epochs: o.epochs,
    batch_size: o.batchSize,
    seed: o.seed ?? null,
    train_samples: xTrain.shape[0],
    test_samples: xTest.shape[0],
    epoch_seconds: epochSeconds,
    history: history.history,
    backend: backendLabel(),
    params: model.countParams(),
  };
  writeAtomic(join(o.out, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');

  // Pictures and the report.
  const out = (f: string): string => join(o.out, f);
  const predicted = predictions.argMax(-1);
  nv.viz.displayPrediction(shown, predictions, yTest, xTest, { file: out('prediction.png') });
  const wrong = firstMismatch(predicted.values, yTest.values);
  if (wrong >= 0) nv.viz.displayPrediction(wrong, predictions, yTest, xTest, { file: out('prediction-wrong.png') });
  nv.viz.plotHistory(history.history, { file: out('history.png') });
  nv.viz.plotConfusionMatrix(nv.viz.confusionMatrix(yTest, predicted, 10), { file: out('confusion.png') });
  nv.viz.predictionGrid(xTest, yTest, predictions, { rows: 4, cols: 8, file: out('grid.png') });
  // Inside the network: the first layer's units (or filters), and activations and saliency of two test images.
  const inside = { model, modelInputs: xEval, inspect: wrong >= 0 ? [shown, wrong] : [shown] };
  const first = model.layers.find((l) => l.className !== 'Flatten' && l.className !== 'Reshape');
  if (first?.className === 'Dense') nv.viz.plotDenseWeights(first, { inputShape: [h, w], file: out('weights.png') });
  if (first?.className === 'Conv2D') nv.viz.plotConvFilters(first, { file: out('filters.png') });
  inside.inspect.forEach((i, n) => {
    const x = xTestF.slice([i, 0, 0], [1, h, w]).reshape([1, ...(model.inputShape!.slice(1) as number[])]);
    const suffix = n === 0 ? '' : '-wrong';
    nv.viz.plotActivations(model, x, { label: yTest.values[i], file: out(`activations${suffix}.png`) });
    nv.viz.plotSaliency(model, x, { label: yTest.values[i], file: out(`saliency${suffix}.png`) });
  });
  nv.viz.plotMostConfused(xTest, yTest, predictions, { file: out('most-confused.png') });
  nv.viz.report({
    title: `nerva: MNIST, ${spec.title}`,
    settings: {
      model: o.model, epochs: o.epochs, batch_size: o.batchSize, seed: o.seed ?? 'random', backend: nv.getBackend().name,
      optimizer: 'adam', loss: spec.loss, train_samples: xTrain.shape[0],
      test_samples: xTest.shape[0], params: model.countParams(),
    },
    metrics: { test_accuracy: result.accuracy, test_loss: result.loss, seconds_per_epoch: mean(epochSeconds) },
    history: history.history,
    images: xTest,
    labels: yTest,
    predictions,
    ...inside,
    file: out('report.html'),
  });
  await model.save(out('model'));
  const inPictures = [first?.className === 'Conv2D' ? 'filters.png' : 'weights.png', 'activations.png', 'saliency.png', ...(wrong >= 0 ? ['activations-wrong.png', 'saliency-wrong.png'] : []), 'most-confused.png'];
  say(`wrote ${['metrics.json', 'prediction.png', wrong >= 0 ? 'prediction-wrong.png' : '', 'history.png', 'confusion.png', 'grid.png', ...inPictures, 'report.html', 'model/'].filter(Boolean).join(', ')} into ${o.out}`);
  return { testAccuracy: result.accuracy, testLoss: result.loss, outDir: o.out };
}
