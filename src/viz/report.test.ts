// report() builds one self-contained HTML page with the pictures inlined and the numbers shown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from './png.js';
import { report } from './report.js';

// 12 tiny 8x8 "images" (image i has pixel i lit), labels i % 3, and predictions wrong for i = 4, 7.
const n = 12;
const images = new Uint8Array(n * 64);
for (let i = 0; i < n; i++) images[i * 64 + i] = 255;
const labels = Array.from({ length: n }, (_, i) => i % 3);
const predictions = labels.map((y, i) => {
  const rest = i === 7 ? 0.025 : 0.1; // each row sums to 1
  const row = [rest, rest, rest];
  const p = i === 4 ? 2 : i === 7 ? 0 : y;
  row[p] = i === 7 ? 0.95 : 0.8;
  return row;
});

test('report: one HTML page with settings, metrics, inline pictures and the mistakes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nerva-report-'));
  const file = join(dir, 'sub', 'report.html');
  const html = report({
    title: 'MNIST <dense>',
    settings: { optimizer: 'adam', epochs: 5, batchSize: 32 },
    metrics: { test_accuracy: 0.97681, test_loss: 0.0768 },
    history: { loss: [0.3, 0.1], accuracy: [0.9, 0.97], val_loss: [0.2, 0.12], val_accuracy: [0.94, 0.96] },
    images: { shape: [n, 8, 8], data: () => images },
    labels,
    predictions,
    file,
  });
  assert.equal(readFileSync(file, 'utf8'), html);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<title>MNIST &#60;dense&#62;<\/title>/);
  assert.match(html, /<td>optimizer<\/td><td>adam<\/td>/);
  assert.match(html, /<td>test_accuracy<\/td><td>0\.9768<\/td>/);
  assert.match(html, /<td>test_loss<\/td><td>0\.0768<\/td>/);
  assert.match(html, /12 examples, 2 misclassified \(accuracy 83\.33%\)/);
  assert.match(html, /The 2 wrong predictions/);
  assert.doesNotMatch(html, /(src|href)="(?!data:)/, 'nothing is loaded from outside the file');

  // Four inline PNGs (curves, confusion matrix, grid, mistakes), each a real decodable picture.
  const pngs = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => decodePng(Buffer.from(m[1], 'base64')));
  assert.equal(pngs.length, 4);
  for (const p of pngs) assert.ok(p.width > 100 && p.height > 50);
});

test('report: sections are left out when their inputs are missing', () => {
  const html = report({ metrics: { accuracy: 1 } });
  assert.match(html, /<h2>Metrics<\/h2>/);
  assert.doesNotMatch(html, /<img/);
  assert.doesNotMatch(html, /Settings|Confusion/);
});

test('report: with the model, an "Inside the network" section with weights, activations and saliency', async () => {
  const { Sequential } = await import('../models/sequential.js');
  const { Dense } = await import('../layers/dense.js');
  const { Flatten } = await import('../layers/simple.js');
  const ops = await import('../ops/index.js');
  const model = new Sequential([new Flatten({ inputShape: [8, 8] }), new Dense({ units: 6, activation: 'relu' }), new Dense({ units: 3, activation: 'softmax' })]);
  const inputs = ops.tensor(Float32Array.from(images, (v) => v / 255), [n, 8, 8]);
  const probs = model.predict(inputs);
  const predicted = Array.from(probs.argMax(-1).values);
  const wrong = predicted.findIndex((p, i) => p !== labels[i]);
  assert.ok(wrong >= 0, 'an untrained model gets some wrong');
  const html = report({ images: { shape: [n, 8, 8], data: () => images }, labels, predictions: probs, model, modelInputs: inputs });
  assert.match(html, /<h2>Inside the network<\/h2>/);
  assert.match(html, /<h3>What the hidden units look for<\/h3>/);
  assert.match(html, /<h3>Test image 11: a 2, (predicted|misclassified as) \d<\/h3>/);
  assert.match(html, new RegExp(`<h3>Test image ${wrong}: a ${labels[wrong]}, misclassified as ${predicted[wrong]}</h3>`));
  assert.match(html, /<h3>Most confused pairs<\/h3>/);
  const pngs = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => decodePng(Buffer.from(m[1], 'base64')));
  // Confusion matrix, grid, mistakes (no history here), + weights + (activations + saliency) x 2 examples + most confused.
  assert.equal(pngs.length, 3 + 1 + 4 + 1);
  // Chosen examples only.
  const one = report({ labels, predictions: probs, images: { shape: [n, 8, 8], data: () => images }, model, modelInputs: inputs, inspect: [3] });
  assert.equal([...one.matchAll(/<h3>Test image /g)].length, 1);
  assert.throws(() => report({ labels, predictions: probs, images: { shape: [n, 8, 8], data: () => images }, model, modelInputs: inputs, inspect: [12] }), /viz\.report: example 12 is outside 0\.\.11/);
});
