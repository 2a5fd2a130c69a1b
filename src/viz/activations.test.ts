// layerOutputs against the model's own predict, and pixel checks of the activations and feature-map
// pictures (the strongest units in orange, the predicted class blue or red, the true class blue).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from '../ops/index.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../layers/dense.js';
import { Flatten } from '../layers/simple.js';
import { tinyConvModel, tinyInput, tinyModel } from '../test-utils/inside-models.js';
import { decodePng } from './png.js';
import type { Raster } from './raster.js';
import { COLORS } from './figure.js';
import { layerOutputs, plotActivations, plotFeatureMaps } from './activations.js';

function count(img: Raster, color: readonly number[]): number {
  let n = 0;
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (img.get(x, y).every((v, i) => v === color[i])) n++;
  return n;
}

test('layerOutputs: each layer in order, pass-through layers marked, the last equal to predict', () => {
  const model = tinyModel('relu');
  const x = tinyInput();
  const outs = layerOutputs(model, x);
  assert.deepEqual(outs.map((o) => o.layer.className), ['Flatten', 'Dense', 'Dropout', 'Dense']);
  assert.deepEqual(outs.map((o) => o.output.shape), [[1, 12], [1, 5], [1, 5], [1, 3]]);
  assert.deepEqual(outs.map((o) => o.passThrough), [true, false, true, false]);
  assert.deepEqual(Array.from(outs[3].output.values), Array.from(model.predict(x.reshape([1, 3, 4])).values));
  // relu: no negative hidden activations.
  assert.ok(Array.from(outs[1].output.values).every((v) => v >= 0));
});

test('plotActivations: the strongest hidden units in orange, the prediction in blue when right and red when wrong', () => {
  // A float32 model with weights that make hidden units 0..7 fire and class 2 win (class 1 second).
  const model = new Sequential([new Flatten({ inputShape: [4, 4] }), new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 4, activation: 'softmax' })]);
  const k1 = new Float32Array(16 * 16);
  for (let p = 0; p < 16; p++) for (let u = 0; u < 16; u++) k1[p * 16 + u] = u < 8 ? (u + 1) / 16 : -0.1;
  const k2 = new Float32Array(16 * 4);
  for (let u = 0; u < 16; u++) [k2[u * 4 + 1], k2[u * 4 + 2]] = [0.45, 0.5];
  model.setWeights([ops.tensor(k1, [16, 16]), ops.zeros([16]), ops.tensor(k2, [16, 4]), ops.zeros([4])]);
  const x = ops.fill([4, 4], 1);

  const right = plotActivations(model, x, { label: 2, top: 3 });
  const img = decodePng(right.png);
  assert.equal(right.outputs.length, 3);
  assert.ok(count(img, COLORS.val) > 3 * 20, 'three orange bars');
  assert.ok(count(img, COLORS.right) > 500, 'a blue predicted bar');
  assert.equal(count(img, COLORS.wrong), 0);
  assert.match(right.svg, /dense[^<]* \(Dense, relu\): 16 units, 8 &#62; 0, strongest #7 = 8/);
  assert.match(right.svg, />#7</);
  assert.match(right.svg, />#5</);
  assert.doesNotMatch(right.svg, />#4</, 'only the top 3 are labelled');
  assert.match(right.svg, /predicted 2, p = /);
  assert.match(right.svg, /flatten[^<]*: \[16\]/);

  const wrong = decodePng(plotActivations(model, x, { label: 1, top: 3 }).png);
  assert.ok(count(wrong, COLORS.wrong) > 500, 'a red predicted bar');
  assert.ok(count(wrong, COLORS.right) > 0, 'the true class in blue');
  // top: 0 leaves out the labels, the orange bars and the row of unit weights.
  const plain = plotActivations(model, x, { top: 0 });
  const plainImg = decodePng(plain.png);
  assert.equal(count(plainImg, COLORS.val), 0);
  assert.ok(plainImg.height < img.height);
  assert.equal(plainImg.width, img.width);
});

test('plotActivations and plotFeatureMaps: conv layers show their feature maps', () => {
  const model = tinyConvModel();
  const x = ops.tensor(Float64Array.from({ length: 36 }, (_, i) => (i % 7) / 7), [6, 6, 1], 'float64');
  const act = plotActivations(model, x);
  assert.ok(decodePng(act.png).height > 200);
  assert.match(act.svg, /conv2d[^<]* \(Conv2D, relu\): 4 feature maps 4x4/);
  const maps = plotFeatureMaps(model, x, { maxMaps: 2 });
  const img = decodePng(maps.png);
  assert.ok(img.width > 150 && img.height > 100);
  assert.match(maps.svg, /2 of 4 channels, largest mean activation first/);
  // The first tile is the channel with the largest mean.
  const conv = layerOutputs(model, x)[0].output;
  const means = [0, 1, 2, 3].map((c) => Array.from({ length: 16 }, (_, i) => conv.values[i * 4 + c]).reduce((a, b) => a + b, 0));
  const best = means.indexOf(Math.max(...means));
  assert.match(maps.svg, new RegExp(`>#${best}</text>`));
});

test('plotActivations and plotFeatureMaps: bad input names the function, the model and the shapes', () => {
  const model = tinyModel();
  assert.throws(() => plotActivations(model, ops.zeros([4, 3])), /viz\.plotActivations: model "[^"]+" takes one example of shape \[3, 4\] \(or \[1, 3, 4\]\), got \[4, 3\]/);
  assert.throws(() => layerOutputs(model, [1, 2, 3]), /viz\.layerOutputs: model "[^"]+" takes one example of shape \[3, 4\]/);
  assert.throws(() => plotActivations(model, tinyInput(), { top: -1 }), /top must be a non-negative integer/);
  assert.throws(() => plotFeatureMaps(model, tinyInput()), /viz\.plotFeatureMaps: model "[^"]+" has no Conv2D layer; its layers: .*\(Flatten\), .*\(Dense\)/);
  assert.throws(() => plotFeatureMaps(tinyConvModel(), ops.zeros([6, 6, 1]), { maxMaps: 0 }), /maxMaps must be a positive integer/);
});
