// Tests of the option and value checks every public entry point uses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOptions, describeValue, keyList, positiveInt, suggestKey } from './options.js';
import { ArgumentError } from './errors.js';
import { tensor } from './ops/index.js';

test('describeValue quotes strings and names the type where the text alone would mislead', () => {
  assert.equal(describeValue(3), '3');
  assert.equal(describeValue(NaN), 'NaN');
  assert.equal(describeValue('1'), '"1" (a string)');
  assert.equal(describeValue(true), 'true (a boolean)');
  assert.equal(describeValue(null), 'null');
  assert.equal(describeValue(undefined), 'undefined');
  assert.equal(describeValue(10n), '10n (a bigint)');
  assert.equal(describeValue([28, 28]), '[28,28] (an array)');
  assert.equal(describeValue(function relu() {}), 'a function (relu)');
  assert.equal(describeValue(new Int16Array(4)), 'an Int16Array of length 4');
  assert.equal(describeValue(tensor([[1, 2, 3]])), 'a Tensor of shape [1, 3]');
  assert.equal(describeValue({ lr: 0.1 }), '{"lr":0.1} (an object)');
  assert.equal(describeValue(new Map()), 'a Map');
  assert.ok(describeValue('x'.repeat(500)).length < 80);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(describeValue(cyclic), '{...} (an object)');
});

test('suggestKey: aliases, snake_case to camelCase, and case/underscore slips', () => {
  const fit = ['epochs', 'batchSize', 'validationSplit', 'validationData'];
  assert.equal(suggestKey('batch_size', fit), 'batchSize');
  assert.equal(suggestKey('validation_split', fit), 'validationSplit');
  assert.equal(suggestKey('BatchSize', fit), 'batchSize');
  assert.equal(suggestKey('nb_epoch', fit), 'epochs');
  assert.equal(suggestKey('lr', ['learningRate', 'momentum']), 'learningRate');
  assert.equal(suggestKey('learning_rate', ['learningRate']), 'learningRate');
  assert.equal(suggestKey('input_shape', ['units', 'inputShape']), 'inputShape');
  assert.equal(suggestKey('beta_1', ['beta1', 'beta2']), 'beta1');
  // One or two letters off, for keys long enough that it is telling.
  assert.equal(suggestKey('metric', ['optimizer', 'loss', 'metrics']), 'metrics');
  assert.equal(suggestKey('onEpochEnds', ['onEpochBegin', 'onEpochEnd']), 'onEpochEnd');
  assert.equal(suggestKey('los', ['optimizer', 'loss']), undefined);
  assert.equal(suggestKey('constructor', ['name']), undefined);
  // An alias is only suggested when its target is an option here.
  assert.equal(suggestKey('lr', fit), undefined);
  assert.equal(suggestKey('zzz', fit), undefined);
});

test('checkOptions refuses a non-object and unknown keys, naming the key, the right spelling and the valid ones', () => {
  const allowed = ['epochs', 'batchSize'];
  assert.deepEqual(checkOptions('fit', undefined, allowed), {});
  assert.deepEqual(checkOptions('fit', { epochs: 2, batchSize: undefined, other: undefined }, allowed), { epochs: 2, batchSize: undefined, other: undefined });
  assert.throws(
    () => checkOptions('fit', 500, allowed, { what: 'the third argument', example: (v) => `{ epochs: ${String(v)} }` }),
    (e: unknown) => e instanceof ArgumentError && e.message === 'fit: the third argument is an options object, e.g. { epochs: 500 }; got 500 (a number)',
  );
  assert.throws(() => checkOptions('fit', [1], allowed), /fit: the options argument is an options object \(\{ epochs, batchSize \}\); got \[1\] \(an array\)/);
  assert.throws(() => checkOptions('fit', null, allowed), /got null/);
  assert.throws(
    () => checkOptions('fit', { epochs: 1, batch_size: 2 }, allowed),
    (e: unknown) => e instanceof ArgumentError && e.message === "fit: unknown option 'batch_size'; did you mean 'batchSize'? (options: epochs, batchSize)",
  );
  assert.throws(() => checkOptions('x', { foo: 1 }, []), /x: unknown option 'foo' \(it takes no options\)/);
});

test('keyList lists the keys of an options type', () => {
  interface A { a?: number; b: string }
  assert.deepEqual(keyList<A>({ a: true, b: true }), ['a', 'b']);
});

test('value checks quote what they received', () => {
  assert.equal(positiveInt('Dense "d"', 'units', 3), 3);
  assert.throws(() => positiveInt('Dense "d"', 'units', '1'), (e: unknown) => e instanceof ArgumentError && e.message === 'Dense "d": units must be a positive integer, got "1" (a string)');
  assert.throws(() => positiveInt('Dense "d"', 'units', 1.5), /got 1\.5$/);
});
