// datasets.mnist.loadData: Keras' shapes and dtypes from the bundled IDX files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasets } from '../index.js';

test('loadData gives Keras shapes: uint8 images 0..255, int32 labels', () => {
  const [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
  assert.deepEqual(xTrain.shape, [60000, 28, 28]);
  assert.deepEqual(xTest.shape, [10000, 28, 28]);
  assert.deepEqual(yTrain.shape, [60000]);
  assert.deepEqual(yTest.shape, [10000]);
  assert.equal(xTrain.dtype, 'uint8');
  assert.equal(yTrain.dtype, 'int32');
  assert.equal(yTrain.values[0], 5);
  const x = xTest.slice([0, 0, 0], [2, 28, 28]).div(255);
  assert.equal(x.dtype, 'float32');
  assert.equal(x.max().item(), 1);
  assert.equal(x.min().item(), 0);
  const counts = new Array(10).fill(0);
  for (const l of yTest.values) counts[l]++;
  assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
});
