// data.fromRows: rows from a database query (objects) or arrays, with the cell types drivers return.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { data, ArgumentError, Sequential, layers, setSeed } from '../index.js';

describe('fromRows', () => {
  test('objects: keys of the first row are the columns; numeric strings, booleans and bigints are numbers', () => {
    const rows = [
      { age: 31, income: '52000.50', member: true, visits: 3n, bought: 1 },
      { age: 45, income: '61000', member: false, visits: 0n, bought: 0 },
    ];
    const [x, y, info] = data.fromRows(rows, { label: 'bought' });
    assert.deepEqual(x.shape, [2, 4]);
    assert.deepEqual(x.toArray(), [[31, 52000.5, 1, 3], [45, 61000, 0, 0]]);
    assert.deepEqual(y.toArray(), [1, 0]);
    assert.equal(y.dtype, 'int32');
    assert.deepEqual(info.featureNames, ['age', 'income', 'member', 'visits']);
  });

  test('arrays: columns by index', () => {
    const [x, y] = data.fromRows([[1, 2, 0.5], [3, 4, 1.5]], { label: 2 });
    assert.deepEqual(x.toArray(), [[1, 2], [3, 4]]);
    assert.deepEqual(y.toArray(), [0.5, 1.5]);
    assert.equal(y.dtype, 'float32');
  });

  test('categories and oneHot work on object rows; null, undefined and NaN are missing', () => {
    const rows = [
      { city: 'Oslo', temp: 3, label: 'cold' },
      { city: 'Rome', temp: null, label: 'warm' },
      { city: 'Oslo', temp: Number.NaN, label: 'cold' },
      { city: 'Rome', label: 'warm' },
    ];
    const [x, y, info] = data.fromRows(rows, { label: 'label', categories: { label: 'auto' }, oneHot: ['city'], fillNa: 10 });
    assert.deepEqual(info.featureNames, ['city_Oslo', 'city_Rome', 'temp']);
    assert.deepEqual(x.toArray(), [[1, 0, 3], [0, 1, 10], [1, 0, 10], [0, 1, 10]]);
    assert.deepEqual(y.toArray(), [0, 1, 0, 1]);
    assert.throws(() => data.fromRows(rows, { label: 'label', categories: { label: 'auto' }, oneHot: ['city'] }),
      (e: unknown) => e instanceof ArgumentError && /fromRows: rows\[1\], column "temp": missing value \(null\)/.test(e.message));
  });

  test('an empty categorical cell is refused, unless the given list names ""', () => {
    const rows = [{ c: 'a', y: 0 }, { c: null, y: 1 }];
    assert.throws(() => data.fromRows(rows, { label: 'y', categories: { c: 'auto' } }), /rows\[1\], column "c": missing value \(null\) in a categorical column/);
    const [x, , info] = data.fromRows(rows, { label: 'y', categories: { c: ['a', ''] } });
    assert.deepEqual(x.toArray(), [[0], [1]]);
    assert.deepEqual(info.categories.c, ['a', '']);
  });

  test('bad cells are named by row index and key', () => {
    assert.throws(() => data.fromRows([{ a: 1, y: 0 }, { a: 'abc', y: 1 }], { label: 'y' }), /rows\[1\], column "a": "abc" is not a number; the column holds numbers above/);
    assert.throws(() => data.fromRows([{ a: new Date(0), y: 0 }], { label: 'y' }), /rows\[0\], column "a": a Date \(1970-01-01T00:00:00.000Z\) is not a number/);
    assert.throws(() => data.fromRows([{ a: Infinity, y: 0 }], { label: 'y' }), /rows\[0\], column "a": Infinity is not finite/);
    assert.throws(() => data.fromRows([{ a: 2n ** 60n, y: 0 }], { label: 'y' }), /too large to be exact/);
    assert.throws(() => data.fromRows([{ a: '1,000', y: 0 }], { label: 'y' }), /"1,000" is not a number/);
    assert.throws(() => data.fromRows([{ a: '0x10', y: 0 }], { label: 'y' }), /"0x10" is not a number/);
  });

  test('row shape problems: a key only later rows have, ragged arrays, mixed kinds, empty input', () => {
    assert.throws(() => data.fromRows([{ a: 1, y: 0 }, { a: 2, b: 5, y: 1 }], { label: 'y' }), /rows\[1\] has key "b", which rows\[0\] does not; pass columns/);
    const [x] = data.fromRows([{ a: 1, y: 0 }, { a: 2, b: 5, y: 1 }], { label: 'y', columns: ['a'] });
    assert.deepEqual(x.toArray(), [[1], [2]]);
    assert.throws(() => data.fromRows([[1, 2], [3]]), /rows\[1\] has 1 values, rows\[0\] has 2/);
    assert.throws(() => data.fromRows([[1, 2], { a: 1 }] as never), /rows\[1\] is an object, but rows\[0\] is an array/);
    assert.throws(() => data.fromRows([]), /no rows/);
    assert.throws(() => data.fromRows([{ y: 1 }], { label: 'y' }), /no feature columns: the only column is the label column "y"/);
  });

  test('the result trains a model directly (int32 labels, y [n] against a [n, 1] output)', async () => {
    setSeed(1);
    const rows = Array.from({ length: 32 }, (_, i) => ({ x: i / 8, y: 2 * (i / 8) - 1 }));
    const [x, y] = data.fromRows(rows, { label: 'y' });
    const model = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const h = await model.fit(x, y, { epochs: 40, verbose: 0 });
    const loss = h.history.loss as number[];
    assert.ok(loss[loss.length - 1] < loss[0] / 10, `loss fell from ${loss[0]} to ${loss[loss.length - 1]}`);
  });
});
