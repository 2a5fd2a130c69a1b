// datasets.fashionMnist: the user's copy of the four IDX files (a path, or Keras' download cache),
// Keras' shapes and dtypes, the class names, and the errors when there are no files.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { datasets, FormatError } from '../index.js';

/** A uint8 IDX file of `dims` holding `values` (cycled). */
function idx(dims: number[], values: number[]): Buffer {
  const count = dims.reduce((a, b) => a * b, 1);
  const out = Buffer.alloc(4 + 4 * dims.length + count);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  for (let i = 0; i < count; i++) out[4 + 4 * dims.length + i] = values[i % values.length];
  return out;
}

function writeSet(dir: string, trainLabels = [9, 0, 3]): void {
  mkdirSync(dir, { recursive: true });
  // Gzipped as Zalando and Keras ship them.
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx([3, 28, 28], [0, 255, 7])));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([3], trainLabels)));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([2, 28, 28], [1])));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], [1, 8])));
}

let tmp = '';
const savedKerasHome = process.env.KERAS_HOME;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nerva-fashion-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (savedKerasHome === undefined) delete process.env.KERAS_HOME;
  else process.env.KERAS_HOME = savedKerasHome;
});

describe('datasets.fashionMnist', () => {
  test('class names in Zalando order', () => {
    assert.equal(datasets.fashionMnist.classNames.length, 10);
    assert.equal(datasets.fashionMnist.classNames[0], 'T-shirt/top');
    assert.equal(datasets.fashionMnist.classNames[9], 'Ankle boot');
    assert.ok(Object.isFrozen(datasets.fashionMnist.classNames));
  });

  test('loadData({ path }) gives Keras shapes: uint8 images, int32 labels', () => {
    const dir = join(tmp, 'mine');
    writeSet(dir);
    const [[xTrain, yTrain], [xTest, yTest]] = datasets.fashionMnist.loadData({ path: dir });
    assert.deepEqual(xTrain.shape, [3, 28, 28]);
    assert.equal(xTrain.dtype, 'uint8');
    assert.deepEqual(Array.from(xTrain.values.subarray(0, 4)), [0, 255, 7, 0]);
    assert.deepEqual(xTest.shape, [2, 28, 28]);
    assert.equal(yTrain.dtype, 'int32');
    assert.deepEqual(yTrain.toArray(), [9, 0, 3]);
    assert.deepEqual(yTest.toArray(), [1, 8]);
    assert.equal(datasets.fashionMnist.classNames[yTrain.values[0]], 'Ankle boot');
  });

  test("without a path it reads Keras' cache ($KERAS_HOME/datasets/fashion-mnist)", () => {
    const home = join(tmp, 'keras-home');
    writeSet(join(home, 'datasets', 'fashion-mnist'), [4, 4, 4]);
    process.env.KERAS_HOME = home;
    const [[, yTrain]] = datasets.fashionMnist.loadData();
    assert.deepEqual(yTrain.toArray(), [4, 4, 4]);
  });

  test('no files: the error says where to get them and how to pass them', () => {
    process.env.KERAS_HOME = join(tmp, 'empty-home');
    assert.throws(() => datasets.fashionMnist.loadData(), (e: unknown) =>
      e instanceof FormatError && /Fashion-MNIST: no files: nerva does not bundle or download them/.test(e.message) &&
      /loadData\(\{ path: 'that\/folder' \}\)/.test(e.message) && /--data/.test(e.message));
    assert.throws(() => datasets.fashionMnist.loadData({ path: join(tmp, 'nowhere') }), /Fashion-MNIST: directory not found/);
    const partial = join(tmp, 'partial');
    mkdirSync(partial);
    writeFileSync(join(partial, 'train-images-idx3-ubyte.gz'), gzipSync(idx([1, 28, 28], [0])));
    assert.throws(() => datasets.fashionMnist.loadData({ path: partial }), /Fashion-MNIST: no train-labels file in/);
  });

  test('labels outside 0-9 mean another dataset', () => {
    const dir = join(tmp, 'emnist-like');
    writeSet(dir, [1, 25, 3]);
    assert.throws(() => datasets.fashionMnist.loadData({ path: dir }), /Fashion-MNIST: train label 1 is 25, but Fashion-MNIST has 10 classes/);
  });
});
