// The JSDoc examples of the inside-the-network pictures, run as written: each @example block is
// taken from the source and executed against an MNIST-shaped model and made-up test images.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ops from '../ops/index.js';
import * as layers from '../layers/index.js';
import { Sequential } from '../models/sequential.js';
import { FakeConv2D, f64Init } from '../test-utils/inside-models.js';
import { rng } from '../test-utils/random-arrays.js';
import * as viz from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const FILES = ['weights.ts', 'activations.ts', 'saliency.ts', 'saliency-plot.ts', 'confused.ts'];
const PUBLIC = ['plotDenseWeights', 'plotConvFilters', 'layerOutputs', 'plotActivations', 'plotFeatureMaps', 'saliency', 'plotSaliency', 'mostConfused', 'plotMostConfused'];

/** The code of every @example in a file's JSDoc comments. */
function examples(file: string): string[] {
  const src = readFileSync(join(here, file), 'utf8');
  return [...src.matchAll(/@example([\s\S]*?)\*\//g)].map((m) => m[1].split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim());
}

test('every public inside-the-network function has an @example, and each runs as written', () => {
  const blocks = FILES.flatMap(examples);
  for (const name of PUBLIC) assert.ok(blocks.some((b) => b.includes(`viz.${name}(`)), `no example calls viz.${name}`);

  const rand = rng(3);
  const n = 120;
  const xTest = ops.tensor(Float32Array.from({ length: n * 784 }, () => (rand() < 0.2 ? Math.floor(rand() * 256) : 0)), [n, 28, 28]);
  const yTest = ops.tensor(Int32Array.from({ length: n }, () => Math.floor(rand() * 10)), [n], 'int32');
  const model = new Sequential([layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 32, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })]);
  const predictions = model.predict(xTest.div(255));
  const cnn = new Sequential([
    new FakeConv2D({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, init: f64Init(4) }),
    layers.flatten(),
    layers.dense({ units: 10, activation: 'softmax' }),
  ]);

  const dir = mkdtempSync(join(tmpdir(), 'nerva-viz-examples-'));
  const cwd = process.cwd();
  process.chdir(dir); // the examples write into out/
  try {
    for (const code of blocks) {
      const run = new Function('viz', 'Sequential', 'layers', 'model', 'cnn', 'xTest', 'yTest', 'predictions', `{\n${code}\n}`);
      assert.doesNotThrow(() => run(viz, Sequential, layers, model, cnn, xTest, yTest, predictions), `example failed:\n${code}`);
    }
    const written = readdirSync(join(dir, 'out')).sort();
    assert.deepEqual(written, ['activations.png', 'feature-maps.png', 'filters.png', 'most-confused.png', 'saliency.png', 'weights.png']);
  } finally {
    process.chdir(cwd);
  }
});
