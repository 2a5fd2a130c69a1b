// The charts' input readers: tensors, nested and flat arrays, one-hot labels, 0..255 pixels.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flat, readImages, readLabels, readProbabilities } from './input.js';

test('flat reads tensor-likes, nested arrays and typed arrays', () => {
  assert.deepEqual(flat({ shape: [2, 2], data: () => Float32Array.from([1, 2, 3, 4]) }, 't').shape, [2, 2]);
  const nested = flat([[1, 2, 3], [4, 5, 6]], 't');
  assert.deepEqual(nested, { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] });
  assert.equal(flat(Int32Array.from([1, 2]), 't').shape, null);
  assert.throws(() => flat([[1, 2], [3]], 'who'), /who: nested array is ragged/);
  assert.throws(() => flat({ shape: [1], data: async () => [1] }, 'who'), /who: the tensor's data\(\) returned a Promise/);
  // A TF.js-style tensor: dataSync() is preferred to an asynchronous data().
  assert.deepEqual(flat({ shape: [1], data: async () => [0], dataSync: () => [7] }, 't').data, [7]);
});

test('readLabels turns one-hot rows into classes', () => {
  assert.deepEqual(readLabels([[0, 1, 0], [0, 0, 1]], 't'), [1, 2]);
  assert.deepEqual(readLabels(Uint8Array.from([3, 1]), 't'), [3, 1]);
});

test('readProbabilities and readImages infer shapes and pixel range', () => {
  const p = readProbabilities([0.1, 0.9, 0.6, 0.4], 2, 't');
  assert.equal(p.classes, 2);
  assert.throws(() => readProbabilities([0.1, 0.9, 0.6], 2, 'who'), /who: cannot split 3 prediction values into 2 rows/);
  const bytes = readImages(Uint8Array.from([0, 255, 51, 0, 0, 0, 0, 255]), 2, 't');
  assert.deepEqual([bytes.count, bytes.rows, bytes.cols], [2, 2, 2]);
  assert.deepEqual(bytes.at(0), Float32Array.from([0, 1, 0.2, 0]));
  const floats = readImages({ shape: [1, 4], data: () => [0, 0.5, 1, 0] }, null, 't');
  assert.deepEqual(Array.from(floats.at(0)), [0, 0.5, 1, 0]);
  assert.throws(() => readImages([1, 2, 3], 1, 'who'), /who: cannot split 3 pixels into 1 square images/);
});
