// Regenerates src/io/fixtures/conv-*/ with TensorFlow.js 4.22 (pure-JS cpu backend, which has the
// convolution gradients): model.json and weights.bin exactly as TF.js saves them, inputs.json,
// TF.js's predictions (expected-output.json) and, for the trainable ones, sgd.json: a few SGD steps
// from those weights on a fixed batch and every weight afterwards (BatchNormalization's moving
// statistics included), so nerva's convolution, pooling and normalization can be checked against
// TF.js both forward and through training.
// Run: node scripts/make-tfjs-conv-fixtures.mjs   (deterministic: values come from a seeded generator)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { rng } from './seeded-rng.mjs';
import { FIXTURES_DIR, saveModel, tensorJson } from './tfjs-fixture-io.mjs';

/**
 * Seeded weights: a kernel gets a Glorot-uniform scale over its fans (conv kernels count the
 * receptive field), other weights small values around their usual level (BN gamma and moving
 * variance near 1, so the normalization is not degenerate).
 */
function setSeededWeights(model, seed) {
  const next = rng(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    layer.setWeights(
      ws.map((w, i) => {
        const n = w.size;
        const v = new Float32Array(n);
        const name = layer.weights[i].name;
        if (w.shape.length >= 2) {
          const receptive = w.shape.slice(0, -2).reduce((a, b) => a * b, 1);
          const fans = receptive * (w.shape[w.shape.length - 2] + w.shape[w.shape.length - 1]);
          const limit = Math.sqrt(6 / fans);
          for (let j = 0; j < n; j++) v[j] = (next() * 2 - 1) * limit;
        } else if (/gamma|moving_variance/.test(name)) {
          for (let j = 0; j < n; j++) v[j] = 0.75 + 0.5 * next();
        } else {
          for (let j = 0; j < n; j++) v[j] = (next() * 2 - 1) * 0.1;
        }
        return tf.tensor(v, w.shape);
      }),
    );
  }
}

function weightsJson(model) {
  return model.weights.map((w) => ({ name: w.originalName ?? w.name, ...tensorJson(w.read()) }));
}

/** Deterministic images [n, h, w, c] in [0, 1): smooth patterns, so ReLU and max pooling see variety. */
function images(n, h, w, c, salt) {
  const v = new Float32Array(n * h * w * c);
  let i = 0;
  for (let s = 0; s < n; s++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) v[i++] = 0.5 + 0.5 * Math.sin((y + 1.7 * s + salt) / 2.3) * Math.cos((x - 1.3 * ch + salt) / 1.9);
  return tf.tensor(v, [n, h, w, c]);
}

function oneHot(labels, classes) {
  return tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
}

/**
 * Writes a fixture. With `train`, the model is compiled with SGD and trained `steps` times on one
 * fixed batch (trainOnBatch: training mode, so BatchNormalization uses batch statistics and moves
 * its averages); the saved files hold the weights from before training.
 */
async function fixture(name, model, { inputs, train }) {
  const dir = join(FIXTURES_DIR, name);
  mkdirSync(dir, { recursive: true });
  setSeededWeights(model, name.length * 7919);
  await saveModel(dir, model);
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify(tensorJson(inputs)));
  writeFileSync(join(dir, 'expected-output.json'), JSON.stringify(tensorJson(model.predict(inputs))));
  if (train) {
    const { x, y, lr, steps } = train;
    model.compile({ optimizer: tf.train.sgd(lr), loss: 'categoricalCrossentropy' });
    const losses = [];
    for (let s = 0; s < steps; s++) losses.push(await model.trainOnBatch(x, y));
    writeFileSync(
      join(dir, 'sgd.json'),
      JSON.stringify({
        note: `${steps} trainOnBatch steps of SGD(lr ${lr}) with categorical cross-entropy from the saved weights on x, y`,
        learningRate: lr,
        steps,
        x: tensorJson(x),
        y: tensorJson(y),
        losses,
        weightsAfter: weightsJson(model),
      }),
    );
  }
  console.log(`wrote ${dir}`);
}

await tf.setBackend('cpu');

// Valid and same padding, strides 2, a convolution without bias, max and average pooling. The
// average pooling here is 'valid': TF.js 4.22's cpu AvgPoolGrad divides every window's gradient by
// the full window size, while its forward (like TF's) divides edge windows under 'same' padding by
// their count of real inputs, so its gradient there disagrees with finite differences of its own
// forward (nerva's agrees). 'same' average pooling is checked forward only, in conv-dilated.
{
  const model = tf.sequential({
    name: 'conv_pool',
    layers: [
      tf.layers.conv2d({ inputShape: [9, 9, 2], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv_a' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_max' }),
      tf.layers.conv2d({ filters: 6, kernelSize: [2, 3], strides: 2, padding: 'same', useBias: false, name: 'conv_b' }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1, name: 'pool_avg' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'dense' }),
    ],
  });
  await fixture('conv-pool', model, {
    inputs: images(3, 9, 9, 2, 0.4),
    train: { x: images(4, 9, 9, 2, 1.1), y: oneHot([0, 2, 1, 2], 3), lr: 0.1, steps: 3 },
  });
}

// BatchNormalization after a convolution, then global average pooling.
{
  const model = tf.sequential({
    name: 'conv_bn',
    layers: [
      tf.layers.conv2d({ inputShape: [7, 7, 3], filters: 5, kernelSize: 3, padding: 'same', name: 'conv' }),
      tf.layers.batchNormalization({ name: 'bn' }),
      tf.layers.activation({ activation: 'relu', name: 'relu' }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'dense' }),
    ],
  });
  await fixture('conv-bn', model, {
    inputs: images(2, 7, 7, 3, 0.9),
    train: { x: images(5, 7, 7, 3, 2.2), y: oneHot([1, 0, 2, 1, 0], 3), lr: 0.05, steps: 3 },
  });
}

// Dilation 2, 'same' average pooling and global max pooling: forward only (TF.js has no gradient for
// dilated convolutions, and a wrong one for 'same' average pooling, see conv-pool).
{
  const model = tf.sequential({
    name: 'conv_dilated',
    layers: [
      tf.layers.conv2d({ inputShape: [10, 10, 2], filters: 3, kernelSize: 3, dilationRate: 2, activation: 'tanh', name: 'conv_dil' }),
      tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'pool_avg_same' }),
      tf.layers.globalMaxPooling2d({ name: 'gmp' }),
      tf.layers.dense({ units: 2, name: 'dense' }),
    ],
  });
  await fixture('conv-dilated', model, { inputs: images(2, 10, 10, 2, 0.2) });
}

// The Keras "simple MNIST convnet" as TF.js writes it (dropout included: it is inert at inference).
{
  const model = tf.sequential({
    name: 'mnist_convnet',
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', name: 'conv2d' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'max_pooling2d' }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'conv2d_1' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'max_pooling2d_1' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dropout({ rate: 0.5, name: 'dropout' }),
      tf.layers.dense({ units: 10, activation: 'softmax', name: 'dense' }),
    ],
  });
  await fixture('mnist-convnet', model, { inputs: images(2, 28, 28, 1, 0.6) });
}
