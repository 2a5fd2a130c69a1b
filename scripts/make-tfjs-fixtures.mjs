// Regenerates src/io/fixtures/<name>/ with TensorFlow.js 4.22 (pure-JS cpu backend): model.json and
// weights.bin exactly as TF.js saves them, plus inputs.json and TF.js's predictions (expected-output.json).
// Run: node scripts/make-tfjs-fixtures.mjs   (deterministic: weights come from a seeded generator)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { rng } from './seeded-rng.mjs';
import { FIXTURES_DIR, saveModel, tensorJson } from './tfjs-fixture-io.mjs';

/** Sets every weight to seeded values: glorot-uniform scale for kernels, small non-zero biases. */
function setSeededWeights(model, seed, gain = 1) {
  const next = rng(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    layer.setWeights(
      ws.map((w) => {
        const n = w.size;
        const fans = w.shape.length >= 2 ? w.shape[w.shape.length - 2] + w.shape[w.shape.length - 1] : 0;
        const limit = fans > 0 ? gain * Math.sqrt(6 / fans) : 0.1 * gain;
        const v = new Float32Array(n);
        for (let i = 0; i < n; i++) v[i] = (next() * 2 - 1) * limit;
        return tf.tensor(v, w.shape);
      }),
    );
  }
}

async function save(name, model, { inputs, includeOptimizer = false, extra = {} }) {
  const dir = join(FIXTURES_DIR, name);
  mkdirSync(dir, { recursive: true });
  await saveModel(dir, model, { includeOptimizer });
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify(tensorJson(inputs)));
  writeFileSync(join(dir, 'expected-output.json'), JSON.stringify(tensorJson(model.predict(inputs))));
  for (const [file, value] of Object.entries(extra)) writeFileSync(join(dir, file), JSON.stringify(value, null, 1));
  console.log(`wrote ${dir}`);
}

function mnistMlp() {
  return tf.sequential({
    name: 'sequential_1',
    layers: [
      tf.layers.flatten({ inputShape: [28, 28], name: 'flatten_1' }),
      tf.layers.dense({ units: 128, activation: 'relu', name: 'dense_1' }),
      tf.layers.dense({ units: 10, activation: 'softmax', name: 'dense_2' }),
    ],
  });
}

/** `rows` deterministic 28x28 "images" in [0, 1]: smooth blobs, so ReLU units see varied input. */
function mnistLikeInputs(rows) {
  const v = new Float32Array(rows * 784);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < 28; i++)
      for (let j = 0; j < 28; j++) {
        const a = Math.sin((i + 3 * r) / 4) * Math.cos((j - 2 * r) / 5);
        v[r * 784 + i * 28 + j] = Math.max(0, a);
      }
  return tf.tensor(v, [rows, 28, 28]);
}

await tf.setBackend('cpu');

// (c) the MNIST MLP compiled with Adam, trained one step from (a)'s weights, saved with its optimizer.
// Made first: TF.js names optimizer weights after the variables' process-unique names, which get a
// `_1` suffix once a layer name was used before (`dense_1/kernel_1/m`); first gives `dense_1/kernel/m`.
{
  const model = mnistMlp();
  setSeededWeights(model, 1);
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = mnistLikeInputs(4);
  const y = tf.tensor([3, 1, 4, 1], [4, 1]);
  const loss = await model.trainOnBatch(x, y);
  await save('mnist-mlp-adam', model, {
    inputs: mnistLikeInputs(3),
    includeOptimizer: true,
    extra: {
      'train.json': {
        note: 'one trainOnBatch step from the mnist-mlp fixture weights; x is mnistLikeInputs(4), y the labels',
        optimizer: 'adam',
        learningRate: 0.001,
        loss: 'sparseCategoricalCrossentropy',
        x: tensorJson(x),
        y: tensorJson(y),
        stepLossAndAccuracy: loss, // from the step's forward pass, before the update
      },
    },
  });
}

// (a) the MNIST MLP of the reference workflow.
{
  const model = mnistMlp();
  setSeededWeights(model, 1);
  await save('mnist-mlp', model, { inputs: mnistLikeInputs(3) });
}

// (b) one Dense per activation TF.js and nerva share, then Dropout, Activation, Reshape, no-bias Dense.
{
  const acts = ['relu', 'sigmoid', 'tanh', 'elu', 'softplus', 'swish', 'gelu', 'linear'];
  const layers = acts.map((a, i) =>
    tf.layers.dense({ units: 8, activation: a, name: `dense_${a}`, ...(i === 0 ? { inputShape: [6] } : {}) }),
  );
  layers.push(
    tf.layers.dropout({ rate: 0.25, name: 'dropout_1' }),
    tf.layers.activation({ activation: 'tanh', name: 'activation_1' }),
    tf.layers.reshape({ targetShape: [2, 4], name: 'reshape_1' }),
    tf.layers.flatten({ name: 'flatten_1' }),
    tf.layers.dense({ units: 5, useBias: false, name: 'dense_nobias' }),
    tf.layers.dense({ units: 4, activation: 'softmax', name: 'dense_softmax' }),
  );
  const model = tf.sequential({ name: 'sequential_2', layers });
  setSeededWeights(model, 2, 2.5);
  const next = rng(20);
  const x = tf.tensor(Float32Array.from({ length: 4 * 6 }, () => next() * 4 - 2), [4, 6]);
  await save('activations', model, { inputs: x });
}

