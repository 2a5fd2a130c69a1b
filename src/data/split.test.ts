// data.trainTestSplit: scikit-learn's order and sizes, rows of x and y kept together, seeds that
// reproduce without touching the global generator, stratification.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { data, tensor, range, setSeed, randomNormal, ArgumentError, ShapeError, type Tensor } from '../index.js';

const n = 20;
// Row i of x is [i, 10 i]; y[i] = 100 + i, so each row says where it came from.
const x = range(0, n).reshape([n, 1]).mul(tensor([1, 10]));
const y = range(100, 100 + n);
const col0 = (t: Tensor): number[] => (t.toArray() as number[][]).map((r) => r[0]);

describe('trainTestSplit', () => {
  test('returns [xTrain, xTest, yTrain, yTest]; testSize 0.25 by default, rounded up', () => {
    const [xTrain, xTest, yTrain, yTest] = data.trainTestSplit(x, y, { seed: 1 });
    assert.deepEqual(xTrain.shape, [15, 2]);
    assert.deepEqual(xTest.shape, [5, 2]);
    assert.deepEqual(yTrain.shape, [15]);
    assert.deepEqual(yTest.shape, [5]);
    assert.equal(yTrain.dtype, 'int32');
    assert.deepEqual(data.trainTestSplit(x, y, { testSize: 0.21 })[1].shape, [5, 2]); // ceil(4.2)
    assert.deepEqual(data.trainTestSplit(x, y, { testSize: 3 })[1].shape, [3, 2]);
    assert.deepEqual(data.trainTestSplit(x, y, { testSize: 1 })[1].shape, [1, 2]);
  });

  test('rows of x and y stay paired and every row is used once', () => {
    const [xTrain, xTest, yTrain, yTest] = data.trainTestSplit(x, y, { testSize: 0.3, seed: 5 });
    const trainIds = col0(xTrain);
    const testIds = col0(xTest);
    assert.deepEqual((yTrain.toArray() as number[]).map((v) => v - 100), trainIds);
    assert.deepEqual((yTest.toArray() as number[]).map((v) => v - 100), testIds);
    assert.deepEqual((xTrain.toArray() as number[][]).map((r) => r[1]), trainIds.map((i) => 10 * i));
    assert.deepEqual([...trainIds, ...testIds].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    // Shuffled: not simply the first rows.
    assert.notDeepEqual(trainIds, Array.from({ length: 14 }, (_, i) => i));
  });

  test('a seed reproduces the split and leaves the global generator alone', () => {
    setSeed(3);
    const before = randomNormal([4]).toArray();
    setSeed(3);
    const a = data.trainTestSplit(x, y, { seed: 42 });
    const after = randomNormal([4]).toArray();
    assert.deepEqual(after, before);
    const b = data.trainTestSplit(x, y, { seed: 42 });
    assert.deepEqual(col0(a[0]), col0(b[0]));
    assert.notDeepEqual(col0(data.trainTestSplit(x, y, { seed: 43 })[0]), col0(a[0]));
    // Without a seed, setSeed makes it reproducible.
    setSeed(9);
    const c = col0(data.trainTestSplit(x, y)[1]);
    setSeed(9);
    assert.deepEqual(col0(data.trainTestSplit(x, y)[1]), c);
  });

  test('shuffle: false keeps order: first rows train, last rows test', () => {
    const [xTrain, xTest] = data.trainTestSplit(x, y, { shuffle: false, testSize: 4 });
    assert.deepEqual(col0(xTrain), Array.from({ length: 16 }, (_, i) => i));
    assert.deepEqual(col0(xTest), [16, 17, 18, 19]);
  });

  test('works on images [n, h, w, c] and one-hot labels [n, k]', () => {
    const imgs = range(0, 6 * 2 * 2).reshape([6, 2, 2, 1]);
    const oneHot = tensor([[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]]);
    const [a, b, c, d] = data.trainTestSplit(imgs, oneHot, { testSize: 2, seed: 0 });
    assert.deepEqual(a.shape, [4, 2, 2, 1]);
    assert.deepEqual(b.shape, [2, 2, 2, 1]);
    assert.deepEqual(c.shape, [4, 2]);
    assert.deepEqual(d.shape, [2, 2]);
  });

  test('stratify keeps class shares in both sets', () => {
    const labels = tensor(Array.from({ length: 40 }, (_, i) => (i < 30 ? 0 : 1)), undefined, 'int32');
    const rows = range(0, 40).reshape([40, 1]);
    const [xTrain, xTest, yTrain, yTest] = data.trainTestSplit(rows, labels, { testSize: 0.2, stratify: true, seed: 1 });
    const count = (t: Tensor, c: number): number => (t.toArray() as number[]).filter((v) => v === c).length;
    assert.deepEqual([count(yTest, 0), count(yTest, 1)], [6, 2]);
    assert.deepEqual([count(yTrain, 0), count(yTrain, 1)], [24, 8]);
    (xTest.toArray() as number[][]).forEach((r, i) => assert.equal(r[0] < 30 ? 0 : 1, yTest.values[i]));
    assert.deepEqual(xTrain.shape, [32, 1]);
    assert.throws(() => data.trainTestSplit(rows, labels, { stratify: true, shuffle: false }), /stratify needs shuffle: true/);
    assert.throws(() => data.trainTestSplit(tensor([[1], [2], [3]]), tensor([0, 0, 1]), { stratify: true, testSize: 1 }), /class 1 has only 1 row/);
  });

  test('bad arguments', () => {
    assert.throws(() => data.trainTestSplit(x, range(0, 5)), (e: unknown) => e instanceof ShapeError && /x has 20 rows \[20, 2\] but y has 5 \[5\]/.test(e.message));
    assert.throws(() => data.trainTestSplit(x, y, { testSize: 0 }), ArgumentError);
    assert.throws(() => data.trainTestSplit(x, y, { testSize: 1.5 }), /testSize must be a fraction in \(0, 1\) or a whole number/);
    assert.throws(() => data.trainTestSplit(x, y, { testSize: 20 }), /leaves no rows to train on/);
    assert.throws(() => data.trainTestSplit(x, y, { test_size: 0.2 } as never), /unknown option "test_size"/);
  });
});
