// utils.toCategorical against keras.utils.to_categorical's rules: shapes, default class count, errors.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { utils, tensor, ArgumentError, DtypeError } from '../index.js';

describe('toCategorical', () => {
  test('[n] int labels give float32 [n, max + 1]', () => {
    const t = utils.toCategorical(tensor([0, 2, 1, 2], undefined, 'int32'));
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]]);
  });
  test('[n, 1] labels give [n, k] (the trailing 1 is dropped, as Keras does); arrays and uint8 work', () => {
    assert.deepEqual(utils.toCategorical([[1], [0]], 3).toArray(), [[0, 1, 0], [1, 0, 0]]);
    assert.deepEqual(utils.toCategorical(tensor([3], undefined, 'uint8'), 5).shape, [1, 5]);
    assert.deepEqual(utils.toCategorical([[0, 1], [1, 1]]).shape, [2, 2, 2]);
    assert.deepEqual(utils.toCategorical([2.0, 0.0]).toArray(), [[0, 0, 1], [1, 0, 0]]);
  });
  test('numClasses larger than needed pads; empty labels need numClasses', () => {
    assert.deepEqual(utils.toCategorical([1], 4).toArray(), [[0, 1, 0, 0]]);
    assert.deepEqual(utils.toCategorical(tensor([], undefined, 'int32'), 3).shape, [0, 3]);
    assert.throws(() => utils.toCategorical(tensor([], undefined, 'int32')), /pass numClasses/);
  });
  test('errors name the label and its index', () => {
    assert.throws(() => utils.toCategorical([0, 1.5]), (e: unknown) => e instanceof DtypeError && /label 1\.5 at index 1 is not a whole number/.test(e.message));
    assert.throws(() => utils.toCategorical([0, 3, -1]), (e: unknown) => e instanceof ArgumentError && /label -1 at index 2 is negative/.test(e.message));
    assert.throws(() => utils.toCategorical([0, 5, 2], 3), /label 5 at index 1 is out of range for numClasses 3 \(ids 0 to 2\)/);
    assert.throws(() => utils.toCategorical([[0], [7]], 3), /label 7 at index \[1, 0\]/);
    assert.throws(() => utils.toCategorical([0], 0), /numClasses must be a whole number >= 1/);
    assert.throws(() => utils.toCategorical([true]), DtypeError);
  });
});
